"""`alerts run`: one e-mail per missed deadline, to the assignee or the team, never twice, even
with two runs at once (each in its own session)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases import alerts, casework
from portal.extensions import db
from portal.models import AuditEntry, Case, OutboxMessage, Staff, utcnow
from tests.cases.alert_helpers import (
    STAFF_URL,
    TEAM_ADDRESS,
    alert_app,
    cli,
    load,
    mails,
    overdue_case,
    queued,
    send_outbox,
)
from tests.races import all_at_once, race_settings
from tests.staff_helpers import make_staff


def _run(app) -> str:
    return cli(app, "alerts", "run").output.strip()


def _set(app, member_id: int, **values: Any) -> None:
    with app.app_context():
        member = db.session.get(Staff, member_id)
        for name, value in values.items():
            setattr(member, name, value)
        db.session.commit()


def test_one_mail_to_the_assignee_then_nothing_until_a_new_deadline(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    worker = make_staff(app, "worker@example.org")
    case_id, ref = overdue_case(app, assignee_id=worker.id, description="Secret words.")
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.request_due_at = utcnow() + timedelta(minutes=30)  # the next deadline, later
        db.session.commit()
    assert _run(app).startswith("queued 1 overdue alert(s) (1 to the assignee)")
    assert send_outbox(app) == "sent 1, retry 0, failed 0, uncertain 0"
    ((to, message, body),) = mails(smtp_server)
    assert to == ["worker@example.org"]
    assert message["Subject"] == f"[기한 초과] 신고 {ref} / Overdue case {ref}"
    assert f"{STAFF_URL}/staff/cases/{ref}" in body and "Secret words." not in body

    assert _run(app).startswith("queued 0")  # the same deadline: nothing more
    assert send_outbox(app) == "sent 0, retry 0, failed 0, uncertain 0"
    assert load(app, case_id).alerted_due_at == load(app, case_id).due_at

    with app.app_context():  # the reply meets the first deadline; the request one is next
        case = db.session.get(Case, case_id)
        casework.send_message(db.session, case, db.session.get(Staff, worker.id), "Hello")
        case.request_due_at = utcnow() - timedelta(minutes=1)
        case.due_at = case.request_due_at
        db.session.commit()
    assert _run(app).startswith("queued 1")
    send_outbox(app)
    assert len(mails(smtp_server)) == 2
    assert [kind for kind, _ref, _state in queued(app)] == ["alert_overdue", "alert_overdue"]


@pytest.mark.parametrize(
    "change", [{"alerts_enabled": False}, {"enabled": False}], ids=["alerts-off", "disabled"]
)
def test_an_assignee_without_alerts_leaves_it_to_the_team(make_app, smtp_server, change):
    app = alert_app(make_app, smtp_server)
    worker = make_staff(app, "worker@example.org")
    _set(app, worker.id, **change)
    overdue_case(app, assignee_id=worker.id)
    assert _run(app).startswith("queued 1 overdue alert(s) (0 to the assignee)")
    send_outbox(app)
    ((to, _message, _body),) = mails(smtp_server)
    assert to == [TEAM_ADDRESS]


def test_an_unassigned_case_without_a_team_address_is_marked_and_audited(make_app, smtp_server):
    app = alert_app(make_app, smtp_server, PORTAL_NOTIFY_URGENT_TO={"*": ()})
    case_id, ref = overdue_case(app)
    assert "1 without a usable address" in _run(app)
    assert queued(app) == []
    assert load(app, case_id).alerted_due_at is not None
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "alert.unsent"))
        assert (entry.case_ref, entry.detail) == (ref, '{"reason": "no_address"}')
    assert "0 without a usable address" in _run(app)  # not retried every five minutes


def test_a_case_not_yet_late_or_closed_gets_nothing(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    overdue_case(app, hours_late=-1)  # due in an hour
    case_id, _ref = overdue_case(app)
    with app.app_context():
        db.session.get(Case, case_id).due_at = None  # as when it is closed
        db.session.commit()
    assert _run(app).startswith("queued 0")


def test_a_run_is_bounded_by_its_batch(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    for hours in (3, 2, 1):
        overdue_case(app, hours_late=hours)
    assert cli(app, "alerts", "run", "--batch", "2").output.startswith("queued 2")
    assert cli(app, "alerts", "run", "--batch", "2").output.startswith("queued 1")


def test_two_sessions_that_saw_the_same_deadline_alert_it_once(make_app, smtp_server):
    app = alert_app(make_app, smtp_server)
    overdue_case(app)
    with app.app_context():
        settings = alerts.settings_now()
        other = Session(db.engine)
        try:
            first = alerts.candidates(db.session, utcnow(), 10)
            second = alerts.candidates(other, utcnow(), 10)
            assert first == second and len(first) == 1
            report_a, report_b = alerts.OverdueReport(), alerts.OverdueReport()
            assert alerts.alert_one(db.session, first[0], settings, report_a)
            db.session.commit()
            assert not alerts.alert_one(other, second[0], settings, report_b)
            other.commit()
        finally:
            other.close()
    assert (report_a.queued, report_b.queued, report_b.taken) == (1, 0, 1)
    assert len(queued(app, "alert_overdue")) == 1


def test_runs_at_once_never_alert_a_deadline_twice(make_app, smtp_server, backend):
    app = alert_app(make_app, smtp_server, **race_settings(backend))
    refs = {overdue_case(app, hours_late=1 + n / 10)[1] for n in range(12)}
    reports = all_at_once(app, 3, lambda: alerts.run_overdue(db.session, utcnow(), batch=50))
    assert all(isinstance(report, alerts.OverdueReport) for report in reports), reports
    assert sum(report.queued for report in reports) == 12
    with app.app_context():
        rows = db.session.execute(
            select(OutboxMessage.ref, func.count())
            .where(OutboxMessage.kind == "alert_overdue")
            .group_by(OutboxMessage.ref)
        ).all()
    assert {ref for ref, _n in rows} == refs and {n for _ref, n in rows} == {1}
    assert send_outbox(app) == "sent 12, retry 0, failed 0, uncertain 0"
    assert len(mails(smtp_server)) == 12
