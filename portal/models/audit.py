"""The append-only audit trail: entries keyed by their writers, chained by one sequencer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow


class AuditEntry(Model):
    """One event. The writer stores ``nonce`` and ``entry_mac`` (an HMAC of the entry under
    PORTAL_AUDIT_KEY) in its own transaction; the sequencer later gives it ``seq`` and the
    chain link ``prev_hash`` → ``entry_hash``. Entries from before the keyed chain have no
    ``entry_mac`` and an unkeyed SHA-256 link."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # email or "victim"/"system"
    action: Mapped[str] = mapped_column(String(40), index=True)
    case_ref: Mapped[str | None] = mapped_column(String(20), index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON, never victim text
    nonce: Mapped[str | None] = mapped_column(String(32))
    entry_mac: Mapped[str | None] = mapped_column(String(64), unique=True)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditHead(Model):
    """One row: the newest sealed entry's chain hash and sequence number.

    Only the sequencer writes it (a compare-and-set on ``entries``); verification compares
    it with the last sealed entry, and a signed checkpoint kept off-site pins it.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(Integer, default=0)
    head_mac: Mapped[str | None] = mapped_column(String(64))  # NULL until first sealed
