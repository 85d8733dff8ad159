"""The staff queue: order, tab counts, filters, keyset pages, the unread mark."""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases import retention, workflow
from portal.choices import OPEN_STATUSES, STATUSES
from portal.extensions import db
from portal.models import Case, Staff
from scripts.pages import CASE_LINK, NEXT_PAGE, QUEUE_ROW, csrf_token
from tests import factories
from tests.helpers import file_report, open_status, page_text
from tests.staff_helpers import forged_cursor, make_staff, staff_client

COUNT = re.compile(r'<span class="count" data-status="(\w+)">(\d+)</span>')
UNREAD = "New message from victim"


def new_case(
    app: Flask,
    *,
    language: str = "en",
    harms: tuple[str, ...] = ("harassment",),
    help_wanted: tuple[str, ...] = ("counseling",),
    links: tuple[str, ...] = (),
    threatened: bool = False,
    age_band: str = "19plus",
) -> str:
    """File a case through the domain layer; returns its case number."""
    with app.app_context():
        filed = factories.filed_case(
            db.session,
            language=language,
            harms=harms,
            help_wanted=help_wanted,
            consent_takedown=True,
            age_band=age_band,
            minor_in_content="no19",
            threatened_now=threatened,
            links=links,
            description="Filed for a queue test.",
        )
        db.session.commit()
        return filed.case.case_ref


def by_priority(app: Flask, priority: str) -> str:
    if priority == "urgent":
        return new_case(app, threatened=True)
    if priority == "high":
        return new_case(app, links=("https://t.me/somechannel",))
    return new_case(app)


def queue_rows(client: FlaskClient, query: str = "") -> list[tuple[str, str, str]]:
    """(case number, priority, row html) for every row on one queue page."""
    response = client.get("/staff/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    rows = []
    for priority, body in QUEUE_ROW.findall(page_text(response)):
        rows.append((CASE_LINK.search(body).group(2), priority, body))
    return rows


def refs(client: FlaskClient, query: str = "") -> list[str]:
    return [ref for ref, _priority, _body in queue_rows(client, query)]


def order_key(app: Flask) -> dict[str, tuple[int, Any, int]]:
    with app.app_context():
        cases = db.session.scalars(select(Case)).all()
        return {case.case_ref: (case.priority_rank, case.created_at, case.id) for case in cases}


def test_open_cases_come_most_urgent_first_then_oldest(app):
    normal_old = by_priority(app, "normal")
    high_old = by_priority(app, "high")
    urgent_old = by_priority(app, "urgent")
    normal_new = by_priority(app, "normal")
    urgent_new = by_priority(app, "urgent")
    high_new = by_priority(app, "high")
    closed = by_priority(app, "urgent")
    admin = make_staff(app, "boss@example.org", role="admin")
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == closed))
        workflow.change_status(db.session, case, db.session.get(Staff, admin.id), "closed")
        db.session.commit()
    client = staff_client(app, admin)
    rows = queue_rows(client)
    assert [ref for ref, _p, _b in rows] == [
        urgent_old,
        urgent_new,
        high_old,
        high_new,
        normal_old,
        normal_new,
    ]
    assert [priority for _r, priority, _b in rows] == ["urgent"] * 2 + ["high"] * 2 + ["normal"] * 2
    assert closed in refs(client, "status=closed")


def test_tab_counts_match_the_cases_table(app):
    admin = make_staff(app, "boss@example.org", role="admin")
    made = [by_priority(app, ("urgent", "high", "normal")[n % 3]) for n in range(9)]
    moves = {made[0]: "triage", made[1]: "in_progress", made[2]: "closed", made[3]: "triage"}
    with app.app_context():
        actor = db.session.get(Staff, admin.id)
        for ref, status in moves.items():
            case = db.session.scalar(select(Case).where(Case.case_ref == ref))
            workflow.change_status(db.session, case, actor, status)
        retention.withdraw(
            db.session, db.session.scalar(select(Case).where(Case.case_ref == made[4]))
        )
        db.session.commit()
        actual = Counter(db.session.scalars(select(Case.status)).all())
    page = page_text(staff_client(app, admin).get("/staff/"))
    shown = {status: int(count) for status, count in COUNT.findall(page)}
    assert shown == {status: actual.get(status, 0) for status in STATUSES}
    assert shown["triage"] == 2 and shown["withdrawn"] == 1 and shown["new"] == 4
    open_total = sum(actual.get(status, 0) for status in OPEN_STATUSES)
    assert re.search(rf"All open <span class=\"count\">{open_total}</span>", page)


