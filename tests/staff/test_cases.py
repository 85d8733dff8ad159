"""Working a case end to end: claim, messages both ways, notes, canned text, related cases,
priority, takedowns, legal hold, the audit trail, and two staff claiming at once."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases.canned import CANNED
from portal.extensions import db
from portal.models import AuditEntry, Case, Link, Note
from scripts.pages import CASE_LINK, MESSAGE_BODY, QUEUE_ROW, csrf_token
from tests.helpers import file_report, open_status, page_text
from tests.staff_helpers import login, make_staff, staff_client, token_of

RELATED = re.compile(r'<ul id="related">(.*?)</ul>', re.S)
NO_LINKS = {"links-0-url": "", "links-0-note": "", "links-1-url": ""}


def post(client: FlaskClient, path: str, **data: str) -> Any:
    """POST a case form with a fresh CSRF token; returns the page it redirects to."""
    token = token_of(client)
    data.setdefault("csrf_token", token)
    for prefix in ("msg", "note"):
        if f"{prefix}-body" in data:
            data.setdefault(f"{prefix}-csrf_token", token)
    response = client.post(path, data=data)
    assert response.status_code == 303, response.status_code
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page_text(page)


def case_row(app: Flask, ref: str) -> Case:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == ref))
        db.session.expunge(case)
        return case


def queue_order(client: FlaskClient) -> list[str]:
    page = page_text(client.get("/staff/"))
    return [CASE_LINK.search(row).group(2) for _priority, row in QUEUE_ROW.findall(page)]


def unread_in_queue(client: FlaskClient, ref: str) -> bool:
    for _priority, row in QUEUE_ROW.findall(page_text(client.get("/staff/"))):
        if f">{ref}</a>" in row:
            return "New message from victim" in row
    raise AssertionError(f"{ref} not in the queue")


def victim_page(client: FlaskClient, receipt: str) -> str:
    assert open_status(client, receipt).status_code == 303
    return page_text(client.get("/status/case"))


def test_a_case_goes_round_trip_between_victim_and_staff(app):
    member = make_staff(app, "worker@example.org")
    victim = app.test_client()
    ref, receipt = file_report(victim, "en")
    staff = app.test_client()
    assert login(app, staff, member).status_code == 303
    queue = page_text(staff.get("/staff/"))
    link = next(href for href, shown in CASE_LINK.findall(queue) if shown == ref)
    page = page_text(staff.get(html.unescape(link)))
    assert f"<h1>Case {ref}</h1>" in page
    assert '<dd id="case-assignee">Unassigned</dd>' in page
    assert "A bot made fake images from my profile photo." in page

    claimed = post(staff, f"/staff/cases/{ref}/claim")
    assert "You claimed this case." in claimed
    assert f'<dd id="case-assignee">{member.email}</dd>' in claimed
    replied = post(staff, f"/staff/cases/{ref}/messages", **{"msg-body": "We are on it, step 1."})
    assert "Message sent to the victim." in replied

    status_page = victim_page(victim, receipt)
    assert "We are on it, step 1." in status_page
    token = csrf_token(status_page)
    answer = victim.post(
        "/status/case/reply", data={"body": "Thank you, here is more.", "csrf_token": token}
    )
    assert answer.status_code == 303
    assert unread_in_queue(staff, ref)
    page = page_text(staff.get(f"/staff/cases/{ref}"))
    assert "Thank you, here is more." in page
    assert not unread_in_queue(staff, ref)


def test_internal_notes_never_reach_the_victim(app):
    member = make_staff(app, "worker@example.org")
    victim = app.test_client()
    ref, receipt = file_report(victim, "en")
    staff = staff_client(app, member)
    post(staff, f"/staff/cases/{ref}/claim")
    saved = post(staff, f"/staff/cases/{ref}/notes", **{"note-body": "NOTE-7c1 staff only"})
    assert "Internal note saved." in saved and "NOTE-7c1 staff only" in saved
    post(staff, f"/staff/cases/{ref}/messages", **{"msg-body": "MSG-4d2 for the victim"})
    post(staff, f"/staff/cases/{ref}/priority", priority="urgent", reason="PRIO-9e3 reason")
    post(staff, f"/staff/cases/{ref}/hold", hold="y", reason="HOLD-2b8 police asked")
    seen = victim_page(victim, receipt)
    assert "MSG-4d2 for the victim" in seen
    for secret in ("NOTE-7c1", "PRIO-9e3", "HOLD-2b8"):
        assert secret not in seen


def test_canned_messages_come_in_the_cases_language(app):
    member = make_staff(app, "worker@example.org", language="en")
    victim = app.test_client()
    english, _receipt = file_report(victim, "en")
    korean, _receipt = file_report(victim, "ko")
    assert case_row(app, english).language == "en" and case_row(app, korean).language == "ko"
    staff = staff_client(app, member)
    for ref, lang in ((english, "en"), (korean, "ko")):
        page = page_text(staff.get(f"/staff/cases/{ref}?canned=received"))
        assert '<html lang="en">' in page  # the staff page stays in the staff language
        filled = html.unescape(MESSAGE_BODY.search(page).group(1)).strip()
        assert filled == CANNED["received"][lang]
    assert "안녕하세요" in CANNED["received"]["ko"] and "Hello" in CANNED["received"]["en"]
    blank = page_text(staff.get(f"/staff/cases/{english}?canned=no-such-text"))
    assert MESSAGE_BODY.search(blank).group(1).strip() == ""


def test_cases_sharing_a_telegram_channel_list_each_other(app):
    member = make_staff(app, "worker@example.org")
    victim = app.test_client()
    first, _r = file_report(victim, "en", **{**NO_LINKS, "links-0-url": "https://t.me/chan/1"})
    second, _r = file_report(victim, "en", **{**NO_LINKS, "links-0-url": "@chan"})
    other, _r = file_report(victim, "en", **{**NO_LINKS, "links-0-url": "https://t.me/elsewhere"})
    staff = staff_client(app, member)

    def related(ref: str) -> str:
        match = RELATED.search(page_text(staff.get(f"/staff/cases/{ref}")))
        return match.group(1) if match else ""

    assert second in related(first) and other not in related(first)
    assert first in related(second) and other not in related(second)
    assert related(other) == ""


def test_priority_override_needs_a_reason_and_reorders_the_queue(app):
    member = make_staff(app, "worker@example.org")
    victim = app.test_client()
    high, _r = file_report(victim, "en")
    normal, _r = file_report(victim, "en", harms=["harassment"], **NO_LINKS)
    staff = staff_client(app, member)
    assert queue_order(staff) == [high, normal]

    refused = post(staff, f"/staff/cases/{normal}/priority", priority="urgent", reason="  ")
    assert "Please give a reason." in refused
    assert case_row(app, normal).priority == "normal"
    assert queue_order(staff) == [high, normal]

    done = post(
        staff, f"/staff/cases/{normal}/priority", priority="urgent", reason="REASON-51 threat"
    )
    assert "Priority changed." in done and '<dd id="case-priority">Urgent</dd>' in done
    assert queue_order(staff) == [normal, high]
    with app.app_context():
        case_id = case_row(app, normal).id
        notes = db.session.scalars(select(Note).where(Note.case_id == case_id)).all()
        assert [(note.kind, note.body) for note in notes] == [("priority", "REASON-51 threat")]
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.priority"))
        assert json.loads(entry.detail) == {"old": "normal", "new": "urgent"}
        assert "REASON-51" not in entry.detail


def test_a_request_is_recorded_only_for_the_cases_own_links(app):
    member = make_staff(app, "worker@example.org")
    victim = app.test_client()
    ref, _r = file_report(victim, "en")
    other, _r = file_report(victim, "en")
    with app.app_context():
        ids = dict(
            db.session.execute(
                select(Case.case_ref, Link.id).join(Link.case).where(Link.position == 0)
            ).all()
        )
    staff = staff_client(app, member)
    path = f"/staff/cases/{ref}/links/{ids[ref]}/requests"
    done = post(staff, path, channel="abuse_email", reference="TG-77")
    assert "Request recorded." in done
    assert "Removal requested" in done and "Requested: Abuse e-mail" in done
    assert "reference TG-77" in done
    foreign = staff.post(
        f"/staff/cases/{ref}/links/{ids[other]}/requests",
        data={"csrf_token": token_of(staff), "channel": "abuse_email"},
    )
    assert foreign.status_code == 404
    bogus = post(staff, path, channel="carrier_pigeon")
    assert "Please choose where the request was sent." in bogus
    future = post(staff, path, channel="kcsc", sent_on="2999-01-01")
    assert "That date is in the future." in future
    with app.app_context():
        mine, theirs = db.session.get(Link, ids[ref]), db.session.get(Link, ids[other])
        assert mine.takedown_status == "requested" and mine.takedown_updated_at is not None
        assert theirs.takedown_status == "reported" and theirs.takedown_updated_at is None
        notes = db.session.scalars(select(Note).where(Note.kind == "takedown")).all()
        assert [note.body for note in notes] == [
            "Removal requested (Abuse e-mail) for 1 link in this case."
        ]


def test_legal_hold_needs_a_reason(app):
    member = make_staff(app, "worker@example.org")
    ref, _r = file_report(app.test_client(), "en")
    staff = staff_client(app, member)
    refused = post(staff, f"/staff/cases/{ref}/hold", hold="y", reason="")
    assert "Please give a reason." in refused
    assert case_row(app, ref).legal_hold is False
    held = post(staff, f"/staff/cases/{ref}/hold", hold="y", reason="Police case 2026-123")
    assert "Legal hold updated." in held and "Evidence kept for police" in held
    assert case_row(app, ref).legal_hold is True
    not_without_reason = post(staff, f"/staff/cases/{ref}/hold", reason="")
    assert "Please give a reason." in not_without_reason
    not_staff = post(staff, f"/staff/cases/{ref}/hold", reason="Police are done")
    assert "Only an admin can lift a legal hold." in not_staff
    assert case_row(app, ref).legal_hold is True
    admin = staff_client(app, make_staff(app, "boss@example.org", role="admin"))
    lifted = post(admin, f"/staff/cases/{ref}/hold", reason="Police are done")
    assert "Legal hold updated." in lifted and "Evidence kept for police" not in lifted
    assert case_row(app, ref).legal_hold is False
    with app.app_context():
        notes = db.session.scalars(select(Note).where(Note.kind == "hold")).all()
        assert [note.body for note in notes] == ["Police case 2026-123", "Police are done"]
        holds = db.session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "case.hold")
        )
        assert [json.loads(detail) for detail in holds] == [{"hold": True}, {"hold": False}]


def test_every_view_and_action_is_audited(app):
    member = make_staff(app, "worker@example.org")
    colleague = make_staff(app, "colleague@example.org")
    ref, _r = file_report(app.test_client(), "en")
    staff = staff_client(app, member)
    with app.app_context():
        link_id = db.session.scalar(select(Link.id))
    actions = [
        ("claim", {}, "case.claimed"),
        ("notes", {"note-body": "a note"}, "case.note"),
        ("messages", {"msg-body": "a message"}, "case.message"),
        ("status", {"status": "triage"}, "case.status"),
        ("priority", {"priority": "urgent", "reason": "why"}, "case.priority"),
        (f"links/{link_id}/requests", {"channel": "report_form"}, "takedown.requested"),
        ("hold", {"hold": "y", "reason": "police"}, "case.hold"),
        ("release", {}, "case.released"),
        ("claim", {}, "case.claimed"),
        ("assign", {"assignee": str(colleague.id)}, "case.assigned"),
    ]
    views = 0
    for action, data, _expected in actions:
        post(staff, f"/staff/cases/{ref}/{action}", **data)
        views += 1  # each action lands back on the case page
    staff.get(f"/staff/cases/{ref}")
    views += 1
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.case_ref == ref).order_by(AuditEntry.id)
        ).all()
    by_staff = [entry for entry in entries if entry.actor_id is not None]
    assert all(entry.actor_id == member.id for entry in by_staff)
    assert [e.action for e in by_staff if e.action != "case.viewed"] == [a[2] for a in actions]
    assert sum(entry.action == "case.viewed" for entry in by_staff) == views
    assert case_row(app, ref).assignee_id == colleague.id


def test_of_two_staff_claiming_at_once_one_wins(make_app):
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT="100 per minute")
    first = make_staff(app, "first@example.org")
    second = make_staff(app, "second@example.org")
    ref, _r = file_report(app.test_client(), "en")
    a, b = staff_client(app, first), staff_client(app, second)
    for client in (a, b):  # both see an unassigned case with a Claim button
        assert f'action="/staff/cases/{ref}/claim"' in page_text(client.get(f"/staff/cases/{ref}"))
    assert "You claimed this case." in post(a, f"/staff/cases/{ref}/claim")
    lost = post(b, f"/staff/cases/{ref}/claim")
    assert "Someone else claimed this case a moment ago." in lost
    assert f'<dd id="case-assignee">{first.email}</dd>' in lost
    assert case_row(app, ref).assignee_id == first.id
    with app.app_context():
        claims = db.session.scalars(
            select(AuditEntry.actor_id).where(AuditEntry.action == "case.claimed")
        ).all()
    assert claims == [first.id]
