"""Watching removed links for re-uploads: what is due, and recording each recheck."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import joinedload

from portal.cases.workflow import WorkflowError, return_to_work
from portal.extensions import Session
from portal.models import Case, Link, Staff, utcnow
from portal.stats import record as stats
from portal.takedown import casebook, states


@dataclass(frozen=True)
class DueFilter:
    platform: str | None = None
    target_id: int | None = None


def due_page(
    session: Session,
    now: datetime,
    filters: DueFilter,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> tuple[list[Link], tuple[datetime, int] | None]:
    """Links due for a recheck, oldest due first, and the cursor of the next page."""
    query = (
        select(Link)
        .join(Case, Case.id == Link.case_id)
        .where(
            Link.recheck_due_at.is_not(None),
            Link.recheck_due_at <= now,
            Case.status != "withdrawn",
        )
        .options(joinedload(Link.case))
    )
    if filters.platform:
        query = query.where(Link.platform == filters.platform)
    if filters.target_id:
        query = query.where(Link.target_id == filters.target_id)
    if after is not None:
        query = query.where(tuple_(Link.recheck_due_at, Link.id) > tuple_(*after))
    rows = list(session.scalars(query.order_by(Link.recheck_due_at, Link.id).limit(limit + 1)))
    page = rows[:limit]
    cursor = None
    if len(rows) > limit and page[-1].recheck_due_at is not None:
        cursor = (page[-1].recheck_due_at, page[-1].id)
    return page, cursor


@dataclass(frozen=True)
class Recheck:
    back: bool  # the content is there again
    at: datetime


def record_recheck(
    session: Session,
    actor: Staff | None,
    link_ids: Iterable[int],
    recheck: Recheck,
    *,
    note: Callable[[int], str],
    recheck_days: tuple[int, ...] = states.DEFAULT_RECHECK_DAYS,
) -> list[str]:
    """Still gone: the next check is set. Back: the link is re-uploaded, can be requested
    again at once, and its closed or monitoring case returns to work. Returns the case
    numbers reopened."""
    now = utcnow()
    if recheck.at > now:
        raise WorkflowError("date_in_future")
    rows = [row for row in casebook.load_links(session, link_ids) if states.is_watched(row.state)]
    casebook.require_links(rows)
    rounds = {
        link_id: (passed, due)
        for link_id, passed, due in session.execute(
            select(Link.id, Link.recheck_round, Link.recheck_due_at).where(
                Link.id.in_([row.id for row in rows])
            )
        )
    }
    for row in rows:
        row.new_state = "reappeared" if recheck.back else row.state
    if recheck.back:
        casebook.apply_states(
            session,
            rows,
            lambda _state: {"takedown_updated_at": recheck.at, "recheck_due_at": None},
        )
        stats.reuploads(session, [row.id for row in rows], recheck.at)
    else:
        for row in rows:
            passed, due = rounds[row.id]
            following = states.following_recheck(due or now, passed + 1, recheck_days)
            session.execute(
                update(Link)
                .where(Link.id == row.id)
                .values(recheck_round=passed + 1, recheck_due_at=following)
                .execution_options(synchronize_session=False)
            )
    casebook.add_events(
        session,
        rows,
        kind="back" if recheck.back else "recheck",
        at=recheck.at,
        actor=actor,
        outcome="back" if recheck.back else "gone",
    )
    casebook.touch_cases(
        session,
        rows,
        actor=actor,
        action="takedown.recheck",
        now=now,
        note=note,
        back=recheck.back,
    )
    if not recheck.back:
        return []
    return return_to_work(session, {row.case_id for row in rows}, actor)
