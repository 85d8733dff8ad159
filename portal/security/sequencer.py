"""The audit trail's sequencer: seals entries that writers appended into the chain, in batches.

Only the sequencer takes the chain head's lock, and only for one batch, so filings on every
instance append their entries side by side instead of waiting for each other's commits. Any
number of processes may run it: on PostgreSQL the one that finds the head locked skips its
turn, and on every database the head moves by compare-and-set, so two sealers can never
give out one sequence number twice.
"""

from __future__ import annotations

from sqlalchemy import select, update

from portal.extensions import Session, rows_changed
from portal.models import AuditEntry, AuditHead
from portal.security import audit

BATCH = 500


def _head(session: Session) -> AuditHead | None:
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if head is None and session.get(AuditHead, 1) is None:
        head = AuditHead(id=1, last_hash=audit.GENESIS, entries=0)
        session.add(head)
        session.flush()
    return head


def seal(session: Session, limit: int = BATCH) -> int:
    """Seal up to ``limit`` committed entries, oldest first; the caller commits.

    Returns how many were sealed (0 when there was nothing to do or another sealer holds
    the head).
    """
    head = _head(session)
    if head is None:
        return 0
    waiting = session.execute(
        select(AuditEntry.id, AuditEntry.entry_mac)
        .where(AuditEntry.seq.is_(None))
        .order_by(AuditEntry.id)
        .limit(limit)
    ).all()
    if not waiting:
        return 0
    start, prev = head.entries, head.last_hash
    seq = start
    links = []
    for row in waiting:
        seq += 1
        link = audit.link_mac(prev, seq, row.entry_mac or "")
        links.append({"id": row.id, "seq": seq, "prev_hash": prev, "entry_hash": link})
        prev = link
    moved = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1, AuditHead.entries == start)
        .values(entries=seq, last_hash=prev)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(moved) != 1:
        session.rollback()  # another sealer moved the head first; its batch stands
        return 0
    session.execute(update(AuditEntry), links)
    session.expire(head)
    return len(links)


def seal_all(session: Session) -> int:
    """Seal everything waiting, committing per batch."""
    total = 0
    while sealed := seal(session):
        session.commit()
        total += sealed
    session.commit()
    return total
