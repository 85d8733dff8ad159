"""The staff queue: filters that combine and keyset pagination (no OFFSET).

Rows come most urgent first, then oldest, then by id; the cursor is the last row's
(priority_rank, created_at, id), so page 500 costs what page 1 costs and nothing is skipped
or repeated when new cases arrive between pages.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, text, tuple_
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import BindParameter

from portal.choices import (
    HARMS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    TEAMS,
    codes_of,
)
from portal.extensions import Session
from portal.links.platforms import PLATFORMS
from portal.models import Case, Staff, utcnow
from portal.models.case import PURGE_PENDING_SQL

ASSIGNEE_CHOICES = ("any", "me", "unassigned")
LANGUAGES = ("ko", "en")
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
            language=pick("language", LANGUAGES),
            minor=pick("minor", ("yes", "no")),
            purge_soon=args.get("purge") == "soon",
        )

    def as_args(self) -> dict[str, str]:
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
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Cursor:
    rank: int
    created_at: datetime
    case_id: int

    def encode(self) -> str:
        raw = f"{self.rank}|{self.created_at.isoformat()}|{self.case_id}".encode("ascii")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        if not token or len(token) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            rank, created, case_id = raw.split("|")
            cursor = cls(int(rank), datetime.fromisoformat(created), int(case_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        # A cursor is only ever one we made; anything out of range was tampered with.
        if not (0 <= cursor.rank <= 2 and 0 < cursor.case_id < 2**62):
            return None
        if cursor.created_at.tzinfo is None:
            return None
        return cursor


@dataclass(frozen=True)
class QueueRow:
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


def _filtered(
    filters: QueueFilter, me: int, retention_days: int = 90, within_days: int = 7
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
        horizon = utcnow() - timedelta(days=retention_days - within_days)
        query = query.where(text(PURGE_PENDING_SQL), Case.closed_at <= horizon)
    return query


def fetch_page(
    session: Session,
    filters: QueueFilter,
    me: int,
    after: Cursor | None = None,
    limit: int = 50,
    retention_days: int = 90,
) -> tuple[list[QueueRow], Cursor | None]:
    """One page of the queue and the cursor of the next page (None on the last page)."""
    query = _filtered(filters, me, retention_days)
    if after is not None:
        query = query.where(
            tuple_(Case.priority_rank, Case.created_at, Case.id)
            > tuple_(after.rank, after.created_at, after.case_id)
        )
    query = query.order_by(Case.priority_rank, Case.created_at, Case.id).limit(limit + 1)
    rows = session.execute(query).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = Cursor(last.priority_rank, last.created_at, last.id)
    return [
        QueueRow(
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
