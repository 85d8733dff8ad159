"""Finding every stored fingerprint within the match distance of one: exact multi-index search.

Each of the 16 bands of 16 bits is stored as a keyed hash of its position and value, one
index each (portal.models.fingerprints). Two hashes within 31 bits share some band within
one bit (portal.evidence.pdq.neighbours), so probing each band's value and its one-bit
neighbours finds every candidate; a lower bound from the keyed bands lets the database
drop nearly all of them, and the rest are opened and measured exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Text, TextClause, select, text, type_coerce

from portal.evidence.pdq import MATCH_DISTANCE, PDQ, distance, neighbours, two_bits_away
from portal.extensions import Session, table_of
from portal.models import Fingerprint
from portal.models.sealed import row_identity
from portal.security import crypto

PURPOSE = "fingerprint.pdq"


@dataclass(frozen=True)
class Found:
    fingerprint_id: int
    case_id: int
    distance: int


def _band_keys(pairs: list[tuple[int, int]]) -> list[int]:
    """The keyed value of each (band, value): what the band columns store and are searched by."""
    return crypto.lookup_numbers("pdq-band", [f"{band}:{value}" for band, value in pairs])


# Bands whose two-bit neighbours are looked up too. A candidate shares one band (within a
# bit) with the probe; a random one is 2+ bits off in the 15 others and 3+ in most of these,
# so its bound comes to 33 or more and the database drops it. More bands would drop a few
# more candidates for many more keyed values to compute and send.
FAR_BANDS = 4


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


def band_columns(pdq: PDQ) -> dict[str, int]:
    keys = _band_keys(list(enumerate(pdq.bands())))
    return {f"band_{n}": key for n, key in enumerate(keys)}
