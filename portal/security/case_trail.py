"""Checking the part of the audit trail a police export's custody log rests on, before it is
signed: from the case's first sealed entry to the head, every entry opens with its HMAC and
links to the one before it (so an entry of this case edited, moved to no case, or deleted is
caught, whoever's entries lie between), the head carries its HMAC, and none of the case's
entries has waited unsealed longer than the sequencer ever takes (one taken out of the chain
by hand). A trail edited by someone without PORTAL_AUDIT_KEY fails here, and so does one whose
first entries (from the filing on) are gone: every case's trail starts with its filing.

A case filed long ago may have more entries after it than an export should walk while staff
wait; then only the case's own entries are checked (``audit verify`` walks everything).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.extensions import Session
from portal.models import AuditEntry, AuditHead, utcnow
from portal.security import crypto
from portal.security.audit import (
    ENTRY_COLUMNS,
    GENESIS,
    ChainWalk,
    content_ok,
    head_mac,
    legacy_digest,
    link_mac,
)

TRAIL_PROBLEMS = (
    "changed",
    "link_changed",
    "missing",
    "head_changed",
    "unsealed",
)
# About two seconds of checking; beyond it only the case's own entries are.
MAX_WALK = 200_000
BATCH = 5000
SEAL_GRACE = timedelta(minutes=5)


def problem(session: Session, case_ref: str) -> str | None:
    """What is wrong with the trail this case's custody log rests on, as a code of
    TRAIL_PROBLEMS; None if it is sound."""
    rows = session.execute(
        select(*ENTRY_COLUMNS).where(AuditEntry.case_ref == case_ref).order_by(AuditEntry.id)
    ).all()
    if not any(row.action == "case.filed" for row in rows):
        return "missing"  # the trail of every case starts with its filing
    too_old = utcnow() - SEAL_GRACE
    for row in rows:
        if row.seq is None:
            if not content_ok(row):
                return "changed"
            if row.created_at < too_old:
                return "unsealed"
    sealed = [row for row in rows if row.seq is not None]
    if not sealed:
        return None
    # The head, not the highest number stored: its HMAC makes it the trail's true length.
    head = session.get(AuditHead, 1)
    if head is None:
        return "head_changed"
    # Only a trail of entries from before the keyed scheme has a head without its HMAC.
    keyed_head = head.head_mac is not None
    if head.head_mac is not None and not crypto.digests_equal(
        head.head_mac, head_mac(head.entries, head.last_hash)
    ):
        return "head_changed"
    first = min(row.seq for row in sealed)
    if head.entries - first > MAX_WALK:
        return _own_entries(sealed)
    walked = _walk_from(session, first, head.entries, head.last_hash)
    if walked is None and not keyed_head and any(row.entry_mac for row in sealed):
        return "head_changed"
    return walked


def _walk_from(session: Session, first: int, last: int, last_hash: str) -> str | None:
    """Walk entries ``first`` to ``last`` (the head read before: entries sealed meanwhile are
    not this check's) and end exactly at the head."""
    walk = ChainWalk()
    if first > 1:
        before = session.execute(
            select(*ENTRY_COLUMNS).where(AuditEntry.seq == first - 1)
        ).one_or_none()
        if before is None:
            return "missing"
        walk.seq, walk.prev, walk.keyed = first - 1, before.entry_hash, before.entry_mac is not None
    else:
        walk.prev = GENESIS
    while walk.seq < last:
        batch = session.execute(
            select(*ENTRY_COLUMNS)
            .where(AuditEntry.seq > walk.seq, AuditEntry.seq <= last)
            .order_by(AuditEntry.seq)
            .limit(BATCH)
        ).all()
        if not batch:
            return "missing"
        for row in batch:
            found = walk.problem(row)
            if found:
                return _code(found)
    if walk.prev != last_hash:
        return "head_changed"
    return None


def _own_entries(rows: list[Any]) -> str | None:
    for row in rows:
        if row.entry_mac is None:
            if legacy_digest(row) != row.entry_hash:
                return "changed"
        elif not content_ok(row):
            return "changed"
        elif not crypto.digests_equal(
            link_mac(row.prev_hash, row.seq, row.entry_mac), row.entry_hash or ""
        ):
            return "link_changed"
    return None


def _code(found: str) -> str:
    if "missing" in found:
        return "missing"
    if "link" in found:
        return "link_changed"
    return "changed"
