"""The results pages (measurement/results_pages.py): the threshold on every group at its
boundaries, a fixed number of reads whatever the number of responses, signals marked and
mailed once, an inviter's own team, the helpdesk's counts without answers, a burst's day left
out and counted again (audited), a closed period's figures fixed with a correction."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.support import aws_calls
from tests.support import measurement as m
from tests.support import results as support
from tests.support.flows import ANNA


@pytest.fixture(autouse=True)
def _fresh_stream():
    support.forget_stream()
    yield
    support.forget_stream()


@pytest.fixture()
def setup(browser, mailbox):
    from chalicelib.measurement import measurements

    path = m.representative_with_measurement(browser, mailbox)
    code, measurement_id = path.split("/")[2], path.split("/")[4]
    return path, measurements.get(code, measurement_id)


def _shown(text: str, section: str = "totaal") -> int | None:
    found = re.search(rf'id="{section}-basis">Cijfers over <strong data-responses="(\d+)"', text)
    return int(found.group(1)) if found else None


def _respond(measurement, n, answers=None, team=None, day=None):
    for _ in range(n):
        support.respond(measurement, answers or {"q1": "5", "q8": "4"}, team=team, day=day)


def test_nothing_before_ten_then_figures_per_five(aws, browser, setup):
    path, measurement = setup
    results = f"{path}/resultaten"
    seen: dict = {}
    for total in (9, 10, 14, 15, 19, 20):
        _respond(measurement, total - max(seen, default=0))
        support.count_new(aws)
        page = browser.get(results)
        assert page.status_code == 200
        seen[total] = _shown(page.text)
        if seen[total] is None:
            assert "Minder dan 10 reacties" in page.text
    assert seen == {9: None, 10: 10, 14: 10, 15: 15, 19: 15, 20: 20}


def test_a_team_of_seven_shows_too_few_and_counts_in_the_total(aws, browser, setup):
    path, measurement = setup
    _respond(measurement, 10, team="t1")
    _respond(measurement, 7, {"q1": "1"}, team="t2")
    support.count_new(aws)
    page = browser.get(f"{path}/resultaten").text
    assert _shown(page) == 15
    assert _shown(page, "team-1") == 10
    assert _shown(page, "team-2") is None
    assert 'id="team-2-drempel"><strong>Te weinig reacties' in page
    assert "Zorg Zuid" in page


def test_the_page_reads_the_same_at_10_and_at_200_responses(aws, browser, setup, monkeypatch):
    path, measurement = setup

    def reads() -> list[str]:
        support.count_new(aws)
        with monkeypatch.context() as patch:
            calls = aws_calls.record(patch)
            assert browser.get(f"{path}/resultaten").status_code == 200
        return sorted(c.operation for c in calls if c.service == "dynamodb")

    _respond(measurement, 10, team="t1")
    at_10 = reads()
    _respond(measurement, 190, team="t2")
    at_200 = reads()
    assert at_10 == at_200
    assert at_10.count("Query") <= 3  # the figures (one Query), the bursts, the session


def test_a_negative_statement_is_marked_and_mailed_once_per_period(aws, browser, mailbox,
                                                                   setup):
    path, measurement = setup
    _respond(measurement, 7, {"q1": "5", "q8": "4"})
    _respond(measurement, 2, {"q1": "5", "q8": "1"})
    _respond(measurement, 1, {"q1": "5", "q8": "2"})  # 3 of 10: 30% negative
    support.count_new(aws)
    page = browser.get(f"{path}/resultaten").text
    row = re.search(r'<div class="results-row([^"]*)" data-question="q8">', page)
    assert row.group(1) == " results-row--signal"
    assert re.search(r'<div class="results-row" data-question="q1">', page)
    signal_mails = [x for x in mailbox.to(ANNA) if "Signaal uit de meting" in x.subject]
    assert len(signal_mails) == 1 and "30% (helemaal) niet mee eens" in signal_mails[0].text
    _respond(measurement, 5, {"q1": "5", "q8": "1"})  # 15: still a signal, no second mail
    support.count_new(aws)
    support.run(support.stream_records(aws))
    assert len([x for x in mailbox.to(ANNA) if "Signaal uit de meting" in x.subject]) == 1


def test_twenty_percent_is_no_signal(aws, browser, mailbox, setup):
    path, measurement = setup
    _respond(measurement, 8, {"q8": "4"})
    _respond(measurement, 2, {"q8": "1"})  # exactly 20%: not more than
    support.count_new(aws)
    page = browser.get(f"{path}/resultaten").text
    assert 'results-row--signal' not in page
    assert not [x for x in mailbox.to(ANNA) if "Signaal" in x.subject]


def test_an_inviter_sees_only_their_own_team(aws, browser, mailbox, setup, app_module):
    from tests.support.browser import Browser

    path, measurement = setup
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    _respond(measurement, 10, {"q1": "4"}, team="t1")
    _respond(measurement, 12, {"q1": "1"}, team="t2")
    support.count_new(aws)
    page = inviter.get("/uitnodiger/resultaten")
    assert page.status_code == 200
    assert _shown(page.text) == 10
    assert "Per team" not in page.text and "Zorg Zuid" not in page.text
    assert "Helemaal niet mee eens</th><td>0<" in page.text  # none of team 2's answers
    assert Browser(app_module.app).get("/uitnodiger/resultaten").status_code == 401


def test_only_the_municipality_s_representatives_see_its_results(aws, browser, mailbox, setup,
                                                                 app_module):
    from tests.support.browser import Browser
    from tests.support.flows import signed_in

    path, _ = setup
    assert Browser(app_module.app).get(f"{path}/resultaten").status_code == 401
    other = signed_in(Browser(app_module.app), mailbox, email="b.bos@ede.nl",
                      codes=("GM0228",), naam="Bob Bos")
    assert other.get(f"{path}/resultaten").status_code == 404


def test_the_helpdesk_sees_status_and_counts_not_answers(aws, browser, helpdesk, setup):
    _path, measurement = setup
    _respond(measurement, 12, {"q1": "1"})
    support.count_new(aws)
    page = helpdesk.get("/helpdesk/gemeente/GM0014").text
    section = page.split('id="metingen"')[1].split("<h2")[0]
    assert measurement.name in section and ">open<" in section
    assert '<td class="count">12</td>' in section
    assert "niet mee eens" not in section.lower()


def test_a_burst_day_left_out_and_counted_again(aws, browser, setup):
    from chalicelib.measurement import responses
    from tests.support.tables import scan

    path, measurement = setup
    today = date.today()
    yesterday = today - timedelta(days=1)
    _respond(measurement, 10, {"q1": "5"}, day=yesterday)
    _respond(measurement, 6, {"q1": "1"}, day=today)
    responses.record_burst(measurement.municipality, measurement.id, today)
    support.count_new(aws)
    results = f"{path}/resultaten"
    page = browser.get(results).text
    assert _shown(page) == 15 and "Deze dag weglaten" in page
    left_out = browser.submit(f"{results}/dag", {"dag": today.isoformat(),
                                                 "actie": "uitsluiten"}, form_page=results)
    assert left_out.status_code == 303
    page = browser.get(results).text
    assert _shown(page) == 10 and "Weer meetellen" in page
    assert "weggelaten" in page
    trail = [i["action"]["S"] for i in scan(aws, "Audit")]
    assert "dag uitgesloten van de resultaten" in trail
    # a response of the excluded day counted later stays out
    _respond(measurement, 5, {"q1": "1"}, day=today)
    support.count_new(aws)
    assert _shown(browser.get(results).text) == 10
    browser.submit(f"{results}/dag", {"dag": today.isoformat(), "actie": "meetellen"},
                   form_page=results)
    assert _shown(browser.get(results).text) == 21  # every remaining response, then per 5
    assert "dag weer meegeteld in de resultaten" in [i["action"]["S"]
                                                     for i in scan(aws, "Audit")]


def test_a_day_without_a_burst_cannot_be_left_out(aws, browser, setup):
    from chalicelib.measurement import measurements

    path, measurement = setup
    results = f"{path}/resultaten"
    for fields in ({"dag": date.today().isoformat(), "actie": "uitsluiten"},
                   {"dag": "gisteren", "actie": "uitsluiten"}):
        refused = browser.submit(f"{results}/dag", fields, form_page=results)
        assert refused.status_code == 400
        assert "Kies een dag met een piek uit de lijst" in refused.text
    assert not measurements.get(measurement.municipality, measurement.id).excluded_days


def test_a_closed_period_keeps_its_figures_and_late_ones_show_as_a_correction(aws, browser,
                                                                             mailbox,
                                                                             monkeypatch):
    """Continuous: last quarter's responses counted after it closed change nothing of its
    figures; they show as a correction and count in the whole."""
    from chalicelib.measurement import measurements

    today = date.today()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous_day = first - timedelta(days=1)
    path = m.representative_with_measurement(
        browser, mailbox, soort="continu", opent=(first - timedelta(days=100)).isoformat())
    code, measurement_id = path.split("/")[2], path.split("/")[4]
    measurement = measurements.get(code, measurement_id)
    last_quarter = measurements.period_of(measurement, previous_day)
    from chalicelib.measurement import counting

    _respond(measurement, 12, {"q1": "5"}, day=previous_day)
    with monkeypatch.context() as clock:  # counted on the quarter's last day
        clock.setattr(counting, "today", lambda: previous_day)
        support.count_new(aws)
    _respond(measurement, 4, {"q1": "1"}, day=previous_day)
    support.count_new(aws)  # counted after it closed: late
    page = browser.get(f"{path}/resultaten").text
    assert "Per periode" in page and last_quarter.label.capitalize() in page
    section = re.search(rf'id="(periode-\d+)-kop">{last_quarter.label.capitalize()}<',
                        page).group(1)
    quarter = page.split(f'id="{section}-kop"')[1]
    assert _shown(quarter, section) == 10  # as it closed
    assert "Correctie:" in quarter and "nog 4 reacties" in quarter
    assert _shown(quarter, f"{section}-met-correctie") == 15  # with the late ones, per step
    assert _shown(page) == 15  # the whole measurement counts them


@pytest.mark.parametrize(("answers", "signal"), [
    ({"1": 2, "4": 7, "0": 1}, True),  # 2 of 9 valid: 22%; "weet niet" is no opinion
    ({"1": 21, "4": 79}, True),  # 21%: more than the default 20
    ({"1": 20, "4": 80}, False),  # exactly 20%
    ({"2": 1, "1": 1, "4": 7}, True),  # both "niet mee eens" and "helemaal niet": 22%
])
def test_the_signal_counts_the_valid_answers_and_starts_above_twenty_percent(answers, signal):
    from chalicelib.measurement import signals

    assert signals.signalled({"q8": answers}, {"q8"}) == (["q8"] if signal else [])


def _continuous(browser, mailbox):
    """A continuous measurement begun last quarter; (path, measurement, last quarter's last
    day)."""
    from chalicelib.measurement import measurements

    today = date.today()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    path = m.representative_with_measurement(
        browser, mailbox, soort="continu", opent=(first - timedelta(days=100)).isoformat())
    return path, measurements.get(path.split("/")[2], path.split("/")[4]), \
        first - timedelta(days=1)


def test_a_signal_is_mailed_again_in_the_next_period(aws, browser, mailbox, monkeypatch):
    """Once per statement per period: last quarter's signal mailed, this quarter's too."""
    from chalicelib.measurement import counting

    _path, measurement, previous_day = _continuous(browser, mailbox)
    _respond(measurement, 7, {"q8": "4"}, day=previous_day)
    _respond(measurement, 3, {"q8": "1"}, day=previous_day)
    with monkeypatch.context() as clock:  # counted before the quarter closed
        clock.setattr(counting, "today", lambda: previous_day)
        support.count_new(aws)
    _respond(measurement, 7, {"q8": "4"})
    _respond(measurement, 3, {"q8": "1"})
    support.count_new(aws)
    support.run(support.stream_records(aws))
    mails = [x for x in mailbox.to(ANNA) if "Signaal uit de meting" in x.subject]
    assert len(mails) == 2 and "30% (helemaal) niet mee eens" in mails[1].text


def test_an_inviter_sees_their_own_team_per_period_too(aws, browser, mailbox, app_module):
    """Continuous: the per-period figures on an inviter's page are their team's, never the
    period's totals of every team."""

    path, measurement, _ = _continuous(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    _respond(measurement, 10, {"q1": "4"}, team="t1")
    _respond(measurement, 12, {"q1": "1"}, team="t2")
    support.count_new(aws)
    page = inviter.get("/uitnodiger/resultaten").text
    assert _shown(page) == 10
    section = re.search(r'id="(periode-\d+)-basis"', page).group(1)
    assert _shown(page, section) == 10  # not the 20 of both teams
    assert "Helemaal niet mee eens</th><td>0<" in page.split(f'id="{section}"')[1]


def test_an_inviter_without_a_team_sees_the_totals_and_no_team_apart(aws, browser, mailbox,
                                                                     setup, app_module):

    path, measurement = setup
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path)
    _respond(measurement, 10, {"q1": "4"}, team="t1")
    _respond(measurement, 12, {"q1": "1"}, team="t2")
    support.count_new(aws)
    page = inviter.get("/uitnodiger/resultaten").text
    assert _shown(page) == 20
    assert "Per team" not in page and "Zorg Zuid" not in page and "team-1" not in page


