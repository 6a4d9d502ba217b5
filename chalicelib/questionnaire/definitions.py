"""Questionnaire definitions: data files per instrument and cycle
(`questionnaire/data/<instrument>/<cycle>.json`), checked thoroughly when loaded so that a broken
definition fails at start-up, not in front of a user. Adding a question or a cycle is a data
change only."""
from __future__ import annotations

import json
from functools import cache, cached_property
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


class ScoreFormat(Record, frozen=True):
    """One way a research report gives a statement's figures: all answer categories, three
    groups, or only the share that agrees. A complete format adds up to 100 %; `agree` names
    the categories whose sum is the share that agrees (for a yes/no statement: yes)."""

    id: str
    label: str
    categories: tuple[Option, ...]
    complete: bool
    agree: tuple[str, ...]
    agree_label: str = "(helemaal) mee eens"


class ScoreRow(Record, frozen=True):
    id: str
    label: str
    formats: tuple[ScoreFormat, ...]

    @property
    def categories(self) -> tuple[Option, ...]:
        """Every category of every format, each once, in the order of first appearance: the
        form fields of this row."""
        seen: dict[str, Option] = {}
        for score_format in self.formats:
            for option in score_format.categories:
                seen.setdefault(option.value, option)
        return tuple(seen.values())


class Condition(Record, frozen=True):
    """Show a question only when another one's answer equals / does not equal / includes / is
    one of a value."""

    question: str
    equals: str | None = None
    includes: str | None = None
    one_of: tuple[str, ...] | None = None
    not_equals: str | None = None


class Unknown(Record, frozen=True):
    """A number may be answered "onbekend", but only where one of `when` holds (a method
    that cannot count whom it reached, such as an open link)."""

    label: str
    when: tuple[Condition, ...]
    refused: str


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
    standalone: str | None = None
    caption: str | None = None
    carry_over: bool = True
    unknown: Unknown | None = None

    @property
    def name(self) -> str:
        """The label that reads on its own, away from the form (review, receipt, feed)."""
        return self.standalone or self.label

    @property
    def citizen_caption(self) -> str:
        """How the public report names this answer: for inhabitants, not for the form."""
        return self.caption or self.name

    def input_names(self) -> list[str]:
        """The form fields this question posts; the first is also the anchor for its error."""
        if self.type == "date_range":
            return [self.id, f"{self.id}__tot"]
        if self.type == "score_table":
            return [name for row in self.rows for name in score_inputs(self.id, row)]
        if self.unknown is not None:
            return [self.id, unknown_input(self.id)]
        return [self.id]


def unknown_input(question_id: str) -> str:
    return f"{question_id}__onbekend"


def score_inputs(question_id: str, row: ScoreRow) -> list[str]:
    return [f"{question_id}__{row.id}__{c.value}" for c in row.categories] + \
        [f"{question_id}__{row.id}__n"]


class Section(Record, frozen=True):
    id: str
    title: str
    intro: str | None
    questions: tuple[Question, ...]
    show_if: Condition | None = None


RULE_KINDS = frozenset({"not_greater_than", "overlaps_years", "not_in_future", "not_before",
                        "all_chosen"})
LEVELS = frozenset({"error", "warning"})


class Rule(Record, frozen=True):
    """A plausibility rule between answers. An error blocks sending; a warning is shown on the
    review page and needs one acknowledgement before sending."""

    rule: str
    question: str
    message: str
    other: str | None = None
    level: str = "error"
    years: tuple[int, int] | None = None


class Derived(Record, frozen=True):
    id: str
    label: str
    numerator: str
    denominator: str
    sentence: str = ""  # for readers, "{value}" the percentage: "Van de … vulde 34,3% in"


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
    measurement_year: int = 0
    no_survey: str | None = None
    # "status": "draft" in the file: ready to try (dev, tests), not yet settled; a prod deploy
    # of a cycle whose definition is a draft stops in the dry run (docs/season.md)
    draft: bool = False

    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    def question(self, question_id: str) -> Question:
        return self._by_id[question_id]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def section_of(self, question_id: str) -> Section:
        return self._section_by_question[question_id]

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions()}

    @cached_property
    def _section_by_question(self) -> dict[str, Section]:
        return {q.id: s for s in self.sections for q in s.questions}

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


