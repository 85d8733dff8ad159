"""Image fingerprints (PDQ hashes made on the victim's phone) and the matches between cases.

A fingerprint identifies an image to anyone who holds a copy, so the hash is sealed like the
victim's text, and what the database can search on is keyed: each of the 16 bands of 16 bits
is stored as an HMAC of its position and value (portal.evidence.fingerprints). Someone who
reads the database but lacks the key cannot tell whether an image they hold was reported.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.sealed import EncryptedText
from portal.models.types import UTCDateTime, utcnow

BANDS = 16


class Fingerprint(Model):
    __tablename__ = "fingerprints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    pdq: Mapped[str] = mapped_column(EncryptedText("fingerprint.pdq", row="case_id"))
    quality: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it was compared with every other stored fingerprint; None while it waits (the
    # comparison runs after the victim's page is sent: portal.evidence.fingerprints).
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    band_0: Mapped[int] = mapped_column(BigInteger)
    band_1: Mapped[int] = mapped_column(BigInteger)
    band_2: Mapped[int] = mapped_column(BigInteger)
    band_3: Mapped[int] = mapped_column(BigInteger)
    band_4: Mapped[int] = mapped_column(BigInteger)
    band_5: Mapped[int] = mapped_column(BigInteger)
    band_6: Mapped[int] = mapped_column(BigInteger)
    band_7: Mapped[int] = mapped_column(BigInteger)
    band_8: Mapped[int] = mapped_column(BigInteger)
    band_9: Mapped[int] = mapped_column(BigInteger)
    band_10: Mapped[int] = mapped_column(BigInteger)
    band_11: Mapped[int] = mapped_column(BigInteger)
    band_12: Mapped[int] = mapped_column(BigInteger)
    band_13: Mapped[int] = mapped_column(BigInteger)
    band_14: Mapped[int] = mapped_column(BigInteger)
    band_15: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = tuple(Index(f"ix_fingerprints_band_{n}", f"band_{n}") for n in range(BANDS))


class FingerprintMatch(Model):
    """Two fingerprints of different cases within the match distance, found when the newer
    one arrived; stored once, read from both sides."""

    __tablename__ = "fingerprint_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint_id: Mapped[int] = mapped_column(ForeignKey("fingerprints.id", ondelete="CASCADE"))
    match_id: Mapped[int] = mapped_column(
        ForeignKey("fingerprints.id", ondelete="CASCADE"), index=True
    )
    # Both cases, so each case page reads its matches from one index.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    match_case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    distance: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("fingerprint_id", "match_id", name="uq_fingerprint_match"),)
