"""The questionnaire before registering: every question, hint and scale of the current
definition at /vragenlijst, without signing in, linked from the registration page and the
link mail — so a municipality can collect the answers from its research agency first."""
from __future__ import annotations

import html

from tests.support.flows import register


def test_every_question_option_and_score_row_is_shown_without_signing_in(browser):
    from chalicelib.questionnaire.journey import current_definition

    response = browser.get("/vragenlijst")
    assert response.status_code == 200
    page = html.unescape(response.text)
    definition = current_definition()
    for section in definition.sections:
        assert section.title in page
        for question in section.questions:
            assert question.label in page, question.id
            if question.hint:
                assert question.hint in page, question.id
            for option in question.options:
                assert option.label in page, (question.id, option.value)
            for row in question.rows:
                assert row.label in page
                assert all(category.label in page for category in row.categories)
    assert "Alleen invullen als" in page  # conditional questions say when they apply
    assert "(verplicht)" in page and "Uitloggen" not in page


def test_the_registration_page_and_the_link_mail_point_to_it(browser, mailbox):
    assert 'href="/vragenlijst"' in browser.get("/").text
    register(browser)
    [mail] = mailbox.to("a.devries@groningen.nl")
    assert "http://127.0.0.1:8000/vragenlijst" in mail.text
    assert 'href="http://127.0.0.1:8000/vragenlijst"' in mail.html
    assert "Eerdere links blijven ook werken" in mail.text
