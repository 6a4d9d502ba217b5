""""Gebruik deze uitkomsten in de aanlevering": the measurement's exact figures fill the shared
draft (scores in the five-answer format without "weet niet", respondents, approached, fieldwork
period, method, standard questions), marked "uit de meting" on the review page, in the delivery
view and in the feed (`source: "measurement"` with the counts) — never narrative answers or
consent; the send passes every plausibility rule without a warning; a second use shows what
changes first, never writes over a colleague's change, and nothing happens below the
threshold."""
from __future__ import annotations

import re
from datetime import date, timedelta

from chalicelib.measurement import invitations, inviters
from chalicelib.measurement import responses as client_responses
from chalicelib.platform.models import Draft, Measurement
from tests.support import measurement as m
from tests.support.answers import ALL, COMPLETE_RAW
from tests.support.browser import Browser
from tests.support.feed import MEASURED_ANSWERS, bucket_object, record, run, validate
from tests.support.flows import save, send, signed_in
from tests.support.tables import scan

FIRST = date(2026, 1, 12)
TAG = 'class="tag tag--measured"'


def _measurement(path: str) -> Measurement:
    _, _, code, _, mid = path.split("/")
    return Measurement.get(code, mid, consistent_read=True)


def _answers(measurement: Measurement, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        channel = "papier" if n % 5 == 4 else "sms"
        source = client_responses.Source(measurement.municipality, measurement.id, "meting",
                                         channel, "t1")
        client_responses.submit(source, MEASURED_ANSWERS[n % len(MEASURED_ANSWERS)],
                                day=FIRST + timedelta(days=n))


def _measured(browser, mailbox, responses=20, invitations_sent=20):
    """A representative of Groningen with a measurement: `invitations_sent` sms invitations
    by an inviter, `responses` answers (every fifth on paper)."""
    path = m.representative_with_measurement(browser, mailbox)
    m.invite_inviter(browser, path, team="t1")
    measurement = _measurement(path)
    [inviter] = inviters.of_measurement(measurement)
    for _ in range(invitations_sent):
        invitations.issue(measurement, "sms", "t1", inviter)
    _answers(measurement, responses)
    return path, measurement


def _draft() -> Draft:
    return Draft.get("GM0014#2026", consistent_read=True)


def _complete_keeping_measured(browser, filled: dict) -> None:
    """The colleague completes the rest through the pages; the measured fields are posted
    back unchanged, as the pages show them."""
    for section, pairs in ALL.items():
        mine = [(n, v) for n, v in pairs if n not in filled and not n.startswith("scores__")]
        names = {q for q, _ in pairs} | ({n for n in filled if n.startswith("scores__")}
                                          if section == "uitkomsten" else set())
        ours = [(n, v) for n, value in filled.items() if n in names
                for v in (value if isinstance(value, list) else [value])]
        assert save(browser, section, mine + ours).status_code == 303, section


def test_the_figures_fill_the_draft_are_marked_and_reach_the_feed(browser, mailbox, aws):
    path, _ = _measured(browser, mailbox)
    preview = browser.get(f"{path}/aanlevering")
    assert preview.status_code == 200 and "20 reacties" in preview.text
    assert "Wat er verandert" in preview.text and "Aantal respondenten" in preview.text
    used = m.use_in_delivery(browser, path, preview)
    assert used.headers["Location"] == "/gemeente/GM0014/controleren?uit-meting=1"
    assert "staan nu in de aanlevering" in browser.get(used.headers["Location"]).text
    answers = _draft().answers
    # q1 over 20 responses: 7 × 5, 4 × 4, 3 × 3, 2 × 2, 2 × 1 and 2 × "weet niet" left out
    assert [answers[f"scores__q1__{c}"] for c in (
        "helemaal_mee_eens", "mee_eens", "neutraal", "niet_mee_eens",
        "helemaal_niet_mee_eens", "n")] == ["38,9", "22,2", "16,7", "11,1", "11,1", "18"]
    assert answers["scores__q1__eens"] == "" and "scores__q9__n" not in answers  # all "0"
    assert answers["aantal_respondenten"] == "20"
    assert answers["aantal_benaderd"] == "24"  # 20 sms invitations + 4 paper forms in person
    assert (answers["periode"], answers["periode__tot"]) == ("2026-01-12", "2026-01-31")
    assert answers["methode"] == ["schriftelijk", "online"]
    assert answers["standaardvragen"] == "ja" and answers["onderzoek_uitgevoerd"] == "ja"
    for own in ("doel", "belangrijkste_uitkomsten", "verbeteracties", "toestemming_college"):
        assert own not in answers
    assert [i for i in scan(aws, "Audit") if i["action"]["S"] == "aanlevering gevuld uit meting"]

    filled = dict(answers)
    _complete_keeping_measured(browser, filled)
    review = browser.get("/gemeente/GM0014/controleren").text
    assert review.count(TAG) == 6 + 9  # six answers, nine score rows
    for own in ("Wat was het doel van het onderzoek?", "Belangrijkste uitkomsten (kort)",
                "Toestemming van het college voor publicatie"):
        assert TAG not in re.search(rf"<dt>{re.escape(own)}.*?</dt>", review, re.S).group(0)

    from chalicelib.questionnaire import answers as rules
    from chalicelib.questionnaire import journey

    assert rules.warnings(journey.current_definition(), _draft().answers) == {}
    sent = send(browser)  # no "warnings seen" field: a warning would refuse this send
    assert sent.status_code == 303, sent.text[:500]
    assert run([record("GM0014#2026", 1)]) == {"batchItemFailures": []}
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    validate(document)
    by_id = {a["question_id"]: a for a in document["answers"]}
    assert by_id["aantal_respondenten"]["source"] == "measurement"
    assert by_id["aantal_respondenten"]["counts"] == {"reacties": 20}
    assert "by_list" not in by_id["aantal_respondenten"]  # Wmo: one measurement per draft
    assert by_id["aantal_benaderd"]["counts"] == {"uitnodigingen": 20, "brieven": 0,
                                                  "ter_plaatse": 4}
    assert by_id["methode"]["counts"] == {"papier": 4, "sms": 16}
    assert "source" not in by_id["doel"] and "source" not in by_id["belangrijkste_uitkomsten"]
    scores = {r["question_id"]: r for r in document["scores"]}
    assert scores["q2"]["source"] == "measurement" and scores["q2"]["valid_answers"] == 20
    assert scores["q2"]["counts"] == {"helemaal_mee_eens": 0, "mee_eens": 20, "neutraal": 0,
                                      "niet_mee_eens": 0, "helemaal_niet_mee_eens": 0,
                                      "weet_niet": 0}
    # q1 has 18 valid answers, below the feed's privacy minimum of 20: withheld, and its
    # counts too (they would give the percentages away)
    assert scores["q1"]["source"] == "measurement" and scores["q1"]["withheld"] is True
    assert scores["q1"]["counts"] == {} and scores["q1"]["valid_answers"] == 18
    assert "q9" not in scores  # only "weet niet": nothing to say
    view = browser.get("/gemeente/GM0014/aanlevering/GM0014-2026-1")
    assert view.status_code == 200 and view.text.count(TAG) == 15


def test_a_colleague_s_edit_ends_the_mark(browser, mailbox, aws):
    path, _ = _measured(browser, mailbox)
    m.use_in_delivery(browser, path)
    answers = _draft().answers
    pairs = [(n, v) for n, v in ALL["uitvoering"] if n not in answers]
    pairs += [(n, answers[n]) for n in ("periode", "periode__tot", "aantal_benaderd")]
    pairs += [("aantal_respondenten", "19")]
    assert save(browser, "uitvoering", pairs).status_code == 303
    review = browser.get("/gemeente/GM0014/controleren").text
    row = re.search(r"<dt>Aantal respondenten.*?</dt>", review, re.S).group(0)
    assert TAG not in row
    row = re.search(r"<dt>Aantal benaderde personen.*?</dt>", review, re.S).group(0)
    assert TAG in row


def test_a_second_use_shows_what_changes_and_never_writes_over_a_colleague(
        browser, mailbox, aws, app_module):
    path, measurement = _measured(browser, mailbox)
    m.use_in_delivery(browser, path)
    _answers(measurement, 5, start=20)
    again = browser.get(f"{path}/aanlevering")
    assert re.search(r"Aantal respondenten</th><td[^>]*>20</td><td[^>]*>25</td>", again.text)
    # a colleague saves the results section after the page was shown: nothing is written
    colleague = Browser(app_module.app)
    signed_in(colleague, mailbox, email="collega@groningen.nl", codes=("GM0014",))
    current = _draft().answers
    assert save(colleague, "uitvoering", [
        *[(n, v) for n, v in ALL["uitvoering"]
          if n not in current and n != "uitgevoerd_door"],
        *[(n, current[n]) for n in ("periode", "periode__tot", "aantal_benaderd",
                                    "aantal_respondenten")],
        ("uitgevoerd_door", "Onderzoeksbureau Noord")]).status_code == 303
    before = _draft()
    refused = m.use_in_delivery(browser, path, again)
    assert refused.status_code == 409 and "collega" in refused.text
    after = _draft()
    assert after.answers == before.answers and after.version == before.version
    # the page it answers with shows the changes again, from the fresh draft: now it writes
    assert m.use_in_delivery(browser, path, refused).status_code == 303
    assert _draft().answers["aantal_respondenten"] == "25"
    assert _draft().answers["uitgevoerd_door"] == "Onderzoeksbureau Noord"


def test_more_responses_after_the_page_was_shown_write_nothing_unseen(browser, mailbox, aws):
    path, measurement = _measured(browser, mailbox)
    page = browser.get(f"{path}/aanlevering")
    _answers(measurement, 5, start=20)
    refused = m.use_in_delivery(browser, path, page)
    assert refused.status_code == 409 and "nieuwe reacties" in refused.text
    assert Draft.count("GM0014#2026") == 0
    assert m.use_in_delivery(browser, path, refused).status_code == 303
    assert _draft().answers["aantal_respondenten"] == "25"


def test_another_section_saved_meanwhile_is_kept_and_consent_is_never_touched(
        browser, mailbox, aws):
    path, _ = _measured(browser, mailbox)
    assert save(browser, "toestemming", ALL["toestemming"]).status_code == 303
    page = browser.get(f"{path}/aanlevering")
    assert save(browser, "opvolging", ALL["opvolging"]).status_code == 303  # not ours
    assert m.use_in_delivery(browser, path, page).status_code == 303
    answers = _draft().answers
    assert answers["toestemming_college"] == COMPLETE_RAW["toestemming_college"]
    assert answers["verbeteracties"] == COMPLETE_RAW["verbeteracties"]
    assert answers["aantal_respondenten"] == "20"


def test_below_the_threshold_it_refuses_in_dutch_and_writes_nothing(browser, mailbox, aws):
    path, measurement = _measured(browser, mailbox, responses=9)
    page = browser.get(f"{path}/aanlevering")
    assert "te weinig reacties" in page.text and "minstens 10" in page.text
    assert 'name="uitkomsten"' not in page.text
    forged = browser.submit(f"{path}/aanlevering", {"gezien": "0.0.", "uitkomsten": "x"},
                            form_page=f"{path}/aanlevering")
    assert forged.status_code == 409 and "te weinig reacties" in forged.text
    assert Draft.count("GM0014#2026") == 0
    _answers(measurement, 1, start=9)  # the tenth
    assert m.use_in_delivery(browser, path).status_code == 303
    assert _draft().answers["aantal_respondenten"] == "10"


def test_excluded_days_and_generic_links(browser, mailbox, aws):
    """A burst day left out counts nowhere; a generic link makes "approached" unknown, with
    the open-link method that allows it, so the rule on "onbekend" holds."""
    path, measurement = _measured(browser, mailbox)
    for n in range(6):
        source = client_responses.Source("GM0014", measurement.id, "meting", "generiek", None)
        client_responses.submit(source, MEASURED_ANSWERS[n], day=date(2026, 2, 20))
    measurement.update(actions=[Measurement.excluded_days.add({"2026-02-20"})])
    m.use_in_delivery(browser, path)
    assert _draft().answers["aantal_respondenten"] == "20"
    assert _draft().answers["aantal_benaderd"] == "24"
    measurement.update(actions=[Measurement.excluded_days.set(None)])
    m.use_in_delivery(browser, path)
    answers = _draft().answers
    assert answers["aantal_respondenten"] == "26" and answers["periode__tot"] == "2026-02-20"
    assert answers["aantal_benaderd"] == "" and answers["aantal_benaderd__onbekend"] == "ja"
    assert "open_link" in answers["methode"]
    review = browser.get("/gemeente/GM0014/controleren").text
    assert "kan alleen bij een algemene link" not in review


def test_only_representatives_of_the_municipality(browser, mailbox, aws, app_module):
    path, _ = _measured(browser, mailbox)
    assert Browser(app_module.app).get(f"{path}/aanlevering").status_code == 401
    other = Browser(app_module.app)
    signed_in(other, mailbox, email="k.bakker@assen.nl", codes=("GM0106",))
    assert other.get(f"{path}/aanlevering").status_code == 404
    assert other.submit(f"{path}/aanlevering", {"gezien": "0.0."},
                        form_page="/start").status_code == 404


def test_a_figure_the_measurement_no_longer_gives_is_emptied_not_left_as_measured(
        browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    for n in range(20):  # q2 answered only on the second day
        answers = {**MEASURED_ANSWERS[0], "q2": "0" if n < 10 else "4"}
        source = client_responses.Source("GM0014", measurement.id, "meting", "papier", None)
        client_responses.submit(source, answers, day=FIRST + timedelta(days=n // 10))
    m.use_in_delivery(browser, path)
    assert _draft().answers["scores__q2__n"] == "10"
    measurement.update(actions=[Measurement.excluded_days.add({
        (FIRST + timedelta(days=1)).isoformat()})])
    page = browser.get(f"{path}/aanlevering")
    assert "de meting geeft hier geen uitkomst meer" in page.text
    assert m.use_in_delivery(browser, path, page).status_code == 303
    answers = _draft().answers
    assert answers["scores__q2__n"] == "" and answers["scores__q2__mee_eens"] == ""
    assert answers["aantal_respondenten"] == "10"
    assert "scores__q2" not in _draft().measured["fields"]


JEUGD_PARENTS = [{"o1": v, "o2": "4", "o3": "5", "o4": "3", "o5": "0", "o6": "2"}
                 for v in ("5", "4", "5", "2", "1")]


def _jeugd(browser, list_="jeugd-ouders", responses=10):
    path = m.measurement_path(m.create(browser, vragenlijst=list_, naam=f"Jeugd {list_}"))
    measurement = _measurement(path)
    for n in range(responses):
        source = client_responses.Source("GM0014", measurement.id, "meting", "papier", None)
        answers = JEUGD_PARENTS[n % len(JEUGD_PARENTS)]
        if list_ == "jeugd-jongeren":
            answers = {"j" + k[1:]: v for k, v in answers.items()}
        client_responses.submit(source, answers, day=FIRST + timedelta(days=n))
    return path, measurement


def test_a_jeugd_measurement_fills_the_jeugd_draft_and_never_the_wmo_one(browser, mailbox,
                                                                          aws):
    """Parents' answers land in the Jeugd delivery's parents' table (o1–o6); the Wmo draft is
    not created, and a Wmo measurement used afterwards leaves the Jeugd draft as it was."""
    signed_in(browser, mailbox)
    path, _ = _jeugd(browser)
    page = browser.get(f"{path}/aanlevering")
    assert "CEO Jeugd 2026" in page.text and "Scores van ouders" in page.text
    used = m.use_in_delivery(browser, path, page)
    assert used.status_code == 303
    assert used.headers["Location"] == "/gemeente/GM0014/jeugd/controleren?uit-meting=1"
    assert Draft.count("GM0014#2026") == 0
    jeugd = Draft.get("GM0014#2026#jeugd", consistent_read=True)
    assert jeugd.instrument == "ceo-jeugd"
    assert jeugd.answers["scores_ouders__o1__helemaal_mee_eens"] == "40"
    assert jeugd.answers["scores_ouders__o1__n"] == "10"
    assert "scores_ouders__o5__n" not in jeugd.answers  # only "weet niet": no figure
    assert jeugd.answers["aantal_respondenten"] == "10"
    assert not any(name.startswith("scores_jongeren__") and value
                   for name, value in jeugd.answers.items())
    review = browser.get("/gemeente/GM0014/jeugd/controleren").text
    assert TAG in review

    wmo_path, _ = _measured(browser, mailbox)
    assert m.use_in_delivery(browser, wmo_path).status_code == 303
    assert _draft().answers["scores__q1__n"] and _draft().instrument == "ceo-wmo"
    after = Draft.get("GM0014#2026#jeugd", consistent_read=True)
    assert after.answers == jeugd.answers and after.version == jeugd.version


def test_the_youths_list_fills_its_own_table_and_keeps_the_parents(browser, mailbox, aws):
    """The youths' measurement writes j1–j6 and leaves the parents' figures (another
    measurement's) standing and marked."""
    signed_in(browser, mailbox)
    parents, _ = _jeugd(browser)
    m.use_in_delivery(browser, parents)
    youths, _ = _jeugd(browser, "jeugd-jongeren", responses=15)
    assert m.use_in_delivery(browser, youths).status_code == 303
    jeugd = Draft.get("GM0014#2026#jeugd", consistent_read=True)
    assert jeugd.answers["scores_jongeren__j1__n"] == "15"
    assert jeugd.answers["scores_ouders__o1__n"] == "10"
    assert "scores_ouders__o1" in jeugd.measured["fields"]
    assert Draft.count("GM0014#2026") == 0


def test_a_statement_that_is_not_the_delivery_s_is_refused_not_written(
        browser, mailbox, aws, monkeypatch):
    """Same id, other words: the figures would sit under another question, so nothing is
    written and the page says why."""
    from chalicelib.measurement import definitions, measurements

    signed_in(browser, mailbox)
    path, measurement = _jeugd(browser)
    asked = measurements.questionnaire(measurement)
    reworded = tuple(
        definitions.Topic(t.id, t.title, tuple(
            definitions.Question(q.id, q.scale, {**q.text, "nl": "Ik kreeg snel hulp."})
            if q.id == "o2" else q for q in t.questions)) for t in asked.topics)
    monkeypatch.setattr(measurements, "questionnaire", lambda _: definitions.ClientQuestionnaire(
        asked.instrument, asked.version, asked.title, asked.scales, reworded, asked.privacy))
    page = browser.get(f"{path}/aanlevering")
    assert "niet dezelfde als" in page.text and 'name="uitkomsten"' not in page.text
    forged = browser.submit(f"{path}/aanlevering", {"gezien": "0.0.", "uitkomsten": "x"},
                            form_page=f"{path}/aanlevering")
    assert forged.status_code == 409 and "niet dezelfde als" in forged.text
    assert Draft.count("GM0014#2026#jeugd") == 0 and Draft.count("GM0014#2026") == 0