def test_groups_left_with_too_few_after_a_day_is_left_out_show_too_few(aws, browser, setup):
    """A team all of whose responses fell on the left-out day loses its figures; a team left
    with 3 shows "te weinig reacties", though the rebuild gave it figures of 3."""
    from chalicelib.measurement import responses

    path, measurement = setup
    yesterday = date.today() - timedelta(days=1)
    _respond(measurement, 10, team="t1", day=yesterday)
    _respond(measurement, 7, team="t2", day=yesterday)
    _respond(measurement, 3, team="t2")
    _respond(measurement, 10)
    responses.record_burst(measurement.municipality, measurement.id, yesterday)
    support.count_new(aws)
    results = f"{path}/resultaten"
    page = browser.get(results).text
    assert (_shown(page), _shown(page, "team-1"), _shown(page, "team-2")) == (30, 10, 10)
    browser.submit(f"{results}/dag", {"dag": yesterday.isoformat(), "actie": "uitsluiten"},
                   form_page=results)
    page = browser.get(results).text
    assert (_shown(page), _shown(page, "team-1"), _shown(page, "team-2")) == (13, None, None)
    assert 'id="team-1-drempel"><strong>Te weinig reacties' in page
    assert 'id="team-2-drempel"><strong>Te weinig reacties' in page


