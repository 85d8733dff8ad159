"""My account: turning my own alert e-mails off and on (POST, CSRF, audited, a flash message),
and what that changes for the next overdue alert."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Staff
from tests.cases.alert_helpers import TEAM_ADDRESS, alert_app, cli, mails, overdue_case, send_outbox
from tests.helpers import page_text
from tests.staff_helpers import make_staff, staff_client, token_of

CHECKED = re.compile(r'<input type="radio" id="alerts-(on|off)" name="alerts" value="\1" checked>')


def _enabled(app, member_id: int) -> bool:
    with app.app_context():
        return db.session.get(Staff, member_id).alerts_enabled


def test_the_account_page_turns_my_alerts_off_and_on(app):
    member = make_staff(app, "worker@example.org")
    client = staff_client(app, member)
    page = page_text(client.get("/staff/account"))
    assert "Alert e-mails" in page and CHECKED.findall(page) == ["on"]

    off = client.post(
        "/staff/account/alerts", data={"alerts": "off", "csrf_token": token_of(client)}
    )
    assert off.status_code == 303 and off.headers["Location"].endswith("/staff/account")
    shown = html.unescape(page_text(client.get(off.headers["Location"])))
    assert "Alert e-mails are off. The team's address gets your alerts instead." in shown
    assert CHECKED.findall(shown) == ["off"]
    assert _enabled(app, member.id) is False

    on = client.post("/staff/account/alerts", data={"alerts": "on", "csrf_token": token_of(client)})
    assert "Alert e-mails are on." in page_text(client.get(on.headers["Location"]))
    assert _enabled(app, member.id) is True
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.alerts").order_by(AuditEntry.id)
        ).all()
        assert [(entry.actor_id, entry.detail) for entry in entries] == [
            (member.id, '{"enabled": false}'),
            (member.id, '{"enabled": true}'),
        ]


def test_a_post_without_a_token_or_a_choice_changes_nothing(app):
    member = make_staff(app, "worker@example.org")
    client = staff_client(app, member)
    assert client.post("/staff/account/alerts", data={"alerts": "off"}).status_code == 400
    assert _enabled(app, member.id) is True
    for choice in ({}, {"alerts": "sometimes"}):
        refused = client.post(
            "/staff/account/alerts", data={**choice, "csrf_token": token_of(client)}
        )
        assert refused.status_code == 400
        assert "Choose on or off for alert e-mails, then save." in page_text(refused)
    assert _enabled(app, member.id) is True


def test_korean_page(app):
    member = make_staff(app, "worker@example.org", language="ko")
    client = staff_client(app, member)
    page = page_text(client.get("/staff/account?lang=ko"))
    assert '<h2 id="alerts">알림 메일</h2>' in page
    assert '<label for="alerts-on">켬</label>' in page
    assert '<label for="alerts-off">끔</label>' in page


def test_after_turning_alerts_off_the_team_gets_the_overdue_alert(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    member = make_staff(app, "worker@example.org")
    client = staff_client(app, member)
    client.post("/staff/account/alerts", data={"alerts": "off", "csrf_token": token_of(client)})
    overdue_case(app, assignee_id=member.id)
    cli(app, "alerts", "run")
    send_outbox(app)
    assert [to for to, _message, _body in mails(smtp_server)] == [[TEAM_ADDRESS]]
