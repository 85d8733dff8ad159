"""Erasing what victims told us: on withdrawal at once, and on schedule after closing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from portal.cases import counters, victim_notice
from portal.evidence import fingerprints, storage
from portal.extensions import Session, rows_changed
from portal.links import targets
from portal.models import (
    Case,
    EvidenceFile,
    Link,
    LinkEvent,
    Message,
    Note,
    OutboxAttempt,
    OutboxMessage,
    TakedownRequest,
    utcnow,
)
from portal.security import audit


def erase_content(session: Session, case: Case, upload_dir: str | None = None) -> None:
    """Delete text, links, messages, notes, files and fingerprints; keep what statistics need.

    Files go only once the transaction commits, so a failed commit never leaves rows
    that point at deleted files.
    """
    names = session.scalars(
        select(EvidenceFile.stored_name).where(EvidenceFile.case_id == case.id)
    ).all()
    if names:
        if upload_dir is None:
            raise ValueError("erasing files needs the upload directory")
        storage.remove_after_commit(session, upload_dir, list(names))
    session.execute(delete(EvidenceFile).where(EvidenceFile.case_id == case.id))
    fingerprints.erase(session, case.id)
    held = session.execute(
        select(Link.target_id, Link.takedown_status).where(Link.case_id == case.id)
    ).all()
    asked = set(
        session.scalars(
            select(LinkEvent.request_id).where(
                LinkEvent.case_id == case.id, LinkEvent.request_id.is_not(None)
            )
        )
    )
    targets.count_links(session, [(row[0], row[1]) for row in held], sign=-1)
    session.execute(delete(LinkEvent).where(LinkEvent.case_id == case.id))
    session.execute(delete(Link).where(Link.case_id == case.id))
    _forget_requests(session, case, asked)
    session.execute(delete(Message).where(Message.case_id == case.id))
    session.execute(delete(Note).where(Note.case_id == case.id))
    victim_notice.forget(session, case.case_ref)  # they hold the victim's address
    session.expire(case, ["links", "messages", "notes", "files"])
    case.description = None
    case.contact_method = "none"
    case.contact_email = None
    case.contact_phone = None
    case.contact_times = None
    case.phone_call_ok = False
    case.voicemail_ok = False
    case.submission_hash = None
    case.share_fingerprints = False
    case.victim_unread = False
    case.purged_at = utcnow()


def _forget_requests(session: Session, case: Case, request_ids: set[int | None]) -> None:
    """The notices that carried this case's links go with them.

    Mail about them is deleted unless a worker is sending it right now (purge takes that
    later); a request that covered only this case goes too. A pending notice that also
    covered other cases is deleted unsent, and those cases get a note to write it again.
    """
    ids = sorted(rid for rid in request_ids if rid is not None)
    if not ids:
        return
    refs = {f"request-{rid}": rid for rid in ids}
    mail = session.execute(
        select(OutboxMessage.id, OutboxMessage.ref, OutboxMessage.state).where(
            OutboxMessage.ref.in_(refs), OutboxMessage.state != "sending"
        )
    ).all()
    unsent = {refs[ref] for _id, ref, state in mail if state == "pending"}
    if mail:
        gone = [row[0] for row in mail]
        session.execute(delete(OutboxAttempt).where(OutboxAttempt.message_id.in_(gone)))
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(gone)))
        audit.record(session, "outbox.withdrawn", actor="system", messages=len(gone))
    others = session.execute(
        select(LinkEvent.request_id, LinkEvent.case_id)
        .where(LinkEvent.request_id.in_(ids))
        .distinct()
    ).all()
    still_used = {rid for rid, _case in others}
    for other in sorted({cid for rid, cid in others if rid in unsent}):
        session.add(Note(case_id=other, kind="unsent", body="-"))
    lone = [rid for rid in ids if rid not in still_used]
    if lone:
        session.execute(delete(TakedownRequest).where(TakedownRequest.id.in_(lone)))


def withdraw(session: Session, case: Case, upload_dir: str | None = None) -> bool:
    """The victim withdraws: the receipt stops working; content goes now unless on legal hold.

    Returns True when the content was erased, False when a legal hold keeps it for now.
    """
    now = utcnow()
    old_status = case.status
    if old_status == "withdrawn":
        return case.purged_at is not None
    # Compare-and-set, so a staff status change at the same moment cannot undo it: retry
    # on the status that won until the withdrawal lands.
    for _attempt in range(5):
        changed = rows_changed(
            session.execute(
                update(Case)
                .where(Case.id == case.id, Case.status == old_status)
                .values(
                    status="withdrawn",
                    withdrawn_at=now,
                    last_activity_at=now,
                    assignee_id=None,
                    due_at=None,
                    status_generation=Case.status_generation + 1,  # every status session ends
                )
                .execution_options(synchronize_session=False)
            )
        )
        if changed == 1:
            break
        session.refresh(case, ["status"])
        old_status = case.status
    else:
        raise RuntimeError("could not withdraw the case")
    session.refresh(case)
    counters.adjust(session, old_status, "withdrawn")
    erased = not case.legal_hold
    if erased:
        erase_content(session, case, upload_dir)
    audit.record(session, "case.withdrawn", actor="victim", case_ref=case.case_ref, erased=erased)
    return erased


@dataclass
class PurgeReport:
    purged: list[str] = field(default_factory=list)
    held: int = 0
    orphan_files: int = 0
    mail_forgotten: int = 0


def _due(now: datetime, retention_days: int) -> ColumnElement[bool]:
    cutoff = now - timedelta(days=retention_days)
    return and_(
        Case.purged_at.is_(None),
        or_(
            and_(Case.status == "closed", Case.closed_at <= cutoff),
            # A withdrawal is erased at once; one kept by a legal hold goes when it is lifted.
            Case.status == "withdrawn",
        ),
    )


def purge(
    session: Session,
    *,
    retention_days: int,
    upload_dir: str,
    dry_run: bool = False,
    now: datetime | None = None,
    batch: int = 200,
) -> PurgeReport:
    """Erase every case that is due. Safe to run at any frequency; commits per batch."""
    now = now or utcnow()
    report = PurgeReport()
    report.held = (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(_due(now, retention_days), Case.legal_hold.is_(True))
        )
        or 0
    )
    last_id = 0
    while True:
        cases = session.scalars(
            select(Case)
            .where(_due(now, retention_days), Case.legal_hold.is_(False), Case.id > last_id)
            .order_by(Case.id)
            .limit(batch)
        ).all()
        if not cases:
            break
        for case in cases:
            last_id = case.id
            report.purged.append(case.case_ref)
            if not dry_run:
                erase_content(session, case, upload_dir)
                audit.record(session, "case.purged", actor="system", case_ref=case.case_ref)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    if not dry_run:
        report.orphan_files = sweep_orphan_files(session, upload_dir)
        report.mail_forgotten = forget_finished_mail(session, now - timedelta(days=retention_days))
        report.mail_forgotten += victim_notice.forget_erased(session)
        session.commit()
    return report


def forget_finished_mail(session: Session, before: datetime) -> int:
    """Notices hold victims' links: sent, failed and uncertain ones go after the retention
    period too (a person had that long to look at an uncertain one). The audit trail keeps
    that each was queued and what became of it."""
    finished = select(OutboxMessage.id).where(
        OutboxMessage.state.in_(("sent", "failed", "uncertain")),
        OutboxMessage.created_at < before,
    )
    ids = list(session.scalars(finished))
    if ids:
        session.execute(delete(OutboxAttempt).where(OutboxAttempt.message_id.in_(ids)))
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return len(ids)


def sweep_orphan_files(session: Session, upload_dir: str, min_age_seconds: int = 3600) -> int:
    """Remove encrypted files that no row refers to (left by a filing that failed to commit),
    and files a killed process left half written."""
    directory = Path(upload_dir)
    if not directory.is_dir():
        return 0
    known = set(session.scalars(select(EvidenceFile.stored_name)).all())
    removed = 0
    cutoff = time.time() - min_age_seconds
    for path in directory.iterdir():
        hidden = path.name.startswith(".")
        if (hidden and not path.name.endswith(storage.PARTIAL_SUFFIX)) or path.name in known:
            continue
        try:
            stale = path.is_file() and path.stat().st_mtime < cutoff
        except FileNotFoundError:
            continue  # renamed or removed by another process meanwhile
        if stale:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
