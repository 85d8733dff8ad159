"""The queue as staff see it: sortable headers, saved-view tabs, the deadline column, pages in
every order, tampered cursors; the case page's deadlines and shortcut list."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, utcnow
from portal.web.templating import _due
from scripts.pages import CASE_LINK, NEXT_PAGE, QUEUE_LINE
from tests import factories
from tests.helpers import page_text
from tests.staff_helpers import forged_cursor, make_staff, staff_client


def _cases(app: Flask, dues: list[timedelta | None]) -> list[str]:
    """Open cases whose deadline is now + each offset (None: no deadline pending)."""
    with app.app_context():
        made = [
            factories.filed_case(db.session, description="Filed for a queue test.").case
            for _due_at in dues
        ]
        db.session.flush()
        now = utcnow()
        for case, offset in zip(made, dues, strict=True):
            case.due_at = None if offset is None else now + offset
        db.session.commit()
        return [case.case_ref for case in made]


def _lines(text: str) -> list[tuple[str, str]]:
    return [(CASE_LINK.search(body).group(2), body) for body in QUEUE_LINE.findall(text)]


def _walk(client, url: str) -> list[list[str]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        text = page_text(response)
        pages.append([ref for ref, _body in _lines(text)])
        found = NEXT_PAGE.search(text)
        url = html.unescape(found.group(1)) if found else None
        assert len(pages) < 30
    return pages


def test_the_table_shows_the_deadline_as_time_left_or_late(app):
    soon, late, none = _cases(
        app, [timedelta(hours=3, minutes=10), -timedelta(hours=2, minutes=5), None]
    )
    member = make_staff(app, "worker@example.org")
    text = page_text(staff_client(app, member).get("/staff/?lang=en"))
    lines = dict(_lines(text))
    assert ">in 3 h</time>" in lines[soon]
    assert 'class="due overdue"' in lines[late] and ">overdue 2 h</time>" in lines[late]
    assert "<time" not in lines[none]


def test_headers_sort_and_say_how(app):
    _cases(app, [timedelta(hours=1)])
    client = staff_client(app, make_staff(app, "worker@example.org"))
    text = page_text(client.get("/staff/?lang=en"))
    assert re.search(
        r'<th scope="col" class="sortable" aria-sort="ascending"><a [^>]*>Priority', text
    )
    assert text.count("aria-sort=") == 1
    deadline = re.search(r'<th scope="col" class="sortable"><a href="([^"]+)">Deadline', text)
    assert "sort=deadline" in html.unescape(deadline.group(1))
    by_deadline = page_text(client.get(html.unescape(deadline.group(1))))
    header = re.search(r'aria-sort="(\w+)"><a href="([^"]+)">Deadline', by_deadline)
    assert header.group(1) == "ascending" and "dir=desc" in html.unescape(header.group(2))


@pytest.mark.parametrize(
    "query",
    ["sort=deadline", "sort=deadline&dir=desc", "sort=filed", "sort=activity", "sort=priority"],
)
def test_every_order_pages_through_all_cases_once(make_app, query):
    app = make_app(PORTAL_PAGE_SIZE=3)
    offsets = [None, timedelta(hours=5), None, -timedelta(hours=1), timedelta(hours=5), None]
    made = _cases(app, offsets + [timedelta(minutes=n) for n in range(5)])
    client = staff_client(app, make_staff(app, "worker@example.org"))
    pages = _walk(client, f"/staff/?{query}&lang=en")
    seen = [ref for page in pages for ref in page]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    if query == "sort=deadline":
        with app.app_context():
            dues = {c.case_ref: c.due_at for c in db.session.scalars(select(Case))}
        assert [dues[ref] for ref in seen[-3:]] == [None, None, None]
        assert seen[0] == made[3]  # the overdue case comes first


@pytest.mark.parametrize(
    "after",
    [
        forged_cursor("deadline|asc|-|0"),
        forged_cursor("deadline|asc|not a date|1"),
        forged_cursor("priority|desc|9|2024-01-01T00:00:00+00:00|1"),
        forged_cursor("filed|asc|2024-01-01T00:00:00|1"),
        forged_cursor("nonsense|asc|1|1"),
        "%%%",
    ],
)
def test_a_tampered_cursor_shows_the_first_page(app, after):
    refs = _cases(app, [timedelta(hours=1), None])
    client = staff_client(app, make_staff(app, "worker@example.org"))
    response = client.get("/staff/", query_string={"after": after, "sort": "deadline"})
    assert response.status_code == 200
    assert [ref for ref, _ in _lines(page_text(response))] == refs


def test_saved_view_tabs_show_their_cases(app):
    overdue, later = _cases(app, [-timedelta(minutes=5), timedelta(hours=4)])
    client = staff_client(app, make_staff(app, "worker@example.org"))
    text = page_text(client.get("/staff/?view=overdue&lang=en"))
    assert [ref for ref, _ in _lines(text)] == [overdue]
    assert re.search(r'view=overdue" aria-current="page">Overdue</a>', text)
    for label in ("My cases", "Unassigned", "Overdue", "Rechecks due", "Victim replied"):
        assert f">{label}</a>" in text
    # The filter form keeps the view.
    assert '<input type="hidden" name="view" value="overdue">' in text
    mine = page_text(client.get("/staff/?view=mine&lang=en"))
    assert _lines(mine) == [] and "No cases match these filters." in mine
    assert later in page_text(client.get("/staff/?view=unassigned&lang=en"))


def test_phones_get_the_same_cases_as_cards(app):
    refs = _cases(app, [timedelta(hours=1)])
    text = page_text(staff_client(app, make_staff(app, "w@example.org")).get("/staff/?lang=en"))
    cards = text[text.index('id="queue-cards"') :]
    assert refs[0] in cards and "Deadline: <time" in cards


NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(hours=3, minutes=59), "in 3 h"),
        (-timedelta(hours=2, minutes=1), "overdue 2 h"),
        (timedelta(minutes=40), "in 40 min"),
        (-timedelta(seconds=20), "overdue 1 min"),
        (timedelta(hours=47, minutes=59), "in 47 h"),
        (-timedelta(days=3, hours=5), "overdue 3 d"),
        (timedelta(days=10), "in 10 d"),
    ],
)
def test_deadline_text(app, offset, text):
    with app.test_request_context("/?lang=en"):
        assert _due(NOW + offset, NOW) == text


def test_no_deadline_has_no_text(app):
    with app.test_request_context("/?lang=en"):
        assert _due(None, NOW) == ""


def test_the_case_page_shows_both_deadlines_and_the_shortcuts(app):
    member = make_staff(app, "worker@example.org")
    with app.app_context():
        filed = factories.filed_case(
            db.session, links=("https://t.me/somechannel/1",), consent_takedown=True
        ).case
        filed.first_response_at = filed.created_at + timedelta(hours=1)
        filed.due_at = filed.request_due_at
        db.session.commit()
        ref = filed.case_ref
    text = page_text(staff_client(app, member).get(f"/staff/cases/{ref}?lang=en"))
    response = re.search(r'<dd id="deadline-response">(.*?)</dd>', text, re.S).group(1)
    request = re.search(r'<dd id="deadline-request">(.*?)</dd>', text, re.S).group(1)
    assert response.strip().startswith("Met ")
    assert re.search(r'<time class="due" datetime="[^"]+">in \d+ h</time>', request)
    assert "Keyboard shortcuts" in text and 'id="claim-button"' in text
    assert text.index('id="msg-body"') > text.index('id="description"')


def test_a_closed_case_has_no_pending_deadline(app):
    member = make_staff(app, "worker@example.org")
    with app.app_context():
        closed = factories.case_in(db.session, "closed")
        ref = closed.case_ref
    text = page_text(staff_client(app, member).get(f"/staff/cases/{ref}?lang=en"))
    response = re.search(r'<dd id="deadline-response">(.*?)</dd>', text, re.S).group(1)
    assert response.strip() == "No longer pending"
