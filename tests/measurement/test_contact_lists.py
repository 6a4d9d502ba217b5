"""Contact lists: a CSV from Excel (UTF-8 or Windows-1252) checked line by line in Dutch,
duplicates removed, a preview with counts, then queued ten to a request; the file and the
contacts are stored nowhere; failures are counted per upload and shown to the municipality."""
from __future__ import annotations

import json
import re

import boto3

from tests.support import aws_calls
from tests.support import measurement as m
from tests.support.browser import Browser, deliver_queued
from tests.support.tables import scan

LIST = ("telefoon;team\n"
        "06 12345678;Sociaal team Noord\n"
        "0612345678;Sociaal team Noord\n"        # the same number again
        "+31 6 2345 6789;Zorg Zuid\n"
        "e.bakker@voorbeeld.nl;\n"
        "E.Bakker@Voorbeeld.nl;\n"                # the same address again
        "050 367 91 11;\n"                        # a landline
        "jan@;\n"
        "06 3456 7890;Team Oost\n"                # no such team
        "\n"
        "06 4567 8901;Wijkcentrum Café\n")     # é in Windows-1252


def test_a_list_is_previewed_then_queued_and_sent(browser, mailbox, aws, app_module,
                                                  monkeypatch):
    path = m.representative_with_measurement(
        browser, mailbox, teams="Sociaal team Noord\nZorg Zuid\nWijkcentrum Café")
    data = LIST.encode("cp1252")  # Excel's "CSV" on Windows
    preview = m.upload(browser, f"{path}/contacten", data, f"{path}/contacten",
                       stap="controleren")
    assert preview.status_code == 200
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", preview.text))
    assert counts == {"Regels gelezen": "11", "Mobiele nummers": "3", "E-mailadressen": "1",
                      "Dubbel (weggelaten)": "2", "Met een fout (overgeslagen)": "3"}
    assert "Regel 7: Dit is geen mobiel nummer" in preview.text
    assert "Regel 8: Dit is geen geldig e-mailadres" in preview.text
    assert "Regel 9: het team ‘Team Oost’ bestaat niet in deze meting" in preview.text
    assert scan(aws, "Invitations") == []  # nothing queued yet
    assert m.sms_sent() == [] and not mailbox.to("e.bakker@voorbeeld.nl")
    other = m.upload(browser, f"{path}/contacten", b"0687654321\n", f"{path}/contacten",
                     stap="versturen", zegel=m.seal_on(preview.text))
    assert other.status_code == 409 and "niet het bestand dat u controleerde" in other.text
    calls = aws_calls.record(monkeypatch)
    sent = m.upload(browser, f"{path}/contacten", data, f"{path}/contacten",
                    stap="versturen", zegel=m.seal_on(preview.text))
    monkeypatch.undo()
    assert sent.status_code == 200 and "4 uitnodiging(en) staan klaar" in sent.text
    [job] = [c for c in calls if c.service == "sqs"]  # the request queues one job
    assert job.operation == "SendMessage" and job.params["QueueUrl"].endswith("-contact-lists")
    assert [i["key"]["S"].split("#")[0] for i in scan(aws, "Invitations")
            if i["key"]["S"].startswith("list#")] == ["list"]  # one chunk, until fanned out
    deliver_queued()
    assert not [i for i in scan(aws, "Invitations") if i["key"]["S"].startswith("list#")]
    assert sorted(n for n, _ in m.sms_sent()) == ["+31612345678", "+31623456789", "+31645678901"]
    [mail] = mailbox.to("e.bakker@voorbeeld.nl")
    client = Browser(app_module.app)
    link = re.search(r"http://127\.0\.0\.1:8000(/a/\S+)", mail.text).group(1)
    assert client.get(link).headers["Location"] == "/antwoorden"
    teams = sorted((i["channel"]["S"], i.get("team", {}).get("S"))
                   for i in scan(aws, "Invitations") if i["key"]["S"].startswith("t#"))
    assert teams == [("email", None), ("sms", "t1"), ("sms", "t2"), ("sms", "t3")]
    assert "4 klaargezet, 4 verstuurd" in browser.get(path).text
    dynamodb, everything = boto3.client("dynamodb"), ""
    for table in dynamodb.list_tables()["TableNames"]:
        everything += json.dumps(dynamodb.scan(TableName=table)["Items"])
    assert not any(c in everything for c in ("612345678", "623456789", "645678901", "e.bakker"))


