"""`./dev run` prints and saves each sms as it does each mail (.local/sms/)."""
from __future__ import annotations

import re

from devtools.local import SmsCatcher
from tests.support import measurement as m
from tests.support.browser import Browser, deliver_queued


def test_the_local_runner_saves_each_sms_with_its_working_link(browser, mailbox, aws,
                                                              app_module, tmp_path, capsys):
    path = m.representative_with_measurement(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path)
    m.inviter_post(inviter, "/uitnodiger/uitnodigen", {"contact": "+31 6 87654321"})
    deliver_queued()
    catcher = SmsCatcher(tmp_path)
    [saved] = catcher.collect()
    assert catcher.collect() == []  # each sms once
    text = saved.read_text(encoding="utf-8")
    assert saved.name.endswith("+31687654321.txt") and "Aan: +31687654321" in text
    assert "Sms aan +31687654321" in capsys.readouterr().out
    link = re.search(r"http://127\.0\.0\.1:8000(/a/\S+)", text).group(1)
    assert Browser(app_module.app).get(link).headers["Location"] == "/antwoorden"
