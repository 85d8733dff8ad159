"""Apps with alerts configured, and reading back what the outbox queued and the server got."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from flask import Flask
from sqlalchemy import select

from portal.cases import deadlines
from portal.extensions import db
from portal.models import AuditEntry, Case, OutboxMessage, utcnow
from tests import factories
from tests.mail.outbox_helpers import parsed

TEAM_ADDRESS = "urgent-team@example.org"
STAFF_URL = "https://staff.example.org"


def alert_app(make_app: Any, server: Any, **settings: Any) -> Flask:
    values: dict[str, Any] = {
        "PORTAL_SMTP_URL": server.url,
        "PORTAL_SMTP_TIMEOUT_SECONDS": 5.0,
        "PORTAL_MAIL_FROM": "Portal desk <desk@example.org>",
        "PORTAL_NOTIFY_URGENT_TO": {"*": (TEAM_ADDRESS,)},
        "PORTAL_STAFF_URL": STAFF_URL,
    }
    values.update(settings)
    return make_app(**values)


def cli(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def send_outbox(app: Flask) -> str:
    return cli(app, "outbox", "send").output.strip()


def queued(app: Flask, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, ref, state) of every outbox row, oldest first."""
    with app.app_context():
        query = select(OutboxMessage.kind, OutboxMessage.ref, OutboxMessage.state)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return [tuple(row) for row in db.session.execute(query.order_by(OutboxMessage.id))]


def mails(server: Any) -> list[tuple[list[str], EmailMessage, str]]:
    """(recipients, parsed message, decoded body) of everything the server accepted."""
    found = []
    for got in server.recorder.received:
        message = parsed(got.content)
        found.append((got.rcpt_tos, message, message.get_content()))
    return found


def audit_actions(app: Flask, prefix: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like(prefix + "%"))
                .order_by(AuditEntry.id)
            )
        )


def overdue_case(app: Flask, hours_late: float = 2, assignee_id: int | None = None, **kw: Any):
    """A committed open case whose reply deadline passed ``hours_late`` hours ago."""
    with app.app_context():
        case = factories.case_in(db.session, "in_progress", assignee_id=assignee_id, **kw)
        case.response_due_at = utcnow() - timedelta(hours=hours_late)
        deadlines.refresh(case)
        db.session.commit()
        return case.id, case.case_ref


def load(app: Flask, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case
