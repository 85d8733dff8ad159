"""What a police export holds, read from the case: facts, the filer's words, links with every
takedown request and answer, evidence files with both hashes, messages, and the custody log.

Plain data only; the report's wording and layout live in templates/export/report.html.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select

from portal.evidence import export
from portal.evidence.files import EXTENSIONS
from portal.extensions import Session
from portal.models import (
    AuditEntry,
    Case,
    EvidenceFile,
    Link,
    LinkEvent,
    Message,
    Note,
    Staff,
    TakedownRequest,
    Target,
)

# Audit details worth showing an investigator; the rest (ids, hashes of forms) is noise.
CUSTODY_DETAIL = (
    "file",
    "position",
    "old",
    "new",
    "status",
    "channel",
    "links",
    "hold",
    "notes",
    "files",
    "manifest_sha256",
)


@dataclass(frozen=True)
class Request:
    sent_at: datetime
    channel: str
    reference: str | None
    sent_by: str | None
    answered_at: datetime | None
    outcome: str | None
    answer: str | None


@dataclass(frozen=True)
class ExportLink:
    position: int
    url: str
    platform: str
    kind: str
    state: str
    target: str | None
    first_reported: datetime
    note: str | None
    requests: list[Request] = field(default_factory=list)


@dataclass(frozen=True)
class ExportFile:
    """One stored file; ``zip_name`` is where the export puts its decrypted bytes."""

    zip_name: str
    stored_name: str
    media_type: str
    size_bytes: int
    width: int | None
    height: int | None
    original_sha256: str
    stored_sha256: str
    created_at: datetime
    page_number: int | None
    is_pdf_original: bool


@dataclass(frozen=True)
class Entry:
    """A dated line of text: a message or an internal note."""

    at: datetime
    author: str | None  # the staff member's e-mail; None for the victim or the system
    from_victim: bool
    body: str


@dataclass(frozen=True)
class CustodyRow:
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


@dataclass
class ExportContent:
    case: Case
    links: list[ExportLink]
    files: list[ExportFile]
    messages: list[Entry]
    notes: list[Entry] | None
    custody: list[CustodyRow]


def _requests(session: Session, link_ids: list[int]) -> dict[int, list[Request]]:
    rows = session.execute(
        select(LinkEvent.link_id, TakedownRequest, Staff.email)
        .join(TakedownRequest, TakedownRequest.id == LinkEvent.request_id)
        .outerjoin(Staff, Staff.id == TakedownRequest.staff_id)
        .where(LinkEvent.link_id.in_(link_ids), LinkEvent.kind == "requested")
        .order_by(TakedownRequest.sent_at, TakedownRequest.id)
    ).all()
    found: dict[int, list[Request]] = {}
    for link_id, request, email in rows:
        found.setdefault(link_id, []).append(
            Request(
                sent_at=request.sent_at,
                channel=request.channel,
                reference=request.reference,
                sent_by=email,
                answered_at=request.answered_at,
                outcome=request.outcome,
                answer=request.answer,
            )
        )
    return found


def _links(session: Session, case: Case) -> list[ExportLink]:
    links = list(
        session.scalars(select(Link).where(Link.case_id == case.id).order_by(Link.position))
    )
    if not links:
        return []
    first = dict(
        session.execute(
            select(Link.url_hash, func.min(Case.created_at))
            .join(Case, Case.id == Link.case_id)
            .where(Link.url_hash.in_({link.url_hash for link in links}))
            .group_by(Link.url_hash)
        ).all()
    )
    target_ids = {link.target_id for link in links if link.target_id}
    labels = {
        target.id: target.label
        for target in session.scalars(select(Target).where(Target.id.in_(target_ids)))
    }
    history = _requests(session, [link.id for link in links])
    return [
        ExportLink(
            position=link.position + 1,
            url=link.url,
            platform=link.platform,
            kind=link.kind,
            state=link.takedown_status,
            target=labels.get(link.target_id) if link.target_id else None,
            first_reported=first.get(link.url_hash, case.created_at),
            note=link.note,
            requests=history.get(link.id, []),
        )
        for link in links
    ]


def _files(session: Session, case: Case) -> list[ExportFile]:
    rows = session.scalars(
        select(EvidenceFile)
        .where(EvidenceFile.case_id == case.id)
        .order_by(EvidenceFile.position, EvidenceFile.page_number, EvidenceFile.id)
    )
    found = []
    for row in rows:
        extension = EXTENSIONS.get(row.media_type, "bin")
        if row.page_number is not None:
            name = f"files/{row.position + 1:02d}-page-{row.page_number:03d}.{extension}"
        elif row.is_pdf:
            name = f"files/{row.position + 1:02d}-original.{extension}"
        else:
            name = f"files/{row.position + 1:02d}.{extension}"
        found.append(
            ExportFile(
                zip_name=name,
                stored_name=row.stored_name,
                media_type=row.media_type,
                size_bytes=row.size_bytes,
                width=row.width,
                height=row.height,
                original_sha256=row.original_sha256,
                stored_sha256=row.stored_sha256,
                created_at=row.created_at,
                page_number=row.page_number,
                is_pdf_original=row.is_pdf and row.page_number is None,
            )
        )
    return found


def _entries(session: Session, model: type[Message] | type[Note], case: Case) -> list[Entry]:
    rows = session.execute(
        select(model, Staff.email)
        .outerjoin(Staff, Staff.id == model.staff_id)
        .where(model.case_id == case.id)
        .order_by(model.created_at, model.id)
    ).all()
    found = cast(list[tuple[Message | Note, str | None]], rows)
    return [
        Entry(
            at=row.created_at,
            author=email,
            from_victim=getattr(row, "sender", None) == "victim",
            body=row.body,
        )
        for row, email in found
    ]


def custody(session: Session, case_ref: str) -> list[CustodyRow]:
    """Every audit entry about the case, oldest first, with the details that say what."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.case_ref == case_ref)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    found = []
    for row in rows:
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        shown = {key: detail[key] for key in CUSTODY_DETAIL if key in detail}
        found.append(
            CustodyRow(at=row.created_at, actor=row.actor, action=row.action, detail=shown)
        )
    return found


def collect(session: Session, case: Case, include_notes: bool) -> ExportContent:
    return ExportContent(
        case=case,
        links=_links(session, case),
        files=_files(session, case),
        messages=_entries(session, Message, case),
        notes=_entries(session, Note, case) if include_notes else None,
        custody=custody(session, case.case_ref),
    )


def text_members(content: ExportContent) -> list[export.Member]:
    """links.txt, messages.txt and (when asked for) notes.txt."""

    def lines(entries: list[Entry], victim: str, staff: str) -> str:
        # Every line of a body is indented, so no text typed into a message can pass for the
        # dated header of another one.
        return "\n\n".join(
            f"[{entry.at.isoformat(timespec='seconds')}] "
            f"{victim if entry.from_victim else (entry.author or staff)}\n"
            + "\n".join("    " + line for line in entry.body.splitlines())
            for entry in entries
        )

    members: list[export.Member] = []
    links = "\n".join(link.url for link in content.links)
    members.append(export.text_member("links.txt", links + ("\n" if links else "")))
    members.append(export.text_member("messages.txt", lines(content.messages, "victim", "staff")))
    if content.notes is not None:
        members.append(export.text_member("notes.txt", lines(content.notes, "-", "portal")))
    return members