def test_a_list_is_stored_in_chunks_and_fanned_out_ten_to_a_request(browser, mailbox, aws,
                                                                     monkeypatch, app_module):
    from chalicelib.platform import outbox
    from devtools.queue_pump import drain

    monkeypatch.setattr("chalicelib.measurement.contacts.CHUNK", 400)
    path = m.representative_with_measurement(browser, mailbox)
    data = "".join(f"06{n:08d}\n" for n in range(10_000_000, 10_001_000)).encode()
    preview = m.upload(browser, f"{path}/contacten", data, f"{path}/contacten")
    with monkeypatch.context() as request:
        calls = aws_calls.record(request)
        m.upload(browser, f"{path}/contacten", data, f"{path}/contacten", stap="versturen",
                 zegel=m.seal_on(preview.text))
    assert [c.operation for c in calls if c.service == "sqs"] == ["SendMessage"]
    chunks = [i for i in scan(aws, "Invitations") if i["key"]["S"].startswith("list#")]
    assert sorted(len(json.loads(c["contacts"]["S"])) for c in chunks) == [200, 400, 400]
    with monkeypatch.context() as worker:  # the worker: a job per chunk, then the invitations
        calls = aws_calls.record(worker)
        drain(outbox.contact_list_queue_url(), app_module.deliver_mail, "eu-central-1",
              "deliver_mail")
    batches = [c for c in calls if c.operation == "SendMessageBatch"
               and c.params["QueueUrl"] == outbox.queue_url()]
    assert len(batches) == 100 and all(len(c.params["Entries"]) == 10 for c in batches)
    assert not [i for i in scan(aws, "Invitations") if i["key"]["S"].startswith("list#")]
    assert "1000 klaargezet, 0 verstuurd" in browser.get(path).text


def test_a_bad_file_is_answered_in_dutch_and_queues_nothing(browser, mailbox, aws,
                                                           monkeypatch):
    path = m.representative_with_measurement(browser, mailbox)
    empty = m.upload(browser, f"{path}/contacten", b"", f"{path}/contacten")
    assert empty.status_code == 400 and "Kies een CSV-bestand" in empty.text
    monkeypatch.setattr("chalicelib.measurement.contacts.MAX_LINES", 3)
    long = m.upload(browser, f"{path}/contacten", b"0612345678\n" * 5, f"{path}/contacten")
    assert long.status_code == 400 and "meer dan 3 regels" in long.text
    only_bad = b"jan@\n050 367 91 11\n"
    preview = m.upload(browser, f"{path}/contacten", only_bad, f"{path}/contacten")
    refused = m.upload(browser, f"{path}/contacten", only_bad, f"{path}/contacten",
                       stap="versturen", zegel=m.seal_on(preview.text))
    assert refused.status_code == 400 and "geen enkel goed nummer" in refused.text
    forged = browser.post_raw(f"{path}/contacten", b"--x--", headers={
        "content-type": "multipart/form-data; boundary=x"})
    assert forged.status_code in (400, 403)
    sqs = boto3.client("sqs")
    assert sqs.receive_message(QueueUrl=aws["MailQueueUrl"]).get("Messages") is None


