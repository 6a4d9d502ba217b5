"""The client questionnaire as data: `data/<instrument>/clients-<version>.json`, the ten
standard statements of the CEO Wmo in topics (CEO Jeugd: a list for parents and one for
youths, `ceo-jeugd/clients-ouders-…` and `clients-jongeren-…`), with their scales and
languages (Dutch and English). A municipality's own statements are added per measurement as
one extra topic."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ..platform.records import Record, field
from ..platform.text_input import has_forbidden_characters, normalise

DATA = Path(__file__).resolve().parent / "data"
CURRENT = ("ceo-wmo", "2026.1")
#: the client questionnaires a new measurement can use: {form value: (instrument, version,
#: label)}. CEO Jeugd has a list for parents and one for youths of 12 and older (MCJO;
#: reconstructed wording, docs/questionnaire.md), in language a 12-year-old reads.
CHOICES = {"wmo": ("ceo-wmo", "2026.1", "CEO Wmo: cliënten van de Wmo"),
           "jeugd-ouders": ("ceo-jeugd", "ouders-2026.1", "CEO Jeugd: ouders"),
           "jeugd-jongeren": ("ceo-jeugd", "jongeren-2026.1",
                              "CEO Jeugd: jongeren van 12 jaar en ouder")}
LANGUAGES = ("nl", "en")
MAX_EXTRA = 5
MAX_OPEN_TEXT = 300
FREE_TEXT = "open"  # a question's scale for a written answer (an own question of kind "open")
FREE_TEXT_ERRORS = {
    "nl": {"long": "Schrijf hoogstens {max} tekens. U schreef er {n}.",
           "chars": "Dit antwoord bevat tekens die wij niet kunnen bewaren. Gebruik gewone "
                    "letters, cijfers en leestekens.",
           "choice": "Kies een van de antwoorden."},
    "en": {"long": "Write at most {max} characters. You wrote {n}.",
           "chars": "This answer contains characters we cannot store. Use ordinary letters, "
                    "digits and punctuation.",
           "choice": "Choose one of the answers."},
}


def written(value: str) -> str:
    """A written answer as stored: NFC, Windows line ends made plain, outer space trimmed."""
    return normalise(value).strip()


def written_problem(value: str, lang: str = "nl") -> str | None:
    """Why a written answer cannot be stored (too long, control or invisible characters), in
    the client's language; None when it can."""
    text = written(value)
    messages = FREE_TEXT_ERRORS.get(lang, FREE_TEXT_ERRORS["nl"])
    if has_forbidden_characters(text, multiline=True):
        return messages["chars"]
    if len(text) > MAX_OPEN_TEXT:
        return messages["long"].format(max=MAX_OPEN_TEXT, n=len(text))
    return None


class DefinitionError(Exception):
    """A definition file that is not what the code expects: fails at start-up, loudly."""


class Option(Record, frozen=True):
    value: str
    label: dict[str, str]


class Question(Record, frozen=True):
    id: str
    scale: str  # "agree" | "yes_no" | FREE_TEXT
    text: dict[str, str]

    @property
    def free_text(self) -> bool:
        """A written answer: it may name people, so it is never shown below the threshold
        and in the data file only once the municipality reviewed it."""
        return self.scale == FREE_TEXT


class Topic(Record, frozen=True):
    id: str
    title: dict[str, str]
    questions: tuple[Question, ...]


class ClientQuestionnaire(Record, frozen=True):
    instrument: str
    version: str
    title: dict[str, str]
    scales: dict[str, tuple[Option, ...]]
    topics: tuple[Topic, ...]
    privacy: dict[str, str]
    extra_title: dict[str, str] = field(default_factory=dict)
    # whom the list asks, as the delivery's "doelgroepen" names them (CEO Jeugd: "ouders",
    # "jongeren"); "" when the delivery has no such choice for it (CEO Wmo)
    target_group: str = ""

    def with_extra(self, extra: list[dict]) -> ClientQuestionnaire:
        """This questionnaire with the municipality's own statements as a last topic."""
        if not extra:
            return self
        questions = tuple(Question(q["id"], FREE_TEXT if q.get("kind") == FREE_TEXT else "agree",
                                   {"nl": q["text"], "en": q["text"]}) for q in extra)
        topic = Topic("extra", self.extra_title, questions)
        return ClientQuestionnaire(self.instrument, self.version, self.title, self.scales,
                                   (*self.topics, topic), self.privacy, self.extra_title,
                                   self.target_group)

    def questions(self) -> tuple[Question, ...]:
        return tuple(q for topic in self.topics for q in topic.questions)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def clean(self, given: dict[str, str]) -> dict[str, str]:
        """Only the answers that are one of their scale's values, and written answers that can
        be stored (a question may be skipped)."""
        answers = {}
        for question in self.questions():
            value = given.get(question.id, "")
            if question.free_text:
                if written(value) and written_problem(value) is None:
                    answers[question.id] = written(value)
            elif value and value in {o.value for o in self.scales[question.scale]}:
                answers[question.id] = value
        return answers

    def problems(self, given: dict[str, str], lang: str = "nl") -> dict[str, str]:
        """Per question given an answer it cannot take, why (in `lang`): a value its scale does
        not have, or a written answer too long or with characters we do not store."""
        found = {}
        for q in self.questions():
            value = given.get(q.id)
            if not value:
                continue
            if q.free_text:
                problem = written_problem(value, lang)
                if problem:
                    found[q.id] = problem
            elif value not in {o.value for o in self.scales[q.scale]}:
                found[q.id] = FREE_TEXT_ERRORS.get(lang, FREE_TEXT_ERRORS["nl"])["choice"]
        return found


def _load(path: Path) -> ClientQuestionnaire:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        scales = {name: tuple(Option(o["value"], o["label"]) for o in options)
                  for name, options in data["scales"].items()}
        topics = tuple(Topic(t["id"], t["title"], tuple(Question(q["id"], q["scale"], q["text"])
                                                       for q in t["questions"]))
                       for t in data["topics"])
        definition = ClientQuestionnaire(data["instrument"], data["version"], data["title"],
                                         scales, topics, data["privacy"],
                                         data["extra_topic"]["title"],
                                         data.get("target_group", ""))
    except (KeyError, TypeError, ValueError) as error:
        raise DefinitionError(f"{path.name}: {error!r}") from error
    ids = [q.id for q in definition.questions()]
    if len(ids) != len(set(ids)) or any(q.scale not in scales for q in definition.questions()):
        raise DefinitionError(f"{path.name}: duplicate question ids or an unknown scale")
    for text in [definition.title, definition.privacy,
                 *[t.title for t in topics], *[q.text for q in definition.questions()],
                 *[o.label for s in scales.values() for o in s]]:
        if set(text) != set(LANGUAGES):
            raise DefinitionError(f"{path.name}: every text needs {LANGUAGES}: {text}")
    return definition


@cache
def definition(instrument: str, version: str) -> ClientQuestionnaire:
    path = DATA / instrument / f"clients-{version}.json"
    if not path.is_file():
        raise DefinitionError(f"no client questionnaire {instrument} {version}")
    return _load(path)


def current() -> ClientQuestionnaire:
    return definition(*CURRENT)


def all_definitions() -> list[ClientQuestionnaire]:
    return [_load(path) for path in sorted(DATA.glob("*/clients-*.json"))]
