"""Who may reach what: every staff route, for anonymous visitors, victims, staff and admins.

The routes are read from the app's URL map, so a route added later is covered here without
anyone remembering to list it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    Case,
    EvidenceFile,
    Link,
    Message,
    Note,
    Staff,
    TakedownRequest,
    utcnow,
)
from scripts.pages import csrf_token
from tests.helpers import file_report, open_status, page_text
from tests.staff_helpers import Member, make_staff, staff_client, token_of

OPEN_ENDPOINTS = {"staff.login", "staff.login_code"}
ADMIN_PREFIX = "staff.admin."


@dataclass
class World:
    app: Flask
    case_ref: str
    victim: FlaskClient
    staff: Member
    admin: Member
    target: Member
    file_id: int
    link_id: int
    target_id: int
    request_id: int


def _screenshot() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def world(make_app: Any) -> World:
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT="100 per minute")
    victim = app.test_client()
    case_ref, receipt = file_report(victim, "en", evidence=(_screenshot(), "shot.png"))
    assert open_status(victim, receipt).status_code == 303
    assert victim.get("/status/case").status_code == 200
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.case_ref == case_ref))
        file_id = db.session.scalar(select(EvidenceFile.id).where(EvidenceFile.case_id == case_id))
    assert file_id is not None, "the screenshot was not stored"
    with app.app_context():
        link = db.session.scalar(select(Link).where(Link.case_id == case_id))
        assert link is not None and link.target_id is not None
        made = TakedownRequest(
            token="t" * 32, platform=link.platform, channel="abuse_email", sent_at=utcnow()
        )
        db.session.add(made)
        db.session.commit()
        link_id, target_id, request_id = link.id, link.target_id, made.id
    return World(
        app=app,
        case_ref=case_ref,
        victim=victim,
        staff=make_staff(app, "worker@example.org"),
        admin=make_staff(app, "boss@example.org", role="admin"),
        target=make_staff(app, "target@example.org"),
        file_id=file_id,
        link_id=link_id,
        target_id=target_id,
        request_id=request_id,
    )


def staff_routes(app: Flask, world: World) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every staff route: actions first, sign-out last."""
    params = {
        "case_ref": world.case_ref,
        "member_id": world.target.id,
        "file_id": world.file_id,
        "link_id": world.link_id,
        "target_id": world.target_id,
        "request_id": world.request_id,
        "message_id": 1,
    }
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("staff."):
                continue
            unknown = set(rule.arguments) - set(params)
            assert not unknown, f"no test value for URL parameter(s) {unknown} of {rule.rule}"
            url = url_for(rule.endpoint, **{name: params[name] for name in rule.arguments})
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, url))
    # POSTs before GETs, so a page that needs an earlier action (a revealed file) is reached.
    found.sort(key=lambda item: (item[0] == "staff.logout", item[1] == "GET"))
    endpoints = {endpoint for endpoint, _method, _url in found}
    # The map really holds the staff side (a broken enumeration must not pass vacuously).
    assert {"staff.queue", "staff.case_detail", "staff.case_status", "staff.logout"} <= endpoints
    assert {"staff.account", "staff.account_alerts"} <= endpoints
    assert {"staff.stats", "staff.stats_csv"} <= endpoints  # statistics: every member
    assert any(endpoint.startswith(ADMIN_PREFIX) for endpoint in endpoints)
    return found


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 303 and urlsplit(response.headers["Location"]).path == (
        "/staff/login"
    )


def _case_untouched(app: Flask, case_ref: str) -> None:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        assert case.status == "new" and case.assignee_id is None
        assert case.legal_hold is False and case.priority != "urgent"
        assert db.session.scalar(select(func.count()).select_from(Note)) == 0
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0
        staff_actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor_id.is_not(None))
        ).all()
        assert staff_actions == []


def _check_outsider(world: World, client: FlaskClient) -> None:
    checked = 0
    for endpoint, method, url in staff_routes(world.app, world):
        if endpoint in OPEN_ENDPOINTS:
            continue
        checked += 1
        if method == "GET":
            response = client.get(url)
            assert _is_login_redirect(response), (endpoint, response.status_code)
            continue
        bare = client.post(url, data={"status": "closed", "hold": "y", "reason": "x"})
        assert bare.status_code in (303, 400), (endpoint, bare.status_code)
        if bare.status_code == 303:
            assert _is_login_redirect(bare), endpoint
        # Even with a valid CSRF token (any visitor can get one) the guard sends them away.
        token = csrf_token(page_text(client.get("/staff/login")))
        data = {"csrf_token": token, "status": "closed", "hold": "y", "reason": "x"}
        data.update({"msg-body": "x", "msg-csrf_token": token})
        data.update({"note-body": "x", "note-csrf_token": token})
        with_token = client.post(url, data=data)
        assert _is_login_redirect(with_token), (endpoint, with_token.status_code)
    assert checked >= 15
    _case_untouched(world.app, world.case_ref)
    with world.app.app_context():
        target = db.session.get(Staff, world.target.id)
        assert target.enabled is True


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(world):
    _check_outsider(world, world.app.test_client())


