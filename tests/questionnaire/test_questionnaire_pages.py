"""Filling the questionnaire as a representative does: page by page, leaving and coming back."""
from __future__ import annotations

import html
import re

import pytest

from tests.support.answers import ALL, SECTION_1, SECTION_2, SECTION_3, SECTION_4
from tests.support.browser import Browser
from tests.support.flows import fill_all, page_path, reset, save, signed_in, version_on
from tests.support.tables import scan


@pytest.fixture()
def person(browser, mailbox):
    return signed_in(browser, mailbox, codes=("GM0014", "GM0034"))


def drafts(aws):
    return scan(aws, "DraftsTableName")


def test_start_page_offers_to_begin_each_municipality(person):
    start = person.get("/start").text
    assert start.count("Nog niet begonnen") == 4  # CEO Wmo and CEO Jeugd of each
    assert 'href="/gemeente/GM0014/vragen/onderzoek"' in start
    assert 'href="/gemeente/GM0014/jeugd/vragen/onderzoek"' in start


def test_pages_show_progress_and_move_forward(person):
    first = person.get(page_path("onderzoek"))
    assert first.status_code == 200
    assert "Stap 1 van 6" in first.text and "Groningen" in first.text
    assert "Er is een probleem" not in first.text  # a fresh page is not all red
    response = save(person, "onderzoek", [("onderzoek_uitgevoerd", "ja")])
    assert response.headers["Location"] == page_path("opzet")
    response = save(person, "opzet", SECTION_1)
    assert response.status_code == 303
    assert response.headers["Location"] == page_path("uitvoering")
    assert "Stap 3 van 6" in person.get(page_path("uitvoering")).text


def test_no_survey_takes_two_steps_and_skips_the_rest(person):
    response = save(person, "onderzoek", [("onderzoek_uitgevoerd", "nee"),
                                          ("geen_onderzoek_reden", "Herindeling."),
                                          ("volgend_onderzoek", "voorjaar 2027")])
    assert response.headers["Location"] == page_path("toestemming")
    page = person.get(page_path("toestemming")).text
    assert "Stap 2 van 2" in page
    back = save(person, "toestemming", [("toestemming_college", "ja")], action="vorige")
    assert back.headers["Location"] == page_path("onderzoek")
    assert "0 van 2 stappen compleet" not in person.get("/start").text
    assert "2 van 2 stappen compleet" in person.get("/start").text


def test_invalid_input_is_saved_exactly_as_typed_and_explained(person, aws):
    typed = [("uitgevoerd_door", "Bureau <b>X</b>"), ("periode", "2026-03-01"),
             ("periode__tot", "2026-01-01"), ("aantal_benaderd", "twaalf"),
             ("aantal_respondenten", "12,5"), ("betrokkenheid", "ja")]
    response = save(person, "uitvoering", typed)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "zijn opgeslagen, ook wat nog niet klopt" in text
    assert "De einddatum moet op of na de begindatum liggen" in text
    assert "Vul een heel getal in, zoals 1.250" in text
    assert "Vul een heel getal in, zonder komma" in text
    assert 'value="twaalf"' in response.text and 'value="12,5"' in response.text
    assert 'value="Bureau &lt;b&gt;X&lt;/b&gt;"' in response.text
    [draft] = drafts(aws)
    assert '"aantal_benaderd": "twaalf"' in draft["answers"]["S"]
    # coming back later shows the same input and the same errors
    again = person.get(page_path("uitvoering"))
    assert 'value="twaalf"' in again.text and "Er is een probleem" in again.text


def test_errors_are_linked_to_their_fields(person):
    response = save(person, "uitvoering", [("aantal_benaderd", "10"),
                                           ("aantal_respondenten", "11")])
    assert '<a href="#aantal_respondenten">' in response.text
    assert 'id="aantal_respondenten-fout"' in response.text
    assert re.search(r'id="aantal_respondenten"[^>]*'
                     r'aria-describedby="[^"]*aantal_respondenten-fout', response.text)
    assert "kan niet groter zijn dan het aantal benaderde personen" in response.text