@pytest.fixture
def varied(app: Flask) -> dict[str, Any]:
    """Cases that differ in every filtered attribute, and two staff members."""
    me = make_staff(app, "me@example.org")
    other = make_staff(app, "other@example.org")
    refs_by_name = {
        "plain": new_case(app),
        "telegram_ko": new_case(
            app,
            language="ko",
            harms=("deepfake",),
            help_wanted=("takedown",),
            links=("https://t.me/badchan/5",),
        ),
        "minor_legal": new_case(
            app, harms=("sextortion",), help_wanted=("legal",), age_band="14to18"
        ),
        "x_mine": new_case(
            app,
            language="ko",
            harms=("distribution",),
            help_wanted=("takedown", "counseling"),
            links=("https://x.com/someone/status/12",),
        ),
        "mixed_other": new_case(
            app, harms=("harassment", "deepfake"), links=("https://www.youtube.com/watch?v=abc",)
        ),
        "threat_triage": new_case(app, language="ko", threatened=True),
        "closed_one": new_case(app, harms=("deepfake",)),
    }
    with app.app_context():
        mine, theirs = db.session.get(Staff, me.id), db.session.get(Staff, other.id)

        def case(name: str) -> Case:
            return db.session.scalar(select(Case).where(Case.case_ref == refs_by_name[name]))

        workflow.claim(db.session, case("x_mine"), mine)
        workflow.claim(db.session, case("mixed_other"), theirs)
        workflow.claim(db.session, case("threat_triage"), mine)
        workflow.change_status(db.session, case("threat_triage"), mine, "triage")
        workflow.claim(db.session, case("closed_one"), theirs)
        workflow.change_status(db.session, case("closed_one"), theirs, "closed")
        db.session.commit()
    return {"me": me, "refs": refs_by_name}


def expected_refs(app: Flask, me_id: int, query: dict[str, str]) -> set[str]:
    """An independent reading of the filters, straight from the rows."""
    found = set()
    with app.app_context():
        for case in db.session.scalars(select(Case)).all():
            status = query.get("status", "open")
            if (case.status not in OPEN_STATUSES) if status == "open" else case.status != status:
                continue
            platforms = {link.platform for link in case.links}
            checks = {
                "priority": lambda v, c=case: c.priority == v,
                "team": lambda v, c=case: c.team == v,
                "harm": lambda v, c=case: v in c.harms,
                "platform": lambda v, p=platforms: v in p,
                "assignee": lambda v, c=case: (
                    (c.assignee_id == me_id) if v == "me" else c.assignee_id is None
                ),
                "language": lambda v, c=case: c.language == v,
                "minor": lambda v, c=case: c.minor_involved is (v == "yes"),
            }
            if all(checks[name](value) for name, value in query.items() if name in checks):
                found.add(case.case_ref)
    return found


FILTERS = [
    {"status": "triage"},
    {"status": "closed"},
    {"priority": "urgent"},
    {"priority": "high"},
    {"priority": "normal"},
    {"team": "takedown"},
    {"team": "legal"},
    {"team": "counseling"},
    {"harm": "deepfake"},
    {"harm": "sextortion"},
    {"platform": "telegram"},
    {"platform": "x"},
    {"platform": "youtube"},
    {"assignee": "me"},
    {"assignee": "unassigned"},
    {"language": "ko"},
    {"language": "en"},
    {"minor": "yes"},
    {"minor": "no"},
    {"priority": "high", "language": "ko"},
    {"harm": "deepfake", "platform": "telegram", "assignee": "unassigned"},
    {"team": "counseling", "minor": "no", "language": "en"},
    {"status": "triage", "assignee": "me", "priority": "urgent"},
    {"status": "closed", "harm": "deepfake"},
]


def test_each_filter_and_combination_shows_exactly_the_matching_cases(app, varied):
    client = staff_client(app, varied["me"])
    me = varied["me"].id
    everything = expected_refs(app, me, {})
    keys = order_key(app)
    problems = []
    for query in FILTERS:
        wanted = expected_refs(app, me, query)
        # The data must make every filter meaningful: some match, and (bar status) not all.
        assert wanted and ("status" in query or wanted != everything), query
        rows = refs(client, urlencode(query))
        if set(rows) != wanted or len(rows) != len(wanted):
            problems.append((query, sorted(rows), sorted(wanted)))
        elif rows != sorted(rows, key=keys.__getitem__):
            problems.append((query, "out of order", rows))
    assert not problems, problems


