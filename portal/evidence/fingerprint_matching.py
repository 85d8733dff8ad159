"""Comparing stored fingerprints with every other case's, after the victim's page is sent.

A report or a visit to /status only stores its fingerprints (``matched_at`` empty). The
comparison runs once the response has gone (portal.web.after_response), so the time a
request takes says nothing about whether an image was reported before; the next comparison,
or `flask --app portal fingerprints match`, picks up any a crashed process left waiting.

Running after the commit also means two reports of the same image filed at the same moment
find each other: whichever comparison runs second sees the other's committed rows. A pair
is stored once, the newer fingerprint first, and the unique pair constraint keeps two
comparisons running at once from storing it twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, exists, func, select, type_coerce
from sqlalchemy.exc import IntegrityError

from portal.evidence.fingerprint_search import PURPOSE, Found, find
from portal.evidence.pdq import MATCH_DISTANCE, PDQ
from portal.extensions import Session, table_of
from portal.models import Fingerprint, FingerprintMatch, utcnow
from portal.models.sealed import row_identity
from portal.security import crypto

BATCH = 200


def match_waiting(
    session: Session,
    threshold: int = MATCH_DISTANCE,
    ids: list[int] | None = None,
    limit: int = BATCH,
    now: datetime | None = None,
) -> list[FingerprintMatch]:
    """Compare up to ``limit`` waiting fingerprints (only ``ids`` when given), oldest first,
    record every pair within ``threshold`` and mark them compared. The caller commits."""
    now = now or utcnow()
    table = table_of(Fingerprint)
    query = (
        select(table.c.id, table.c.case_id, type_coerce(table.c.pdq, Text), table.c.quality)
        .where(table.c.matched_at.is_(None))
        .order_by(table.c.id)
        .limit(limit)
        # Another comparison takes the rest (PostgreSQL). NO KEY: a pair's foreign key to a
        # row locked here must not wait on it, or two comparisons would deadlock.
        .with_for_update(skip_locked=True, key_share=True)
    )
    if ids is not None:
        query = query.where(table.c.id.in_(ids))
    ring = crypto.ring()
    made: list[FingerprintMatch] = []
    found_pairs: list[tuple[tuple[int, int], Found]] = []
    for fingerprint_id, case_id, sealed, quality in session.execute(query).all():
        try:
            hex_value = ring.decrypt_text(sealed, PURPOSE, row_identity("case_id", case_id))
        except crypto.DecryptionError:
            hex_value = None  # moved between cases or planted: it matches nothing
        if hex_value is not None:
            pdq = PDQ(hex=hex_value, quality=quality)
            found_pairs += [
                ((fingerprint_id, case_id), found)
                for found in find(session, pdq, threshold, exclude_case=case_id)
            ]
        session.execute(table.update().where(table.c.id == fingerprint_id).values(matched_at=now))
    # Inserted in one order (newer, older) by every comparison, so two running at once wait
    # on each other's pairs in the same order and never deadlock.
    for mine, found in sorted(found_pairs, key=lambda item: _pair_key(item[0], item[1])):
        pair = _pair(session, mine, found, now)
        if pair is not None:
            made.append(pair)
    session.flush()
    return made


def _pair_key(mine: tuple[int, int], found: Found) -> tuple[int, int]:
    return (max(mine[0], found.fingerprint_id), min(mine[0], found.fingerprint_id))


def waiting_count(session: Session) -> int:
    """Fingerprints stored but not yet compared."""
    return (
        session.scalar(
            select(func.count()).select_from(Fingerprint).where(Fingerprint.matched_at.is_(None))
        )
        or 0
    )


def _pair(
    session: Session, mine: tuple[int, int], found: Found, now: datetime
) -> FingerprintMatch | None:
    """Store the pair once, the newer fingerprint first; None when it is stored already."""
    other = (found.fingerprint_id, found.case_id)
    (newer, newer_case), (older, older_case) = sorted([mine, other], reverse=True)
    known = session.scalar(
        select(
            exists().where(
                FingerprintMatch.fingerprint_id == newer, FingerprintMatch.match_id == older
            )
        )
    )
    if known:
        return None
    pair = FingerprintMatch(
        fingerprint_id=newer,
        match_id=older,
        case_id=newer_case,
        match_case_id=older_case,
        distance=found.distance,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(pair)
    except IntegrityError:  # another comparison stored it a moment ago
        return None
    return pair