def test_derived_response_rate_is_shown_not_typed(person):
    save(person, "uitvoering", SECTION_2)
    page = person.get(page_path("uitvoering")).text
    assert "Respons (berekend): <strong>35%</strong>" in page
    assert 'name="respons"' not in page


def test_save_and_continue_later_returns_to_start_with_status(person):
    response = save(person, "opzet", SECTION_1[:3], action="later")
    assert response.status_code == 303
    assert response.headers["Location"] == "/start?opgeslagen=GM0014"
    start = person.get(response.headers["Location"]).text
    assert "Uw antwoorden voor Groningen zijn opgeslagen" in start
    assert "Concept" in start and "0 van 6 stappen compleet" in start
    assert start.count("Nog niet begonnen") == 3  # Almere's two, Groningen's Jeugd


def test_resume_goes_to_the_first_page_with_something_missing(person, browser, mailbox):
    save(person, "onderzoek", ALL["onderzoek"])
    save(person, "opzet", SECTION_1)
    save(person, "uitvoering", SECTION_2[:2], action="later")  # incomplete
    # close the browser: a new one, the same link
    import app

    fresh = Browser(app.app)
    fresh.get(mailbox.last_link("a.devries@groningen.nl"))
    start = fresh.get("/start").text
    assert "2 van 6 stappen compleet" in start
    assert re.search(r'href="/gemeente/GM0014/vragen/uitvoering"[^>]*>Verder waar u gebleven',
                     start)
    page = fresh.get(page_path("uitvoering")).text
    assert 'value="Bureau Onderzoek B.V."' in page


def test_previous_saves_and_goes_back(person):
    response = save(person, "uitvoering", SECTION_2[:1], action="vorige")
    assert response.headers["Location"] == page_path("opzet")
    assert 'value="Bureau Onderzoek B.V."' in person.get(page_path("uitvoering")).text


def test_each_municipality_has_its_own_draft(person, aws):
    save(person, "opzet", [("doel", "Doel Groningen")], code="GM0014", action="later")
    save(person, "opzet", [("doel", "Doel Almere")], code="GM0034", action="later")
    assert "Doel Groningen" in person.get(page_path("opzet", "GM0014")).text
    assert "Doel Almere" in person.get(page_path("opzet", "GM0034")).text
    assert len(drafts(aws)) == 2


def test_conditional_question_only_counts_when_its_condition_holds(person):
    without = save(person, "opzet", SECTION_1)
    assert without.status_code == 303  # "doelgroepen_anders" not required: "anders" not chosen
    chosen = save(person, "opzet", [*SECTION_1, ("doelgroepen", "anders")])
    assert chosen.status_code == 400
    assert "Welke andere doelgroep" in html.unescape(chosen.text)
    # a question depending on an earlier page is hidden when the condition does not hold
    save(person, "opzet", [*[f for f in SECTION_1 if f[0] != "standaardvragen"],
                           ("standaardvragen", "nee")])
    assert "scores__q1__n" not in person.get(page_path("uitkomsten")).text
    save(person, "opzet", SECTION_1)
    assert "scores__q1__n" in person.get(page_path("uitkomsten")).text


def test_score_table_rules(person):
    wrong = [("belangrijkste_uitkomsten", "x"),
             ("scores__q2__helemaal_mee_eens", "50"), ("scores__q2__mee_eens", "40"),
             ("scores__q2__neutraal", "5"), ("scores__q2__niet_mee_eens", "0"),
             ("scores__q2__helemaal_niet_mee_eens", "0"), ("scores__q2__n", "100"),
             ("scores__q3__mee_eens", "100")]
    save(person, "opzet", SECTION_1)
    response = save(person, "uitkomsten", wrong)
    text = html.unescape(response.text)
    assert response.status_code == 400
    assert ("Vraag 2: ‘Helemaal mee eens’ / ‘Mee eens’ / ‘Neutraal’ / ‘Niet mee eens’ / "
            "‘Helemaal niet mee eens’ moeten samen 100% zijn; nu is het 95%") in text
    assert "Vraag 3: vul de percentages in zoals uw rapport ze geeft" in text
    assert '<a href="#scores__q2__helemaal_mee_eens">' in response.text


