"""Periods: one-off is one period, continuous is quarters unless the municipality names its own
(checked: in order, inside the measurement, not overlapping; Dutch messages naming the line);
answers carry the period they were given in, and a day between two periods takes none."""
from __future__ import annotations

import json
from datetime import date, timedelta

from chalicelib.measurement import measurements
from chalicelib.platform.models import Measurement
from tests.support import measurement as m
from tests.support.browser import Browser
from tests.support.tables import scan

OPENS, CLOSES = date(2027, 1, 1), date(2027, 12, 31)


def _measurement(periods=None, mode="continu", opens=OPENS, closes=CLOSES):
    return Measurement("GM0014", "abcdefgh", mode=mode, opens=opens.isoformat(),
                       closes=closes.isoformat(), periods=periods)


def _periods(text, opens=OPENS, closes=CLOSES):
    return measurements.validate_periods(text, opens, closes)


def test_own_periods_are_read_one_a_line_in_order():
    periods, error = _periods("Najaar; 1-9-2027; 31-12-2027\nVoorjaar 2027; 2027-01-01; 31-3-2027")
    assert error is None
    assert [(p["id"], p["label"], p["first"], p["last"]) for p in periods] == [
        ("p2027-01-01", "Voorjaar 2027", "2027-01-01", "2027-03-31"),
        ("p2027-09-01", "Najaar", "2027-09-01", "2027-12-31")]


def test_touching_periods_are_fine_overlapping_ones_are_not():
    assert _periods("A; 1-1-2027; 31-3-2027\nB; 1-4-2027; 30-6-2027")[1] is None
    _, error = _periods("A; 1-1-2027; 31-3-2027\nB; 31-3-2027; 30-6-2027")
    assert error == "Regel 2: ‘B’ overlapt met ‘A’ (regel 1)"


def test_periods_stay_inside_the_measurement_on_both_ends():
    assert _periods("A; 1-1-2027; 31-12-2027")[1] is None
    assert _periods("A; 31-12-2026; 31-3-2027")[1] == \
        "Regel 1: ‘A’ begint vóór de eerste dag van de meting (1-1-2027)"
    assert _periods("A; 1-10-2027; 1-1-2028")[1] == \
        "Regel 1: ‘A’ eindigt na de laatste dag van de meting (31-12-2027)"


def test_bad_lines_get_dutch_messages_naming_the_line():
    assert _periods("Voorjaar 1-3-2027 30-6-2027")[1].startswith(
        "Regel 1: schrijf naam; eerste dag; laatste dag")
    assert _periods("A; 1-1-2027; 31-3-2027\nB; 31-02-2027; 1-5-2027")[1] == \
        "Regel 2: vul de dagen in als dag-maand-jaar, zoals 1-3-2027"
    assert _periods("A; 1-6-2027; 1-5-2027")[1] == \
        "Regel 1: de laatste dag van ‘A’ ligt vóór de eerste dag"
    assert _periods("A; 1-1-2027; 31-1-2027\na; 1-2-2027; 28-2-2027")[1] == \
        "Regel 2: de naam ‘a’ staat al op regel 1"
    assert _periods(";1-1-2027;2-1-2027")[1] == "Regel 1: Vul een naam voor de periode in"


def test_at_most_24_periods():
    def lines(n):
        return "\n".join(f"P{i}; {date(2027, 1, 1) + timedelta(days=i):%d-%m-%Y}; "
                         f"{date(2027, 1, 1) + timedelta(days=i):%d-%m-%Y}" for i in range(n))
    assert _periods(lines(24))[1] is None
    assert _periods(lines(25))[1] == "Geef hoogstens 24 perioden op"


def test_quarters_when_no_own_periods_cut_to_the_dates():
    measurement = _measurement(opens=date(2027, 2, 15), closes=date(2027, 7, 10))
    assert [(p.id, p.first, p.last) for p in measurements.periods_of(measurement)] == [
        ("2027-K1", date(2027, 2, 15), date(2027, 3, 31)),
        ("2027-K2", date(2027, 4, 1), date(2027, 6, 30)),
        ("2027-K3", date(2027, 7, 1), date(2027, 7, 10))]
    assert measurements.period_of(measurement, date(2027, 5, 5)).id == "2027-K2"
    one_off = _measurement(mode="eenmalig")
    assert [p.id for p in measurements.periods_of(one_off)] == ["meting"]
    assert measurements.period_of(one_off, date(2027, 5, 5)).label == "de hele meting"


