"""Report forms in progress, kept on the server between a POST and the page that follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.sealed import EncryptedText
from portal.models.types import UTCDateTime, utcnow


class Draft(Model):
    """What a victim typed, sealed, found by a keyed hash of the token in their session."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Whose drafts these are (the keyed hash limits use), so one client can hold only a few.
    owner: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(EncryptedText("draft.payload", row="token_hash"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_drafts_expires_at", "expires_at"),
        Index("ix_drafts_owner", "owner", "id"),
    )
