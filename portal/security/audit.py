"""Writing and verifying the tamper-evident audit trail.

Each entry's hash covers its own fields and the previous entry's hash, so an edited,
deleted or reordered entry breaks the chain. Entries never hold victim text: only who,
when, what, which case, and codes or counts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from portal.extensions import Session
from portal.models import AuditEntry, AuditHead, Staff, utcnow

GENESIS = "0" * 64


def _entry_digest(
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    case_ref: str | None,
    detail: str,
) -> str:
    canonical = json.dumps(
        [prev_hash, created_at.isoformat(), actor_id, actor, action, case_ref, detail],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _locked_head(session: Session) -> AuditHead:
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS, entries=0)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    action: str,
    *,
    staff: Staff | None = None,
    actor: str | None = None,
    case_ref: str | None = None,
    **detail: Any,
) -> AuditEntry:
    """Append an entry in the caller's transaction; it commits or rolls back with it."""
    head = _locked_head(session)
    created_at = utcnow()
    actor_label = staff.email if staff is not None else (actor or "system")
    actor_id = staff.id if staff is not None else None
    detail_json = json.dumps(detail, sort_keys=True, ensure_ascii=True, default=str)
    entry_hash = _entry_digest(
        head.last_hash, created_at, actor_id, actor_label, action, case_ref, detail_json
    )
    entry = AuditEntry(
        created_at=created_at,
        actor_id=actor_id,
        actor=actor_label,
        action=action,
        case_ref=case_ref,
        detail=detail_json,
        prev_hash=head.last_hash,
        entry_hash=entry_hash,
    )
    session.add(entry)
    head.last_hash = entry_hash
    head.entries += 1
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; report the first entry whose link or content is wrong."""
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    columns = (
        AuditEntry.id,
        AuditEntry.prev_hash,
        AuditEntry.created_at,
        AuditEntry.actor_id,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.case_ref,
        AuditEntry.detail,
        AuditEntry.entry_hash,
    )
    while True:
        rows = session.execute(
            select(*columns).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != expected_prev:
                return ChainReport(False, checked, row.id, "previous-hash link does not match")
            recomputed = _entry_digest(
                row.prev_hash,
                row.created_at,
                row.actor_id,
                row.actor,
                row.action,
                row.case_ref,
                row.detail,
            )
            if recomputed != row.entry_hash:
                return ChainReport(False, checked, row.id, "entry content was changed")
            expected_prev = row.entry_hash
            checked += 1
            last_id = row.id
    head = session.get(AuditHead, 1)
    head_hash, head_count = (head.last_hash, head.entries) if head else (GENESIS, 0)
    if head_hash != expected_prev or head_count != checked:
        return ChainReport(False, checked, None, "entries are missing from the end of the trail")
    return ChainReport(True, checked)
