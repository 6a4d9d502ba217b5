"""Questionnaire definitions: data files per instrument and cycle
(`questionnaire/data/<instrument>/<cycle>.json`), checked thoroughly when loaded so that a broken
definition fails at start-up, not in front of a user. Adding a question or a cycle is a data
change only."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ..platform.records import Record

DEFINITIONS = Path(__file__).parent / "data"

TYPES = frozenset({"short_text", "long_text", "whole_number", "percentage", "date", "date_range",
                   "single_choice", "multiple_choice", "yes_no", "url", "score_table"})
CHOICE_TYPES = frozenset({"single_choice", "multiple_choice", "yes_no"})
YES_NO = ({"value": "ja", "label": "Ja"}, {"value": "nee", "label": "Nee"})
DEFAULT_MAX_LENGTH = {"short_text": 200, "long_text": 4000, "url": 500}


class DefinitionError(ValueError):
    """A questionnaire definition is inconsistent; the message says where."""


class Option(Record, frozen=True):
    value: str
    label: str


class ScoreRow(Record, frozen=True):
    id: str
    label: str
    categories: tuple[Option, ...]


class Condition(Record, frozen=True):
    """Show a question only when another one's answer equals / includes / is one of a value."""

    question: str
    equals: str | None = None
    includes: str | None = None
    one_of: tuple[str, ...] | None = None


class Question(Record, frozen=True):
    id: str
    type: str
    label: str
    required: bool
    hint: str | None = None
    options: tuple[Option, ...] = ()
    rows: tuple[ScoreRow, ...] = ()
    show_if: Condition | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None

    def input_names(self) -> list[str]:
        """The form fields this question posts; the first is also the anchor for its error."""
        if self.type == "date_range":
            return [self.id, f"{self.id}__tot"]
        if self.type == "score_table":
            return [name for row in self.rows for name in score_inputs(self.id, row)]
        return [self.id]


def score_inputs(question_id: str, row: ScoreRow) -> list[str]:
    return [f"{question_id}__{row.id}__{c.value}" for c in row.categories] + \
        [f"{question_id}__{row.id}__n"]


class Section(Record, frozen=True):
    id: str
    title: str
    intro: str | None
    questions: tuple[Question, ...]


class Rule(Record, frozen=True):
    rule: str
    question: str
    other: str
    message: str


class Derived(Record, frozen=True):
    id: str
    label: str
    numerator: str
    denominator: str


class Definition(Record, frozen=True):
    instrument: str
    cycle: int
    version: str
    title: str
    headline: str
    consent: str
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    derived: tuple[Derived, ...]

    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    def question(self, question_id: str) -> Question:
        return self._by_id()[question_id]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def section_of(self, question_id: str) -> Section:
        return next(s for s in self.sections if any(q.id == question_id for q in s.questions))

    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions()}

    def input_names(self) -> set[str]:
        return {name for q in self.questions() for name in q.input_names()}