def _condition(c: Any, where: str) -> Condition:
    kinds = ("equals", "not_equals", "includes", "in")
    given = [k for k in kinds if k in c] if isinstance(c, dict) else []
    if "question" not in c or len(given) != 1:
        raise DefinitionError(
            f"{where}: show_if needs 'question' and one of equals/not_equals/includes/in")
    return Condition(str(c["question"]), equals=c.get("equals"), includes=c.get("includes"),
                     one_of=tuple(c["in"]) if "in" in c else None,
                     not_equals=c.get("not_equals"))


def _score_formats(raw: Any, where: str) -> tuple[ScoreFormat, ...]:
    if not isinstance(raw, list) or not raw:
        raise DefinitionError(f"{where}: a score table needs formats")
    formats = []
    for item in raw:
        categories = _options(item.get("categories"), where)
        agree = tuple(item.get("agree", ()))
        if not agree or any(a not in {c.value for c in categories} for a in agree):
            raise DefinitionError(f"{where}: format '{item.get('id')}' must name its agreeing "
                                  f"categories among its own")
        formats.append(ScoreFormat(str(item["id"]), str(item["label"]), categories,
                                   bool(item.get("complete", True)), agree,
                                   str(item.get("agree_label", "(helemaal) mee eens"))))
    ids = [f.id for f in formats]
    shapes = [frozenset(o.value for o in f.categories) for f in formats]
    if len(set(ids)) != len(ids) or len(set(shapes)) != len(shapes):
        raise DefinitionError(f"{where}: formats need distinct ids and distinct category sets")
    return tuple(formats)


def _question(raw: dict[str, Any], where: str) -> Question:
    known_keys = {"id", "type", "label", "required", "hint", "options", "rows", "formats",
                  "show_if", "max_length", "minimum", "maximum", "standalone", "caption",
                  "carry_over", "unknown"}
    unknown_keys = set(raw) - known_keys
    if unknown_keys:
        raise DefinitionError(f"{where}: unknown keys {sorted(unknown_keys)}")
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
        formats = _score_formats(raw.get("formats"), where)
        raw_rows = raw.get("rows") or []
        if not raw_rows:
            raise DefinitionError(f"{where}: a score table needs rows")
        rows = tuple(ScoreRow(str(r["id"]), str(r["label"]),
                              _score_formats(r["formats"], f"{where}/{r['id']}")
                              if "formats" in r else formats)
                     for r in raw_rows)
        if len({r.id for r in rows}) != len(rows):
            raise DefinitionError(f"{where}: duplicate score rows")
    unknown = None
    if raw.get("unknown"):
        u = raw["unknown"]
        if qtype != "whole_number":
            raise DefinitionError(f"{where}: only a whole number can be answered 'onbekend'")
        unknown = Unknown(str(u["label"]), tuple(_condition(c, where) for c in u["when"]),
                          str(u["refused"]))
    return Question(
        id=raw["id"], type=qtype, label=raw["label"], required=bool(raw.get("required", False)),
        hint=raw.get("hint"), options=options, rows=rows,
        show_if=_condition(raw["show_if"], where) if raw.get("show_if") else None,
        max_length=raw.get("max_length", DEFAULT_MAX_LENGTH.get(qtype)),
        minimum=raw.get("minimum"), maximum=raw.get("maximum"),
        standalone=raw.get("standalone"), caption=raw.get("caption"),
        carry_over=bool(raw.get("carry_over", True)), unknown=unknown)


def _rule(r: dict[str, Any]) -> Rule:
    years = r.get("years")
    return Rule(r["rule"], r["question"], r["message"], other=r.get("other"),
                level=r.get("level", "error"),
                years=(int(years[0]), int(years[1])) if years else None)


def parse(raw: dict[str, Any]) -> Definition:
    """Builds and checks a definition; raises DefinitionError on the first inconsistency."""
    try:
        sections = tuple(
            Section(id=s["id"], title=s["title"], intro=s.get("intro"),
                    questions=tuple(_question(q, f"{s['id']}/{q.get('id', '?')}")
                                    for q in s["questions"]),
                    show_if=_condition(s["show_if"], s["id"]) if s.get("show_if") else None)
            for s in raw["sections"])
        rules = tuple(_rule(r) for r in raw.get("rules", []))
        derived = tuple(Derived(d["id"], d["label"], d["numerator"], d["denominator"],
                                d.get("sentence", ""))
                        for d in raw.get("derived", []))
        for item in derived:
            if item.sentence and "{value}" not in item.sentence:
                raise DefinitionError(f"derived {item.id}: the sentence must hold {{value}}")
        definition = Definition(
            instrument=raw["instrument"], cycle=int(raw["cycle"]), version=str(raw["version"]),
            title=raw["title"], headline=raw["headline"], consent=raw["consent"],
            sections=sections, rules=rules, derived=derived,
            measurement_year=int(raw.get("measurement_year", int(raw["cycle"]) - 1)),
            no_survey=raw.get("no_survey"), draft=_status(raw) == "draft")
    except (KeyError, TypeError) as error:
        raise DefinitionError(f"missing or malformed field: {error}") from error
    _check_references(definition)
    return definition


