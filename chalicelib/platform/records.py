"""Record classes: what `@dataclass` gave this code (fields from annotations, keyword or
positional construction, defaults and default factories, equality, repr, frozen instances with
a hash), without its import-time cost.

`@dataclass` writes and compiles the source of each class's methods when the class is defined,
at every cold start: about 4.6 million instructions a class, ~140 million for the 43 here.
These classes share one set of plain methods instead. Measured in the shipped package (`./dev
bench --cold-start`; valgrind's instruction counts, which the machine's load does not move):
`import app` costs 1.21x `import boto3` with Records and 1.39x with the standard
`@dataclass(slots=True, frozen=True)` (CPU medians 1.26x and 1.52x). The standard library
misses the 1.3x budget, so the Records stay, and ruff's banned-api rule (ruff.toml) keeps
`@dataclass` out of the shipped code. Type checkers treat them as dataclasses
(`dataclass_transform`); `copy.replace(record, field=value)` works as for a dataclass, and so
do dataclasses.replace, fields, asdict and is_dataclass.

    class Option(Record, frozen=True):
        value: str
        label: str = ""
        tags: list[str] = field(default_factory=list)
"""
from __future__ import annotations

import dataclasses  # imported by botocore already: no cost at a cold start
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform


class FrozenInstanceError(AttributeError):
    """An attribute of a frozen record was set or deleted."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field[T](*, default_factory: Callable[[], T]) -> T:
    """A default made anew for each instance (a list, a dict), as dataclasses.field."""
    return _Factory(default_factory)  # type: ignore[return-value]


_MISSING = object()


def _dataclass_field(name: str, default: Any) -> dataclasses.Field[Any]:
    if isinstance(default, _Factory):
        described: dataclasses.Field[Any] = dataclasses.field(default_factory=default.make)
    elif default is _MISSING:
        described = dataclasses.field()
    else:
        described = dataclasses.field(default=default)
    described.name = name
    described._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
    return described


@dataclass_transform(field_specifiers=(field,))
class Record:
    __record_fields__: ClassVar[tuple[str, ...]] = ()
    __record_defaults__: ClassVar[dict[str, Any]] = {}
    __record_frozen__: ClassVar[bool] = False

    def __init_subclass__(cls, *, frozen: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = list(cls.__record_fields__)
        defaults = dict(cls.__record_defaults__)
        # The class's own annotations (strings: `from __future__ import annotations`).
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063
            if "ClassVar" in str(annotation):
                continue
            if name not in names:
                names.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                if isinstance(defaults[name], _Factory):
                    delattr(cls, name)
            elif defaults:
                raise TypeError(f"{cls.__name__}.{name}: a field without a default follows "
                                "one with a default")
        if cls.__record_frozen__ and not frozen:
            raise TypeError(f"{cls.__name__}: a record cannot unfreeze a frozen base")
        cls.__record_fields__ = tuple(names)
        cls.__record_defaults__ = defaults
        # What dataclasses.fields/replace/asdict/is_dataclass read, so that code written for
        # dataclasses (tests, other branches) works on records unchanged.
        setattr(cls, "__dataclass_fields__",  # noqa: B010 (mypy: not on type)
                {name: _dataclass_field(name, defaults.get(name, _MISSING)) for name in names})
        cls.__record_frozen__ = frozen
        setattr(cls, "__match_args__", tuple(names))  # noqa: B010 (mypy: not on type)
        # As a dataclass with eq=True: frozen records hash by their fields, others do not hash.
        cls.__hash__ = Record._hash if frozen else None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__record_fields__
        name_of = type(self).__name__
        if len(args) > len(names):
            raise TypeError(f"{name_of}() takes {len(names)} positional arguments but "
                            f"{len(args)} were given")
        values = dict(zip(names, args, strict=False))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{name_of}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{name_of}() got multiple values for argument {name!r}")
            values[name] = value
        set_field = object.__setattr__
        for name in names:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = self.__record_defaults__.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{name_of}() missing required argument: {name!r}")
                if isinstance(value, _Factory):
                    value = value.make()
            set_field(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__record_fields__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def _hash(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_fields__)
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__record_frozen__:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self.__record_frozen__:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def __replace__(self, **changes: Any) -> Any:
        """copy.replace(record, field=value): a new record with those fields changed."""
        return type(self)(**{**dict(zip(self.__record_fields__, self._values(), strict=True)),
                             **changes})


def as_dict(record: Record) -> dict[str, Any]:
    """The fields and their values (shallow: nested records stay records)."""
    return {name: getattr(record, name) for name in record.__record_fields__}