def test_review_page_shows_every_answer_with_change_links(person):
    fill_all(person)
    review = person.get("/gemeente/GM0014/controleren")
    assert review.status_code == 200
    text = html.unescape(review.text)
    assert "Alle verplichte vragen zijn ingevuld" in text
    assert "Gebruikers van een maatwerkvoorziening, Mantelzorgers" in text
    assert "10 januari 2026 tot en met 1 maart 2026" in text
    assert "1.200" in text and "Respons (berekend)" in text and "35%" in text
    assert "Cliënten zijn tevreden.\nDe wachttijd is te lang." in text  # long text in full
    shown = re.sub(r"<[^>]+>", "", text)
    assert "Mee eens: 55,5%" in shown and "398" in shown  # score table readable
    assert "https://www.groningen.nl/ceo" in text
    assert "15 mei 2026" in text
    assert text.count("?terug=controleren") >= 20


def test_review_lists_missing_answers_with_links(person):
    save(person, "opzet", SECTION_1[:1], action="later")
    review = person.get("/gemeente/GM0014/controleren").text
    assert "Deze antwoorden ontbreken nog of kloppen niet" in review
    assert 'href="/gemeente/GM0014/vragen/opzet?terug=controleren#doelgroepen"' in review
    assert 'href="/gemeente/GM0014/vragen/uitvoering?terug=controleren#periode"' in review


def test_change_link_returns_to_review_after_saving(person):
    fill_all(person)
    page = person.get(page_path("opvolging") + "?terug=controleren")
    assert 'name="terug" value="controleren"' in page.text
    response = save(person, "opvolging", SECTION_4, action="controleren",
                    extra=[("terug", "controleren")])
    assert response.headers["Location"] == "/gemeente/GM0014/controleren"


def test_stale_page_does_not_overwrite_newer_answers(person, aws):
    old_page = person.get(page_path("opzet"))
    old_version = version_on(old_page.text)
    save(person, "opzet", [("doel", "Nieuw doel uit tab 2")], action="later")
    stale = person.submit(page_path("opzet"), [("doel", "Oud doel uit tab 1"),
                                               ("versie", old_version), ("actie", "volgende")],
                          form_page=page_path("opzet"))
    assert stale.status_code == 409
    assert "Deze pagina is intussen gewijzigd" in stale.text
    assert "Nieuw doel uit tab 2" in stale.text and "Oud doel uit tab 1" in stale.text
    assert "Nieuw doel uit tab 2" in drafts(aws)[0]["answers"]["S"]
    # the user chooses their own input
    version = version_on(stale.text)
    chosen = person.submit(page_path("opzet"), [("doel", "Oud doel uit tab 1"),
                                                ("versie", version), ("overschrijven", "ja"),
                                                ("actie", "later")],
                           form_page=page_path("opzet"))
    assert chosen.status_code == 303
    assert "Oud doel uit tab 1" in drafts(aws)[0]["answers"]["S"]


def test_two_tabs_on_different_pages_do_not_conflict(person, aws):
    tab1 = person.get(page_path("opzet"))
    tab2 = person.get(page_path("uitvoering"))
    v1 = version_on(tab1.text)
    v2 = version_on(tab2.text)
    a = person.submit(page_path("opzet"), [*SECTION_1, ("versie", v1)], form_page="/start")
    b = person.submit(page_path("uitvoering"), [*SECTION_2, ("versie", v2)], form_page="/start")
    assert a.status_code == b.status_code == 303
    raw = drafts(aws)[0]["answers"]["S"]
    assert "Inzicht in de kwaliteit" in raw and "Bureau Onderzoek" in raw


