""""Gebruik deze uitkomsten in de aanlevering" for CEO Jeugd, whose municipality measures the
parents' list and the youths' list in two measurements: each fills its own score table, and the
answers about the survey as a whole add both up — respondents and approached summed ("onbekend"
as soon as one used a generic link), the fieldwork period from the earliest to the latest
response, the channels and target groups joined — shown before anything is written, recomputed
with the other's current figures at every use, carried into the feed per list, and sent
without a single warning."""
from __future__ import annotations

import re
from datetime import date, timedelta

from chalicelib.measurement import invitations, inviters
from chalicelib.measurement import responses as client_responses
from chalicelib.platform.models import Draft, Measurement
from tests.support import measurement as m
from tests.support.answers import ALL_JEUGD
from tests.support.feed import bucket_object, record, run, validate
from tests.support.flows import save, send, signed_in

PARENTS_FIRST, YOUTHS_FIRST = date(2026, 1, 12), date(2026, 2, 1)
JEUGD = "ceo-jeugd"
ANSWERS = [{"1": v, "2": "4", "3": "5", "4": "3", "5": "0", "6": "2"}
           for v in ("5", "4", "5", "2", "1")]


def _answers(measurement: Measurement, list_: str, count: int, start: int, first: date,
             channel: str) -> None:
    prefix = "o" if list_ == "jeugd-ouders" else "j"
    for n in range(start, start + count):
        source = client_responses.Source("GM0014", measurement.id, "meting", channel, None)
        client_responses.submit(source, {prefix + k: v for k, v in ANSWERS[n % 5].items()},
                                day=first + timedelta(days=n))


def _parents(browser, responses=10, invitations_sent=20):
    """The parents' measurement: `invitations_sent` sms invitations by an inviter,
    `responses` answers by sms from 12 January, one a day."""
    path = m.measurement_path(m.create(browser, vragenlijst="jeugd-ouders",
                                       naam="Ouders jeugdhulp"))
    m.invite_inviter(browser, path, team="t1")
    measurement = _measurement(path)
    [inviter] = inviters.of_measurement(measurement)
    for _ in range(invitations_sent):
        invitations.issue(measurement, "sms", "t1", inviter)
    _answers(measurement, "jeugd-ouders", responses, 0, PARENTS_FIRST, "sms")
    return path, measurement


def _youths(browser, responses=15, channel="papier"):
    """The youths' measurement: `responses` answers (paper: handed over in person, one
    approached each) from 1 February, one a day."""
    path = m.measurement_path(m.create(browser, vragenlijst="jeugd-jongeren",
                                       naam="Jongeren jeugdhulp"))
    measurement = _measurement(path)
    _answers(measurement, "jeugd-jongeren", responses, 0, YOUTHS_FIRST, channel)
    return path, measurement


def _measurement(path: str) -> Measurement:
    _, _, code, _, mid = path.split("/")
    return Measurement.get(code, mid, consistent_read=True)


def _draft() -> Draft:
    return Draft.get("GM0014#2026#jeugd", consistent_read=True)


def _change(page_text: str, label: str) -> tuple[str, str]:
    """What the preview says a field is now and will be."""
    found = re.search(rf"<th scope=\"row\">{re.escape(label)}</th><td[^>]*>([^<]*)</td>"
                      r"<td[^>]*>([^<]*)</td>", page_text)
    assert found, label
    return found.group(1), found.group(2)


def _both_used(browser, mailbox):
    signed_in(browser, mailbox)
    parents, parents_measurement = _parents(browser)
    assert m.use_in_delivery(browser, parents).status_code == 303
    youths, youths_measurement = _youths(browser)
    return parents, parents_measurement, youths, youths_measurement


