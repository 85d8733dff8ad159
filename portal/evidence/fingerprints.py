"""Storing a case's image fingerprints and finding every other case whose images match.

Each fingerprint is compared with every stored one at the match distance by multi-index
hashing (portal.evidence.pdq.neighbours): 16 indexed band columns, 17 probes each, then the
exact distance of each candidate. The band columns hold keyed hashes of the band values and
the hash itself is sealed, so the database alone does not say which images were reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Text,
    any_,
    bindparam,
    delete,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from portal.evidence.pdq import BANDS, MATCH_DISTANCE, PDQ, distance, neighbours
from portal.extensions import Session, table_of
from portal.models import Case, Fingerprint, FingerprintMatch, utcnow
from portal.models.sealed import row_identity
from portal.security import crypto

PURPOSE = "fingerprint.pdq"


@dataclass(frozen=True)
class Found:
    fingerprint_id: int
    case_id: int
    distance: int


@dataclass(frozen=True)
class Related:
    """Another case with a matching image, as a case page or the desk shows it."""

    case_id: int
    case_ref: str
    status: str
    distance: int
    matches: int


def _band_keys(pairs: list[tuple[int, int]]) -> list[int]:
    """The keyed value of each (band, value): what the band columns store and are searched by."""
    return crypto.lookup_numbers("pdq-band", [f"{band}:{value}" for band, value in pairs])


def _columns() -> list[ColumnElement[int]]:
    table = table_of(Fingerprint)
    return [table.c[f"band_{n}"] for n in range(BANDS)]


def find(
    session: Session, pdq: PDQ, threshold: int = MATCH_DISTANCE, exclude_case: int | None = None
) -> list[Found]:
    """Every stored fingerprint within ``threshold`` bits of ``pdq``, nearest first."""
    if not 0 <= threshold <= MATCH_DISTANCE:
        raise ValueError("the band index finds every match only up to 31 bits")
    wanted_keys = _band_keys(
        [(n, value) for n, band in enumerate(pdq.bands()) for value in neighbours(band)]
    )
    per_band = len(wanted_keys) // BANDS
    arrays = session.get_bind().dialect.name == "postgresql"
    probes = []
    for n, column in enumerate(_columns()):
        keys = wanted_keys[n * per_band : (n + 1) * per_band]
        # One array per band on PostgreSQL: 16 parameters instead of 272 to send and plan.
        probes.append(
            column == any_(bindparam(f"band_{n}", keys, type_=ARRAY(BigInteger)))
            if arrays
            else column.in_(keys)
        )
    table = table_of(Fingerprint)
    query = select(table.c.id, table.c.case_id, type_coerce(table.c.pdq, Text)).where(or_(*probes))
    if exclude_case is not None:
        query = query.where(table.c.case_id != exclude_case)
    ring = crypto.ring()
    wanted = pdq.value
    found = []
    for fingerprint_id, case_id, sealed in session.execute(query):
        try:
            stored = ring.decrypt_text(sealed, PURPOSE, row_identity("case_id", case_id))
        except crypto.DecryptionError:
            continue  # moved between cases or planted: it matches nothing
        apart = distance(wanted, int(stored, 16))
        if apart <= threshold:
            found.append(Found(fingerprint_id, case_id, apart))
    found.sort(key=lambda item: (item.distance, item.fingerprint_id))
    return found


def band_columns(pdq: PDQ) -> dict[str, int]:
    keys = _band_keys(list(enumerate(pdq.bands())))
    return {f"band_{n}": key for n, key in enumerate(keys)}


def add(
    session: Session,
    case_id: int,
    prints: list[PDQ],
    threshold: int = MATCH_DISTANCE,
    now: datetime | None = None,
) -> list[FingerprintMatch]:
    """Store a case's new fingerprints (skipping ones it already has) and link each to every
    other case's matching fingerprint. Returns the matches made."""
    now = now or utcnow()
    held = {item.hex for item in stored(session, case_id)}
    made: list[FingerprintMatch] = []
    for pdq in prints:
        if pdq.hex in held:
            continue
        held.add(pdq.hex)
        matches = find(session, pdq, threshold, exclude_case=case_id)
        row = Fingerprint(
            case_id=case_id, pdq=pdq.hex, quality=pdq.quality, created_at=now, **band_columns(pdq)
        )
        session.add(row)
        session.flush()
        for match in matches:
            link = FingerprintMatch(
                fingerprint_id=row.id,
                match_id=match.fingerprint_id,
                case_id=case_id,
                match_case_id=match.case_id,
                distance=match.distance,
                created_at=now,
            )
            session.add(link)
            made.append(link)
    session.flush()
    return made


@dataclass(frozen=True)
class Stored:
    id: int
    hex: str
    quality: int
    created_at: datetime


def stored(session: Session, case_id: int) -> list[Stored]:
    rows = session.scalars(
        select(Fingerprint).where(Fingerprint.case_id == case_id).order_by(Fingerprint.id)
    )
    return [Stored(row.id, row.pdq, row.quality, row.created_at) for row in rows]


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