def test_reset_asks_first_and_then_empties_only_the_draft(person, aws):
    save(person, "opzet", SECTION_1, code="GM0014")
    save(person, "opzet", SECTION_1, code="GM0034")
    confirm = person.get("/gemeente/GM0014/verwijderen")
    assert "Alle ingevulde antwoorden verwijderen?" in confirm.text
    assert len(drafts(aws)) == 2  # a GET deletes nothing
    unanswered = reset(person, answer="")
    assert unanswered.status_code == 400 and len(drafts(aws)) == 2
    kept = reset(person, answer="nee")
    assert kept.headers["Location"] == "/start" and len(drafts(aws)) == 2
    done = reset(person)
    assert done.headers["Location"] == "/start?verwijderd=GM0014"
    assert [d["municipality"]["S"] for d in drafts(aws)] == ["GM0034"]
    assert "Alle ingevulde antwoorden voor Groningen zijn verwijderd" in \
        person.get(done.headers["Location"]).text
    # the page opens empty again; the other municipality's answers are untouched
    emptied = html.unescape(person.get(page_path("opzet")).text)
    assert "Inzicht in de kwaliteit van de ondersteuning." not in emptied
    assert " checked" not in emptied  # no choice still selected
    kept_page = html.unescape(person.get(page_path("opzet", "GM0034")).text)
    assert "Inzicht in de kwaliteit van de ondersteuning." in kept_page
    assert kept_page.count(" checked") == len(SECTION_1) - 1  # every choice but "doel"


def test_a_page_saved_after_a_reset_in_another_tab_is_a_conflict(person, aws):
    save(person, "opzet", SECTION_1)
    stale = person.get(page_path("opzet"))
    version = version_on(stale.text)
    reset(person)
    response = person.submit(page_path("opzet"), [("doel", "x"), ("versie", version)],
                             form_page="/start")
    assert response.status_code == 409
    assert "verwijderd" in response.text
    assert drafts(aws) == []


@pytest.mark.parametrize("path", [
    "/gemeente/GM0050/vragen/opzet",      # exists, not theirs
    "/gemeente/GM0050/controleren",
    "/gemeente/GM0050/verwijderen",
    "/gemeente/GM9999/vragen/opzet",      # does not exist
    "/gemeente/groningen/vragen/opzet",
    "/gemeente/GM0014/vragen/bestaat-niet",
])
def test_other_municipalities_and_unknown_pages_are_404(person, path):
    response = person.get(path)
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.text


def test_saving_for_another_municipality_is_refused_and_stores_nothing(person, aws):
    token = person.csrf_token("/start")
    response = person.post_raw("/gemeente/GM0050/vragen/opzet",
                               f"csrf_token={token}&doel=x&versie=0".encode())
    assert response.status_code == 404
    assert drafts(aws) == []


def test_without_session_the_questionnaire_asks_to_sign_in(browser):
    response = browser.get(page_path("opzet"))
    assert response.status_code == 401
    assert "persoonlijke link" in response.text and "/nieuwe-link" in response.text


def test_fields_of_other_pages_cannot_be_smuggled_in(person, aws):
    save(person, "opzet", [*SECTION_1, ("toestemming_college", "ja"), ("onbekend", "x")])
    raw = drafts(aws)[0]["answers"]["S"]
    assert "toestemming_college" not in raw and "onbekend" not in raw


def test_session_expiry_mid_form_loses_nothing(person, mailbox, aws, monkeypatch):
    import itsdangerous

    save(person, "opzet", SECTION_1)
    page = person.get(page_path("uitvoering"))
    version = version_on(page.text)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + 13 * 3600)  # the user went home for the night
    from urllib.parse import urlencode

    expired = person.post_raw(page_path("uitvoering"), urlencode(
        [("csrf_token", token), *SECTION_2, ("versie", version), ("actie", "volgende")]).encode())
    assert expired.status_code == 401
    assert "Uw invoer op deze pagina is niet verloren" in expired.text
    assert "Bureau Onderzoek" not in drafts(aws)[0]["answers"]["S"]  # not saved unseen
    # next morning: the link from the mail again (a fresh session)
    landing = person.get(mailbox.last_link("a.devries@groningen.nl"))
    assert landing.headers["Location"].startswith(page_path("uitvoering") + "?hersteld=")
    restored = person.get(landing.headers["Location"])
    assert "U had dit ingevuld maar het is nog niet opgeslagen" in restored.text
    assert 'value="Bureau Onderzoek B.V."' in restored.text and 'value="1.200"' in restored.text
    pending = re.search(r'name="hersteld" value="([^"]+)"', restored.text).group(1)
    version = version_on(restored.text)
    saved = person.submit(page_path("uitvoering"), [*SECTION_2, ("versie", version),
                                                    ("hersteld", pending)],
                          form_page=landing.headers["Location"])
    assert saved.status_code == 303
    assert "Bureau Onderzoek" in drafts(aws)[0]["answers"]["S"]
    assert "ceo-terug" not in person.cookies
    assert scan(aws, "PendingInputTableName") == []
    assert person.get(mailbox.last_link("a.devries@groningen.nl")).headers["Location"] == "/start"


