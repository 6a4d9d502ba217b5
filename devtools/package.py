"""`./dev package [stage]`: one deployable template per stage, checked.

Merges infra/resources.yaml (tables, bucket) and infra/stack.yaml (event source failure
handling, dead-letter queues, alarms, log retention, least-privilege roles) into the template
that `chalice package` writes, runs the real SAM transform offline (aws-sam-translator) on it,
cfn-lints both the SAM template and the transformed one (some findings, such as W3660, only show
after the transform) and reports the template and package sizes. The package holds the app, its
libraries with boto3/botocore (pinned, not the runtime's) and their bytecode, compiled here with
the runtime's Python (RUNTIME).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"


def load_yaml(path: Path) -> dict[str, Any]:
    """CloudFormation YAML (with !Ref, !Sub, !GetAtt) read by Chalice's own loader."""
    from chalice.package import YAMLTemplateSerializer

    return YAMLTemplateSerializer().load_template(path.read_text(), str(path))


def merge_template(stage: str) -> dict[str, Any]:
    from chalice.package import TemplateDeepMerger

    resources = load_yaml(INFRA / "resources.yaml")
    stack = load_yaml(INFRA / "stack.yaml")
    merged = TemplateDeepMerger().merge(stack, resources)
    merged.pop("AWSTemplateFormatVersion", None)
    merged.pop("Description", None)
    merged["Parameters"]["Stage"]["Default"] = stage
    merged["Parameters"]["MailSenderDomain"]["Default"] = sender_domain(stage)
    # What is deployed, visible in the stack's outputs, every function's environment and each
    # published version's description (`./dev rollback` lists versions by it). A new revision
    # changes the functions' properties, so each deploy publishes a version of every function.
    revision = git_revision()
    for resource in merged["Resources"].values():
        properties = resource.get("Properties", {})
        if "AutoPublishAlias" in properties:
            properties["VersionDescription"] = f"{REVISION_PREFIX}{revision}"
            properties.setdefault("Environment", {}).setdefault("Variables", {})[
                "APP_REVISION"] = revision
    merged["Outputs"]["GitRevision"] = {
        "Description": "The git revision this stack was last deployed from (-dirty: with "
                       "uncommitted changes)", "Value": revision}
    return merged


# A published version's description: the revision it was built from.
REVISION_PREFIX = "git "


def git_revision() -> str:
    """HEAD's abbreviated commit, with -dirty when tracked files have uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        revision = git("rev-parse", "--short=12", "HEAD")
        return revision + ("-dirty" if git("status", "--porcelain", "--untracked-files=no")
                           else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def invoke_aliases(template: dict[str, Any]) -> dict[str, Any]:
    """API Gateway invokes the web function's alias, not its unpublished $LATEST: Chalice writes
    the function's plain ARN into every integration of the API's definition, which SAM's
    AutoPublishAlias does not rewrite (the stream, queue, topic and schedule events it does).
    The alias by the logical id SAM gives it, <function>Alias<name> (SAM's "generated
    resources"): cfn-lint does not resolve ${APIHandler.Alias} inside a Sub."""
    plain = "${APIHandler.Arn}/invocations"
    aliased = "${APIHandlerAliaslive}/invocations"
    text = json.dumps(template)
    if plain not in text:
        return template
    return json.loads(text.replace(plain, aliased))


def sender_domain(stage: str) -> str:
    """The domain of the stage's MAIL_SENDER in .chalice/config.json: its SES identity."""
    from email.utils import parseaddr

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    sender = config["stages"][stage]["environment_variables"]["MAIL_SENDER"]
    return parseaddr(sender)[1].rsplit("@", 1)[1].lower()


# The Lambda runtime of every function. `chalice package` takes it from the Python it runs on
# (python3.13 on 3.13) and picks the wheels for it (cp313): packaging on another Python would
# silently deploy another runtime with wheels built for it. ./dev's PYTHON_VERSION, mypy.ini
# and ruff.toml name the same version (tests/infra/test_runtime.py).
RUNTIME = "python3.13"


def running_runtime() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def package(stage: str, out: Path) -> Path:
    if running_runtime() != RUNTIME:
        raise SystemExit(f"./dev package needs {RUNTIME} (the Lambda runtime), not "
                         f"{running_runtime()}: chalice takes the runtime from the Python it "
                         "runs on. Recreate .venv with ./dev.")
    out.mkdir(parents=True, exist_ok=True)
    merge_file = out / f"merge-{stage}.json"
    merge_file.write_text(json.dumps(merge_template(stage), indent=1))
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION",
                                                               "eu-central-1")}
    env.pop("AWS_ENDPOINT_URL", None)
    target = out / stage
    subprocess.run([str(Path(sys.executable).with_name("chalice")), "package", "--stage", stage,
                    "--merge-template", str(merge_file), str(target)],
                   cwd=ROOT, env=env, check=True)
    ship_bytecode(target / "deployment.zip")
    from . import table_parameters

    template = table_parameters.apply(invoke_aliases(json.loads((target / "sam.json").read_text())))
    (target / "sam.json").write_text(json.dumps(template, indent=2))
    transformed = sam_transform(template, env["AWS_DEFAULT_REGION"])
    (target / "transformed.json").write_text(json.dumps(transformed, indent=1))
    return target


