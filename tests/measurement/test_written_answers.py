"""Own open questions ("Open: ..." among the own statements): clients write an answer of at most
300 characters on their topic page, see it on the check page, an inviter types it in from paper;
bad input is refused in Dutch with nothing kept; written answers are never counted, and are
shown on their own page only for a group at or above the threshold, as of the figures on show,
to the municipality and to an inviter of the team, never to another team nor the helpdesk."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.support import measurement as m
from tests.support import results as support
from tests.support.browser import Browser
from tests.support.tables import scan

OWN = "De wachttijd was kort.\nOpen: Wat kan beter?"
EXTRA = [("extra", ("x1", "x2"))]


@pytest.fixture(autouse=True)
def _fresh_stream():
    support.forget_stream()
    yield
    support.forget_stream()


def _client(app_module, path):
    client = Browser(app_module.app)
    client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    return client


def test_a_client_writes_an_answer_sees_it_and_sends_it(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox, extra=OWN)
    client = _client(app_module, path)
    page = client.get("/antwoorden/extra").text
    assert '<textarea class="textarea" id="x2" name="x2"' in page and 'maxlength="300"' in page
    assert "Schrijf geen namen, telefoonnummers of adressen" in page
    text = "Vaker terugbellen.\r\nEn de brief in gewone taal – dank u!" + "é" * 245
    check = m.answer_all(client, {**m.STANDARD, "x1": "4", "x2": text}, EXTRA)
    assert "Vaker terugbellen.\nEn de brief in gewone taal" in check.text
    assert m.send(client).status_code == 200
    [stored] = scan(aws, "Responses")
    answers = json.loads(stored["answers"]["S"])
    assert answers["x2"] == text.replace("\r\n", "\n") and len(answers["x2"]) == 300
    assert answers["x1"] == "4"


@pytest.mark.parametrize(("typed", "message"), [
    ("a" * 301, "Schrijf hoogstens 300 tekens. U schreef er 301."),
    ("Goed\x07gedaan", "tekens die wij niet kunnen bewaren"),
    ("Goed \u202egedaan", "tekens die wij niet kunnen bewaren"),  # reverses what follows
    ("Goed \ue000", "tekens die wij niet kunnen bewaren"),  # private use
])
def test_a_bad_written_answer_is_refused_and_not_kept(browser, mailbox, aws, app_module, typed,
                                                       message):
    path = m.representative_with_measurement(browser, mailbox, extra=OWN)
    client = _client(app_module, path)
    m.answer_all(client, {**m.STANDARD, "x2": "Eerste versie"}, EXTRA)
    bad = client.submit("/antwoorden/extra", [("x1", "4"), ("x2", typed),
                                              ("actie", "volgende")])
    assert bad.status_code == 400 and message in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert "Eerste versie" in client.get("/antwoorden/controleren").text  # nothing kept
    m.send(client)
    [stored] = scan(aws, "Responses")
    assert json.loads(stored["answers"]["S"])["x2"] == "Eerste versie"


def test_a_written_answer_in_english(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox, extra=OWN)
    client = _client(app_module, path)
    client.submit("/antwoorden/taal", {"taal": "en", "terug": "/antwoorden/extra"},
                  form_page="/antwoorden")
    page = client.get("/antwoorden/extra").text
    assert "Do not write names, phone numbers or addresses" in page
    bad = client.submit("/antwoorden/extra", [("x2", "b" * 400), ("actie", "volgende")])
    assert bad.status_code == 400 and "Write at most 300 characters. You wrote 400." in bad.text


def test_a_paper_questionnaire_with_a_written_answer(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox, extra=OWN)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t2")
    form = inviter.get("/uitnodiger/papier").text
    assert 'name="x2"' in form and "Schrijf geen namen" in form
    bad = inviter.submit("/uitnodiger/papier", {"q1": "5", "x2": "c" * 301})
    assert bad.status_code == 400 and "Schrijf hoogstens 300 tekens" in bad.text
    assert scan(aws, "Responses") == []
    saved = inviter.submit("/uitnodiger/papier", {"q1": "5", "x2": "Meer uitleg graag"})
    assert saved.status_code == 303
    [stored] = scan(aws, "Responses")
    assert json.loads(stored["answers"]["S"]) == {"q1": "5", "x2": "Meer uitleg graag"}


def test_the_edit_form_keeps_an_open_question_open(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox, extra=OWN)
    assert m.edit_fields(browser.get(f"{path}/wijzigen").text)["extra"] == [
        "De wachttijd was kort.\nOpen: Wat kan beter?"]


# --- counting and showing ---

def _measurement(threshold=None, teams=("Noord", "Zuid")):
    from chalicelib.measurement import measurements
    from chalicelib.platform.models import Measurement

    made = support.measurement(teams=teams)
    actions = [Measurement.extra_questions.set(
        [{"id": "x1", "text": "Wat kan beter?", "kind": "open"}])]
    if threshold:
        actions.append(Measurement.threshold.set(threshold))
    made.update(actions=actions)
    return measurements.get(made.municipality, made.id)


def _respond(measurement, n, prefix, team=None, day=None):
    for i in range(n):
        support.respond(measurement, {"q1": "4", "x1": f"{prefix} {i:02d}"}, team=team,
                        day=day)


def _texts(measurement):
    from chalicelib.measurement import written_answers

    return written_answers.read(measurement)


def test_written_answers_are_not_counted(aws):
    measurement = _measurement()
    _respond(measurement, 3, "Geheim verhaal")
    assert support.count_new(aws) == {"batchItemFailures": []}
    counters = json.dumps(scan(aws, "Results"))
    assert "Geheim verhaal" not in counters and "#x1#" not in counters
    assert "#q1#4" in counters


@pytest.mark.parametrize(("threshold", "below"), [(None, 9), (15, 14)])
def test_texts_only_from_the_threshold(aws, threshold, below):
    measurement = _measurement(threshold)
    _respond(measurement, below, "Tekst")
    [total, *_] = _texts(measurement)
    assert total.responses is None and total.questions == ()
    _respond(measurement, 1, "Laatste")
    [total, *_] = _texts(measurement)
    assert total.responses == below + 1 and not total.waiting
    assert len(total.questions[0].answers) == below + 1


def test_texts_of_the_last_day_wait_for_the_next_step(aws):
    measurement = _measurement()
    yesterday = date.today() - timedelta(days=1)
    _respond(measurement, 10, "Gisteren", day=yesterday)
    _respond(measurement, 1, "Vandaag")
    [total, *_] = _texts(measurement)
    assert total.responses == 10 and total.waiting
    assert not [t for t in total.questions[0].answers if t.startswith("Vandaag")]
    _respond(measurement, 4, "Vandaag later")  # 15: the next step
    [total, *_] = _texts(measurement)
    assert len([t for t in total.questions[0].answers if t.startswith("Vandaag")]) == 5
    assert total.questions[0].answers == tuple(sorted(total.questions[0].answers,
                                                      key=str.casefold))


def test_an_excluded_day_s_texts_are_left_out(aws):
    from chalicelib.measurement import results

    measurement = _measurement()
    yesterday = date.today() - timedelta(days=1)
    _respond(measurement, 10, "Piek", day=yesterday)
    _respond(measurement, 10, "Gewoon")
    results.set_day_excluded(measurement, yesterday.isoformat(), True, "registrant#test")
    from chalicelib.measurement import measurements

    [total, *_] = _texts(measurements.get(measurement.municipality, measurement.id))
    assert total.responses == 10
    assert all(t.startswith("Gewoon") for t in total.questions[0].answers)


def test_the_pages_show_texts_per_team_only_at_the_threshold(aws, browser, mailbox, helpdesk,
                                                             app_module):
    from chalicelib.measurement import measurements
    from chalicelib.platform.models import Measurement

    path = m.representative_with_measurement(browser, mailbox, extra="Open: Wat kan beter?")
    code, measurement_id = path.split("/")[2], path.split("/")[4]
    measurement = measurements.get(code, measurement_id)
    assert measurement.extra_questions == [{"id": "x1", "text": "Wat kan beter?",
                                            "kind": "open"}]
    _respond(measurement, 10, "Noord zegt", team="t1")
    _respond(measurement, 9, "Zuid zegt", team="t2")
    support.count_new(aws)
    results = browser.get(f"{path}/resultaten").text
    assert f'href="{path}/resultaten/teksten"' in results
    page = browser.get(f"{path}/resultaten/teksten")
    assert page.status_code == 200
    teams = page.text.split('id="groep-2"')[1]
    north, south = teams.split('id="groep-3"')
    assert "Noord zegt 09" in north and ">Sociaal team Noord</h2>" in north
    assert "Zuid zegt" not in south and "Te weinig reacties" in south
    total = page.text.split('id="groep-2"')[0]  # 19 on one day: figures of 15, texts wait
    assert "zegt" not in total and 'id="groep-1-wacht"' in total
    _respond(measurement, 1, "Zuid zegt ook", team="t2")  # Zuid reaches 10
    total = browser.get(f"{path}/resultaten/teksten").text.split('id="groep-2"')[0]
    assert "Zuid zegt 08" in total and "Noord zegt 09" in total  # 20: in the total, unnamed
    # an inviter sees their team's figures, never answers: no texts, not even their team's
    m.invite_inviter(browser, path, team="t2", email="z.zuid@zorgzuid.nl", name="Zus Zuid")
    south_inviter = Browser(app_module.app)
    south_inviter.get(m.inviter_link(mailbox, "z.zuid@zorgzuid.nl"))
    own = south_inviter.get("/uitnodiger/resultaten")
    assert own.status_code == 200 and "teksten" not in own.text and "zegt" not in own.text
    assert south_inviter.get("/uitnodiger/resultaten/teksten").status_code != 200
    assert south_inviter.get(f"{path}/resultaten/teksten").status_code in (401, 403, 404)
    assert helpdesk.get(f"{path}/resultaten/teksten").status_code in (401, 403)
    measurements.get(code, measurement_id).update(
        actions=[Measurement.extra_questions.set([])])
    assert browser.get(f"{path}/resultaten/teksten").status_code == 404


def test_written_answers_too_long_together_for_the_device_are_refused(browser, mailbox, aws,
                                                                       app_module):
    import random

    own = "\n".join(f"Open: Vraag {n}?" for n in range(1, 6))
    path = m.representative_with_measurement(browser, mailbox, extra=own)
    client = _client(app_module, path)
    pick = random.Random(7)
    one = "".join(chr(pick.randrange(0x1F300, 0x1F600)) for _ in range(300))
    fits = client.submit("/antwoorden/extra", [("x1", one), ("actie", "volgende")])
    assert fits.status_code == 303  # one long answer in emoji fits on the device
    many = [(f"x{n}", "".join(chr(pick.randrange(0x1F300, 0x1F600)) for _ in range(300)))
            for n in range(1, 6)]
    refused = client.submit("/antwoorden/extra", [*many, ("actie", "volgende")])
    assert refused.status_code == 400 and "samen te lang om te bewaren" in refused.text
    assert one in client.get("/antwoorden/controleren").text  # the earlier answers kept


def test_texts_come_from_the_oldest_whole_days_only_never_a_later_small_day(aws):
    """13 responses (figures of 10): the oldest day (3) fits, the next (9) would pass 10 and so
    waits — and the newest day's single text never jumps the queue, though it would fit."""
    measurement = _measurement()
    today = date.today()
    _respond(measurement, 3, "Eergisteren", day=today - timedelta(days=2))
    _respond(measurement, 9, "Gisteren", day=today - timedelta(days=1))
    _respond(measurement, 1, "Vandaag")
    [total, *_] = _texts(measurement)
    assert total.responses == 10 and total.waiting
    assert total.questions[0].answers == ("Eergisteren 00", "Eergisteren 01", "Eergisteren 02")
