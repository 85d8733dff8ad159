"""Working a case: reading it, notes, messages to the victim, legal hold, related cases."""

from __future__ import annotations

from sqlalchemy import or_, select

from portal.cases import deadlines, victim_notice
from portal.cases.workflow import WorkflowError
from portal.evidence import fingerprints
from portal.evidence.pdq import PDQ
from portal.extensions import Session
from portal.models import Case, Link, Message, Note, Staff, utcnow
from portal.security import audit
from portal.stats import record as stats


def open_case(session: Session, case_ref: str, actor: Staff) -> Case | None:
    """Load a case for a staff member, record the view, and clear the unread mark."""
    case = session.scalar(select(Case).where(Case.case_ref == case_ref))
    if case is None:
        return None
    case.victim_unread = False
    audit.record(session, "case.viewed", staff=actor, case_ref=case.case_ref)
    return case


def _require_content(case: Case) -> None:
    """Nothing new is written into a case whose content was erased: it would outlive it."""
    if case.purged_at is not None:
        raise WorkflowError("erased")


def add_note(session: Session, case: Case, actor: Staff, body: str) -> Note:
    _require_content(case)
    note = Note(case_id=case.id, staff_id=actor.id, kind="note", body=body)
    session.add(note)
    case.last_activity_at = utcnow()
    audit.record(session, "case.note", staff=actor, case_ref=case.case_ref)
    return note


def send_message(session: Session, case: Case, actor: Staff, body: str) -> Message:
    """A message the victim reads on /status."""
    if case.status == "withdrawn":
        raise WorkflowError("withdrawn")
    _require_content(case)
    message = Message(case_id=case.id, sender="staff", staff_id=actor.id, body=body)
    session.add(message)
    case.last_activity_at = utcnow()
    stats.first_response(session, case, case.last_activity_at)
    if case.first_response_at is None:
        deadlines.responded(case, case.last_activity_at)
        deadlines.settle(session, case)
    audit.record(session, "case.message", staff=actor, case_ref=case.case_ref)
    victim_notice.staff_wrote(session, case)  # "there is news", nothing else, if by e-mail
    return message


def add_victim_message(session: Session, case: Case, body: str) -> Message:
    """The victim's answer on /status; it marks the case as unread in the queue."""
    if case.status in {"closed", "withdrawn"}:
        raise WorkflowError("finished")
    _require_content(case)
    now = utcnow()
    message = Message(case_id=case.id, sender="victim", body=body, created_at=now)
    session.add(message)
    case.victim_unread = True
    case.last_activity_at = now
    audit.record(session, "victim.message", actor="victim", case_ref=case.case_ref)
    return message


def add_victim_fingerprints(session: Session, case: Case, prints: list[PDQ], share: bool) -> int:
    """Fingerprints the victim made later on /status, and their choice about sharing them.

    Returns how many fingerprints were new to the case. On a finished case sharing can only
    be turned off (it narrows what staff may do), never on, and nothing can be added.
    """
    finished = case.status in {"closed", "withdrawn"}
    if finished and (prints or (share and not case.share_fingerprints)):
        raise WorkflowError("finished")
    if prints:
        _require_content(case)
    now = utcnow()
    added = fingerprints.store(session, case.id, prints, now)  # compared after the response
    shared = share and (bool(prints) or fingerprints.count(session, case.id) > 0)
    if prints:
        case.victim_unread = True
        case.last_activity_at = now
    if prints or shared != case.share_fingerprints:
        audit.record(
            session,
            "victim.fingerprints",
            actor="victim",
            case_ref=case.case_ref,
            added=len(added),
            share=shared,
        )
    case.share_fingerprints = shared
    return len(added)


def set_legal_hold(session: Session, case: Case, actor: Staff, hold: bool, reason: str) -> None:
    """Keep a case's evidence for the police: purge skips it while the hold lasts.

    Any staff member may place a hold; lifting one can destroy police evidence at the next
    purge, so only an admin may, and always with a reason.
    """
    if not reason.strip():
        raise WorkflowError("reason_required")
    if case.legal_hold and not hold and not actor.is_admin:
        raise WorkflowError("admin_only_hold")
    if hold == case.legal_hold:
        return
    if hold:
        _require_content(case)
    case.legal_hold = hold
    session.add(Note(case_id=case.id, staff_id=actor.id, kind="hold", body=reason.strip()))
    audit.record(session, "case.hold", staff=actor, case_ref=case.case_ref, hold=hold)


def related_cases(session: Session, case: Case, limit: int = 20) -> list[Case]:
    """Other cases that share a link or a Telegram channel/bot (by keyed hash, not plaintext)."""
    url_hashes = [link.url_hash for link in case.links]
    source_hashes = [link.source_hash for link in case.links if link.source_hash]
    if not url_hashes and not source_hashes:
        return []
    matching = select(Link.case_id).where(
        or_(Link.url_hash.in_(url_hashes), Link.source_hash.in_(source_hashes))
    )
    return list(
        session.scalars(
            select(Case)
            .where(Case.id.in_(matching), Case.id != case.id)
            .order_by(Case.created_at.desc())
            .limit(limit)
        )
    )