def test_both_lists_add_up_are_shown_first_and_reach_the_feed_without_a_warning(
        browser, mailbox, aws):
    _, _, youths, _ = _both_used(browser, mailbox)
    alone = _draft().answers
    assert (alone["aantal_respondenten"], alone["aantal_benaderd"]) == ("10", "20")
    assert alone["doelgroepen"] == ["ouders"]

    preview = browser.get(f"{youths}/aanlevering")
    assert "Ouders jeugdhulp" in preview.text and "beide metingen samen" in preview.text
    assert _change(preview.text, "Aantal respondenten") == ("10", "25")
    assert _change(preview.text, "Aantal benaderde personen") == ("20", "35")
    assert _change(preview.text, "Periode van het veldwerk")[1] == \
        "12 januari 2026 tot en met 15 februari 2026"
    assert _draft().answers == alone  # nothing written by looking
    assert m.use_in_delivery(browser, youths, preview).status_code == 303

    answers = _draft().answers
    assert answers["aantal_respondenten"] == "25"  # 10 parents + 15 youths
    assert answers["aantal_benaderd"] == "35"  # 20 sms invitations + 15 paper forms
    assert (answers["periode"], answers["periode__tot"]) == ("2026-01-12", "2026-02-15")
    assert answers["methode"] == ["schriftelijk", "online"]
    assert answers["doelgroepen"] == ["ouders", "jongeren"]
    assert answers["standaardvragen"] == "ja"
    assert answers["scores_ouders__o1__n"] == "10" and answers["scores_jongeren__j1__n"] == "15"
    both = "uit de metingen voor jongeren en ouders samen"
    review = browser.get("/gemeente/GM0014/jeugd/controleren").text
    assert both in re.search(r"<dt>Aantal respondenten.*?</dt>",
                             review, re.S).group(0)

    filled = dict(answers)
    for section, pairs in ALL_JEUGD.items():  # a colleague completes the rest on the pages
        mine = [(n, v) for n, v in pairs if n not in filled and not n.startswith("scores_")]
        names = {n for n, _ in pairs} | ({n for n in filled if n.startswith("scores_")}
                                         if section == "uitkomsten" else set())
        ours = [(n, v) for n, value in filled.items() if n in names
                for v in (value if isinstance(value, list) else [value])]
        assert save(browser, section, mine + ours, instrument=JEUGD).status_code == 303

    from chalicelib.questionnaire import answers as rules
    from chalicelib.questionnaire import journey

    assert rules.warnings(journey.current_definition(JEUGD), _draft().answers) == {}
    sent = send(browser, instrument=JEUGD)  # no "warnings seen": a warning refuses the send
    assert sent.status_code == 303, sent.text[:500]
    assert run([record("GM0014#2026#jeugd", 1)]) == {"batchItemFailures": []}
    document = bucket_object(aws, "ceo-jeugd/2026/GM0014.json")
    validate(document)
    by_id = {a["question_id"]: a for a in document["answers"]}
    respondents = by_id["aantal_respondenten"]
    assert respondents["source"] == "measurement" and respondents["value"] == 25
    assert respondents["counts"] == {"reacties": 25}
    assert respondents["by_list"] == {"ouders": {"reacties": 10}, "jongeren": {"reacties": 15}}
    assert by_id["aantal_benaderd"]["counts"] == {"uitnodigingen": 20, "brieven": 0,
                                                  "ter_plaatse": 15}
    assert by_id["aantal_benaderd"]["by_list"] == {
        "ouders": {"uitnodigingen": 20, "brieven": 0, "ter_plaatse": 0},
        "jongeren": {"uitnodigingen": 0, "brieven": 0, "ter_plaatse": 15}}
    assert by_id["periode"]["value"] == {"van": "2026-01-12", "tot": "2026-02-15"}
    assert by_id["methode"]["counts"] == {"papier": 15, "sms": 10}
    assert by_id["methode"]["by_list"] == {"ouders": {"sms": 10}, "jongeren": {"papier": 15}}
    assert by_id["doelgroepen"]["counts"] == {"ouders": 10, "jongeren": 15}
    assert by_id["standaardvragen"]["counts"] == {"standaardvragen": 12}
    assert "source" not in by_id["doel"] and "by_list" not in by_id["doel"]
    derived = {d["id"]: d["value"] for d in document["derived"]}
    assert derived["respons"] == 71.4  # 25 of 35
    view = browser.get("/gemeente/GM0014/aanlevering/GM0014-2026-J1").text
    assert both in view  # the sent delivery says so too


