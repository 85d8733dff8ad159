"""The recorders: one call in each place an event happens, in that event's transaction.

Every recorder adds its counts with one upsert (``add``), however many links an action
covers, so a request for a channel's thousand links writes one row per (day, metric, key)
and not one per link. Nothing about a case is kept: only codes, days and counts.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import Session
from portal.models import Case, Link, StatCount

KOREA = ZoneInfo("Asia/Seoul")
# Rows per (day, metric, key): a write bumps one picked at random (see counters.py).
SHARDS = 8
CHUNK = 1000
# Hour histograms end in one bucket for this many hours or more; day histograms likewise.
HOUR_CAP = 240
DAY_CAP = 365
# States in which a link was already asked of someone: a request then is a follow-up (an
# escalation, a reminder), not a new link requested.
ASKED_STATES = frozenset({"requested", "kcsc_request", "refused", "partly_removed"})

Counts = Counter[tuple[date, str, str]]


class MovedLink(Protocol):
    """A link as a desk action moved it (portal/takedown/casebook.LinkRow)."""

    id: int
    case_id: int
    state: str
    new_state: str


def day_of(at: datetime) -> date:
    """The day in Korea an event happened on (the service's days and weeks are Korean)."""
    return at.astimezone(KOREA).date()


def add(session: Session, counts: Counts) -> None:
    """Add these counts in one statement: one row per (day, metric, key), a random shard."""
    rows = sorted(
        (metric, day, key, secrets.randbelow(SHARDS), value)
        for (day, metric, key), value in counts.items()
        if value
    )
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    # An action writes a few dozen rows; only a rebuild needs more than one statement (the
    # databases cap the parameters of one).
    for start in range(0, len(rows), CHUNK):
        statement = insert(StatCount).values(
            [
                {"metric": metric, "day": day, "key": key, "shard": shard, "count": value}
                for metric, day, key, shard, value in rows[start : start + CHUNK]
            ]
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["metric", "day", "key", "shard"],
                set_={"count": StatCount.count + statement.excluded["count"]},
            )
        )


def hours_between(start: datetime, end: datetime) -> int:
    return min(max(int((end - start).total_seconds() // 3600), 0), HOUR_CAP)


def days_between(start: datetime, end: datetime) -> int:
    return min(max(int((end - start).total_seconds() // 86400), 0), DAY_CAP)


def count_deadline(
    counts: Counts, kind: str, priority: str, start: datetime, at: datetime, due: datetime | None
) -> None:
    """A first reply (``response``) or first request (``request``): its hours, and whether
    it met its deadline."""
    day = day_of(at)
    counts[(day, f"{kind}_hours", f"{priority}:{hours_between(start, at)}")] += 1
    if due is not None:
        counts[(day, f"{kind}_met", f"{priority}:{'met' if at <= due else 'missed'}")] += 1


def count_filing(
    counts: Counts, at: datetime, filer: str, harms: Iterable[str], minor: bool
) -> None:
    day = day_of(at)
    counts[(day, "filed", "all")] += 1
    counts[(day, "filed_filer", filer)] += 1
    for harm in harms:
        counts[(day, "filed_harm", harm)] += 1
    if minor:
        counts[(day, "filed_minor", "all")] += 1


def case_filed(session: Session, case: Case) -> None:
    counts: Counts = Counter()
    count_filing(counts, case.created_at, case.filer, case.harms, case.minor_involved)
    add(session, counts)


def first_response(session: Session, case: Case, at: datetime) -> None:
    """A staff message to the victim; counted only for the first (call it before
    deadlines.responded marks the case answered)."""
    if case.first_response_at is not None:
        return
    counts: Counts = Counter()
    count_deadline(counts, "response", case.priority, case.created_at, at, case.response_due_at)
    add(session, counts)


def _platforms(session: Session, link_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(link_ids))
    if not ids:
        return {}
    return {
        link_id: platform
        for link_id, platform in session.execute(
            select(Link.id, Link.platform).where(Link.id.in_(ids))
        )
    }


def links_requested(session: Session, rows: Sequence[MovedLink], at: datetime) -> None:
    """A request covering these links: each link not already asked counts once for its
    platform, and each case without a request before gets its first-request time (call it
    before deadlines.requested)."""
    day = day_of(at)
    counts: Counts = Counter()
    fresh = [row.id for row in rows if row.state not in ASKED_STATES]
    for platform in _platforms(session, fresh).values():
        counts[(day, "requested", platform)] += 1
    case_ids = sorted({row.case_id for row in rows})
    firsts = session.execute(
        select(Case.priority, Case.created_at, Case.request_due_at).where(
            Case.id.in_(case_ids), Case.first_request_at.is_(None)
        )
    )
    for priority, created_at, due in firsts:
        count_deadline(counts, "request", priority, created_at, at, due)
    add(session, counts)


def links_answered(
    session: Session, rows: Sequence[MovedLink], sent_at: datetime, at: datetime
) -> None:
    """An answer: links it removed (with the days since the request) or refused."""
    removed = [row.id for row in rows if row.new_state == "removed" and row.state != "removed"]
    refused = [row.id for row in rows if row.new_state == "refused" and row.state != "refused"]
    platforms = _platforms(session, removed + refused)
    day, days = day_of(at), days_between(sent_at, at)
    counts: Counts = Counter()
    for link_id in removed:
        counts[(day, "removed", platforms[link_id])] += 1
        counts[(day, "removal_days", f"{platforms[link_id]}:{days}")] += 1
    for link_id in refused:
        counts[(day, "refused", platforms[link_id])] += 1
    add(session, counts)


def reuploads(session: Session, link_ids: Iterable[int], at: datetime) -> None:
    """Links found back online at a recheck."""
    day = day_of(at)
    counts: Counts = Counter()
    for platform in _platforms(session, link_ids).values():
        counts[(day, "reupload", platform)] += 1
    add(session, counts)
