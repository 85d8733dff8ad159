"""Storing a case's image fingerprints, the other cases whose images match, and erasing both.

The hash itself is sealed like the victim's text, bound to its case; what the database can
search on is 16 keyed band columns (portal.evidence.fingerprint_search), so the database
alone does not say which images were reported. A report stores its fingerprints with
``store``; they are compared with every other case's after the victim's page has been sent
(portal.evidence.fingerprint_matching). ``add`` stores and compares at once, for seeding and
for code that has no victim waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, delete, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from portal.evidence.fingerprint_search import PURPOSE, Found, band_columns, find
from portal.evidence.pdq import MATCH_DISTANCE, PDQ
from portal.extensions import Session, table_of
from portal.models import Case, Fingerprint, FingerprintMatch, utcnow
from portal.models.sealed import row_identity
from portal.security import crypto

__all__ = ["PURPOSE", "Found", "Related", "add", "band_columns", "count", "erase", "find"]


@dataclass(frozen=True)
class Related:
    """Another case with a matching image, as a case page or the desk shows it."""

    case_id: int
    case_ref: str
    status: str
    distance: int
    matches: int


def store(
    session: Session, case_id: int, prints: list[PDQ], now: datetime | None = None
) -> list[int]:
    """Store a case's new fingerprints (skipping ones it already has), not yet compared.
    Returns the new rows' ids."""
    now = now or utcnow()
    held = {item.hex for item in stored(session, case_id)}
    rows = []
    for pdq in prints:
        if pdq.hex in held:
            continue
        held.add(pdq.hex)
        rows.append(
            Fingerprint(
                case_id=case_id,
                pdq=pdq.hex,
                quality=pdq.quality,
                created_at=now,
                **band_columns(pdq),
            )
        )
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def add(
    session: Session,
    case_id: int,
    prints: list[PDQ],
    threshold: int = MATCH_DISTANCE,
    now: datetime | None = None,
) -> list[FingerprintMatch]:
    """Store a case's new fingerprints and compare them at once. Returns the matches made."""
    from portal.evidence import fingerprint_matching  # it builds on this module

    new = store(session, case_id, prints, now)
    if not new:
        return []
    return fingerprint_matching.match_waiting(session, threshold, ids=new, now=now)


@dataclass(frozen=True)
class Stored:
    id: int
    hex: str
    quality: int
    created_at: datetime


def stored(session: Session, case_id: int) -> list[Stored]:
    """The case's fingerprints; one that does not open for this case (moved from another,
    or planted) is left out, as the search leaves it out."""
    table = table_of(Fingerprint)
    rows = session.execute(
        select(table.c.id, type_coerce(table.c.pdq, Text), table.c.quality, Fingerprint.created_at)
        .where(table.c.case_id == case_id)
        .order_by(table.c.id)
    )
    ring = crypto.ring()
    found = []
    for fingerprint_id, sealed, quality, created_at in rows:
        try:
            hex_value = ring.decrypt_text(sealed, PURPOSE, row_identity("case_id", case_id))
        except crypto.DecryptionError:
            continue
        found.append(Stored(fingerprint_id, hex_value, quality, created_at))
    return found


def count(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).where(Fingerprint.case_id == case_id)) or 0


def related(session: Session, case_ids: list[int]) -> dict[int, list[Related]]:
    """For each case, the other cases with a matching image: nearest first, then newest."""
    if not case_ids:
        return {}
    pairs = []
    for mine, theirs in (
        (FingerprintMatch.case_id, FingerprintMatch.match_case_id),
        (FingerprintMatch.match_case_id, FingerprintMatch.case_id),
    ):
        pairs.append(
            select(
                mine.label("case_id"),
                theirs.label("other_id"),
                FingerprintMatch.distance.label("distance"),
            ).where(mine.in_(case_ids))
        )
    union = pairs[0].union_all(pairs[1]).subquery()
    other = aliased(Case)
    rows = session.execute(
        select(
            union.c.case_id,
            other.id,
            other.case_ref,
            other.status,
            func.min(union.c.distance),
            func.count(),
        )
        .join(other, other.id == union.c.other_id)
        .group_by(union.c.case_id, other.id, other.case_ref, other.status)
        .order_by(union.c.case_id, func.min(union.c.distance), other.id.desc())
    ).all()
    result: dict[int, list[Related]] = {case_id: [] for case_id in case_ids}
    for case_id, other_id, ref, status, nearest, matches in rows:
        result[case_id].append(Related(other_id, ref, status, nearest, matches))
    return result


def erase(session: Session, case_id: int) -> None:
    """A withdrawn or purged case's fingerprints go, with every match they made."""
    session.execute(
        delete(FingerprintMatch).where(
            or_(FingerprintMatch.case_id == case_id, FingerprintMatch.match_case_id == case_id)
        )
    )
    session.execute(delete(Fingerprint).where(Fingerprint.case_id == case_id))


def reindex(session: Session, batch: int = 500) -> int:
    """Write every band column again under the current lookup key (after PORTAL_SECRET_KEY
    changed, the old keyed bands match nothing). Commits per batch; returns rows rewritten."""
    table = table_of(Fingerprint)
    ring = crypto.ring()
    last_id, done = 0, 0
    while True:
        rows = session.execute(
            select(table.c.id, table.c.case_id, type_coerce(table.c.pdq, Text), table.c.quality)
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        for fingerprint_id, case_id, sealed, quality in rows:
            last_id = fingerprint_id
            try:
                hex_value = ring.decrypt_text(sealed, PURPOSE, row_identity("case_id", case_id))
            except crypto.DecryptionError:
                continue
            bands = band_columns(PDQ(hex=hex_value, quality=quality))
            session.execute(table.update().where(table.c.id == fingerprint_id).values(**bands))
            done += 1
        session.commit()
