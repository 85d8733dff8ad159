"""The outbox against a real SMTP server: one copy each, retries, refusals, and crashes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.mail import outbox, transport
from portal.mail.transport import Delivery, SendError
from portal.models import Staff, utcnow
from portal.models.sealed import EncryptedText
from portal.security import audit, keyrotation, sequencer
from tests.mail.outbox_helpers import (
    BODY,
    LATER,
    SUBJECT,
    attempts,
    audit_actions,
    notice,
    parsed,
    queue,
    row,
    send,
    smtp,
)
from tests.smtp_fixtures import free_port


def test_a_queued_korean_message_arrives_once_as_built(app, smtp_server):
    (message_id,) = queue(app)
    built_id = parsed(row(app, message_id).message.encode())["Message-ID"]
    report = send(app, smtp(smtp_server.url))
    assert (report.sent, report.retry, report.failed, report.uncertain) == (1, 0, 0, 0)
    assert send(app, smtp(smtp_server.url), LATER).sent == 0  # nothing is sent twice
    (got,) = smtp_server.recorder.received
    assert got.mail_from == "portal@localhost"
    assert got.rcpt_tos == [
        "abuse@platform.example",
        "report@platform.example",
        "legal@platform.example",
    ]
    message = parsed(got.content)
    assert message["Subject"] == f"{SUBJECT} 0"
    assert message.get_content().replace("\r\n", "\n") == BODY
    assert message["Message-ID"] == built_id and built_id.endswith("@localhost>")
    assert "Bcc" not in message
    sent = row(app, message_id)
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 1, None)
    assert sent.sent_at is not None and sent.lease_until is None
    assert attempts(app, message_id) == [("sent", None, None)]


def test_the_message_is_sealed_and_the_audit_trail_holds_no_content(app, smtp_server):
    (message_id,) = queue(app)
    send(app, smtp(smtp_server.url))
    with app.app_context():
        raw = db.session.execute(
            text("SELECT message, recipients FROM outbox_messages WHERE id = :id"),
            {"id": message_id},
        ).one()
        sequencer.seal_all(db.session)
        assert audit.verify(db.session).ok
    for sealed in raw:
        assert "badchannel" not in sealed and "platform.example" not in sealed
    actions = audit_actions(app)
    assert [action for action, _ in actions if action.startswith("outbox.")] == [
        "outbox.queued",
        "outbox.sent",
    ]
    for _, detail in actions:
        for secret in ("badchannel", "platform.example", "삭제", "t.me"):
            assert secret not in detail
    queued = json.loads(actions[-2][1])
    assert queued == {"kind": "notice", "outbox_id": message_id, "recipients": 3, "ref": "REQ-0"}


def test_a_temporary_refusal_is_retried_after_a_minute_then_sent(app, smtp_server):
    smtp_server.recorder.data_replies.append("451 4.3.0 Try again later")
    (message_id,) = queue(app)
    started = utcnow()
    assert send(app, smtp(smtp_server.url)).retry == 1
    waiting = row(app, message_id)
    assert (waiting.state, waiting.attempts, waiting.last_error) == (
        "pending",
        1,
        "451 temporary refusal",
    )
    assert started + timedelta(seconds=60) <= waiting.next_attempt_at
    assert waiting.next_attempt_at <= utcnow() + timedelta(seconds=61)
    assert send(app, smtp(smtp_server.url), timedelta(seconds=30)).sent == 0  # not due yet
    assert send(app, smtp(smtp_server.url), timedelta(minutes=2)).sent == 1
    assert len(smtp_server.recorder.received) == 1
    assert attempts(app, message_id) == [
        ("retry", 451, "451 temporary refusal"),
        ("sent", None, None),
    ]
    assert row(app, message_id).state == "sent"


def test_backoff_grows_and_is_capped():
    steps = [outbox.backoff(n) for n in range(1, 9)]
    assert steps[:5] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    assert steps[5:] == [timedelta(hours=6)] * 3


def test_retries_stop_after_the_last_attempt(app, smtp_server):
    smtp_server.recorder.data_replies.extend(["421 4.7.0 busy"] * 3)
    (message_id,) = queue(app)
    assert send(app, smtp(smtp_server.url), max_attempts=2).retry == 1
    assert send(app, smtp(smtp_server.url), LATER, max_attempts=2).failed == 1
    gave_up = row(app, message_id)
    assert gave_up.state == "failed"
    assert gave_up.last_error == "gave up after 2 attempts: 421 temporary refusal"
    assert send(app, smtp(smtp_server.url), LATER * 24).sent == 0
    assert smtp_server.recorder.received == []


def test_a_permanent_refusal_fails_at_once_and_is_never_retried(app, smtp_server):
    smtp_server.recorder.data_replies.append("550 5.7.1 Message rejected")
    (message_id,) = queue(app)
    assert send(app, smtp(smtp_server.url)).failed == 1
    assert send(app, smtp(smtp_server.url), LATER * 48).sent == 0
    failed = row(app, message_id)
    assert (failed.state, failed.attempts, failed.last_error) == (
        "failed",
        1,
        "550 permanent refusal",
    )
    assert attempts(app, message_id) == [("failed", 550, "550 permanent refusal")]
    assert smtp_server.recorder.received == []
    assert "outbox.failed" in [action for action, _ in audit_actions(app)]


def test_bad_recipients_fail_and_some_refused_still_counts_as_sent(app, smtp_server):
    replies = smtp_server.recorder.rcpt_replies
    for address in ("abuse@platform.example", "report@platform.example"):
        replies[address] = "550 5.1.1 No such user"
    first, second = queue(app, 2)
    replies["legal@platform.example"] = "550 5.1.1 No such user"
    # The first message is claimed first; every one of its recipients is refused.
    assert send(app, smtp(smtp_server.url), batch=1).failed == 1
    assert row(app, first).last_error == "550 every recipient refused"
    del replies["legal@platform.example"]
    assert send(app, smtp(smtp_server.url)).sent == 1
    partly = row(app, second)
    assert partly.state == "sent"
    assert partly.last_error == "sent; 2 recipient(s) refused (550)"
    (got,) = smtp_server.recorder.received
    assert got.rcpt_tos == ["legal@platform.example"]


def test_a_refused_connection_is_retried(app):
    (message_id,) = queue(app)
    assert send(app, smtp(f"smtp://127.0.0.1:{free_port()}")).retry == 1
    assert row(app, message_id).last_error == "connection refused"


class WorkerKilled(BaseException):
    """The process dies right after the server took the message (SIGKILL, power loss)."""


class DiesAfterSending:
    def __init__(self, url: str) -> None:
        self.real = smtp(url)

    def send(self, sender, recipients, data):
        self.real.send(sender, recipients, data)
        raise WorkerKilled


def test_a_crash_mid_send_leaves_it_uncertain_and_only_resend_sends_it_again(app, smtp_server):
    (message_id,) = queue(app)
    with pytest.raises(WorkerKilled):
        send(app, DiesAfterSending(smtp_server.url))
    assert row(app, message_id).state == "sending"
    assert send(app, smtp(smtp_server.url), timedelta(minutes=1)).sent == 0  # lease holds
    report = send(app, smtp(smtp_server.url), timedelta(minutes=10))
    assert (report.sent, report.uncertain) == (0, 1)
    assert row(app, message_id).state == "uncertain"
    assert send(app, smtp(smtp_server.url), LATER * 24).sent == 0
    assert len(smtp_server.recorder.received) == 1
    with app.app_context():
        member = db.session.scalar(db.select(Staff).limit(1))
        again = outbox.resend(db.session, message_id, member)
        assert (again.state, again.attempts) == ("pending", 0)
        db.session.commit()
    assert send(app, smtp(smtp_server.url), LATER * 24).sent == 1
    assert send(app, smtp(smtp_server.url), LATER * 48).sent == 0
    assert len(smtp_server.recorder.received) == 2  # the one deliberate second copy
    assert [result for result, _, _ in attempts(app, message_id)] == ["uncertain", "sent"]
    actions = [action for action, _ in audit_actions(app)]
    assert actions.count("outbox.resent") == 1 and "outbox.uncertain" in actions


def test_a_reply_lost_after_the_final_dot_is_uncertain_not_retried(app, smtp_server):
    smtp_server.recorder.data_delay = 1.5
    (message_id,) = queue(app)
    report = send(app, smtp(smtp_server.url, timeout=0.5))
    assert report.uncertain == 1
    assert row(app, message_id).last_error == "the connection ended before the server confirmed"
    assert len(smtp_server.recorder.received) == 1  # the server did take it
    assert send(app, smtp(smtp_server.url), LATER).sent == 0


class Explodes:
    def send(self, sender, recipients, data):
        raise RuntimeError("a bug in a transport")


def test_an_unexpected_error_while_sending_is_uncertain(app):
    (message_id,) = queue(app)
    assert send(app, Explodes()).uncertain == 1
    assert row(app, message_id).last_error == "unexpected RuntimeError while sending"


def test_a_late_worker_still_records_that_it_sent(app, smtp_server):
    (message_id,) = queue(app)
    real = smtp(smtp_server.url)

    class Slow:
        def send(self, sender, recipients, data):
            delivery = real.send(sender, recipients, data)
            with app.app_context():  # meanwhile another worker finds the lease expired
                outbox.send_due(db.session, real, now=utcnow() + LATER)
            return delivery

    assert send(app, Slow()).sent == 1
    assert row(app, message_id).state == "sent"
    assert [result for result, _, _ in attempts(app, message_id)] == ["uncertain", "sent"]
    assert len(smtp_server.recorder.received) == 1


def test_clear_text_to_a_remote_host_is_refused_and_recorded(app, smtp_server, monkeypatch):
    monkeypatch.setattr(transport, "is_loopback", lambda host: False)
    (message_id,) = queue(app)
    assert send(app, smtp(smtp_server.url)).failed == 1
    (attempt,) = attempts(app, message_id)
    assert attempt[0] == "failed" and "refusing to send in clear text" in attempt[2]
    assert smtp_server.recorder.received == []


def test_a_message_moved_to_another_row_does_not_open_and_fails(app, smtp_server):
    first, second = queue(app, 2)
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE outbox_messages SET message = (SELECT message FROM outbox_messages"
                " WHERE id = :a) WHERE id = :b"
            ),
            {"a": first, "b": second},
        )
        db.session.commit()
    report = send(app, smtp(smtp_server.url))
    assert (report.sent, report.failed) == (1, 1)
    assert row(app, first).state == "sent"
    assert attempts(app, second) == [("failed", None, "the message does not open")]


def test_resend_only_takes_failed_or_uncertain_messages(app, smtp_server):
    (message_id,) = queue(app)
    with app.app_context():
        with pytest.raises(outbox.OutboxError, match="this is pending"):
            outbox.resend(db.session, message_id, None)
        with pytest.raises(outbox.OutboxError, match="no outbox message"):
            outbox.resend(db.session, 999, None)


@pytest.mark.parametrize(
    ("kind", "ref", "why"),
    [("Notice!", "REQ-1", "kind"), ("notice", "", "ref"), ("notice", "피해자 이름", "ref")],
)
def test_enqueue_refuses_a_kind_or_ref_that_could_carry_text(app, kind, ref, why):
    with app.app_context(), pytest.raises(outbox.OutboxError, match=why):
        outbox.enqueue(db.session, notice(), kind, ref, None)


def test_listing_counts_states_and_names_what_needs_a_person(app, smtp_server):
    smtp_server.recorder.data_replies.append("554 5.7.1 No")
    failed, pending = queue(app, 2)
    send(app, smtp(smtp_server.url), batch=1)
    with app.app_context():
        assert outbox.state_counts(db.session) == {"failed": 1, "pending": 1}
        (item,) = outbox.needing_attention(db.session)
    assert (item.id, item.state, item.ref, item.last_error) == (
        failed,
        "failed",
        "REQ-0",
        "554 permanent refusal",
    )
    assert pending != failed


def test_key_rotation_covers_every_sealed_column_the_outbox_included():
    rotated = {
        (model.__tablename__, column)
        for model, columns in keyrotation.ENCRYPTED_COLUMNS
        for column in columns
    }
    sealed = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    }
    assert sealed == rotated
    assert ("outbox_messages", "message") in rotated


def test_a_transport_error_says_what_to_retry():
    assert SendError("retry", "x").outcome == "retry"
    assert Delivery().refused == {}
