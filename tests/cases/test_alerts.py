"""Alerts to staff, through the outbox and a real SMTP server: an urgent filing, a case raised
to urgent, and one e-mail per missed deadline, with the case number and a link only."""

from __future__ import annotations

from sqlalchemy import select

from portal.cases import alerts, workflow
from portal.extensions import db
from portal.models import AuditEntry, Case, Staff
from tests import factories
from tests.cases.alert_helpers import (
    STAFF_URL,
    TEAM_ADDRESS,
    alert_app,
    audit_actions,
    cli,
    mails,
    overdue_case,
    queued,
    send_outbox,
)
from tests.helpers import file_report
from tests.staff_helpers import make_staff

DESCRIPTION = "He says he will post the video tonight unless I pay."
VICTIM_EMAIL = "victim.private@example.net"


def _urgent_filing(client) -> str:
    case_ref, _receipt = file_report(
        client,
        "en",
        threatened_now="y",
        description=DESCRIPTION,
        contact_method="email",
        contact_email=VICTIM_EMAIL,
    )
    return case_ref


def test_an_urgent_filing_mails_the_team_the_case_number_and_link_only(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    case_ref = _urgent_filing(app.test_client())
    assert queued(app) == [("alert_urgent", case_ref, "pending")]
    assert send_outbox(app) == "sent 1, retry 0, failed 0, uncertain 0"
    ((to, message, body),) = mails(smtp_server)
    assert to == [TEAM_ADDRESS]
    link = f"{STAFF_URL}/staff/cases/{case_ref}"
    assert case_ref in message["Subject"] and link in body
    assert "An urgent case has come in" in body
    shown = str(message) + body
    for secret in (DESCRIPTION, "pay", "badchannel", "nudifybot", VICTIM_EMAIL, "deepfake"):
        assert secret not in shown
    assert set(link for link in body.split() if "://" in link) == {link}
    assert audit_actions(app, "outbox.") == ["outbox.queued", "outbox.sent"]


def test_filings_that_are_not_urgent_send_nothing(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    file_report(app.test_client(), "en")
    file_report(app.test_client(), "ko", description="그냥 설명이에요.")
    assert queued(app) == []
    assert send_outbox(app) == "sent 0, retry 0, failed 0, uncertain 0"
    assert smtp_server.recorder.received == []


def test_without_an_address_nothing_is_queued_and_the_filing_stands(make_app, smtp_server):
    app = alert_app(make_app, smtp_server, PORTAL_NOTIFY_URGENT_TO={"*": ()})
    case_ref = _urgent_filing(app.test_client())
    assert queued(app) == []
    with app.app_context():
        assert db.session.scalar(select(Case.priority).where(Case.case_ref == case_ref)) == "urgent"


def test_without_smtp_nothing_is_queued(make_app, smtp_server):
    app = alert_app(make_app, smtp_server, PORTAL_SMTP_URL=None)
    _urgent_filing(app.test_client())
    assert queued(app) == []


def test_a_team_of_its_own_and_the_link_path_without_a_staff_url(make_app, smtp_server):
    app = alert_app(
        make_app,
        smtp_server,
        PORTAL_NOTIFY_URGENT_TO={"*": (TEAM_ADDRESS,), "takedown": ("takedown@example.org",)},
        PORTAL_STAFF_URL=None,
    )
    case_ref = _urgent_filing(app.test_client())  # asks for takedown: the takedown team
    send_outbox(app)
    ((to, _message, body),) = mails(smtp_server)
    assert to == ["takedown@example.org"]
    assert f"/staff/cases/{case_ref}" in body.split()[body.split().index("here:") + 1]
    assert "://" not in body


def test_a_team_address_that_is_a_silenced_account_gets_nothing(make_app, smtp_server):
    app = alert_app(
        make_app, smtp_server, PORTAL_NOTIFY_URGENT_TO={"*": ("quiet@example.org", TEAM_ADDRESS)}
    )
    make_staff(app, "quiet@example.org")
    with app.app_context():
        db.session.scalar(select(Staff)).alerts_enabled = False
        db.session.commit()
    _urgent_filing(app.test_client())
    send_outbox(app)
    ((to, _message, _body),) = mails(smtp_server)
    assert to == [TEAM_ADDRESS]


def test_raising_a_case_to_urgent_alerts_once_per_case(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    with app.app_context():
        member = factories.staff(db.session, "lead@example.org")
        case = factories.case_in(db.session, "triage")
        ref = case.case_ref
        assert queued(app) == []
        for priority in ("urgent", "high", "urgent"):
            workflow.override_priority(db.session, case, member, priority, "Threat came in")
            db.session.commit()
    assert queued(app) == [("alert_urgent", ref, "pending")]
    send_outbox(app)
    ((to, message, _body),) = mails(smtp_server)
    assert to == [TEAM_ADDRESS] and ref in message["Subject"]
    assert "Threat came in" not in str(message)


def test_the_alert_is_in_korean_and_english(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    case_ref = _urgent_filing(app.test_client())
    send_outbox(app)
    ((_to, message, body),) = mails(smtp_server)
    assert message["Subject"] == f"[긴급] 신고 {case_ref} / Urgent case {case_ref}"
    korean = f"긴급 신고가 들어왔어요. 접수번호: {case_ref}"
    assert body.index(korean) < body.index("An urgent case")


def test_alerts_run_refuses_without_smtp(make_app, smtp_server):
    app = alert_app(make_app, smtp_server, PORTAL_SMTP_URL=None)
    result = app.test_cli_runner().invoke(args=["alerts", "run"])
    assert result.exit_code == 1
    assert "PORTAL_SMTP_URL" in result.output


def test_settings_from_config_pick_the_team_list():
    settings = alerts.AlertSettings.from_config(
        {
            "PORTAL_NOTIFY_URGENT_TO": {"*": ("a@example.org",), "legal": ()},
            "PORTAL_MAIL_FROM": "desk@example.org",
            "PORTAL_SMTP_URL": "smtp://127.0.0.1:25",
        }
    )
    assert settings.can_send
    assert settings.team_addresses("takedown") == ("a@example.org",)
    assert settings.team_addresses("legal") == ()
    assert settings.case_link("20260101-000001") == "/staff/cases/20260101-000001"


def test_alerts_run_prints_its_counts(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    result = cli(app, "alerts", "run")
    assert result.output.strip() == (
        "queued 0 overdue alert(s) (0 to the assignee), 0 without a usable address, "
        "0 taken by another run"
    )


def test_an_address_smtp_cannot_use_never_blocks_a_filing_or_the_batch(make_app, smtp_server):
    app = alert_app(make_app, smtp_server, PORTAL_NOTIFY_URGENT_TO={"*": ("한글@example.org",)})
    case_ref = _urgent_filing(app.test_client())  # the filing stands
    assert queued(app) == []
    overdue_case(app)
    assert "1 without a usable address" in cli(app, "alerts", "run").output
    assert "0 without a usable address" in cli(app, "alerts", "run").output
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.case_ref, AuditEntry.detail).where(
                AuditEntry.action == "alert.unsent"
            )
        ).all()
    assert rows[0] == (case_ref, '{"reason": "bad_message"}') and len(rows) == 2
