"""Recomputing the daily counts from what the live tables still hold.

For a database upgraded from before the counts existed, and after the benchmark seeds (which
bulk-insert rows without going through the recorders). Case rows are never deleted, so
filings, first replies and first requests come back in full; links, their events and
requests of purged cases are gone, and with them that part of the history: it cannot be
recovered. The rules are the recorders' (portal/stats/record.py), in SQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import Integer, String, and_, cast, delete, func, literal, select
from sqlalchemy import case as when
from sqlalchemy.sql.elements import ColumnElement

from portal.choices import HARMS
from portal.extensions import Session
from portal.models import Case, Link, LinkEvent, StatCount, TakedownRequest
from portal.stats import record
from portal.stats.record import ASKED_STATES, DAY_CAP, HOUR_CAP, Counts


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Seoul", column))
    return func.date(column, "+9 hours")


def _span(session: Session, start: Any, end: Any, unit_seconds: int, cap: int) -> Any:
    """Whole hours or days from ``start`` to ``end``, between 0 and ``cap``."""
    if session.get_bind().dialect.name == "postgresql":
        raw: Any = cast(func.floor(func.extract("epoch", end - start) / unit_seconds), Integer)
    else:
        raw = cast((func.julianday(end) - func.julianday(start)) * 86400 / unit_seconds, Integer)
    return cast(when((raw > cap, cap), (raw < 0, 0), else_=raw), String)


def _collect(session: Session, counts: Counts, metric: str, query: Any) -> None:
    """Rows of (day, key, count) into ``counts``."""
    for day, key, value in session.execute(query):
        if isinstance(day, str):
            day = _parse_day(day)
        counts[(day, metric, str(key))] += int(value)


def _parse_day(text: str) -> date:
    return date.fromisoformat(text[:10])


def add_cases(session: Session, after_id: int = 0) -> None:
    """Filings, first replies and first requests of the cases with an id above ``after_id``."""
    counts: Counts = Counter()
    newer = Case.id > after_id
    filed = _day(session, Case.created_at)
    _collect(
        session,
        counts,
        "filed",
        select(filed, literal("all"), func.count()).where(newer).group_by(filed),
    )
    _collect(
        session,
        counts,
        "filed_filer",
        select(filed, Case.filer, func.count()).where(newer).group_by(filed, Case.filer),
    )
    _collect(
        session,
        counts,
        "filed_minor",
        select(filed, literal("all"), func.count())
        .where(newer, Case.minor_involved.is_(True))
        .group_by(filed),
    )
    for bit, harm in enumerate(HARMS):
        _collect(
            session,
            counts,
            "filed_harm",
            select(filed, literal(harm), func.count())
            .where(newer, Case.harm_mask.op("&")(1 << bit) != 0)
            .group_by(filed),
        )
    for kind, met, due in (
        ("response", Case.first_response_at, Case.response_due_at),
        ("request", Case.first_request_at, Case.request_due_at),
    ):
        day = _day(session, met)
        hours = Case.priority + literal(":") + _span(session, Case.created_at, met, 3600, HOUR_CAP)
        _collect(
            session,
            counts,
            f"{kind}_hours",
            select(day, hours, func.count()).where(newer, met.is_not(None)).group_by(day, hours),
        )
        verdict = Case.priority + literal(":") + when((met <= due, "met"), else_="missed")
        _collect(
            session,
            counts,
            f"{kind}_met",
            select(day, verdict, func.count())
            .where(newer, met.is_not(None), due.is_not(None))
            .group_by(day, verdict),
        )
    record.add(session, counts)


def add_links(session: Session, after_case_id: int = 0) -> None:
    """Links requested, removed and refused, removal days and re-uploads, from the link
    events of the cases with an id above ``after_case_id``."""
    events = (
        select(
            LinkEvent.at,
            LinkEvent.kind,
            LinkEvent.state,
            func.lag(LinkEvent.state)
            .over(partition_by=LinkEvent.link_id, order_by=LinkEvent.id)
            .label("before"),
            Link.platform,
            TakedownRequest.sent_at,
        )
        .join(Link, Link.id == LinkEvent.link_id)
        .outerjoin(TakedownRequest, TakedownRequest.id == LinkEvent.request_id)
        .where(LinkEvent.case_id > after_case_id)
        .subquery()
    )
    before = func.coalesce(events.c.before, "reported")
    day = _day(session, events.c.at)
    platform = events.c.platform
    counts: Counts = Counter()
    rules = {
        "requested": and_(events.c.kind == "requested", before.not_in(sorted(ASKED_STATES))),
        "removed": and_(
            events.c.kind == "answered", events.c.state == "removed", before != "removed"
        ),
        "refused": and_(
            events.c.kind == "answered", events.c.state == "refused", before != "refused"
        ),
        "reupload": events.c.kind == "back",
    }
    for metric, rule in rules.items():
        _collect(
            session,
            counts,
            metric,
            select(day, platform, func.count()).where(rule).group_by(day, platform),
        )
    days = platform + literal(":") + _span(session, events.c.sent_at, events.c.at, 86400, DAY_CAP)
    _collect(
        session,
        counts,
        "removal_days",
        select(day, days, func.count())
        .where(rules["removed"], events.c.sent_at.is_not(None))
        .group_by(day, days),
    )
    record.add(session, counts)


def rebuild(session: Session) -> int:
    """Every count again from the live tables; running it twice gives the same counts.
    Returns how many rows the counts now have."""
    session.execute(delete(StatCount))
    add_cases(session)
    add_links(session)
    return int(session.scalar(select(func.count()).select_from(StatCount)) or 0)