def test_unknown_filter_values_are_ignored(app, varied):
    client = staff_client(app, varied["me"])
    everything = set(refs(client))
    assert set(refs(client, "priority=bogus&team=%3Cb%3E&assignee=root&minor=maybe")) == everything
    page = page_text(client.get("/staff/?priority=urgent&language=ko"))
    assert '<option value="urgent" selected>' in page
    assert '<option value="ko" selected>' in page


def walk(client: FlaskClient, start: str = "/staff/", between: Any = None) -> list[list[str]]:
    """Follow rel="next" from the first page to the last; returns the refs of every page."""
    pages, url = [], start
    while url:
        response = client.get(url)
        assert response.status_code == 200
        text = page_text(response)
        pages.append([CASE_LINK.search(body).group(2) for _p, body in QUEUE_ROW.findall(text)])
        link = NEXT_PAGE.search(text)
        url = html.unescape(link.group(1)) if link else None
        if url and between:
            between()
        assert len(pages) < 50, "the pages never end"
    return pages


def test_keyset_pages_cover_every_case_once_in_order(make_app):
    app = make_app(PORTAL_PAGE_SIZE=5)
    member = make_staff(app, "worker@example.org")
    made = [by_priority(app, ("normal", "high", "urgent", "high")[n % 4]) for n in range(23)]
    client = staff_client(app, member)
    pages = walk(client)
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    seen = [ref for page in pages for ref in page]
    keys = order_key(app)
    assert seen == sorted(made, key=keys.__getitem__)
    # Filters survive the page links.
    english_only = walk(client, "/staff/?language=en&priority=high")
    flat = [ref for page in english_only for ref in page]
    assert (
        flat == sorted([ref for ref in made if keys[ref][0] == 1], key=keys.__getitem__)
        and len(english_only) == 3
    )


def test_pages_stay_consistent_while_new_cases_arrive(make_app):
    app = make_app(PORTAL_PAGE_SIZE=5)
    member = make_staff(app, "worker@example.org")
    before = [by_priority(app, ("normal", "high", "urgent")[n % 3]) for n in range(17)]
    arrived: list[str] = []

    def more_cases() -> None:
        arrived.append(by_priority(app, "urgent"))  # sorts before where we are
        arrived.append(by_priority(app, "normal"))  # sorts after where we are

    pages = walk(staff_client(app, member), between=more_cases)
    seen = [ref for page in pages for ref in page]
    assert len(seen) == len(set(seen)), "a case was shown twice"
    assert set(before) <= set(seen), "an existing case was skipped"
    assert set(seen) <= set(before) | set(arrived)
    keys = order_key(app)
    assert seen == sorted(seen, key=keys.__getitem__)


TAMPERED = {
    "garbage": "garbage",
    "percent": "%%%",
    "too_long": "x" * 300,
    "bad_date": forged_cursor("1|not a date|3"),
    "naive_date": forged_cursor("1|2024-01-01T00:00:00|3"),
    "other_zone": forged_cursor("1|2024-01-01T00:00:00+05:00|3"),
    "negative": forged_cursor("-7|2024-01-01T00:00:00+00:00|-1"),
    "huge_rank": forged_cursor("99999999999999999999|2024-01-01T00:00:00+00:00|1"),
    "huge_id": forged_cursor("1|2024-01-01T00:00:00+00:00|99999999999999999999"),
    "far_future": forged_cursor("1|9999-12-31T23:59:59+00:00|1"),
}


@pytest.mark.parametrize("after", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_tampered_cursor_does_not_break_the_queue(app, after):
    member = make_staff(app, "worker@example.org")
    by_priority(app, "high")
    response = staff_client(app, member).get("/staff/", query_string={"after": after})
    assert response.status_code == 200
    assert "<h1>Queue</h1>" in page_text(response)


def _unread_badge(client: FlaskClient, ref: str) -> bool:
    for row_ref, _priority, body in queue_rows(client):
        if row_ref == ref:
            return UNREAD in body
    raise AssertionError(f"{ref} is not in the queue")


def test_unread_mark_appears_after_a_victim_reply_and_clears_when_opened(app):
    member = make_staff(app, "worker@example.org")
    victim = app.test_client()
    ref, receipt = file_report(victim, "en")
    quiet, _receipt = file_report(victim, "en")
    staff = staff_client(app, member)
    assert not _unread_badge(staff, ref)
    open_status(victim, receipt)
    token = csrf_token(page_text(victim.get("/status/case")))
    sent = victim.post(
        "/status/case/reply", data={"body": "I found another link.", "csrf_token": token}
    )
    assert sent.status_code == 303
    assert _unread_badge(staff, ref)
    assert not _unread_badge(staff, quiet)
    assert staff.get(f"/staff/cases/{ref}").status_code == 200
    assert not _unread_badge(staff, ref)