def _status(raw: dict[str, Any]) -> str:
    status = raw.get("status", "final")
    if status not in ("draft", "final"):
        raise DefinitionError(f"status must be 'draft' or 'final', not {status!r}")
    return str(status)


RULE_TYPES = {  # rule: (types its question may have, types its other may have)
    "not_greater_than": ({"whole_number", "score_table"}, {"whole_number"}),
    "overlaps_years": ({"date_range"}, set()),
    "not_in_future": ({"date", "date_range"}, set()),
    "not_before": ({"date"}, {"date", "date_range"}),
    "all_chosen": ({"multiple_choice"}, set()),
}


def _check_condition(condition: Condition, by_id: dict[str, Question], order: dict[str, int],
                     where: str, before: int) -> None:
    target = by_id.get(condition.question)
    if target is None:
        raise DefinitionError(f"{where}: show_if refers to unknown '{condition.question}'")
    if order[target.id] >= before:
        raise DefinitionError(f"{where}: show_if must refer to an earlier question")
    if target.type not in CHOICE_TYPES:
        raise DefinitionError(f"{where}: show_if must refer to a choice question")
    values = {o.value for o in target.options}
    wanted = [v for v in (condition.equals, condition.includes, condition.not_equals,
                          *(condition.one_of or ())) if v is not None]
    if any(v not in values for v in wanted):
        raise DefinitionError(f"{where}: show_if uses a value '{target.id}' lacks")


def _check_rule(rule: Rule, by_id: dict[str, Question]) -> None:
    if rule.rule not in RULE_TYPES:
        raise DefinitionError(f"unknown rule '{rule.rule}'")
    if rule.level not in LEVELS:
        raise DefinitionError(f"rule on '{rule.question}': level must be error or warning")
    own, other = RULE_TYPES[rule.rule]
    if rule.question not in by_id or by_id[rule.question].type not in own:
        raise DefinitionError(f"rule {rule.rule} refers to '{rule.question}', which is not "
                              f"a {' or '.join(sorted(own))}")
    if other and (rule.other not in by_id or by_id[rule.other].type not in other):
        raise DefinitionError(f"rule {rule.rule} refers to '{rule.other}', which is not "
                              f"a {' or '.join(sorted(other))}")
    if rule.rule == "overlaps_years" and (rule.years is None or rule.years[0] > rule.years[1]):
        raise DefinitionError(f"rule overlaps_years on '{rule.question}' needs years [from, to]")


def _check_references(definition: Definition) -> None:
    if not definition.sections:
        raise DefinitionError("a questionnaire needs sections")
    if len({s.id for s in definition.sections}) != len(definition.sections):
        raise DefinitionError("duplicate section ids")
    ids = [q.id for q in definition.questions()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DefinitionError(f"duplicate question ids: {duplicates}")
    names = [q.name for q in definition.questions()]
    alike = sorted({n for n in names if names.count(n) > 1})
    if alike:
        raise DefinitionError(f"questions need a label that reads on its own (standalone): "
                              f"{alike} is used more than once")
    by_id = {q.id: q for q in definition.questions()}
    order = {qid: index for index, qid in enumerate(ids)}
    for section in definition.sections:
        if section.show_if is not None:
            _check_condition(section.show_if, by_id, order, section.id,
                             order[section.questions[0].id] if section.questions else len(ids))
    for question in definition.questions():
        if question.show_if is not None:
            _check_condition(question.show_if, by_id, order, question.id, order[question.id])
        for condition in question.unknown.when if question.unknown else ():
            _check_condition(condition, by_id, order, question.id, order[question.id])
    for rule in definition.rules:
        _check_rule(rule, by_id)
    for item in definition.derived:
        for ref in (item.numerator, item.denominator):
            if ref not in by_id:
                raise DefinitionError(f"derived '{item.id}' refers to unknown '{ref}'")
    required = [(definition.headline, "long_text"), (definition.consent, "yes_no")]
    if definition.no_survey is not None:
        required.append((definition.no_survey, "yes_no"))
    for ref, kind in required:
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