def test_own_periods_decide_the_period_and_a_gap_takes_no_answers():
    periods, _ = _periods("Voorjaar; 1-3-2027; 30-6-2027\nNajaar; 1-9-2027; 30-11-2027")
    measurement = _measurement(periods)
    assert [p.label for p in measurements.periods_of(measurement)] == ["Voorjaar", "Najaar"]
    assert measurements.period_of(measurement, date(2027, 6, 30)).label == "Voorjaar"
    assert measurements.period_of(measurement, date(2027, 9, 1)).label == "Najaar"
    assert measurements.period_of(measurement, date(2027, 7, 15)).label == "Najaar"  # next
    assert measurements.period_of(measurement, date(2027, 12, 15)).label == "Najaar"  # last
    assert measurements.is_open(measurement, date(2027, 6, 30))
    assert not measurements.is_open(measurement, date(2027, 7, 1))
    assert not measurements.is_open(measurement, date(2027, 8, 31))
    assert measurements.is_open(measurement, date(2027, 9, 1))
    assert not measurements.is_open(measurement, date(2027, 2, 28))


def test_own_periods_are_set_up_on_the_form_and_given_to_answers(browser, mailbox, aws,
                                                                  app_module):
    today = date.today()
    nl = "{0.day}-{0.month}-{0.year}".format
    own = (f"Eerste ronde; {nl(today - timedelta(days=1))}; {nl(today + timedelta(days=10))}\n"
           f"Tweede ronde; {nl(today + timedelta(days=30))}; {nl(today + timedelta(days=60))}")
    path = m.representative_with_measurement(browser, mailbox, soort="continu", perioden=own)
    page = browser.get(path).text
    assert "Eerste ronde" in page and "Tweede ronde" in page
    client = Browser(app_module.app)
    client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    m.answer_all(client)
    assert m.send(client).status_code == 200
    [stored] = scan(aws, "Responses")
    assert stored["period"]["S"] == f"p{(today - timedelta(days=1)).isoformat()}"
    assert json.loads(scan(aws, "Measurements")[0]["periods"]["S"])[1]["label"] == "Tweede ronde"


def test_overlapping_periods_on_the_form_store_nothing(browser, mailbox, aws):
    from tests.support.flows import signed_in

    signed_in(browser, mailbox)
    today = date.today()
    nl = "{0.day}-{0.month}-{0.year}".format
    response = m.create(browser, soort="continu",
                        perioden=f"A; {nl(today)}; {nl(today + timedelta(days=20))}\n"
                                 f"B; {nl(today + timedelta(days=20))}; "
                                 f"{nl(today + timedelta(days=40))}")
    assert response.status_code == 400 and "‘B’ overlapt met ‘A’" in response.text
    response = m.create(browser, soort="eenmalig",
                        perioden=f"A; {nl(today)}; {nl(today + timedelta(days=20))}")
    assert response.status_code == 400 and "Eigen perioden horen bij een continue meting" \
        in response.text
    assert scan(aws, "Measurements") == []


def test_begun_periods_stay_once_answered(browser, mailbox, aws, app_module):
    today = date.today()
    nl = "{0.day}-{0.month}-{0.year}".format
    first = f"Eerste ronde; {nl(today - timedelta(days=1))}; {nl(today + timedelta(days=10))}"
    path = m.representative_with_measurement(browser, mailbox, soort="continu", perioden=first)
    client = Browser(app_module.app)
    client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    m.answer_all(client)
    m.send(client)
    moved = f"Eerste ronde; {nl(today - timedelta(days=1))}; {nl(today + timedelta(days=11))}"
    refused = m.edit(browser, path, perioden=moved)
    assert refused.status_code == 400 and "Perioden die al begonnen zijn" in refused.text
    refused = m.edit(browser, path, perioden="")
    assert refused.status_code == 400 and "kwartalen en eigen perioden" in refused.text
    added = f"{first}\nTweede; {nl(today + timedelta(days=20))}; {nl(today + timedelta(days=40))}"
    assert m.edit(browser, path, perioden=added).status_code == 303
    assert len(json.loads(scan(aws, "Measurements")[0]["periods"]["S"])) == 2
