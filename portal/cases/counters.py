"""The maintained count of cases per status, for the queue tabs."""

from __future__ import annotations

from sqlalchemy import func, select, update

from portal.choices import STATUSES
from portal.extensions import Session, rows_changed
from portal.models import Case, StatusCount


def _bump(session: Session, status: str, delta: int) -> None:
    changed = rows_changed(
        session.execute(
            update(StatusCount)
            .where(StatusCount.status == status)
            .values(cases=StatusCount.cases + delta)
        )
    )
    if not changed:
        session.add(StatusCount(status=status, cases=max(delta, 0)))
        session.flush()


def adjust(session: Session, old_status: str | None, new_status: str | None) -> None:
    """Move one case between statuses (None for created or deleted)."""
    if old_status == new_status:
        return
    if old_status:
        _bump(session, old_status, -1)
    if new_status:
        _bump(session, new_status, +1)


def counts(session: Session) -> dict[str, int]:
    stored = dict(session.execute(select(StatusCount.status, StatusCount.cases)).all())
    return {status: stored.get(status, 0) for status in STATUSES}


def recount(session: Session) -> dict[str, int]:
    """Rebuild the counters from the cases table (after a bulk load or a manual fix)."""
    actual = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    for status in STATUSES:
        row = session.get(StatusCount, status)
        if row is None:
            session.add(StatusCount(status=status, cases=actual.get(status, 0)))
        else:
            row.cases = actual.get(status, 0)
    return {status: actual.get(status, 0) for status in STATUSES}
