"""Posters, flyers and letters as PDFs whose QR codes decode (pypdfium2 renders, zxing-cpp
reads) to links that work; a letter's short code typed instead; a tablet that starts fresh
after each response and ends; a paper form typed in, marked as paper."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

from tests.support import measurement as m
from tests.support.browser import Browser
from tests.support.tables import scan

ACCEPT = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _qr_links(pdf: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=2).to_pil()
        found += [result.text for result in zxingcpp.read_barcodes(image)]
    return found


def _pdf_text(pdf: bytes) -> list[str]:
    import pypdfium2

    return [" ".join(page.get_textpage().get_text_range().split())
            for page in pypdfium2.PdfDocument(pdf)]


def _letters(browser, path, count, team=""):
    token = browser.csrf_token(path)
    return browser.post_raw(f"{path}/brieven", urlencode(
        {"csrf_token": token, "aantal": str(count), "team": team}).encode(), headers=ACCEPT)


def _local(link: str) -> str:
    return link.replace("http://127.0.0.1:8000", "")


def test_a_poster_and_a_flyer_carry_a_qr_code_to_the_generic_link(browser, mailbox, aws,
                                                                  app_module):
    path = m.representative_with_measurement(browser, mailbox)
    for kind in ("poster", "flyer"):
        response = browser.get(f"{path}/{kind}.pdf?team=t1", headers=ACCEPT)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        [link] = _qr_links(response.body)
        assert re.fullmatch(r"http://127\.0\.0\.1:8000/m/GM0014/[a-z2-9]{8}/t1\?via=qr", link)
        text = _pdf_text(response.body)[0]
        assert "127.0.0.1:8000/m/GM0014/" in text and "Sociaal team Noord" in text
    client = Browser(app_module.app)
    assert client.get(_local(link)).status_code == 303
    m.answer_all(client)
    assert m.send(client).status_code == 200
    [stored] = scan(aws, "Responses")
    assert stored["channel"]["S"] == "qr" and stored["team"]["S"] == "t1"
    assert Browser(app_module.app).get(f"{path}/poster.pdf", headers=ACCEPT).status_code == 401


def test_letters_each_have_their_own_single_use_qr_code_and_short_code(browser, mailbox, aws,
                                                                       app_module):
    path = m.representative_with_measurement(browser, mailbox)
    response = _letters(browser, path, 3, team="t2")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    links = _qr_links(response.body)
    assert len(links) == 3 and len(set(links)) == 3
    assert all(re.fullmatch(r"http://127\.0\.0\.1:8000/a/[A-Za-z0-9_-]{22}", x) for x in links)
    texts = _pdf_text(response.body)
    codes = [re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", t).group(0) for t in texts]
    assert len(set(codes)) == 3 and all("127.0.0.1:8000/code" in t for t in texts)
    stored = json.dumps(scan(aws, "Invitations"))
    assert not any(_local(x).rsplit("/", 1)[1] in stored for x in links)  # hashes only
    assert not any(c.replace("-", "") in stored for c in codes)
    first = Browser(app_module.app)  # a client scans the first letter
    assert first.get(_local(links[0])).status_code == 303
    m.answer_all(first)
    assert m.send(first).status_code == 200
    assert "al ingevuld" in Browser(app_module.app).get(_local(links[0])).text
    second = Browser(app_module.app)  # another types the second letter's code
    typed = second.submit("/code", {"code": codes[1].lower().replace("-", " ")})
    assert typed.status_code == 303 and typed.headers["Location"] == "/antwoorden"
    m.answer_all(second)
    assert m.send(second).status_code == 200
    again = Browser(app_module.app).submit("/code", {"code": codes[1]})
    assert "al ingevuld" in again.text
    assert [r["channel"]["S"] for r in scan(aws, "Responses")] == ["brief", "brief"]
    wrong = Browser(app_module.app).submit("/code", {"code": "ABCD-EFGH-JK"})
    assert wrong.status_code == 404 and "Deze code kennen wij niet" in wrong.text
    short = Browser(app_module.app).submit("/code", {"code": "AB12"})
    assert short.status_code == 400 and "10 letters en cijfers" in short.text


def test_a_wrong_number_of_letters_is_answered_in_dutch(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    for count in ("0", "501", "veel"):
        response = _letters(browser, path, count)
        assert response.status_code == 400 and "Vul een aantal brieven in" in response.text
    assert scan(aws, "Invitations") == []


def _inviter(browser, mailbox, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t2")
    return path, inviter


def test_a_tablet_starts_fresh_after_each_response_until_it_is_stopped(browser, mailbox, aws,
                                                                      app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    response = m.inviter_post(inviter, "/uitnodiger/tablet", {})
    assert response.status_code == 303 and response.headers["Location"] == "/tablet"
    for n in range(2):  # two clients after each other on the same tablet
        start = inviter.submit("/tablet/beginnen", {}, form_page="/tablet")
        assert start.status_code == 303
        check = m.answer_all(inviter, answers={"q1": str(n + 1)})
        assert f"{['Helemaal niet mee eens', 'Niet mee eens'][n]}" in check.text
        done = m.send(inviter)
        assert done.status_code == 303 and done.headers["Location"] == "/tablet?klaar=1"
        page = inviter.get("/tablet?klaar=1").text
        assert "Dank u wel" in page and "Beginnen" in page
        assert inviter.get("/antwoorden/contact").status_code == 400  # the form is empty again
    stored = scan(aws, "Responses")
    assert sorted(json.loads(r["answers"]["S"])["q1"] for r in stored) == ["1", "2"]
    assert {r["channel"]["S"] for r in stored} == {"tablet"}
    assert "Ingevuld (ook op tablet en papier)</dt><dd>2<" in inviter.get("/uitnodiger").text
    stopped = inviter.submit("/tablet/stoppen", {}, form_page="/tablet")
    assert "De tablet is gestopt" in stopped.text
    assert inviter.get("/tablet").status_code == 410


def test_a_paper_questionnaire_is_typed_in_and_marked_as_paper(browser, mailbox, aws,
                                                              app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    empty = inviter.submit("/uitnodiger/papier", {}, )
    assert empty.status_code == 400 and "Typ minstens één antwoord over" in empty.text
    bad = inviter.submit("/uitnodiger/papier", {"q1": "7"})
    assert bad.status_code == 400 and "Kies een van de antwoorden" in bad.text
    assert scan(aws, "Responses") == []
    saved = inviter.submit("/uitnodiger/papier", {"q1": "5", "q5": "nee", "q10": "0"})
    assert saved.status_code == 303
    [stored] = scan(aws, "Responses")
    assert stored["channel"]["S"] == "papier" and stored["team"]["S"] == "t2"
    assert json.loads(stored["answers"]["S"]) == {"q1": "5", "q5": "nee", "q10": "0"}
    assert "opgeslagen" in inviter.get("/uitnodiger?gedaan=papier").text
