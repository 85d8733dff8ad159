"""E-mail alerts to staff: an urgent case came in, a case's deadline passed.

Each alert holds the case number and a link to the staff case page, and nothing else: no
harm types, no words or links from the victim, no names. It is queued in the outbox, in the
caller's transaction, and sent by the outbox worker; both steps are audited there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from portal.cases import deadlines
from portal.choices import LANGUAGE_CODES
from portal.extensions import Session, rows_changed
from portal.mail import compose, outbox
from portal.models import Case, OutboxMessage, Staff
from portal.security import audit

log = logging.getLogger(__name__)

URGENT_KIND = "alert_urgent"
OVERDUE_KIND = "alert_overdue"


@dataclass(frozen=True)
class AlertSettings:
    mail_from: str | None = None
    urgent_to: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    staff_url: str | None = None
    smtp: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AlertSettings:
        return cls(
            mail_from=config.get("PORTAL_MAIL_FROM") or None,
            urgent_to=dict(config.get("PORTAL_NOTIFY_URGENT_TO") or {}),
            staff_url=config.get("PORTAL_STAFF_URL") or None,
            smtp=bool(config.get("PORTAL_SMTP_URL")),
        )

    @property
    def can_send(self) -> bool:
        """Without an SMTP server nothing would ever leave the outbox: queue nothing."""
        return self.smtp and bool(self.mail_from)

    def team_addresses(self, team: str) -> tuple[str, ...]:
        """The team's own list when it has one (even an empty one), else the "*" list."""
        if team in self.urgent_to:
            return tuple(self.urgent_to[team])
        return tuple(self.urgent_to.get("*", ()))

    def case_link(self, case_ref: str) -> str:
        """The staff case page; only the path when PORTAL_STAFF_URL is not set."""
        return f"{self.staff_url or ''}/staff/cases/{case_ref}"


def settings_now() -> AlertSettings:
    return AlertSettings.from_config(current_app.config)


def _silenced(session: Session, addresses: Sequence[str]) -> set[str]:
    """Addresses of staff accounts that are disabled or turned their alerts off."""
    lowered = sorted({address.strip().lower() for address in addresses})
    if not lowered:
        return set()
    return set(
        session.scalars(
            select(Staff.email).where(
                Staff.email.in_(lowered),  # stored lower-case (accounts.normalise_email)
                or_(Staff.enabled.is_(False), Staff.alerts_enabled.is_(False)),
            )
        )
    )


def _reachable(session: Session, addresses: Sequence[str]) -> list[str]:
    silenced = _silenced(session, addresses)
    return [address for address in addresses if address.strip().lower() not in silenced]


def _both(write: Callable[[], tuple[str, Sequence[str]]]) -> tuple[str, str]:
    """Subject and body in Korean, then English, from the catalogs."""
    subjects, bodies = [], []
    # Staff read both languages; one message serves a shared team address.
    for language in LANGUAGE_CODES:
        with force_locale(language):
            subject, lines = write()
        subjects.append(subject)
        bodies.append("\n".join(lines))
    return " / ".join(subjects), "\n\n".join(bodies) + "\n"


def _queue(
    session: Session,
    settings: AlertSettings,
    kind: str,
    case_ref: str,
    to: Sequence[str],
    text: tuple[str, str],
) -> OutboxMessage:
    subject, body = text
    message = compose.build_message(
        sender=settings.mail_from or "", to=list(to), subject=subject, body=body
    )
    return outbox.enqueue(session, message, kind, case_ref, None)


def _footer(link: str) -> list[str]:
    return [
        _("Open it here: %(link)s", link=link),
        _("This e-mail holds no details of the case. Sign in to read it."),
    ]


def _urgent_text(ref: str, link: str) -> tuple[str, str]:
    return _both(
        lambda: (
            _("Urgent case %(ref)s", ref=ref),
            [_("An urgent case has come in: %(ref)s.", ref=ref), *_footer(link)],
        )
    )


def _overdue_text(ref: str, link: str) -> tuple[str, str]:
    return _both(
        lambda: (
            _("Overdue case %(ref)s", ref=ref),
            [_("The deadline of case %(ref)s has passed.", ref=ref), *_footer(link)],
        )
    )


def _already_alerted(session: Session, case_ref: str) -> bool:
    found = session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.kind == URGENT_KIND, OutboxMessage.ref == case_ref)
        .limit(1)
    )
    return found is not None


