"""Storing a case's image fingerprints and finding every other case whose images match.

Each fingerprint is compared with every stored one at the match distance by multi-index
hashing (portal.evidence.pdq.neighbours): 16 indexed band columns, 17 probes each, a lower
bound that the database checks from the keyed bands, then the exact distance of what is left.
The band columns hold keyed hashes of the band values and the hash itself is sealed, so the
database alone does not say which images were reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Text,
    TextClause,
    delete,
    func,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import aliased

from portal.evidence.pdq import BANDS, MATCH_DISTANCE, PDQ, distance, neighbours, two_bits_away
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


# Bands whose two-bit neighbours are looked up too. A candidate shares one band (within a
# bit) with the probe; a random one is 2+ bits off in the 15 others and 3+ in most of these,
# so its bound comes to 33 or more and the database drops it. More bands would drop a few
# more candidates for many more keyed values to compute and send.
FAR_BANDS = 4


def _columns() -> list[ColumnElement[int]]:
    table = table_of(Fingerprint)
    return [table.c[f"band_{n}"] for n in range(BANDS)]


def _listed(keys: list[int]) -> str:
    # Written into the statement, not bound: PostgreSQL hashes a constant list (looked up
    # once per candidate row, not scanned) and SQLite's parameter limit stays far away.
    # Only integers this module computed are ever written.
    return "(" + ",".join(str(int(key)) for key in keys) + ")"


def _search(pdq: PDQ, threshold: int) -> TextClause:
    """The condition for candidates whose lower bound is within ``threshold``.

    Candidates are the rows with some band at most one bit from ours (the probe of radius 1:
    at a million stored, about 4,000). Each band of a candidate is then known, from the keyed
    values alone, to be 0, 1 or at least 2 bits from ours (0, 1, 2 or at least 3 for the first
    FAR_BANDS); the sum is a lower bound of the distance, so the database drops nearly every
    candidate and only the rest are opened and measured exactly.
    """
    probes, bounds = [], []
    for n, band in enumerate(pdq.bands()):
        far = two_bits_away(band) if n < FAR_BANDS else []
        keys = _band_keys([(n, value) for value in neighbours(band) + far])
        column = f"band_{n}"
        probes.append(f"{column} IN {_listed(keys[:17])}")
        steps = (
            f"WHEN {column} = {int(keys[0])} THEN 0 WHEN {column} IN {_listed(keys[1:17])} THEN 1"
        )
        if far:
            steps += f" WHEN {column} IN {_listed(keys[17:])} THEN 2 ELSE 3"
        else:
            steps += " ELSE 2"
        bounds.append(f"CASE {steps} END")
    return text(f"({' OR '.join(probes)}) AND ({' + '.join(bounds)}) <= {int(threshold)}")


def find(
    session: Session, pdq: PDQ, threshold: int = MATCH_DISTANCE, exclude_case: int | None = None
) -> list[Found]:
    """Every stored fingerprint within ``threshold`` bits of ``pdq``, nearest first."""
    if not 0 <= threshold <= MATCH_DISTANCE:
        raise ValueError("the band index finds every match only up to 31 bits")
    table = table_of(Fingerprint)
    query = select(table.c.id, table.c.case_id, type_coerce(table.c.pdq, Text)).where(
        _search(pdq, threshold)
    )
    if exclude_case is not None:
        query = query.where(table.c.case_id != exclude_case)
    ring = crypto.ring()
    wanted = pdq.value
    found = []
    # Every probe is a statement of its own: caching them would only fill the heap.
    rows = session.execute(query, execution_options={"compiled_cache": None}).all()
    for fingerprint_id, case_id, sealed in rows:
        try:
            stored = ring.decrypt_text(sealed, PURPOSE, row_identity("case_id", case_id))
        except crypto.DecryptionError:
            continue  # moved between cases or planted: it matches nothing
        apart = distance(wanted, int(stored, 16))
        if apart <= threshold:
            found.append(Found(fingerprint_id, case_id, apart))
    found.sort(key=lambda item: (item.distance, item.fingerprint_id))
    return found


# Any number, as long as nothing else takes the same advisory lock.
MATCHING_LOCK = 0x50_44_51  # "PDQ"


def hold_matching_lock(session: Session) -> None:
    """Until this transaction ends, no other one stores fingerprints.

    Two reports of the same image filed at the same moment would otherwise each search
    before the other's fingerprints are committed, and neither would find the other. On
    PostgreSQL a transaction-scoped advisory lock makes the second search wait for the
    first commit (READ COMMITTED: it then sees it); on SQLite a write that changes nothing
    takes the database's one write lock now instead of at the insert, after the search.
    Take it before any other write of the transaction, so a waiter holds no row lock that
    the holder could need next.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MATCHING_LOCK})
    else:
        session.execute(text("UPDATE fingerprints SET quality = quality WHERE 0 = 1"))


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
    if prints:
        hold_matching_lock(session)
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
