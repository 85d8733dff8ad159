"""Erasing what victims told us: on withdrawal at once, and on schedule after closing."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from . import audit, counters
from .models import Case, Link, Message, Note, utcnow


def erase_content(session: Session, case: Case) -> None:
    """Delete text, links, messages and notes; keep what statistics need (dates, codes)."""
    session.execute(delete(Link).where(Link.case_id == case.id))
    session.execute(delete(Message).where(Message.case_id == case.id))
    session.execute(delete(Note).where(Note.case_id == case.id))
    session.expire(case, ["links", "messages", "notes"])
    case.description = None
    case.contact_method = "none"
    case.contact_email = None
    case.contact_phone = None
    case.contact_times = None
    case.phone_call_ok = False
    case.voicemail_ok = False
    case.submission_hash = None
    case.victim_unread = False
    case.purged_at = utcnow()


def withdraw(session: Session, case: Case) -> bool:
    """The victim withdraws: the receipt stops working; content goes now unless on legal hold.

    Returns True when the content was erased, False when a legal hold keeps it for now.
    """
    now = utcnow()
    counters.adjust(session, case.status, "withdrawn")
    case.status = "withdrawn"
    case.withdrawn_at = now
    case.last_activity_at = now
    case.assignee_id = None
    erased = not case.legal_hold
    if erased:
        erase_content(session, case)
    audit.record(session, "case.withdrawn", actor="victim", case_ref=case.case_ref, erased=erased)
    return erased
