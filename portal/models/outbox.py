"""The outbox: every e-mail the portal sends waits here, sealed, until a worker sends it.

A message is sealed whole (it quotes the links victims reported) and bound to its random
token, which exists before the INSERT. Its state moves pending -> sending -> sent, back to
pending for a retry, or to failed; a message found in ``sending`` after its lease ran out
(the worker died mid-send, nobody knows whether the server took it) becomes ``uncertain``
and is only sent again when a person asks for it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import choices
from portal.extensions import Model
from portal.models.sealed import EncryptedText
from portal.models.types import UTCDateTime, utcnow

OUTBOX_STATES: tuple[str, ...] = tuple(choices.OUTBOX_STATES)
ATTEMPT_RESULTS = ("sent", "retry", "failed", "uncertain")


class OutboxMessage(Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # A short reference of the caller's (a takedown request id), never victim text.
    ref: Mapped[str] = mapped_column(String(64))
    # The RFC 5322 bytes exactly as they will be sent (7-bit, so text), and the envelope.
    message: Mapped[str] = mapped_column(EncryptedText("outbox.message", row="token"))
    recipients: Mapped[str] = mapped_column(EncryptedText("outbox.recipients", row="token"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    # Attempts since it was queued or last sent again by a person (history: OutboxAttempt).
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim holds the lease, so a late worker cannot overwrite a newer attempt.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An SMTP code and class only ("451 temporary"), never what the server echoed back.
    last_error: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt_log: Mapped[list[OutboxAttempt]] = relationship(
        back_populates="outbox_message", order_by="OutboxAttempt.id", passive_deletes=True
    )

    __table_args__ = (
        # The worker's query: due pending messages, oldest first; and expired leases.
        Index("ix_outbox_messages_due", "state", "next_attempt_at", "id"),
        Index("ix_outbox_messages_lease", "state", "lease_until"),
    )


class OutboxAttempt(Model):
    """One try at sending: when, how it ended, and the server's code (no text it sent)."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(10))
    smtp_code: Mapped[int | None] = mapped_column(SmallInteger)
    error: Mapped[str | None] = mapped_column(String(120))

    outbox_message: Mapped[OutboxMessage] = relationship(back_populates="attempt_log")
