"""The e-mail a victim gets when staff write to them: that there is news, and nothing else.

The victim may share the mailbox with the person who hurt them or with family. So the
message names no service and no organisation, says nothing about what happened, carries no
link and no case number; its From is the bare address of PORTAL_MAIL_FROM (a display name
could name the service). It is in the case's language and only tells them to look with
their receipt code where they got it. One waits at a time per case; withdrawal and purge
delete any that are not being sent at that moment (they hold the victim's address).
"""

from __future__ import annotations

import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select

from portal.cases.alerts import AlertSettings, settings_now
from portal.extensions import Session, rows_changed
from portal.mail import compose, outbox
from portal.models import Case, OutboxAttempt, OutboxMessage
from portal.security import audit

log = logging.getLogger(__name__)

KIND = "victim_notice"
WAITING = ("pending", "sending")


def wording(language: str) -> tuple[str, str]:
    """The subject and body, in the case's language."""
    with force_locale(language):
        subject = _("You have a new update")
        lines = (
            _("Hello."),
            _("There is a new update for you."),
            _("Please check it with your receipt code, on the website where you received it."),
            _("This e-mail holds nothing else. Replies to it cannot be read."),
            _("If you were not expecting this e-mail, you can ignore it."),
        )
    return subject, "\n".join(lines) + "\n"


def _waiting(session: Session, case_ref: str) -> bool:
    found = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state.in_(WAITING),
            OutboxMessage.kind == KIND,
            OutboxMessage.ref == case_ref,
        )
        .limit(1)
    )
    return found is not None


def staff_wrote(session: Session, case: Case, settings: AlertSettings | None = None) -> bool:
    """Queue the notice after a staff message, when the victim chose e-mail (not committed).

    False when nothing was queued: no e-mail contact, no SMTP server, or one still waiting.
    """
    settings = settings or settings_now()
    if case.contact_method != "email" or not case.contact_email or not settings.can_send:
        return False
    if _waiting(session, case.case_ref):
        return False
    subject, body = wording(case.language)
    try:
        with session.begin_nested():
            sender = compose.parse_address(settings.mail_from or "").addr_spec
            message = compose.build_message(
                sender=sender, to=[case.contact_email], subject=subject, body=body
            )
            outbox.enqueue(session, message, KIND, case.case_ref, None)
    except (compose.MailError, outbox.OutboxError) as problem:
        # The staff message stands; the victim reads it on /status all the same.
        log.warning("victim notice not queued: %s", type(problem).__name__)
        audit.record(
            session, "alert.unsent", actor="alerts", case_ref=case.case_ref, reason="bad_message"
        )
        return False
    return True


def _delete(session: Session, ids: list[int]) -> int:
    if ids:
        session.execute(delete(OutboxAttempt).where(OutboxAttempt.message_id.in_(ids)))
        gone = session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        audit.record(session, "outbox.withdrawn", actor="system", messages=len(ids))
        return rows_changed(gone)
    return 0


def forget(session: Session, case_ref: str) -> int:
    """Delete this case's notices, unless a worker is sending one right now (purge later)."""
    ids = session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.kind == KIND,
            OutboxMessage.ref == case_ref,
            OutboxMessage.state.not_in(("sending",)),
        )
    ).all()
    return _delete(session, list(ids))


def forget_erased(session: Session) -> int:
    """Notices of erased cases that were being sent when the case was erased."""
    ids = session.scalars(
        select(OutboxMessage.id)
        .join(Case, Case.case_ref == OutboxMessage.ref)
        .where(
            OutboxMessage.kind == KIND,
            OutboxMessage.state.not_in(("sending",)),
            Case.purged_at.is_not(None),
        )
    ).all()
    return _delete(session, list(ids))