def _options(raw: Any, where: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(f"{where}: needs a non-empty list of options")
    options = tuple(Option(str(o["value"]), str(o["label"])) for o in raw)
    values = [o.value for o in options]
    if len(set(values)) != len(values):
        raise DefinitionError(f"{where}: duplicate option values")
    return options


def _question(raw: dict[str, Any], where: str) -> Question:
    known_keys = {"id", "type", "label", "required", "hint", "options", "rows", "categories",
                  "show_if", "max_length", "minimum", "maximum"}
    unknown = set(raw) - known_keys
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "type", "label"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise DefinitionError(f"{where}: '{key}' is required")
    qtype = raw["type"]
    if qtype not in TYPES:
        raise DefinitionError(f"{where}: unknown type '{qtype}'")
    if "__" in raw["id"]:
        raise DefinitionError(f"{where}: ids may not contain '__'")
    options: tuple[Option, ...] = ()
    rows: tuple[ScoreRow, ...] = ()
    if qtype in ("single_choice", "multiple_choice"):
        options = _options(raw.get("options"), where)
    elif qtype == "yes_no":
        options = _options(list(YES_NO), where)
    elif qtype == "score_table":
        categories = _options(raw.get("categories"), where)
        raw_rows = raw.get("rows") or []
        if not raw_rows:
            raise DefinitionError(f"{where}: a score table needs rows")
        rows = tuple(ScoreRow(str(r["id"]), str(r["label"]),
                              _options(r["categories"], where) if "categories" in r else categories)
                     for r in raw_rows)
        if len({r.id for r in rows}) != len(rows):
            raise DefinitionError(f"{where}: duplicate score rows")
    condition = None
    if raw.get("show_if"):
        c = raw["show_if"]
        given = [k for k in ("equals", "includes", "in") if k in c]
        if "question" not in c or len(given) != 1:
            raise DefinitionError(
                f"{where}: show_if needs 'question' and one of equals/includes/in")
        condition = Condition(str(c["question"]), equals=c.get("equals"),
                              includes=c.get("includes"),
                              one_of=tuple(c["in"]) if "in" in c else None)
    return Question(
        id=raw["id"], type=qtype, label=raw["label"], required=bool(raw.get("required", False)),
        hint=raw.get("hint"), options=options, rows=rows, show_if=condition,
        max_length=raw.get("max_length", DEFAULT_MAX_LENGTH.get(qtype)),
        minimum=raw.get("minimum"), maximum=raw.get("maximum"))


def parse(raw: dict[str, Any]) -> Definition:
    """Builds and checks a definition; raises DefinitionError on the first inconsistency."""
    try:
        sections = tuple(
            Section(id=s["id"], title=s["title"], intro=s.get("intro"),
                    questions=tuple(_question(q, f"{s['id']}/{q.get('id', '?')}")
                                    for q in s["questions"]))
            for s in raw["sections"])
        rules = tuple(Rule(r["rule"], r["question"], r["other"], r["message"])
                      for r in raw.get("rules", []))
        derived = tuple(Derived(d["id"], d["label"], d["numerator"], d["denominator"])
                        for d in raw.get("derived", []))
        definition = Definition(
            instrument=raw["instrument"], cycle=int(raw["cycle"]), version=str(raw["version"]),
            title=raw["title"], headline=raw["headline"], consent=raw["consent"],
            sections=sections, rules=rules, derived=derived)
    except (KeyError, TypeError) as error:
        raise DefinitionError(f"missing or malformed field: {error}") from error
    _check_references(definition)
    return definition


def _check_references(definition: Definition) -> None:
    if not definition.sections:
        raise DefinitionError("a questionnaire needs sections")
    if len({s.id for s in definition.sections}) != len(definition.sections):
        raise DefinitionError("duplicate section ids")
    ids = [q.id for q in definition.questions()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DefinitionError(f"duplicate question ids: {duplicates}")
    by_id = {q.id: q for q in definition.questions()}
    order = {qid: index for index, qid in enumerate(ids)}
    for question in definition.questions():
        condition = question.show_if
        if condition is None:
            continue
        target = by_id.get(condition.question)
        if target is None:
            raise DefinitionError(
                f"{question.id}: show_if refers to unknown '{condition.question}'")
        if order[target.id] >= order[question.id]:
            raise DefinitionError(f"{question.id}: show_if must refer to an earlier question")
        if target.type not in CHOICE_TYPES:
            raise DefinitionError(f"{question.id}: show_if must refer to a choice question")
        values = {o.value for o in target.options}
        wanted = [v for v in (condition.equals, condition.includes, *(condition.one_of or ()))
                  if v is not None]
        if any(v not in values for v in wanted):
            raise DefinitionError(f"{question.id}: show_if uses a value '{target.id}' lacks")
    for rule in definition.rules:
        if rule.rule != "not_greater_than":
            raise DefinitionError(f"unknown rule '{rule.rule}'")
        for ref in (rule.question, rule.other):
            if ref not in by_id or by_id[ref].type != "whole_number":
                raise DefinitionError(f"rule refers to '{ref}', which is not a whole number")
    for item in definition.derived:
        for ref in (item.numerator, item.denominator):
            if ref not in by_id:
                raise DefinitionError(f"derived '{item.id}' refers to unknown '{ref}'")
    for ref, kind in ((definition.headline, "long_text"), (definition.consent, "yes_no")):
        if ref not in by_id or by_id[ref].type != kind:
            raise DefinitionError(f"'{ref}' must be a {kind} question")


@cache
def load(instrument: str, cycle: int) -> Definition:
    path = DEFINITIONS / instrument / f"{cycle}.json"
    if not path.is_file():
        raise DefinitionError(f"no definition for {instrument} {cycle}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DefinitionError(f"{path.name}: {error}") from error
    return parse(raw)


def all_definitions() -> list[Definition]:
    """Every definition on disk; loading them all is the start-up check."""
    return [load(path.parent.name, int(path.stem))
            for path in sorted(DEFINITIONS.glob("*/*.json"))]
