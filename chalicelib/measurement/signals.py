"""Signals: a statement that clients judge negatively — its share of "niet mee eens" and
"helemaal niet mee eens" among the valid answers ("weet niet" left out) passes
MEASUREMENT_SIGNAL_PERCENT (default 20) — is marked on the results pages and mailed once per
period to the measurement's owners (the municipality's representatives). "Once" is the
conditional write of a `signal#<period>#<question>` marker beside the figures."""
from __future__ import annotations

from pynamodb.exceptions import PutError

from ..accounts import registrants
from ..platform import config, mail
from ..platform.logs import logger
from ..platform.models import Measurement, ResultSnapshot
from . import measurements

NEGATIVE = ("1", "2")  # helemaal niet mee eens, niet mee eens (the "agree" scale)
DONT_KNOW = "0"


def percent() -> int:
    return config.env_int("MEASUREMENT_SIGNAL_PERCENT", 20)


def negative_share(answers: dict[str, int]) -> float | None:
    """The share of negative answers among the valid ones; None without valid answers."""
    valid = sum(n for answer, n in answers.items() if answer != DONT_KNOW)
    if not valid:
        return None
    return sum(answers.get(answer, 0) for answer in NEGATIVE) / valid


def signalled(counts: dict[str, dict[str, int]], agree_questions: set[str]) -> list[str]:
    """The statements (agree scale only) whose negative share passes the setting."""
    return [q for q, answers in counts.items() if q in agree_questions
            and (share := negative_share(answers)) is not None and share * 100 > percent()]


def agree_questions(measurement: Measurement) -> set[str]:
    return {q.id for q in measurements.questionnaire(measurement).questions()
            if q.scale == "agree"}


def marker(period: str, question: str) -> str:
    return f"signal#{period}#{question}"


def mail_once(measurement: Measurement, period: str, period_label: str,
              counts: dict[str, dict[str, int]], responses: int) -> list[str]:
    """Mails the owners about each signalled statement of a period not mailed before; the
    statements mailed now. A marker whose mail could not be queued is taken back (and the
    error raised), so that the stream's retry mails it."""
    scope = measurements.scope_key(measurement)
    questionnaire = measurements.questionnaire(measurement)
    texts = {q.id: q.text["nl"] for q in questionnaire.questions()}
    new: list[str] = []
    for question in signalled(counts, agree_questions(measurement)):
        flag = ResultSnapshot(scope, marker(period, question), responses=responses)
        try:
            flag.save(condition=ResultSnapshot.item.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                continue
            raise
        new.append(question)
    if not new:
        return []
    statements = [(texts.get(q, q), round(100 * (negative_share(counts[q]) or 0)))
                  for q in new]
    link = f"{config.base_url()}/gemeente/{measurement.municipality}/metingen/" \
           f"{measurement.id}/resultaten"
    try:
        for person in registrants.of_municipality(measurement.municipality):
            mail.send(person.email, f"Signaal uit de meting ‘{measurement.name}’",
                      "measurement_signal",
                      {"name": person.name, "measurement": measurement.name,
                       "period": period_label, "statements": statements, "link": link,
                       "percent": percent(), "responses": responses})
    except mail.MailNotSent:
        for question in new:
            ResultSnapshot(scope, marker(period, question)).delete()
        logger.error("signal mail not queued", extra={"measurement": measurement.id})
        raise
    return new
