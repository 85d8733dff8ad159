"""The outbox worker's pass: claim a due message, send it, record how it went; never twice.

A claim is one due message at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and on every
backend an UPDATE that only succeeds while the row is still pending), marked ``sending``
under a lease and committed before the worker talks to SMTP. Then ``sent``, a retry with
backoff, or ``failed`` is recorded, by the claim that holds the lease only. A message still
``sending`` when its lease has run out belongs to a worker that died mid-send: nobody knows
whether the server took it, so it becomes ``uncertain`` and is not sent again by itself.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.extensions import Session, rows_changed
from portal.mail import compose
from portal.mail.transport import Delivery, Outcome, SendError, Transport
from portal.models import OutboxAttempt, OutboxMessage, utcnow
from portal.security import audit

log = logging.getLogger(__name__)

# After the 1st, 2nd, ... failed attempt; the last step repeats until the attempts run out.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_LEASE = timedelta(minutes=5)
MAX_ERROR = 120  # the columns' width


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    uncertain: int = 0

    def count(self, result: str) -> None:
        setattr(self, result, getattr(self, result) + 1)


def backoff(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts (1 min, 5 min, ..., 6 h, 6 h)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def lease_for(timeout_seconds: float) -> timedelta:
    """Long enough for one SMTP session of about ten exchanges, each up to the timeout."""
    return timedelta(seconds=60 + 12 * timeout_seconds)


def _expire_leases(session: Session, now: datetime, report: SendReport) -> None:
    stale = session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.ref).where(
            OutboxMessage.state == "sending", OutboxMessage.lease_until < now
        )
    ).all()
    for message_id, kind, ref in stale:
        changed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.state == "sending",
                OutboxMessage.lease_until < now,
            )
            .values(state="uncertain", last_error="lease expired mid-send")
            .execution_options(synchronize_session=False)
        )
        if rows_changed(changed):
            _note(session, message_id, "uncertain", None, "the worker stopped mid-send", now)
            audit.record(
                session,
                "outbox.uncertain",
                actor="outbox",
                outbox_id=message_id,
                kind=kind,
                ref=ref,
            )
            report.count("uncertain")
    session.commit()


def _claim(session: Session, now: datetime, lease: timedelta) -> tuple[int, str] | None:
    """Take the oldest due message, or None when nothing is due; committed on return."""
    while True:
        candidate = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            session.commit()
            return None
        token = secrets.token_hex(16)
        changed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, OutboxMessage.state == "pending")
            .values(
                state="sending",
                lease_until=max(now, utcnow()) + lease,
                lease_token=token,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if rows_changed(changed):
            return candidate, token
        # Another worker took it between our read and our write: look again.


def send_due(
    session: Session,
    transport: Transport,
    now: datetime | None = None,
    batch: int = 50,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    lease: timedelta = DEFAULT_LEASE,
) -> SendReport:
    """One pass: mark expired leases uncertain, then send up to ``batch`` due messages."""
    now = now or utcnow()
    report = SendReport()
    _expire_leases(session, now, report)
    for _ in range(batch):
        claimed = _claim(session, now, lease)
        if claimed is None:
            break
        report.count(_attempt(session, transport, *claimed, now, max_attempts))
    return report


def _attempt(
    session: Session,
    transport: Transport,
    message_id: int,
    token: str,
    now: datetime,
    max_attempts: int,
) -> str:
    try:
        row = session.get_one(OutboxMessage, message_id)
        data = row.message.encode("ascii")
        recipients = json.loads(row.recipients)
        sender = compose.envelope_sender(compose.load_message(data))
    except ValueError:  # crypto.DecryptionError, compose.MailError, a broken JSON list
        session.rollback()
        return _finish(session, message_id, token, "failed", None, "the message does not open", now)
    attempts = row.attempts
    session.commit()  # no transaction stays open while the server is talking
    try:
        delivery = transport.send(sender, recipients, data)
    except SendError as error:
        outcome: Outcome = error.outcome
        if outcome == "retry" and attempts >= max_attempts:
            reason = f"gave up after {attempts} attempts: {error.reason}"
            return _finish(session, message_id, token, "failed", error.code, reason, now)
        return _finish(session, message_id, token, outcome, error.code, error.reason, now)
    except Exception as error:
        # Whatever broke, the server may already hold the message: do not guess.
        log.warning("outbox message %s: unexpected %s while sending", message_id, type(error))
        reason = f"unexpected {type(error).__name__} while sending"
        return _finish(session, message_id, token, "uncertain", None, reason, now)
    return _finish(session, message_id, token, "sent", None, _refused(delivery), now)


def _refused(delivery: Delivery) -> str | None:
    if not delivery.refused:
        return None
    codes = ",".join(str(code) for code in sorted(set(delivery.refused.values())))
    return f"sent; {len(delivery.refused)} recipient(s) refused ({codes})"


def _finish(
    session: Session,
    message_id: int,
    token: str,
    result: str,
    code: int | None,
    reason: str | None,
    now: datetime,
) -> str:
    moment = max(now, utcnow())
    row = session.execute(
        select(OutboxMessage.kind, OutboxMessage.ref, OutboxMessage.attempts).where(
            OutboxMessage.id == message_id
        )
    ).one()
    reason = reason[:MAX_ERROR] if reason else None
    values: dict[str, object] = {"last_error": reason, "lease_until": None}
    if result == "sent":
        values.update(state="sent", sent_at=moment)
    elif result == "retry":
        values.update(state="pending", next_attempt_at=moment + backoff(row.attempts))
    else:
        values.update(state=result)
    # Only the claim that holds the lease may write; a late worker whose lease was declared
    # uncertain may still say what happened, unless a person has already resent it.
    changed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.lease_token == token,
            OutboxMessage.state.in_(("sending", "uncertain")),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    _note(session, message_id, result, code, reason, moment)
    if rows_changed(changed) and result != "retry":
        detail = {"outbox_id": message_id, "kind": row.kind, "ref": row.ref}
        audit.record(
            session, f"outbox.{result}", actor="outbox", attempts=row.attempts, code=code, **detail
        )
    session.commit()
    return result


def _note(
    session: Session,
    message_id: int,
    result: str,
    code: int | None,
    reason: str | None,
    at: datetime,
) -> None:
    error = reason[:MAX_ERROR] if reason else None
    session.add(
        OutboxAttempt(message_id=message_id, at=at, result=result, smtp_code=code, error=error)
    )
