"""Queueing test messages and reading back what the outbox and the SMTP server hold."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.mail import compose, outbox
from portal.mail.transport import SmtpTransport, parse_smtp_url
from portal.models import AuditEntry, OutboxAttempt, OutboxMessage, Staff, utcnow
from tests import factories

SUBJECT = "[삭제 요청] 불법촬영물 게시물 삭제 요청"
BODY = "안녕하세요.\n아래 게시물의 삭제를 요청합니다.\nhttps://t.me/badchannel/123\n"
LATER = timedelta(hours=1)


def notice(number: int = 0, **changes: Any):
    values: dict[str, Any] = {
        "sender": "portal@localhost",
        "to": ["abuse@platform.example", "report@platform.example"],
        "cc": ["legal@platform.example"],
        "subject": f"{SUBJECT} {number}",
        "body": BODY,
    }
    values.update(changes)
    return compose.build_message(**values)


def queue(app: Flask, count: int = 1, **changes: Any) -> list[int]:
    """Queue ``count`` messages by one staff member; returns their ids."""
    with app.app_context():
        member = db.session.scalar(select(Staff).limit(1))
        if member is None:
            member = factories.staff(db.session, "desk@example.org")
        ids = [
            outbox.enqueue(db.session, notice(n, **changes), "notice", f"REQ-{n}", member).id
            for n in range(count)
        ]
        db.session.commit()
        return ids


def smtp(url: str, timeout: float = 5.0) -> SmtpTransport:
    return SmtpTransport(parse_smtp_url(url, timeout))


def row(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        assert found is not None
        db.session.expunge(found)
        return found


def attempts(app: Flask, message_id: int) -> list[tuple[str, int | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.message_id == message_id)
            .order_by(OutboxAttempt.id)
        )
        return [(item.result, item.smtp_code, item.error) for item in rows]


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(entry.action, entry.detail) for entry in rows]


def send(app: Flask, transport: Any, later: timedelta = timedelta(0), **options: Any):
    with app.app_context():
        return outbox.send_due(db.session, transport, now=utcnow() + later, **options)


def parsed(content: bytes):
    return message_from_bytes(content, policy=policy.default)