# `aws cloudformation deploy` sends a template inline only up to this size; a larger one must go
# through S3 (`--s3-bucket`), up to 1 MB (AWS CLI reference, cloudformation deploy; CloudFormation
# quotas: "Template body size in a request").
INLINE_TEMPLATE_LIMIT = 51_200


def as_packaged(template: dict[str, Any]) -> dict[str, Any]:
    """The template as `aws cloudformation package` leaves it: code in S3, not a local path."""
    packaged = copy.deepcopy(template)
    for resource in packaged["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://artifact-bucket/0123456789abcdef"
    return packaged


class _NoManagedPolicies:
    """Every role here is written out; the transform never needs to look a managed policy up."""

    def load(self) -> dict[str, str]:
        return {}


def sam_transform(template: dict[str, Any], region: str = "eu-central-1") -> dict[str, Any]:
    """What CloudFormation's AWS::Serverless-2016-10-31 transform makes of the template, offline
    (the translator needs a region for its pseudo parameters, nothing else from AWS)."""
    from samtranslator.translator.transform import transform

    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = previous or region
    try:
        return transform(as_packaged(template), {}, _NoManagedPolicies())
    finally:
        if previous is None:
            del os.environ["AWS_DEFAULT_REGION"]


def ship_bytecode(zip_path: Path) -> int:
    """Adds compiled bytecode for every module, so that a cold start does not compile the app,
    botocore and the rest again each time (the package directory is read-only on Lambda: Python
    can neither keep what it compiles nor trust a timestamp-checked cache whose source times
    the zip does not keep). Unchecked-hash pycs (PEP 552) are used as they are, without looking
    at the source, which is right for a package that never changes once built; they are for
    this Python version only, which package() makes sure is the runtime's. Stray caches copied
    from the working tree are dropped first. Returns the number of modules compiled."""
    import compileall
    import py_compile
    import tempfile

    def stray(name: str) -> bool:
        return "__pycache__/" in name or name.endswith((".pyc", ".pyo"))

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with zipfile.ZipFile(zip_path) as source:
            kept = [(info, source.read(info)) for info in source.infolist()
                    if not stray(info.filename)]
        for info, data in kept:
            if info.filename.endswith(".py"):
                (root / info.filename).parent.mkdir(parents=True, exist_ok=True)
                (root / info.filename).write_bytes(data)
        if not compileall.compile_dir(
                root, quiet=2, ddir="/var/task", workers=1,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH):
            raise SystemExit("./dev package: a module of the package does not compile on "
                             f"{running_runtime()} (run compileall on it to see which)")
        compiled = sorted(root.rglob("*.pyc"))
        lean = zip_path.with_suffix(".with-bytecode")
        with zipfile.ZipFile(lean, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info, data in kept:
                target.writestr(info, data)
            for pyc in compiled:
                entry = zipfile.ZipInfo(pyc.relative_to(root).as_posix(), (1980, 1, 1, 0, 0, 0))
                entry.external_attr = 0o644 << 16
                target.writestr(entry, pyc.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
        lean.replace(zip_path)
    return len(compiled)


def lint(template: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(template)],
                          capture_output=True, text=True)


# Lambda's limit on a function's code unzipped (with its layers): 250 MB (Lambda quotas).
UNZIPPED_LIMIT = 250 * 1024 * 1024


def size(zip_path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(zip_path) as archive:
        return zip_path.stat().st_size, sum(i.file_size for i in archive.infolist())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", nargs="?", default="dev", choices=["dev", "prod"])
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    args = parser.parse_args(argv)
    target = package(args.stage, args.out)
    failed = False
    for name in ("sam.json", "transformed.json"):
        result = lint(target / name)
        print(f"cfn-lint {name}: " + (result.stdout + result.stderr or "no findings"))
        failed = failed or result.returncode != 0  # errors, warnings or failing to run
    zipped, unpacked = size(target / "deployment.zip")
    template_bytes = len(json.dumps(as_packaged(json.loads((target / "sam.json").read_text()))))
    print(f"Template: {target / 'sam.json'} ({template_bytes} bytes once packaged: "
          f"{'deploy with --s3-bucket' if template_bytes > INLINE_TEMPLATE_LIMIT else 'inline'})"
          f"\nLambda package: {zipped / 1e6:.1f} MB zipped, {unpacked / 1e6:.1f} MB unpacked "
          f"(boto3/botocore included; Lambda's limit: {UNZIPPED_LIMIT / 2**20:.0f} MiB "
          "unpacked)")
    if unpacked > UNZIPPED_LIMIT:
        print("Lambda package: over Lambda's unzipped limit, it cannot be deployed")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
