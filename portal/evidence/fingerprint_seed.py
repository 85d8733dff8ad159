"""Synthetic fingerprints for benchmarks and demos: `dev seed --fingerprints N`.

Most are random 256-bit hashes; one in ten is a near copy (a few bits changed, as a resize
or a re-encode changes them) of an earlier one on another case, recorded as a match, so
the case pages and the desk show related cases as they will in use.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select, text

from portal.evidence.fingerprints import band_columns
from portal.evidence.pdq import PDQ
from portal.extensions import Session, table_of
from portal.models import Case, Fingerprint, FingerprintMatch, utcnow
from portal.models.ids import Ids
from portal.models.sealed import BoundText, row_identity

NEAR_COPY_SHARE = 10  # one in ten
NEAR_COPY_BITS = (2, 24)


def _near_copy(rng: random.Random, value: int) -> tuple[int, int]:
    flips = rng.sample(range(256), rng.randint(*NEAR_COPY_BITS))
    for bit in flips:
        value ^= 1 << bit
    return value, len(flips)


def seed_fingerprints(
    session: Session, n: int, batch: int = 5000, seed: int = 20261202, after: int = 0
) -> int:
    """Add ``n`` fingerprints across the cases with an id over ``after`` (those seeded just
    now: a real report never gets synthetic fingerprints); returns the matches made."""
    case_ids = list(
        session.scalars(select(Case.id).where(Case.purged_at.is_(None), Case.id > after))
    )
    if not case_ids:
        raise ValueError("seed some cases in the same command: fingerprints belong to cases")
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    table = table_of(Fingerprint)
    start = utcnow() - timedelta(days=365)
    ids = Ids(session, table)
    recent: list[tuple[int, int, int]] = []  # (fingerprint id, case id, value)
    rows: list[dict] = []
    matches: list[dict] = []
    made = 0
    for number in range(n):
        next_id = ids.next()
        case_id = rng.choice(case_ids)
        if recent and number % NEAR_COPY_SHARE == 0:
            earlier_id, earlier_case, earlier = rng.choice(recent)
            value, apart = _near_copy(rng, earlier)
            if earlier_case != case_id:
                matches.append(
                    {
                        "fingerprint_id": next_id,
                        "match_id": earlier_id,
                        "case_id": case_id,
                        "match_case_id": earlier_case,
                        "distance": apart,
                        "created_at": start,
                    }
                )
        else:
            value = rng.getrandbits(256)
        pdq = PDQ(hex=f"{value:064x}", quality=rng.randint(50, 100))
        rows.append(
            {
                "id": next_id,
                "case_id": case_id,
                "pdq": BoundText(pdq.hex, row_identity("case_id", case_id)),
                "quality": pdq.quality,
                "created_at": start + timedelta(seconds=number * 30),
                **band_columns(pdq),
            }
        )
        if len(recent) < 10_000:
            recent.append((next_id, case_id, value))
        else:
            recent[rng.randrange(len(recent))] = (next_id, case_id, value)
        if len(rows) >= batch:
            made += _flush(session, rows, matches)
    made += _flush(session, rows, matches)
    if session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or the planner guesses the band probes match every row and scans.
        session.execute(text("ANALYZE fingerprints"))
    return made


def _flush(session: Session, rows: list[dict], matches: list[dict]) -> int:
    if rows:
        session.execute(insert(table_of(Fingerprint)), rows)
    made = len(matches)
    if matches:
        session.execute(insert(table_of(FingerprintMatch)), matches)
    rows.clear()
    matches.clear()
    return made