def test_a_victim_with_an_open_status_session_is_sent_to_sign_in_everywhere(world):
    _check_outsider(world, world.victim)
    # Their own status page still works: the staff side did not disturb it.
    assert world.victim.get("/status/case").status_code == 200


def test_signed_in_redirect_keeps_the_page_asked_for(world):
    response = world.app.test_client().get("/staff/cases/" + world.case_ref + "?canned=police")
    assert _is_login_redirect(response)
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["next"] == [f"/staff/cases/{world.case_ref}?canned=police"]


def _check_member(world: World, member: Member, admin: bool) -> None:
    client = staff_client(world.app, member)
    problems = []
    for endpoint, method, url in staff_routes(world.app, world):
        if endpoint in OPEN_ENDPOINTS:
            continue
        if method == "GET":
            response = client.get(url)
        else:
            token = token_of(client)
            response = client.post(url, data={"csrf_token": token, "pw-csrf_token": token})
        code = response.status_code
        if endpoint.startswith(ADMIN_PREFIX) and not admin:
            if code != 403 or world.target.email in page_text(response):
                problems.append((endpoint, method, code))
        elif code == 403 or code >= 500 or (method == "GET" and code != 200):
            problems.append((endpoint, method, code))
    assert not problems, f"unexpected responses: {problems}"
    with world.app.app_context():
        admin_actions = set(
            db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("admin.%")))
        )
    if admin:
        assert {"admin.staff_disabled", "admin.staff_enabled"} <= admin_actions
    else:
        assert admin_actions == set()


def test_staff_get_403_on_every_admin_route_and_reach_the_rest(world):
    _check_member(world, world.staff, admin=False)


def test_admins_reach_every_staff_route(world):
    _check_member(world, world.admin, admin=True)


def _post(client: FlaskClient, path: str, **data: str) -> Any:
    data.setdefault("csrf_token", token_of(client))
    return client.post(path, data=data)


def _state(app: Flask, case_ref: str) -> tuple[str, int | None]:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        return case.status, case.assignee_id


def test_staff_cannot_change_the_status_of_someone_elses_case(world):
    app, ref = world.app, world.case_ref
    owner = staff_client(app, world.staff)
    assert _post(owner, f"/staff/cases/{ref}/claim").status_code == 303
    other = make_staff(app, "other@example.org")
    intruder = staff_client(app, other)
    page = page_text(intruder.get(f"/staff/cases/{ref}"))
    assert 'id="status"' not in page  # no status form offered
    assert "Claim the case to change its status." in page
    for status in ("triage", "closed", "in_progress"):
        refused = _post(intruder, f"/staff/cases/{ref}/status", status=status)
        assert refused.status_code == 303
        shown = page_text(intruder.get(refused.headers["Location"]))
        assert "Only the assigned staff member or an admin can do that." in shown
    release = _post(intruder, f"/staff/cases/{ref}/release")
    assert release.status_code == 303
    assert _state(app, ref) == ("new", world.staff.id)
    with app.app_context():
        changes = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["case.status", "case.released"]))
        ).all()
        assert changes == []


def test_only_an_admin_can_reopen_a_closed_case(world):
    app, ref = world.app, world.case_ref
    owner = staff_client(app, world.staff)
    _post(owner, f"/staff/cases/{ref}/claim")
    assert _post(owner, f"/staff/cases/{ref}/status", status="closed").status_code == 303
    assert _state(app, ref) == ("closed", world.staff.id)
    page = page_text(owner.get(f"/staff/cases/{ref}"))
    assert 'value="in_progress"' not in page  # reopening is not offered to staff
    refused = _post(owner, f"/staff/cases/{ref}/status", status="in_progress")
    shown = page_text(owner.get(refused.headers["Location"]))
    assert "Only an admin can reopen a closed case." in shown
    assert _state(app, ref) == ("closed", world.staff.id)

    admin = staff_client(app, world.admin)
    assert 'value="in_progress"' in page_text(admin.get(f"/staff/cases/{ref}"))
    done = _post(admin, f"/staff/cases/{ref}/status", status="in_progress")
    assert "Status changed." in page_text(admin.get(done.headers["Location"]))
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == ref))
        assert case.status == "in_progress" and case.closed_at is None