def urgent(session: Session, case: Case, settings: AlertSettings | None = None) -> bool:
    """Queue the urgent-case alert for the case's team, once per case (not committed).

    Called at filing and when staff raise a case to urgent; False when nothing was queued
    (not urgent, no address, no SMTP server, or already alerted).
    """
    settings = settings or settings_now()
    if case.priority != "urgent" or not settings.can_send:
        return False
    to = _reachable(session, settings.team_addresses(case.team))
    if not to or _already_alerted(session, case.case_ref):
        return False
    text = _urgent_text(case.case_ref, settings.case_link(case.case_ref))
    try:
        with session.begin_nested():
            _queue(session, settings, URGENT_KIND, case.case_ref, to, text)
    except (compose.MailError, outbox.OutboxError) as problem:
        # The filing matters more than its alert: it stands, and the audit says why.
        log.warning("urgent alert for a case not queued: %s", problem.reason)
        audit.record(
            session, "alert.unsent", actor="alerts", case_ref=case.case_ref, reason="bad_message"
        )
        return False
    return True


@dataclass(frozen=True)
class Overdue:
    id: int
    case_ref: str
    due_at: datetime
    team: str
    assignee_id: int | None


@dataclass
class OverdueReport:
    queued: int = 0
    to_assignee: int = 0
    no_address: int = 0
    taken: int = 0  # another run alerted it first, or the deadline moved meanwhile


def candidates(session: Session, now: datetime, batch: int) -> list[Overdue]:
    """Cases whose deadline passed without an alert for it, oldest first (an index range)."""
    rows = session.execute(
        select(Case.id, Case.case_ref, Case.due_at, Case.team, Case.assignee_id)
        .where(deadlines.unalerted_overdue(now))
        .order_by(Case.due_at, Case.id)
        .limit(batch)
    ).all()
    return [
        Overdue(row.id, row.case_ref, row.due_at, row.team, row.assignee_id)
        for row in rows
        if row.due_at is not None  # always, by the condition; for the type checker
    ]


def _claim(session: Session, item: Overdue) -> bool:
    """Compare-and-set: only one run marks this deadline as alerted."""
    changed = session.execute(
        update(Case)
        .where(
            Case.id == item.id,
            Case.due_at == item.due_at,
            or_(Case.alerted_due_at.is_(None), Case.alerted_due_at != item.due_at),
        )
        .values(alerted_due_at=item.due_at)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(changed) == 1


def _recipients(session: Session, item: Overdue, settings: AlertSettings) -> tuple[list[str], bool]:
    """The assignee when they take alerts and may sign in, else the team's address."""
    if item.assignee_id is not None:
        member = session.get(Staff, item.assignee_id)
        if member is not None and member.enabled and member.alerts_enabled:
            return [member.email], True
    return _reachable(session, settings.team_addresses(item.team)), False


def alert_one(
    session: Session, item: Overdue, settings: AlertSettings, report: OverdueReport
) -> bool:
    """Mark one missed deadline alerted and queue its one e-mail (not committed)."""
    if not _claim(session, item):
        report.taken += 1
        return False
    to, personal = _recipients(session, item, settings)
    reason = None if to else "no_address"
    if to:
        text = _overdue_text(item.case_ref, settings.case_link(item.case_ref))
        try:
            with session.begin_nested():
                _queue(session, settings, OVERDUE_KIND, item.case_ref, to, text)
        except (compose.MailError, outbox.OutboxError):
            reason = "bad_message"  # an address the config took but SMTP cannot use
    if reason:
        # Marked all the same: a case nobody can be told about must not block the batch.
        report.no_address += 1
        audit.record(session, "alert.unsent", actor="alerts", case_ref=item.case_ref, reason=reason)
        return False
    report.queued += 1
    report.to_assignee += int(personal)
    return True


def run_overdue(
    session: Session, now: datetime, settings: AlertSettings | None = None, batch: int = 100
) -> OverdueReport:
    """One pass: one e-mail per missed deadline, at most ``batch``; commits per case."""
    settings = settings or settings_now()
    report = OverdueReport()
    if not settings.can_send:
        return report
    found = candidates(session, now, batch)
    session.commit()
    for item in found:
        alert_one(session, item, settings, report)
        session.commit()
    return report
