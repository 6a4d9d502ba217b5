"""One Python everywhere: the Lambda runtime (devtools/package.py RUNTIME), the interpreter ./dev
makes .venv with, mypy's and ruff's target, the README, and the Python these tests run on; and
./dev finds that interpreter where pyenv's shims would fail."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import package

ROOT = Path(__file__).resolve().parents[2]
VERSION = package.RUNTIME.removeprefix("python")  # "3.13"


def test_every_place_names_the_lambda_runtime_s_python():
    dev = (ROOT / "dev").read_text()
    assert re.search(r"^PYTHON_VERSION=(\S+)$", dev, re.M).group(1) == VERSION
    mypy = configparser.ConfigParser()
    mypy.read(ROOT / "mypy.ini")
    assert mypy["mypy"]["python_version"] == VERSION
    ruff = (ROOT / "ruff.toml").read_text()
    assert re.search(r'^target-version = "(\S+)"$', ruff, re.M).group(1) == \
        "py" + VERSION.replace(".", "")
    assert f"Python {VERSION}" in (ROOT / "README.md").read_text()
    assert package.running_runtime() == package.RUNTIME, "the tests run on another Python"


def _interpreter(tmp_path: Path, name: str, target: str) -> None:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).symlink_to(target)


def _which_python(env_path: str, pyenv_root: Path, **extra: str):
    env = {"PATH": env_path, "HOME": str(pyenv_root.parent), "PYENV_ROOT": str(pyenv_root),
           **extra}
    return subprocess.run([str(ROOT / "dev"), "which-python"], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.fixture()
def shims(tmp_path):
    """A PATH like these machines': pyenv shims for python3.13 that fail (the selected version is
    another one) and a python3 of another version; pyenv itself not on PATH."""
    shim_dir = tmp_path / "shims"
    shim_dir.mkdir()
    shim = shim_dir / f"python{VERSION}"
    shim.write_text(f"#!/bin/sh\necho 'pyenv: python{VERSION}: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    other = shutil.which("python3", path="/usr/bin:/bin")
    if other and subprocess.run([other, "-c", "import sys; print(sys.version[:4])"],
                                capture_output=True, text=True).stdout.strip() != VERSION:
        (shim_dir / "python3").symlink_to(other)
    return f"{shim_dir}:/usr/bin:/bin"


def test_dev_finds_the_newest_3_13_in_pyenv_s_versions_when_the_shims_fail(shims, tmp_path):
    real = os.path.realpath(sys._base_executable)
    root = tmp_path / "pyenv"
    for patch in ("0", "9", "10"):
        _interpreter(root / "versions" / f"{VERSION}.{patch}" / "bin", f"python{VERSION}", real)
    result = _which_python(shims, root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{root}/versions/{VERSION}.10/bin/python{VERSION} ")
    assert f"(Python {VERSION}." in result.stdout


def test_dev_says_what_it_looked_for_when_3_13_is_missing(shims, tmp_path):
    result = _which_python(shims, tmp_path / "no-pyenv")
    assert result.returncode == 1
    assert f"Python {VERSION} is required" in result.stderr
    assert "DEV_PYTHON=" in result.stderr and str(tmp_path / "no-pyenv") in result.stderr


def test_dev_takes_an_explicit_interpreter_but_only_of_the_right_version(shims, tmp_path):
    real = os.path.realpath(sys._base_executable)
    result = _which_python(shims, tmp_path / "no-pyenv", DEV_PYTHON=real)
    assert result.returncode == 0 and result.stdout.startswith(real)
    wrong = _which_python(shims, tmp_path / "no-pyenv", DEV_PYTHON="/bin/true")
    assert wrong.returncode == 1 and f"is not Python {VERSION}" in wrong.stderr


def test_a_botocore_without_conditional_writes_stops_the_forwarder_before_it_writes():
    """What the forwarder would meet on an SDK older than 1.35.69: S3's PutObject without
    IfMatch. The check names the missing feature instead of failing every write later."""
    from types import SimpleNamespace

    import boto3
    import botocore.model
    import botocore.session

    from chalicelib.publication import targets

    targets.require_conditional_writes(boto3.client("s3", region_name="eu-central-1"))
    loader = botocore.session.get_session().get_component("data_loader")
    definition = loader.load_service_model("s3", "service-2")
    del definition["shapes"]["PutObjectRequest"]["members"]["IfMatch"]
    old = SimpleNamespace(meta=SimpleNamespace(
        service_model=botocore.model.ServiceModel(definition, "s3")))
    with pytest.raises(targets.MissingSdkFeature, match=r"IfMatch.*botocore >= 1\.35\.69"):
        targets.require_conditional_writes(old)
