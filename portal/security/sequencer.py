"""The audit trail's sequencer: seals entries that writers appended into the chain, in batches.

Only the sequencer takes the chain head's lock, and only for one batch, so filings on every
instance append their entries side by side instead of waiting for each other's commits. Any
number of processes may run it: on PostgreSQL the one that finds the head locked skips its
turn, and on every database the head moves by compare-and-set, so two sealers can never
give out one sequence number twice.

It seals only entries whose own HMAC holds and that are younger than the pending grace:
an edited entry, one slipped in by hand, or a sealed entry someone reset to "waiting" in
order to re-chain the trail without it, stays unsealed, and `audit verify` names it. The
head carries an HMAC of its position, so it cannot be moved back to cut entries off.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.extensions import Session, rows_changed
from portal.models import AuditEntry, AuditHead, Case, utcnow
from portal.security import audit, crypto

log = logging.getLogger(__name__)

BATCH = 500
DEFAULT_GRACE = timedelta(minutes=5)


def _head(session: Session) -> AuditHead | None:
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if head is not None or session.get(AuditHead, 1) is not None:
        return head  # None: another sealer holds it
    if session.scalar(select(func.count()).select_from(Case)):
        # A database with cases but no chain head was tampered with; never start a new
        # chain over it (verify reports the missing head).
        log.error("the audit chain head is missing; not sealing")
        return None
    head = AuditHead(id=1, last_hash=audit.GENESIS, entries=0)
    session.add(head)
    session.flush()
    return head


def _head_is_genuine(session: Session, head: AuditHead) -> bool:
    if head.head_mac is not None:
        expected = audit.head_mac(head.entries, head.last_hash)
        return crypto.digests_equal(head.head_mac, expected)
    # No head HMAC yet: only before the first keyed entry was ever sealed.
    keyed = select(AuditEntry.id).where(
        AuditEntry.seq.is_not(None), AuditEntry.entry_mac.is_not(None)
    )
    return session.scalar(keyed.limit(1)) is None


def seal(session: Session, limit: int = BATCH, grace: timedelta = DEFAULT_GRACE) -> int:
    """Seal up to ``limit`` committed entries, oldest first; the caller commits.

    Returns how many were sealed (0 when there was nothing to do, another sealer holds the
    head, or the chain is damaged past its head).
    """
    head = _head(session)
    if head is None:
        return 0
    start, prev = head.entries, head.last_hash
    if not _head_is_genuine(session, head):
        log.error("the audit chain head was changed; not sealing")
        return 0
    highest = session.scalar(select(func.max(AuditEntry.seq)))
    if highest is not None and highest > start:
        log.error("audit entries are numbered past the chain head; not sealing")
        return 0
    too_old = utcnow() - grace
    waiting = session.execute(
        select(*audit.ENTRY_COLUMNS)
        .where(AuditEntry.seq.is_(None), AuditEntry.created_at >= too_old)
        .order_by(AuditEntry.id)
        .limit(limit)
    ).all()
    seq = start
    links = []
    for row in waiting:
        if not audit.content_ok(row):
            continue  # left waiting: verify names it
        seq += 1
        link = audit.link_mac(prev, seq, row.entry_mac)
        links.append({"id": row.id, "seq": seq, "prev_hash": prev, "entry_hash": link})
        prev = link
    if not links:
        return 0
    moved = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1, AuditHead.entries == start)
        .values(entries=seq, last_hash=prev, head_mac=audit.head_mac(seq, prev))
        .execution_options(synchronize_session=False)
    )
    if rows_changed(moved) != 1:
        session.rollback()  # another sealer moved the head first; its batch stands
        return 0
    session.execute(update(AuditEntry), links)
    session.expire(head)
    return len(links)


def seal_all(session: Session, grace: timedelta = DEFAULT_GRACE) -> int:
    """Seal everything waiting, committing per batch."""
    total = 0
    while sealed := seal(session, grace=grace):
        session.commit()
        total += sealed
    session.commit()
    return total
