"""The maintained count of cases per status, for the queue tabs, spread over shard rows."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, update

from portal.choices import STATUSES
from portal.extensions import Session, rows_changed
from portal.models import Case, StatusCount

# Rows per status. Every filing adds one to "new"; with one row that row's lock would be
# held by each filing until its commit, so filings on all instances would wait in line.
SHARDS = 16


def _bump(session: Session, status: str, shard: int, delta: int) -> None:
    changed = rows_changed(
        session.execute(
            update(StatusCount)
            .where(StatusCount.status == status, StatusCount.shard == shard)
            .values(cases=StatusCount.cases + delta)
        )
    )
    if not changed:
        session.add(StatusCount(status=status, shard=shard, cases=delta))
        session.flush()


def adjust(session: Session, old_status: str | None, new_status: str | None) -> None:
    """Move one case between statuses (None for created or deleted)."""
    if old_status == new_status:
        return
    changes = []
    if old_status:
        changes.append((old_status, secrets.randbelow(SHARDS), -1))
    if new_status:
        changes.append((new_status, secrets.randbelow(SHARDS), +1))
    # Always lock rows in one order, so two opposite moves cannot deadlock.
    for status, shard, delta in sorted(changes):
        _bump(session, status, shard, delta)


def counts(session: Session) -> dict[str, int]:
    stored = dict(
        session.execute(
            select(StatusCount.status, func.sum(StatusCount.cases)).group_by(StatusCount.status)
        ).all()
    )
    return {status: int(stored.get(status) or 0) for status in STATUSES}


def recount(session: Session) -> dict[str, int]:
    """Rebuild the counters from the cases table (after a bulk load or a manual fix)."""
    actual = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    for status in STATUSES:
        for shard in range(SHARDS):
            row = session.get(StatusCount, (status, shard))
            value = actual.get(status, 0) if shard == 0 else 0
            if row is None:
                session.add(StatusCount(status=status, shard=shard, cases=value))
            else:
                row.cases = value
    return {status: actual.get(status, 0) for status in STATUSES}
