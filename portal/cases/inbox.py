"""The staff queue: saved views, filters that combine, orders and keyset pages (no OFFSET).

By default rows come most urgent first, then oldest, then by id; other orders (deadline,
filing time, last activity) are one column and the id (queue_sort.py). The cursor is the
last row's values in that order, so page 500 costs what page 1 costs and nothing is skipped
or repeated when new cases arrive between pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, select, text
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from portal.cases.queue_sort import Cursor as Cursor
from portal.cases.queue_sort import Sort, after_condition, cursor_after, order_by
from portal.choices import (
    HARMS,
    LANGUAGE_CODES,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    TEAMS,
    codes_of,
)
from portal.extensions import Session
from portal.links.platforms import PLATFORMS
from portal.models import Case, Link, Staff, utcnow
from portal.models.case import PURGE_PENDING_SQL

ASSIGNEE_CHOICES = ("any", "me", "unassigned")
# Saved views everyone has (tabs above the filters).
VIEWS = ("mine", "unassigned", "overdue", "rechecks", "replied")
# Literal values so PostgreSQL can match the partial index of open cases.
_OPEN: BindParameter[list[str]] = bindparam(
    "open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True
)


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"
    priority: str | None = None
    team: str | None = None
    harm: str | None = None
    platform: str | None = None
    assignee: str = "any"
    language: str | None = None
    minor: str | None = None
    purge_soon: bool = False
    view: str | None = None
    sort: Sort = field(default_factory=Sort)

    @classmethod
    def from_args(cls, args: dict[str, str]) -> QueueFilter:
        """Build from query-string values, ignoring anything unknown."""

        def pick(name: str, allowed: object, default: str | None = None) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value in allowed else default  # type: ignore[operator]

        return cls(
            status=pick("status", ("open", *STATUSES), "open") or "open",
            priority=pick("priority", PRIORITIES),
            team=pick("team", TEAMS),
            harm=pick("harm", HARMS),
            platform=pick("platform", PLATFORMS),
            assignee=pick("assignee", ASSIGNEE_CHOICES, "any") or "any",
            language=pick("language", LANGUAGE_CODES),
            minor=pick("minor", ("yes", "no")),
            purge_soon=args.get("purge") == "soon",
            view=pick("view", VIEWS),
            sort=Sort.from_args(args.get("sort"), args.get("dir")),
        )

    def as_args(self, sorted_: bool = True) -> dict[str, str]:
        """The query string of these filters (without the order when ``sorted_`` is false)."""
        values = {
            "status": self.status,
            "priority": self.priority,
            "team": self.team,
            "harm": self.harm,
            "platform": self.platform,
            "assignee": None if self.assignee == "any" else self.assignee,
            "language": self.language,
            "minor": self.minor,
            "purge": "soon" if self.purge_soon else None,
            "view": self.view,
        }
        if sorted_:
            values.update(self.sort.as_args())
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class QueueRow:
    id: int
    case_ref: str
    created_at: datetime
    last_activity_at: datetime
    status: str
    priority: str
    team: str
    harms: list[str]
    platforms: list[str]
    assignee: str | None
    victim_unread: bool
    minor_involved: bool
    language: str
    due_at: datetime | None


def _filtered(
    filters: QueueFilter,
    me: int,
    now: datetime,
    retention_days: int = 90,
    within_days: int = 7,
) -> Select:
    query = select(
        Case.id,
        Case.case_ref,
        Case.created_at,
        Case.last_activity_at,
        Case.status,
        Case.priority,
        Case.priority_rank,
        Case.team,
        Case.harm_mask,
        Case.platform_mask,
        Case.victim_unread,
        Case.minor_involved,
        Case.language,
        Case.due_at,
        Staff.email,
    ).outerjoin(Staff, Staff.id == Case.assignee_id)
    if filters.status == "open":
        query = query.where(Case.status.in_(_OPEN))
    else:
        query = query.where(Case.status == filters.status)
    if filters.priority:
        query = query.where(Case.priority_rank == list(PRIORITIES).index(filters.priority))
    if filters.team:
        query = query.where(Case.team == filters.team)
    if filters.harm:
        query = query.where(Case.harm_mask.op("&")(1 << list(HARMS).index(filters.harm)) != 0)
    if filters.platform:
        bit = 1 << list(PLATFORMS).index(filters.platform)
        query = query.where(Case.platform_mask.op("&")(bit) != 0)
    if filters.assignee == "me":
        query = query.where(Case.assignee_id == me)
    elif filters.assignee == "unassigned":
        query = query.where(Case.assignee_id.is_(None))
    if filters.language:
        query = query.where(Case.language == filters.language)
    if filters.minor == "yes":
        query = query.where(Case.minor_involved.is_(True))
    elif filters.minor == "no":
        query = query.where(Case.minor_involved.is_(False))
    if filters.purge_soon:
        horizon = now - timedelta(days=retention_days - within_days)
        query = query.where(text(PURGE_PENDING_SQL), Case.closed_at <= horizon)
    return _in_view(query, filters.view, me, now)


def _in_view(query: Select, view: str | None, me: int, now: datetime) -> Select:
    if view == "mine":
        return query.where(Case.assignee_id == me)
    if view == "unassigned":
        return query.where(Case.assignee_id.is_(None))
    if view == "overdue":
        # "< now" already excludes NULL; a second IS NOT NULL only skews the planner's count.
        return query.where(Case.due_at < now)
    if view == "rechecks":
        due = (
            select(Link.id)
            .where(
                Link.case_id == Case.id,
                Link.recheck_due_at.is_not(None),
                Link.recheck_due_at <= now,
            )
            .correlate(Case)
        )
        return query.where(exists(due))
    if view == "replied":
        return query.where(Case.victim_unread.is_(True))
    return query


def _rows(
    session: Session,
    query: Select,
    sort: Sort,
    after: Cursor | None,
    limit: int,
    dated_only: bool = False,
) -> list:
    """Up to ``limit`` rows after the cursor; the deadline order reads its two parts in turn.

    With ``dated_only`` (the overdue view, whose "due_at < now" already leaves out cases
    without a deadline) the undated part is never read, and no IS NOT NULL is added that would
    make PostgreSQL misjudge how many rows match.
    """
    if sort.key != "deadline":
        if after is not None:
            query = query.where(after_condition(after))
        return list(session.execute(query.order_by(*order_by(sort)).limit(limit)).all())
    rows: list = []
    undated_cursor = after is not None and after.values[0] is None
    if not undated_cursor:
        dated = query if dated_only else query.where(Case.due_at.is_not(None))
        if after is not None:
            dated = dated.where(after_condition(after))
        rows = list(session.execute(dated.order_by(*order_by(sort)).limit(limit)).all())
        if len(rows) == limit or dated_only:
            return rows
    undated = query.where(Case.due_at.is_(None))
    if after is not None and undated_cursor:
        undated = undated.where(after_condition(after))
    by_id = Case.id.desc() if sort.descending else Case.id
    return rows + list(session.execute(undated.order_by(by_id).limit(limit - len(rows))).all())


def fetch_page(
    session: Session,
    filters: QueueFilter,
    me: int,
    after: Cursor | None = None,
    limit: int = 50,
    retention_days: int = 90,
    now: datetime | None = None,
) -> tuple[list[QueueRow], Cursor | None]:
    """One page of the queue and the cursor of the next page (None on the last page).

    A cursor made for another order is ignored: the page starts at the beginning.
    """
    now = now or utcnow()
    if after is not None and after.sort != filters.sort:
        after = None
    query = _filtered(filters, me, now, retention_days)
    rows = _rows(session, query, filters.sort, after, limit + 1, filters.view == "overdue")
    page = rows[:limit]
    next_cursor = cursor_after(filters.sort, page[-1]) if len(rows) > limit else None
    return [
        QueueRow(
            id=row.id,
            case_ref=row.case_ref,
            created_at=row.created_at,
            last_activity_at=row.last_activity_at,
            status=row.status,
            priority=row.priority,
            team=row.team,
            harms=codes_of(row.harm_mask, HARMS),
            platforms=codes_of(row.platform_mask, PLATFORMS),
            assignee=row.email,
            victim_unread=row.victim_unread,
            minor_involved=row.minor_involved,
            language=row.language,
            due_at=row.due_at,
        )
        for row in page
    ], next_cursor


def purge_due_soon(session: Session, retention_days: int, within_days: int = 7) -> int:
    """How many closed cases will be purged within the next days (for the queue banner).

    Withdrawn cases are erased at once (or are on hold), so only closed ones wait. The
    condition is written exactly as the partial index's, so PostgreSQL counts from it.
    """
    horizon = utcnow() - timedelta(days=retention_days - within_days)
    return (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(text(PURGE_PENDING_SQL), Case.closed_at <= horizon)
        )
        or 0
    )