def test_one_list_alone_carries_no_breakdown(browser, mailbox, aws):
    """A single measurement is the whole figure: the feed gets no `by_list` for it."""
    signed_in(browser, mailbox)
    parents, _ = _parents(browser)
    m.use_in_delivery(browser, parents)
    draft = _draft()
    assert "by_list" not in draft.measured["fields"]["aantal_respondenten"]
    review = browser.get("/gemeente/GM0014/jeugd/controleren").text
    assert "uit de meting<" in review and "uit de metingen" not in review
    assert draft.measured["uses"]["scores_ouders"]["responses"] == 10


def test_using_either_again_recomputes_with_the_other_s_current_figures(browser, mailbox,
                                                                          aws):
    parents, parents_measurement, youths, youths_measurement = _both_used(browser, mailbox)
    assert m.use_in_delivery(browser, youths).status_code == 303
    _answers(parents_measurement, "jeugd-ouders", 5, 10, PARENTS_FIRST, "sms")
    # the youths' figures did not move, the parents' did: the youths' page adds them now
    page = browser.get(f"{youths}/aanlevering")
    assert _change(page.text, "Aantal respondenten") == ("25", "30")
    assert m.use_in_delivery(browser, youths, page).status_code == 303
    assert _draft().answers["aantal_respondenten"] == "30"
    assert _draft().answers["aantal_benaderd"] == "35"  # the same 20 invitations
    assert _draft().answers["scores_ouders__o1__n"] == "10"  # the parents' table stays theirs

    _answers(youths_measurement, "jeugd-jongeren", 5, 15, YOUTHS_FIRST, "papier")
    assert m.use_in_delivery(browser, parents).status_code == 303
    answers = _draft().answers
    assert answers["aantal_respondenten"] == "35"  # 15 parents + 20 youths
    assert answers["aantal_benaderd"] == "40"
    assert answers["periode__tot"] == "2026-02-20"
    assert answers["scores_ouders__o1__n"] == "15" and answers["scores_jongeren__j1__n"] == "15"


def test_a_response_to_the_other_list_after_the_page_was_shown_writes_nothing_unseen(
        browser, mailbox, aws):
    _, parents_measurement, youths, _ = _both_used(browser, mailbox)
    page = browser.get(f"{youths}/aanlevering")
    _answers(parents_measurement, "jeugd-ouders", 1, 10, PARENTS_FIRST, "sms")
    before = _draft()
    refused = m.use_in_delivery(browser, youths, page)
    assert refused.status_code == 409 and "nieuwe reacties" in refused.text
    assert _draft().answers == before.answers and _draft().version == before.version
    assert _change(refused.text, "Aantal respondenten") == ("10", "26")
    assert m.use_in_delivery(browser, youths, refused).status_code == 303
    assert _draft().answers["aantal_respondenten"] == "26"


def test_one_generic_link_makes_approached_unknown(browser, mailbox, aws):
    signed_in(browser, mailbox)
    parents, _ = _parents(browser)
    m.use_in_delivery(browser, parents)
    youths, _ = _youths(browser, channel="generiek")
    assert m.use_in_delivery(browser, youths).status_code == 303
    answers = _draft().answers
    assert answers["aantal_respondenten"] == "25"
    assert answers["aantal_benaderd"] == "" and answers["aantal_benaderd__onbekend"] == "ja"
    assert answers["methode"] == ["online", "open_link"]
    counts = _draft().measured["fields"]["aantal_benaderd"]
    assert counts["counts"] == {"uitnodigingen": 20, "brieven": 0, "ter_plaatse": 0,
                                "algemene_link": 15}
    review = browser.get("/gemeente/GM0014/jeugd/controleren").text
    assert "kan alleen bij een algemene link" not in review
    # seen from the parents' side the sum is the same: nothing would change
    assert "er verandert niets" in browser.get(f"{parents}/aanlevering").text