def test_kept_input_is_only_shown_to_its_owner(person, aws):
    from chalicelib.accounts import pending_input
    from tests.support.feed import make_registrant

    someone_else = make_registrant(email="ander@groningen.nl", codes=("GM0014",))
    kept = pending_input.keep(someone_else.id, "GM0014", "opzet", {"doel": ["geheim"]}, 0)
    page = person.get(page_path("opzet") + f"?hersteld={kept.id}")
    assert "geheim" not in page.text and "nog niet opgeslagen" not in page.text


def test_a_forged_session_cookie_keeps_nothing(browser, aws):
    browser.cookies["ceo-sessie"] = "eyJyIjoiYSIsImwiOiJiIn0.forged.signature"
    token = browser.csrf_token("/")
    response = browser.post_raw(page_path("opzet"), f"csrf_token={token}&doel=x".encode())
    assert response.status_code == 401
    assert scan(aws, "PendingInputTableName") == []


def test_a_wrong_count_on_vraag_10_is_shown_at_vraag_10_and_marks_only_that_field(person):
    """420 people filled in the survey (step 3); Vraag 10 says 450 valid answers."""
    fill_all(person)
    response = save(person, "uitkomsten", [*SECTION_3, ("scores__q10__eens", "80"),
                                           ("scores__q10__n", "450")])
    assert response.status_code == 400
    page = html.unescape(response.text)
    message = ("Vraag 10: het aantal geldige antwoorden op een vraag kan niet groter zijn dan "
               "het aantal personen dat de vragenlijst invulde: 450 tegen 420")
    # the summary names the question and leads to the count field itself
    assert f'<li><a href="#scores__q10__n">{message}</a></li>' in page
    # the error sits in Vraag 10's own group, not at the top of the table (Vraag 1)
    vraag_10 = page[page.index("<legend>Vraag 10."):]
    vraag_10 = vraag_10[:vraag_10.index("</fieldset>")]
    assert f'id="scores__q10__n-fout"><span class="visually-hidden">Fout:</span> {message}' \
        in vraag_10
    assert page.count("-fout\"><span") == 1
    # only that one field is marked
    invalid = re.findall(r'id="([^"]+)"[^>]*aria-invalid="true"', page)
    assert invalid == ["scores__q10__n"]
    assert 'class="input input--6 input--error" id="scores__q10__n"' in page
    assert page.count("input--error") == 1
    assert 'field field--error" id="vraag-scores"' not in page


def test_empty_questions_say_what_to_do_and_the_buttons_follow_the_gov_uk_order(person):
    save(person, "opzet", SECTION_1)
    uitkomsten = html.unescape(person.get(page_path("uitkomsten")).text)
    response = save(person, "opzet", [("doelgroepen", "anders")])
    page = html.unescape(response.text)
    assert "Beantwoord de vraag ‘Welke andere doelgroep?’" in page
    assert "Kies een antwoord bij de vraag ‘Hoe vaak meet uw gemeente?’" in page
    assert "Vul dit in" not in page and "Kies een antwoord:" not in page
    assert "Alleen invullen als u bij ‘Zijn de standaardvragen van het CEO gebruikt?’ ‘Ja’ " \
           "of ‘Deels’ koos." in uitkomsten
    # a "Vorige" link at the top, then "Opslaan en verder" and "Opslaan en later verder"
    assert uitkomsten.index('href="/gemeente/GM0014/vragen/uitvoering">Vorige') \
        < uitkomsten.index("<h1>")
    buttons = re.findall(r"<button[^>]*>([^<]+)</button>", uitkomsten)
    assert buttons[-2:] == ["Opslaan en verder", "Opslaan en later verder"]
    assert "Opslaan en vorige" not in uitkomsten