def test_a_correction_below_a_raised_threshold_is_not_shown(aws):
    """Late responses of a closed quarter reached the step 10 as a correction; once the
    measurement's own threshold is 15, that correction is held back like every other group."""
    from chalicelib.measurement import measurements, results
    from chalicelib.platform.models import Measurement

    today = date.today()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    measurement = support.measurement(mode="continu", opens=first - timedelta(days=100))
    _respond(measurement, 10, {"q1": "1"}, day=first - timedelta(days=1))
    support.count_new(aws)  # counted after the quarter closed: all late
    [corrected] = [p.correction for p in results.read(measurement).periods if p.correction]
    assert corrected.responses == 10
    measurement.update(actions=[Measurement.threshold.set(15)])
    raised = results.read(measurements.get(measurement.municipality, measurement.id))
    assert [p.correction for p in raised.periods] == [None] * len(raised.periods)
    assert raised.total.responses is None


def test_a_team_s_signal_is_marked_on_the_team_but_mailed_only_from_the_period_s_figures(
        aws, browser, mailbox, setup):
    """Team Noord's 10 responses are 30% negative, the period's 20 only 15%: the team's row
    is marked, but no mail says the period gives a signal."""
    path, measurement = setup
    _respond(measurement, 10, {"q8": "4"}, team="t2")
    support.count_new(aws)
    _respond(measurement, 7, {"q8": "4"}, team="t1")
    _respond(measurement, 3, {"q8": "1"}, team="t1")
    support.count_new(aws)
    page = browser.get(f"{path}/resultaten").text
    north = page.split('id="team-1"')[1].split('id="team-2"')[0]
    assert 'results-row--signal" data-question="q8"' in north
    assert 'results-row--signal' not in page.split('id="team-1"')[0]  # not in the total
    assert not [x for x in mailbox.to(ANNA) if "Signaal" in x.subject]