def test_a_gone_measurement_of_the_other_list_is_said_and_its_last_figures_kept(
        browser, mailbox, aws):
    _, parents_measurement, youths, _ = _both_used(browser, mailbox)
    parents_measurement.delete()
    page = browser.get(f"{youths}/aanlevering")
    assert "Ouders jeugdhulp" in page.text and "niet meer gevonden" in page.text
    assert "10 reacties, van 12 januari 2026 tot en met 21 januari 2026" in page.text
    assert _change(page.text, "Aantal respondenten") == ("10", "25")
    assert m.use_in_delivery(browser, youths, page).status_code == 303
    answers = _draft().answers
    assert (answers["aantal_respondenten"], answers["aantal_benaderd"]) == ("25", "35")
    assert answers["periode"] == "2026-01-12"


def test_a_parents_table_a_colleague_replaced_no_longer_counts(browser, mailbox, aws):
    """The parents' measurement feeds the draft while one row of its table still holds its
    figures; once a colleague typed every row over, the youths' figures stand alone."""
    _, _, youths, _ = _both_used(browser, mailbox)
    answers = _draft().answers
    scores = [(n, v) for n, v in answers.items() if n.startswith("scores_ouders__")]
    pairs = [(n, v) for n, v in ALL_JEUGD["uitkomsten"] if not n.startswith("scores_")]

    def typed_over(rows: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(n, "9" if n.endswith("__n") and n.split("__")[1] in rows else v)
                for n, v in scores]

    others = ("o2", "o3", "o4", "o6")
    assert save(browser, "uitkomsten", [*pairs, *typed_over(others)],
                instrument=JEUGD).status_code == 303
    page = browser.get(f"{youths}/aanlevering")
    assert _change(page.text, "Aantal respondenten") == ("10", "25")  # o1 still theirs
    assert save(browser, "uitkomsten", [*pairs, *typed_over(("o1", *others))],
                instrument=JEUGD).status_code == 303
    page = browser.get(f"{youths}/aanlevering")
    assert _change(page.text, "Aantal respondenten") == ("10", "15")
    assert "Ouders jeugdhulp" not in page.text


def test_a_draft_filled_before_provenance_per_table_still_adds_the_parents(browser, mailbox,
                                                                           aws):
    """A draft whose provenance names only the last measurement used (as drafts filled before
    it was kept per table do) still finds the parents' measurement through it."""
    signed_in(browser, mailbox)
    parents, _ = _parents(browser)
    m.use_in_delivery(browser, parents)
    draft = _draft()
    draft.update(actions=[Draft.measured.set({k: v for k, v in draft.measured.items()
                                              if k != "uses"})])
    youths, _ = _youths(browser)
    assert _change(browser.get(f"{youths}/aanlevering").text,
                   "Aantal respondenten") == ("10", "25")


def test_a_sum_the_parents_table_would_exceed_is_refused_not_written(browser, mailbox, aws):
    """Every day of the parents' measurement excluded after its use: its table still says 20
    valid answers, the sum would say 10 respondents — a rule broken at the parents' table, so
    nothing is written and the page says why."""
    signed_in(browser, mailbox)
    parents, parents_measurement = _parents(browser, responses=20)
    m.use_in_delivery(browser, parents)
    parents_measurement.update(actions=[Measurement.excluded_days.add({
        (PARENTS_FIRST + timedelta(days=n)).isoformat() for n in range(20)})])
    youths, _ = _youths(browser, responses=10)
    page = browser.get(f"{youths}/aanlevering")
    assert "kan niet groter zijn dan het aantal personen" in page.text
    assert 'name="uitkomsten"' not in page.text
    before = _draft()
    forged = browser.submit(f"{youths}/aanlevering", {"gezien": "0.0.", "uitkomsten": "x"},
                            form_page=f"{youths}/aanlevering")
    assert forged.status_code == 409
    assert _draft().version == before.version