def test_an_inviter_uploads_for_their_own_team(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t2")
    data = "0612345678\n0623456789\n".encode("utf-8-sig")  # Excel's UTF-8 with BOM
    preview = m.upload(inviter, "/uitnodiger/contacten", data, "/uitnodiger/contacten")
    assert "<dt>Mobiele nummers</dt><dd>2</dd>" in preview.text
    m.upload(inviter, "/uitnodiger/contacten", data, "/uitnodiger/contacten",
             stap="versturen", zegel=m.seal_on(preview.text))
    deliver_queued()
    assert len(m.sms_sent()) == 2
    assert "Door u uitgenodigd</dt><dd>2<" in inviter.get("/uitnodiger").text
    teams = {i["team"]["S"] for i in scan(aws, "Invitations") if i["key"]["S"].startswith("t#")}
    assert teams == {"t2"}


def test_numbers_that_cannot_be_reached_are_counted_and_shown(browser, mailbox, aws,
                                                             monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.measurement import invitations

    class Refusing:
        def publish(self, **request):
            if request["PhoneNumber"].endswith("8"):
                raise ClientError({"Error": {"Code": "InvalidParameter",
                                             "Message": "Invalid parameter: PhoneNumber"}},
                                  "Publish")
            return {"MessageId": "1"}

    path = m.representative_with_measurement(browser, mailbox)
    data = b"0612345678\n0612345679\n0612345688\n"
    preview = m.upload(browser, f"{path}/contacten", data, f"{path}/contacten")
    m.upload(browser, f"{path}/contacten", data, f"{path}/contacten", stap="versturen",
             zegel=m.seal_on(preview.text))
    monkeypatch.setattr(invitations, "_sns", lambda: Refusing())
    deliver_queued()
    page = browser.get(path).text
    assert "3 klaargezet, 1 verstuurd, <strong>2 nummers of adressen konden niet worden " \
           "bereikt</strong>" in page
    sqs = boto3.client("sqs")
    assert sqs.receive_message(QueueUrl=aws["MailQueueUrl"]).get("Messages") is None


def test_the_quick_reading_of_usual_numbers_agrees_with_phonenumbers(monkeypatch):
    """Lists of 100,000 lines are read through a shortcut for the usual ways of writing a
    Dutch mobile number; on every 06 range it answers as phonenumbers does."""
    import re as regex

    from chalicelib.measurement import invitations

    typed = [f"0{prefix}{tail}" for prefix in range(600, 700) for tail in ("123456", "000000")]
    typed += ["+31 6 1234 5678", "0031-6-12345678", "06.12.34.56.78", "+31 (0)6 12345678"]
    quick = [invitations.clean_mobile(t) for t in typed]
    monkeypatch.setattr(invitations, "_PLAIN_MOBILE", regex.compile(r"^$"))
    slow = [invitations.clean_mobile(t) for t in typed]
    assert [(q[0] if q[1] is None else None) for q in quick] == \
        [(s[0] if s[1] is None else None) for s in slow]
    assert sum(q[1] is None for q in quick) > 100  # mobile ranges were among them


def test_an_sms_service_outage_ends_in_the_dead_letters_and_the_redrive_sends_it(
        browser, mailbox, aws, app_module, monkeypatch, capsys):
    from chalicelib.cli.main import main as cli
    from chalicelib.measurement import invitations

    class Unreachable:
        def publish(self, **request):
            raise ConnectionError("sns.eu-central-1.amazonaws.com unreachable")

    path = m.representative_with_measurement(browser, mailbox)
    preview = m.upload(browser, f"{path}/contacten", b"0612345678\n", f"{path}/contacten")
    m.upload(browser, f"{path}/contacten", b"0612345678\n", f"{path}/contacten",
             stap="versturen", zegel=m.seal_on(preview.text))
    real = invitations._sns
    monkeypatch.setattr(invitations, "_sns", lambda: Unreachable())
    deliver_queued()  # retried until the queue gives it up
    assert m.sms_sent() == [] and "1 klaargezet, 0 verstuurd" in browser.get(path).text
    sqs = boto3.client("sqs")
    dead = sqs.get_queue_url(QueueName="ceo-local-mail-dead-letters")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"
    monkeypatch.setattr(invitations, "_sns", real)  # the service is back
    assert cli(["redrive-mail"]) == 0
    assert "1 bericht(en) opnieuw in de wachtrij" in capsys.readouterr().out
    deliver_queued()
    assert [n for n, _ in m.sms_sent()] == ["+31612345678"]
    assert "1 klaargezet, 1 verstuurd" in browser.get(path).text
    assert len([i for i in scan(aws, "Invitations") if i["key"]["S"].startswith("t#")]) == 1
