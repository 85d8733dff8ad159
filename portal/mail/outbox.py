"""The outbox: e-mail is queued in a table and sent by a worker, never twice.

``enqueue`` seals a built message in the caller's transaction; the worker's pass,
``send_due`` (portal.mail.sender), sends what is due; ``resend`` is a person's decision
to send a failed or uncertain message again; the listing helpers never open a message.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import func, select, update

from portal.extensions import Session, rows_changed
from portal.mail import compose
from portal.mail.sender import SendReport, backoff, lease_for, send_due
from portal.models import OutboxMessage, Staff, utcnow
from portal.security import audit

__all__ = [
    "Attention",
    "OutboxError",
    "SendReport",
    "backoff",
    "enqueue",
    "lease_for",
    "needing_attention",
    "resend",
    "send_due",
    "state_counts",
]

ATTENTION = ("failed", "uncertain")
KIND = re.compile(r"[a-z][a-z0-9_]{0,19}")
MAX_REF = 64


class OutboxError(ValueError):
    """An outbox action was refused; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def enqueue(
    session: Session, message: EmailMessage, kind: str, ref: str, staff: Staff | None
) -> OutboxMessage:
    """Queue a built message (not committed: it goes out only if the caller commits)."""
    if not KIND.fullmatch(kind):
        raise OutboxError("kind must be a short lower-case word such as 'notice'")
    if not ref or len(ref) > MAX_REF or not ref.isascii() or not ref.isprintable():
        raise OutboxError(f"ref must be 1 to {MAX_REF} printable ASCII characters")
    data = compose.eml_bytes(message)
    compose.envelope_sender(message)
    recipients = compose.envelope_recipients(message)
    row = OutboxMessage(
        token=secrets.token_hex(16),
        kind=kind,
        ref=ref,
        message=data.decode("ascii"),
        recipients=json.dumps(recipients),
        state="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        created_by=staff.id if staff is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "outbox.queued",
        staff=staff,
        outbox_id=row.id,
        kind=kind,
        ref=ref,
        recipients=len(recipients),
    )
    return row


def resend(session: Session, message_id: int, staff: Staff | None) -> OutboxMessage:
    """Put a failed or uncertain message back in the queue, on purpose (not committed)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise OutboxError(f"there is no outbox message {message_id}")
    if row.state not in ATTENTION:
        raise OutboxError(f"only a failed or uncertain message is sent again; this is {row.state}")
    was = row.state
    changed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == was)
        .values(
            state="pending",
            attempts=0,
            next_attempt_at=utcnow(),
            lease_until=None,
            lease_token=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    if not rows_changed(changed):
        raise OutboxError("the message changed meanwhile; look again")
    audit.record(
        session,
        "outbox.resent",
        staff=staff,
        outbox_id=message_id,
        was=was,
        kind=row.kind,
        ref=row.ref,
    )
    session.refresh(row)
    return row


def state_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    ).all()
    return {state: count for state, count in rows}


@dataclass(frozen=True)
class Attention:
    id: int
    state: str
    kind: str
    ref: str
    attempts: int
    last_error: str | None


def needing_attention(session: Session) -> list[Attention]:
    """Failed and uncertain messages, without opening any (no content)."""
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.state,
            OutboxMessage.kind,
            OutboxMessage.ref,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
        )
        .where(OutboxMessage.state.in_(ATTENTION))
        .order_by(OutboxMessage.id)
    ).all()
    return [Attention(*row) for row in rows]
