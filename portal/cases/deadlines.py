"""Deadlines per priority: the first staff reply and the first takedown request (wall-clock hours).

Each case stores when each is due (set at filing, moved when its priority changes) and when
each was met; ``due_at`` is the earliest deadline not yet met while the case is open, so
"overdue" and "sort by deadline" are ranges over one index instead of a sum per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, update

from portal.choices import OPEN_STATUSES, PRIORITIES
from portal.extensions import Session
from portal.models import Case
from portal.workspace_config import DEFAULT_HOURS, deadline_setting


@dataclass(frozen=True)
class Deadlines:
    response_hours: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_HOURS))
    request_hours: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_HOURS))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Deadlines:
        def hours(kind: str) -> dict[str, int]:
            return {
                priority: int(config.get(deadline_setting(kind, priority), DEFAULT_HOURS[priority]))
                for priority in PRIORITIES
            }

        return cls(response_hours=hours("response"), request_hours=hours("request"))


def needs_request(case_: Case) -> bool:
    """A takedown request is owed when the victim gave links and agreed to their deletion."""
    return bool(case_.links) and case_.consent_takedown


def _earliest(case_: Case) -> datetime | None:
    if case_.status not in OPEN_STATUSES:
        return None
    pending = [
        due
        for due, met in (
            (case_.response_due_at, case_.first_response_at),
            (case_.request_due_at, case_.first_request_at),
        )
        if due is not None and met is None
    ]
    return min(pending, default=None)


def refresh(case_: Case) -> None:
    """Recompute ``due_at`` of a loaded case from its own columns."""
    case_.due_at = _earliest(case_)


def schedule(case_: Case, deadlines: Deadlines) -> None:
    """Set both deadlines from the filing time and the current priority (at filing, and when
    staff change the priority: a case made urgent is due sooner, counted from when it came)."""
    start = case_.created_at
    case_.response_due_at = start + timedelta(hours=deadlines.response_hours[case_.priority])
    case_.request_due_at = (
        start + timedelta(hours=deadlines.request_hours[case_.priority])
        if needs_request(case_)
        else None
    )
    refresh(case_)


def responded(case_: Case, at: datetime) -> None:
    """The first message from staff to the victim meets the response deadline."""
    if case_.first_response_at is None:
        case_.first_response_at = at
        refresh(case_)


def _due_sql() -> ColumnElement[Any]:
    """The same rule as ``_earliest``, as SQL over a row's current columns."""
    response = case((Case.first_response_at.is_(None), Case.response_due_at), else_=None)
    request = case((Case.first_request_at.is_(None), Case.request_due_at), else_=None)
    return case(
        (Case.status.not_in(OPEN_STATUSES), None),
        (response.is_(None), request),
        (request.is_(None), response),
        (response <= request, response),
        else_=request,
    )


def refresh_many(session: Session, case_ids: Iterable[int]) -> None:
    """Recompute ``due_at`` in one UPDATE (after a status change or a bulk action)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    session.execute(
        update(Case)
        .where(Case.id.in_(ids))
        .values(due_at=_due_sql())
        .execution_options(synchronize_session=False)
    )


def settle(session: Session, case_: Case) -> None:
    """Write ``due_at`` of a loaded case from the row as it is now, not as it was loaded: a
    colleague's request committed meanwhile may have met a deadline this request never saw."""
    session.flush()
    refresh_many(session, [case_.id])
    session.refresh(case_, ["due_at"])


def requested(session: Session, case_ids: Iterable[int], at: datetime) -> None:
    """The first takedown request on any of a case's links meets its request deadline."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    session.execute(
        update(Case)
        .where(Case.id.in_(ids), Case.first_request_at.is_(None))
        # A request dated before the case came cannot have met its deadline before it came.
        .values(first_request_at=case((Case.created_at > at, Case.created_at), else_=at))
        .execution_options(synchronize_session=False)
    )
    refresh_many(session, ids)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return and_(Case.due_at.is_not(None), Case.due_at < now)


def unalerted_overdue(now: datetime) -> ColumnElement[bool]:
    """Overdue, and nobody was told about this deadline yet."""
    return and_(
        overdue_condition(now),
        or_(Case.alerted_due_at.is_(None), Case.alerted_due_at != Case.due_at),
    )
