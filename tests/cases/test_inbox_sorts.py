"""The queue's orders, saved views and cursors, in the domain layer (no request)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.cases.inbox import QueueFilter, fetch_page
from portal.cases.queue_sort import SORT_KEYS, Cursor, Sort
from portal.extensions import db
from portal.models import Case, Link
from tests import factories
from tests.staff_helpers import forged_cursor

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
COUNT = 23


@pytest.fixture
def cases(app):
    """Open cases with ties on every column, and a third of them without a deadline."""
    with app.app_context():
        made = []
        for n in range(COUNT):
            case = factories.filed_case(
                db.session, threatened_now=n % 5 == 0, description="Filed for a sort test."
            ).case
            made.append(case)
        db.session.flush()
        for n, case in enumerate(made):
            case.created_at = NOW - timedelta(days=30) + timedelta(hours=n // 2)
            case.last_activity_at = NOW - timedelta(hours=(n * 7) % 5)
            case.due_at = None if n % 3 == 0 else NOW + timedelta(hours=(n % 4) - 2)
        db.session.commit()
        yield {case.id: case.case_ref for case in made}


def _walk(session, filters: QueueFilter, limit: int = 4) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        rows, cursor = fetch_page(session, filters, me=0, after=cursor, limit=limit, now=NOW)
        pages.append([row.id for row in rows])
        if cursor is None:
            return pages
        # The cursor goes through the page link as text, as it does for staff.
        cursor = Cursor.decode(cursor.encode())
        assert cursor is not None and len(pages) < 50


def _expected(session, sort: Sort) -> list[int]:
    cases = session.scalars(select(Case)).all()
    if sort.key == "deadline":
        dated = sorted((c for c in cases if c.due_at), key=lambda c: (c.due_at, c.id))
        undated = sorted(c.id for c in cases if c.due_at is None)
        if sort.descending:
            return [c.id for c in reversed(dated)] + undated[::-1]
        return [c.id for c in dated] + undated
    key = {
        "priority": lambda c: (c.priority_rank, c.created_at, c.id),
        "filed": lambda c: (c.created_at, c.id),
        "activity": lambda c: (c.last_activity_at, c.id),
    }[sort.key]
    return [c.id for c in sorted(cases, key=key, reverse=sort.descending)]


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("key", SORT_KEYS)
def test_each_order_pages_through_every_case_once(app, cases, key, descending):
    sort = Sort(key, descending)
    with app.app_context():
        pages = _walk(db.session, QueueFilter(sort=sort))
        seen = [case_id for page in pages for case_id in page]
        assert seen == _expected(db.session, sort)
    assert len(seen) == len(set(seen)) == COUNT
    assert [len(page) for page in pages] == [4, 4, 4, 4, 4, 3]


def test_the_deadline_order_puts_the_soonest_first_and_cases_without_one_last(app, cases):
    with app.app_context():
        rows, _ = fetch_page(db.session, QueueFilter(sort=Sort("deadline")), me=0, limit=50)
    dues = [row.due_at for row in rows]
    first_blank = dues.index(None)
    assert all(due is None for due in dues[first_blank:])
    assert dues[:first_blank] == sorted(dues[:first_blank])
    assert dues[0] == NOW - timedelta(hours=2)


def test_a_page_boundary_between_dated_and_undated_cases_loses_nothing(app, cases):
    with app.app_context():
        dated = db.session.query(Case).filter(Case.due_at.is_not(None)).count()
        # One page ends exactly on the last dated case, the next starts the undated ones.
        pages = _walk(db.session, QueueFilter(sort=Sort("deadline")), limit=dated)
    assert [len(page) for page in pages] == [dated, COUNT - dated]
    assert len({case_id for page in pages for case_id in page}) == COUNT


def test_a_cursor_made_for_another_order_starts_at_the_first_page(app, cases):
    with app.app_context():
        by_deadline = QueueFilter(sort=Sort("deadline"))
        _first, cursor = fetch_page(db.session, by_deadline, me=0, limit=4)
        assert cursor is not None
        again, _ = fetch_page(
            db.session, QueueFilter(sort=Sort("filed")), me=0, after=cursor, limit=4
        )
        from_start, _ = fetch_page(db.session, QueueFilter(sort=Sort("filed")), me=0, limit=4)
    assert [r.id for r in again] == [r.id for r in from_start]


TAMPERED = {
    "garbage": "garbage",
    "empty": "",
    "too_long": "x" * 300,
    "unknown_order": forged_cursor("oldest|asc|2024-01-01T00:00:00+00:00|3"),
    "bad_direction": forged_cursor("filed|up|2024-01-01T00:00:00+00:00|3"),
    "missing_value": forged_cursor("priority|asc|1|3"),
    "extra_value": forged_cursor("filed|asc|2024-01-01T00:00:00+00:00|1|3"),
    "no_deadline_outside_deadline": forged_cursor("filed|asc|-|3"),
    "naive_date": forged_cursor("activity|desc|2024-01-01T00:00:00|3"),
    "bad_date": forged_cursor("deadline|asc|soon|3"),
    "rank_out_of_range": forged_cursor("priority|asc|7|2024-01-01T00:00:00+00:00|3"),
    "negative_id": forged_cursor("deadline|asc|-|-3"),
    "zero_id": forged_cursor("deadline|asc|-|0"),
    "huge_id": forged_cursor("filed|asc|2024-01-01T00:00:00+00:00|99999999999999999999"),
    "not_ascii": base64.urlsafe_b64encode("filed|asc|２０２４|3".encode()).decode(),
    "old_format": forged_cursor("1|2024-01-01T00:00:00+00:00|3"),
}


@pytest.mark.parametrize("token", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_cursor_is_refused(token):
    assert Cursor.decode(token) is None


def test_cursors_round_trip_for_every_order():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for cursor in (
        Cursor(Sort("priority"), (1, moment), 7),
        Cursor(Sort("deadline"), (moment,), 8),
        Cursor(Sort("deadline", True), (None,), 9),
        Cursor(Sort("filed", True), (moment,), 10),
        Cursor(Sort("activity"), (moment,), 11),
    ):
        assert Cursor.decode(cursor.encode()) == cursor


def test_sorts_from_the_query_string():
    assert Sort.from_args("deadline", None) == Sort("deadline", False)
    assert Sort.from_args("activity", None) == Sort("activity", True)
    assert Sort.from_args("filed", "desc") == Sort("filed", True)
    assert Sort.from_args("filed", "sideways") == Sort("filed", False)
    assert Sort.from_args("'; drop table", "desc") == Sort()
    assert Sort().toggled("priority") == Sort("priority", True)
    assert Sort("deadline").toggled("deadline") == Sort("deadline", True)
    assert Sort("deadline", True).toggled("filed") == Sort("filed", False)
    assert Sort().as_args() == {}
    assert Sort("deadline").as_args() == {"sort": "deadline", "dir": "asc"}


def test_each_saved_view_shows_exactly_its_cases(app):
    with app.app_context():
        me = factories.staff(db.session, "me@example.org")
        other = factories.staff(db.session, "other@example.org")
        db.session.flush()

        def case(**changes) -> Case:
            made = factories.filed_case(db.session, description="A view test.").case
            db.session.flush()
            made.due_at = NOW + timedelta(days=3)
            for name, value in changes.items():
                setattr(made, name, value)
            return made

        mine = case(assignee_id=me.id)
        theirs = case(assignee_id=other.id)
        unassigned = case()
        overdue = case(assignee_id=other.id, due_at=NOW - timedelta(minutes=1))
        due_now = case(assignee_id=other.id, due_at=NOW)
        replied = case(assignee_id=other.id, victim_unread=True)
        recheck = case(assignee_id=other.id)
        later = case(assignee_id=other.id)
        closed_mine = case(assignee_id=me.id, status="closed", due_at=None)
        db.session.add_all(
            [
                Link(
                    case_id=recheck.id,
                    url="https://t.me/x/1",
                    url_hash="a" * 64,
                    platform="telegram",
                    kind="post",
                    recheck_due_at=NOW - timedelta(hours=1),
                ),
                Link(
                    case_id=later.id,
                    url="https://t.me/x/2",
                    url_hash="b" * 64,
                    platform="telegram",
                    kind="post",
                    recheck_due_at=NOW + timedelta(hours=1),
                ),
            ]
        )
        db.session.commit()

        def shown(view: str, **filters) -> set[int]:
            query = QueueFilter(view=view, **filters)
            rows, _ = fetch_page(db.session, query, me=me.id, limit=50, now=NOW)
            return {row.id for row in rows}

        assert shown("mine") == {mine.id}
        assert shown("mine", status="closed") == {closed_mine.id}
        assert shown("unassigned") == {unassigned.id}
        assert shown("overdue") == {overdue.id}
        assert due_now.id not in shown("overdue")
        assert shown("rechecks") == {recheck.id}
        assert shown("replied") == {replied.id}
        assert theirs.id not in set().union(*(shown(v) for v in ("mine", "unassigned")))


def test_views_come_from_the_query_string_and_unknown_ones_are_ignored():
    assert QueueFilter.from_args({"view": "overdue"}).view == "overdue"
    assert QueueFilter.from_args({"view": "everything"}).view is None
    args = QueueFilter.from_args({"view": "mine", "sort": "deadline", "dir": "desc"}).as_args()
    assert args == {"status": "open", "view": "mine", "sort": "deadline", "dir": "desc"}
    assert "sort" not in QueueFilter.from_args({"sort": "deadline"}).as_args(sorted_=False)


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_the_overdue_view_pages_by_deadline_without_the_undated_part(app, cases, descending):
    sort = Sort("deadline", descending)
    with app.app_context():
        pages = _walk(db.session, QueueFilter(view="overdue", sort=sort), limit=2)
        overdue = [
            case_id
            for case_id in _expected(db.session, sort)
            if (due := db.session.get(Case, case_id).due_at) is not None and due < NOW
        ]
    assert [case_id for page in pages for case_id in page] == overdue
    assert overdue and all(len(page) <= 2 for page in pages)
