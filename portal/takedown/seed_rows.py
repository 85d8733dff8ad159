"""Bulk writing for the desk seed: row ids reserved ahead, requests, links and events
inserted a batch at a time, and each run's counts added to the targets in one go.

Ids come from the table's own sequence on PostgreSQL (``nextval`` for a block at once) and
after the highest id on SQLite (one writer), so every row is complete before it is written
and no batch needs RETURNING. Links and their events, the bulk of the rows, go in with
PostgreSQL's COPY (the sealed values are already encrypted per row), which is several times
faster than an INSERT per row; requests, and everything on SQLite, with executemany
inserts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Table, Text, bindparam, case, insert, or_, update

from portal.extensions import Session, table_of
from portal.models import Link, LinkEvent, TakedownRequest, Target


@dataclass
class Request:
    """A takedown request being made up; ``links`` counts the links it covers."""

    id: int
    token: str
    target_id: int
    platform: str
    channel: str
    staff_id: int | None
    sent_at: datetime
    answered_at: datetime | None
    outcome: str | None
    links: int = 0

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "token": self.token,
            "target_id": self.target_id,
            "platform": self.platform,
            "channel": self.channel,
            "staff_id": self.staff_id,
            "sent_at": self.sent_at,
            "reference": None,
            "link_count": 0,
            "answered_at": self.answered_at,
            "outcome": self.outcome,
            "sealed_answer": None,
            "created_at": self.sent_at,
        }


@dataclass
class Counts:
    """What one run adds to a target."""

    links: int = 0
    open: int = 0
    cases: int = 0
    last: datetime | None = None
    first: datetime | None = None


def _copy(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY rows into a PostgreSQL table; ``sealed_x`` keys fill column ``x``."""
    keys = list(rows[0])
    columns = ", ".join(key.removeprefix("sealed_") for key in keys)
    raw = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    statement = f"COPY {table.name} ({columns}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[key] for key in keys])


def _insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
        return
    # The sealed columns bind as plain text: their values are already encrypted per row.
    sealed = {
        key.removeprefix("sealed_"): bindparam(key, type_=Text())
        for key in rows[0]
        if key.startswith("sealed_")
    }
    session.execute(insert(table).values(sealed), rows)


def insert_batch(
    session: Session,
    requests: list[Request],
    links: list[dict[str, Any]],
    events: list[dict[str, Any]],
) -> None:
    """Requests first (links point at them), then links, then their events."""
    if requests:
        table = table_of(TakedownRequest)
        session.execute(
            insert(table).values(answer=bindparam("sealed_answer", type_=Text())),
            [request.row() for request in requests],
        )
    if links:
        _insert(session, table_of(Link), links)
    if events:
        _insert(session, table_of(LinkEvent), events)


def write_counts(
    session: Session, counts: dict[int, Counts], created: set[int], requests: list[Request]
) -> None:
    """Add a run's links to their targets' counts (and date the targets made in it), and
    give each request the number of links it covers."""
    targets = table_of(Target)
    column = targets.c
    last = bindparam("last", type_=column.last_link_at.type)
    if counts:
        session.execute(
            update(targets)
            .where(column.id == bindparam("tid"))
            .values(
                link_count=column.link_count + bindparam("links"),
                open_links=column.open_links + bindparam("open"),
                case_count=column.case_count + bindparam("cases"),
                last_link_at=case(
                    (or_(column.last_link_at.is_(None), column.last_link_at < last), last),
                    else_=column.last_link_at,
                ),
            ),
            [
                {"tid": tid, "links": c.links, "open": c.open, "cases": c.cases, "last": c.last}
                for tid, c in sorted(counts.items())
            ],
        )
    firsts = [{"tid": tid, "first": counts[tid].first} for tid in sorted(created & set(counts))]
    if firsts:
        session.execute(
            update(targets)
            .where(column.id == bindparam("tid"))
            .values(created_at=bindparam("first", type_=column.created_at.type)),
            firsts,
        )
    if requests:
        table = table_of(TakedownRequest)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("rid"))
            .values(link_count=bindparam("links")),
            [{"rid": made.id, "links": made.links} for made in requests],
        )
