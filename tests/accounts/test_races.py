"""Two writers of one account at the same moment (issue 25, items 1-3): sign-outs of two
sessions, a helpdesk revoke against a new-link request, two new-link requests. Each race is
run twice: by threads many times over, each thread through the real code path, and with the
interleaving that loses an update placed on purpose (the second writer runs completely between
the first one's read and its write). What is checked is what a person notices: a signed-out
cookie that still opens the start page, a revoked link that works again, a mailed link that
does not work."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.accounts import registrants
from tests.support.atomic import between_read_and_write, one_request_at_a_time
from tests.support.browser import Browser
from tests.support.flows import ANNA, register
from tests.support.tables import scan

ROUNDS = 12


@pytest.fixture()
def anna(aws, app_module, mailbox):
    register(Browser(app_module.app))
    [item] = scan(aws, "Registrants")
    return item["id"]["S"]


@pytest.fixture()
def one_call_at_a_time(monkeypatch):
    one_request_at_a_time(monkeypatch)


def _session(app_module, mailbox) -> Browser:
    """A browser signed in with the newest link in Anna's mailbox (a session of its own)."""
    agent = Browser(app_module.app)
    assert agent.get(mailbox.last_link(ANNA)).status_code == 303
    assert agent.get("/start").status_code == 200
    return agent


def _request(agent: Browser):
    """The request the browser would send (its cookies), as the page hands it to the domain."""
    from chalice.app import Request

    cookie = "; ".join(f"{k}={v}" for k, v in agent.cookies.items())
    return Request({"multiValueQueryStringParameters": None, "headers": {"cookie": cookie},
                    "pathParameters": {}, "requestContext": {"httpMethod": "POST",
                                                             "resourcePath": "/uitloggen"},
                    "body": "", "isBase64Encoded": False, "stageVariables": {}})


def _in_parallel(*writers) -> None:
    """Runs the writers in threads that start together (none waits inside a writer)."""
    start = threading.Barrier(len(writers), timeout=10)

    def together(writer):
        start.wait()
        return writer()

    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        for future in [pool.submit(together, writer) for writer in writers]:
            future.result()


def _links_work(app_module, *links: str) -> list[bool]:
    return [Browser(app_module.app).get(link).status_code == 303 for link in links]


def _all_links(mailbox) -> list[str]:
    import re

    found = []
    for mail in mailbox.to(ANNA):
        match = re.search(r"http://127\.0\.0\.1:8000(/link/[0-9a-f]{32}\.[A-Za-z0-9_-]+)",
                          mail.text)
        if match:
            found.append(match.group(1))
    return found


# 1. two sign-outs at the same time


def test_two_sign_outs_at_the_same_time_both_hold(anna, one_call_at_a_time, app_module,
                                                  mailbox):
    from chalicelib.accounts import access as sessions

    for _ in range(ROUNDS):
        first, second = _session(app_module, mailbox), _session(app_module, mailbox)
        requests = _request(first), _request(second)
        _in_parallel(*[lambda r=r: sessions.sign_out(r) for r in requests])
        assert [first.get("/start").status_code, second.get("/start").status_code] == \
            [401, 401]


def test_six_sessions_signed_out_at_once_all_end(anna, one_call_at_a_time, app_module,
                                                 mailbox):
    from chalicelib.accounts import access as sessions

    agents = [_session(app_module, mailbox) for _ in range(6)]
    _in_parallel(*[lambda agent=agent: sessions.sign_out(_request(agent))
                   for agent in agents])
    assert [agent.get("/start").status_code for agent in agents] == [401] * 6


def test_a_sign_out_between_another_sign_outs_read_and_write_holds(anna, app_module,
                                                                    mailbox, monkeypatch):
    from chalicelib.accounts import access as sessions

    first, second = _session(app_module, mailbox), _session(app_module, mailbox)
    between_read_and_write(monkeypatch, registrants, "get",
                           lambda: sessions.sign_out(_request(second)))
    sessions.sign_out(_request(first))
    assert first.get("/start").status_code == 401
    assert second.get("/start").status_code == 401  # was 200: the first write dropped it


# 2. a helpdesk revoke against a new-link request


def _revoke(anna_id: str):
    from chalicelib.accounts import registrants
    from chalicelib.helpdesk import actions

    return lambda: actions.revoke_link("medewerker@helpdesk.nl", registrants.get(anna_id),
                                       "Adres in verkeerde handen")


def _ask_new_link():
    from chalicelib.accounts import registration

    return registration.request_new_link(ANNA)


def test_a_revoke_during_a_new_link_request_is_not_undone(anna, one_call_at_a_time,
                                                          app_module, mailbox):
    from chalicelib.accounts import registration

    for _ in range(ROUNDS):
        registration.request_new_link(ANNA)
        before = _all_links(mailbox)
        _in_parallel(_revoke(anna), _ask_new_link)
        assert not any(_links_work(app_module, *before)), "a revoked link works again"


def test_a_revoke_between_a_new_link_requests_read_and_write_is_not_undone(
        anna, app_module, mailbox, monkeypatch):
    revoked = _all_links(mailbox)
    assert _links_work(app_module, *revoked) == [True]
    between_read_and_write(monkeypatch, registrants, "get", _revoke(anna))
    _ask_new_link()
    assert _links_work(app_module, *revoked) == [False]  # was True: written back
    fresh = [link for link in _all_links(mailbox) if link not in revoked]
    # the new link was asked for after the helpdesk's revoke had been read: it is mailed to
    # the address's owner and works, as any link asked for after a revoke does
    assert _links_work(app_module, *fresh) == [True]


# 3. two new-link requests at once


def test_two_new_link_requests_at_once_both_links_work(anna, one_call_at_a_time, app_module,
                                                       mailbox):
    from chalicelib.accounts import registration
    from chalicelib.platform.models import Registrant

    for _ in range(ROUNDS):
        # the newest five links work; start each round from one, as a revoke leaves none
        registration.revoke_link(Registrant.get(anna))
        registration.request_new_link(ANNA)
        before = set(_all_links(mailbox))
        _in_parallel(_ask_new_link, _ask_new_link)
        mailed = [link for link in _all_links(mailbox) if link not in before]
        assert len(mailed) == 2
        assert _links_work(app_module, *mailed) == [True, True]


def test_a_new_link_between_another_requests_read_and_write_both_work(anna, app_module,
                                                                     mailbox, monkeypatch):
    first = _all_links(mailbox)
    between_read_and_write(monkeypatch, registrants, "get", _ask_new_link)
    _ask_new_link()
    mailed = [link for link in _all_links(mailbox) if link not in first]
    assert len(mailed) == 2
    assert _links_work(app_module, *first, *mailed) == [True, True, True]  # was one False

