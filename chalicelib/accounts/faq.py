"""Veelgestelde vragen: the content is data (data/faq.json: groups of questions, each answer a
few paragraphs and links), rendered by one generic template. Placeholders in the text are the
stage's own settings, filled in when the page is shown: the sender to look for in the spam
folder, the helpdesk, the publication site, the privacy minimum."""
from __future__ import annotations

import json
import string
from collections.abc import Mapping
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path

from ..platform import config
from ..platform.records import Record, field

DATA = Path(__file__).resolve().parent / "data" / "faq.json"
PLACEHOLDERS = frozenset({"sender_name", "sender_address", "helpdesk_email", "helpdesk_phone",
                          "site", "privacy_minimum"})


class Question(Record, frozen=True):
    id: str
    question: str
    answer: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()  # (text, path)


class Group(Record, frozen=True):
    title: str
    questions: tuple[Question, ...] = field(default_factory=tuple)


class Faq(Record, frozen=True):
    title: str
    intro: str
    groups: tuple[Group, ...]


def sender() -> tuple[str, str]:
    """(name, address) of the mails' From: what to look for in the spam folder."""
    name, address = parseaddr(config.mail_sender())
    return name or address, address


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def placeholders_in(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def texts() -> list[str]:
    """Every text of the data, for the checks."""
    data = _data()
    found = [data["title"], data["intro"]]
    for group in data["groups"]:
        found.append(group["title"])
        for item in group["questions"]:
            found += [item["question"], *item["answer"],
                      *(link["text"] for link in item.get("links", ()))]
    return found


def load(values: Mapping[str, str]) -> Faq:
    """The questions with `values` (one for every name in PLACEHOLDERS) filled in."""
    data = _data()

    def fill(text: str) -> str:
        return text.format_map(values)

    return Faq(title=fill(data["title"]), intro=fill(data["intro"]), groups=tuple(
        Group(title=fill(group["title"]), questions=tuple(
            Question(id=item["id"], question=fill(item["question"]),
                     answer=tuple(fill(p) for p in item["answer"]),
                     links=tuple((fill(link["text"]), link["href"])
                                 for link in item.get("links", ())))
            for item in group["questions"]))
        for group in data["groups"]))
