"""chalicelib/platform/records.py behaves as the dataclasses it replaced did."""
from __future__ import annotations

import copy

import pytest

from chalicelib.platform.records import FrozenInstanceError, Record, as_dict, field


class Point(Record, frozen=True):
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)


class Form(Record):
    name: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def test_construction_defaults_and_factories():
    assert Point(1).y == 0 and Point(1, 2).y == 2 and Point(x=1, y=3).y == 3
    first, second = Point(1), Point(1)
    first.tags.append("a")
    assert second.tags == []  # each instance has its own list
    assert Form().errors == {} and Form().errors is not Form().errors
    with pytest.raises(TypeError, match="missing required argument: 'x'"):
        Point()
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=2)
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match="takes 3 positional arguments"):
        Point(1, 2, [], 4)


def test_equality_hash_repr_and_replace():
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert Point(1) != (1, 0, []) and Form() != Point(1)
    assert hash(Point(1, 2, ())) == hash(Point(1, 2, ()))  # type: ignore[arg-type]
    assert len({Point(1, 2, ()), Point(1, 2, ())}) == 1  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hash(Form())  # mutable records do not hash, as dataclasses with eq
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=[])"
    moved = copy.replace(Point(1, 2, ["a"]), y=5)
    assert moved == Point(1, 5, ["a"])
    assert as_dict(Point(1, 2)) == {"x": 1, "y": 2, "tags": []}
    match Point(1, 2):
        case Point(x, y):
            assert (x, y) == (1, 2)


def test_code_written_for_dataclasses_works_on_records():
    import dataclasses

    assert dataclasses.is_dataclass(Point(1)) and dataclasses.is_dataclass(Point)
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "tags"]
    assert dataclasses.replace(Point(1, 2, ["a"]), y=5) == Point(1, 5, ["a"])
    assert dataclasses.asdict(Point(1, 2)) == {"x": 1, "y": 2, "tags": []}
    assert dataclasses.replace(Form(name="a"), name="b").errors == {}


def test_frozen_records_refuse_changes_mutable_ones_take_them():
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.x  # type: ignore[misc]
    form = Form()
    form.name = "Anna"
    assert form.name == "Anna"


def test_a_field_without_default_may_not_follow_one_with_a_default():
    with pytest.raises(TypeError, match="without a default follows"):
        class Broken(Record):
            a: int = 0
            b: int


@pytest.mark.parametrize("source", [
    "from dataclasses import dataclass\n\n\n@dataclass(frozen=True)\nclass A:\n    x: int\n",
    "import dataclasses\n\n\n@dataclasses.dataclass\nclass A:\n    x: int\n",
    "import dataclasses\n\nA = dataclasses.make_dataclass('A', ['x'])\n",
])
def test_lint_refuses_a_dataclass_in_the_shipped_code(source):
    """Each @dataclass compiles its generated methods at every cold start (records.py: with
    them `import app` costs 1.39x `import boto3`, with Records 1.21x); ruff's banned-api rule
    (ruff.toml, part of ./dev test) refuses one in chalicelib/ and app.py, not in tools."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ruff = Path(sys.executable).parent / "ruff"

    def findings(name: str) -> str:
        return subprocess.run([str(ruff), "check", "--stdin-filename", name, "-"], cwd=root,
                              input=source, capture_output=True, text=True).stdout

    assert "TID251" in findings("chalicelib/delivery/planted.py")
    assert "TID251" in findings("app.py")
    assert "TID251" not in findings("devtools/planted.py")
