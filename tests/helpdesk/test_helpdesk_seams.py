"""What a helpdesk employee reads: people found with their municipalities by name and what
each sent, the harmless and the destructive link actions apart, the season overview in name
order, a footer meant for the helpdesk itself, and sentences instead of labels."""
from __future__ import annotations

import html
import re

from tests.support.feed import deliver, make_registrant


def text(response) -> str:
    return html.unescape(response.text)


def test_a_person_found_shows_each_municipality_by_name_with_what_they_sent(helpdesk, aws):
    kees = make_registrant(email="kees.kras@groningen.nl", codes=("GM0014", "GM0034"),
                           name="Kees Kras", phone="0501234567")
    deliver(kees, code="GM0014")
    deliver(kees, code="GM0014")
    page = text(helpdesk.get("/helpdesk?q=kras"))
    row = page.split(">Kees Kras</a>")[1].split("</tr>")[0]
    groningen = row.split("Groningen</a>:")[1].split("</li>")[0]
    assert re.findall(r'>(GM0014-2026-\d)</a>', groningen) == ["GM0014-2026-1", "GM0014-2026-2"]
    assert "GM0014-2026-2</a> (telt nu)" in groningen
    assert "Almere</a>: <span class=\"muted\">niets verzonden</span>" in row.replace("\n", " ")
    assert "GM0014, GM0034" not in page  # codes only, as before


def test_sending_a_new_link_stands_apart_from_revoking_every_link(helpdesk, aws):
    person = make_registrant(email="els@ede.nl", codes=("GM0228",), name="Els Ede",
                             phone="0318123456")
    page = text(helpdesk.get(f"/helpdesk/registrant/{person.id}"))
    resend = page.index("Nieuwe link sturen</button>")
    revoke = page.index("Link intrekken</button>")
    # between them: the person's municipalities; the revoke form in its own warned section
    assert resend < page.index("<h2>Gemeenten beheren</h2>") < revoke
    zone = page[page.index('<section class="danger-zone"'):page.index("</section>")]
    assert "Link intrekken</button>" in zone and "Aanmelder verwijderen (AVG)" in zone
    assert "Nieuwe link sturen" not in zone
    assert '<button type="submit" class="button">Nieuwe link sturen' in page
    assert '<button type="submit" class="button button--warning">Link intrekken' in page


def test_the_season_overview_sorts_by_name(helpdesk, aws):
    by_code = text(helpdesk.get("/helpdesk/seizoen?provincie=Groningen"))
    by_name = text(helpdesk.get("/helpdesk/seizoen?provincie=Groningen&sortering=naam"))

    def names(page: str) -> list[str]:
        table = page.split('season-rows">')[1].split("</table>")[0]
        return re.findall(r'href="/helpdesk/gemeente/GM\d{4}">([^<]+)</a>', table)

    assert names(by_name) == sorted(names(by_code), key=str.casefold)
    assert names(by_name) != names(by_code)
    assert '<option value="naam" selected>Naam</option>' in by_name
    refused = helpdesk.get("/helpdesk/seizoen?sortering=grootte")
    assert refused.status_code == 400 and "Kies sorteren op naam of op CBS-code" in refused.text


def test_the_helpdesk_s_footer_does_not_send_the_helpdesk_to_the_helpdesk(helpdesk, browser):
    own = text(helpdesk.get("/helpdesk"))
    footer = own.split('<footer class="site-footer">')[1]
    assert "Neem contact op met de helpdesk" not in footer
    assert "Dit zijn de pagina’s van de helpdesk" in footer
    public = text(browser.get("/"))
    assert "Neem contact op met de helpdesk" in public.split('<footer class="site-footer">')[1]


def test_the_helpdesk_reads_sentences(helpdesk, aws, app_module):
    anna = make_registrant(email="anna@assen.nl", codes=("GM0106",), name="Anna Mulder",
                           phone="0592123456")
    karin = make_registrant(email="karin@assen.nl", codes=("GM0106",), name="Karin Smit",
                            phone="0592654321")
    saved = text(helpdesk.submit("/helpdesk/gemeente/GM0106/vier-ogen",
                                 [("vier_ogen", "aan"), ("coordinator", karin.id)],
                                 form_page="/helpdesk/gemeente/GM0106"))
    assert "Vier ogen aangezet; Karin Smit is nu coördinator." in saved
    assert "Vier ogen: vier ogen" not in saved
    deliver(anna, code="GM0106")  # waits for Karin; Anna's draft is the sent one
    page = text(helpdesk.get(f"/helpdesk/registrant/{anna.id}"))
    assert "De ingevulde antwoorden zijn verzonden; sindsdien is er niets gewijzigd." in page
    assert "Concept:" not in page
