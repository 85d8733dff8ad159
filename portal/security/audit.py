"""Writing and verifying the tamper-evident audit trail.

A writer stores each entry with a random nonce and an HMAC of its fields under
PORTAL_AUDIT_KEY, in the caller's transaction and without any shared lock. The sequencer
(``portal.security.sequencer``) later gives entries their place in the chain: a sequence
number and a link, the HMAC of the previous link and the entry's own HMAC. Someone who can
write the database but does not hold the key can neither forge an entry nor re-chain the
trail after editing, deleting or reordering one. Entries never hold victim text: only who,
when, what, which case, and codes or counts.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select

from portal.extensions import Session
from portal.models import AuditEntry, AuditHead, Staff, utcnow
from portal.security import crypto

GENESIS = "0" * 64
ENTRY_SCHEME = "audit-entry-v2"
LINK_SCHEME = "audit-link-v2"
HEAD_SCHEME = "audit-head-v2"


def _canonical(values: list[Any]) -> bytes:
    return json.dumps(values, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def entry_mac(
    nonce: str,
    created_at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    case_ref: str | None,
    detail: str,
) -> str:
    fields = [ENTRY_SCHEME, nonce, created_at.isoformat(), actor_id, actor, action, case_ref]
    return crypto.audit_mac(_canonical([*fields, detail]))


def link_mac(prev_hash: str, seq: int, mac: str) -> str:
    return crypto.audit_mac(_canonical([LINK_SCHEME, prev_hash, seq, mac]))


def head_mac(entries: int, last_hash: str) -> str:
    """The head's own HMAC: moving it back (to cut entries off the end) needs the key."""
    return crypto.audit_mac(_canonical([HEAD_SCHEME, entries, last_hash]))


def legacy_digest(row: Row[Any]) -> str:
    """The unkeyed SHA-256 link of entries written before PORTAL_AUDIT_KEY existed."""
    fields = [row.prev_hash, row.created_at.isoformat(), row.actor_id, row.actor, row.action]
    return hashlib.sha256(_canonical([*fields, row.case_ref, row.detail])).hexdigest()


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
    created_at = utcnow()
    actor_label = staff.email if staff is not None else (actor or "system")
    actor_id = staff.id if staff is not None else None
    detail_json = json.dumps(detail, sort_keys=True, ensure_ascii=True, default=str)
    nonce = secrets.token_hex(16)
    entry = AuditEntry(
        created_at=created_at,
        actor_id=actor_id,
        actor=actor_label,
        action=action,
        case_ref=case_ref,
        detail=detail_json,
        nonce=nonce,
        entry_mac=entry_mac(
            nonce, created_at, actor_id, actor_label, action, case_ref, detail_json
        ),
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    problem: str = ""
    legacy: int = 0  # of ``checked``: entries from before the keyed chain
    pending: int = 0  # recent entries not sealed yet
    head_seq: int = 0
    head_hash: str = GENESIS


ENTRY_COLUMNS = (
    AuditEntry.id,
    AuditEntry.seq,
    AuditEntry.nonce,
    AuditEntry.entry_mac,
    AuditEntry.prev_hash,
    AuditEntry.entry_hash,
    AuditEntry.created_at,
    AuditEntry.actor_id,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.case_ref,
    AuditEntry.detail,
)


def content_ok(row: Any) -> bool:
    if row.nonce is None or row.entry_mac is None:
        return False
    expected = entry_mac(
        row.nonce, row.created_at, row.actor_id, row.actor, row.action, row.case_ref, row.detail
    )
    return crypto.digests_equal(expected, row.entry_mac)


class ChainWalk:
    """The chain as read so far, in sequence order."""

    def __init__(self) -> None:
        self.prev = GENESIS
        self.seq = 0
        self.legacy = 0
        self.keyed = False

    def problem(self, row: Any) -> str | None:
        if row.seq != self.seq + 1:
            return f"entry number {self.seq + 1} is missing"
        if row.prev_hash != self.prev:
            return "previous-hash link does not match"
        if row.entry_mac is None:
            if self.keyed:
                return "an unkeyed entry appears inside the keyed chain"
            if legacy_digest(row) != row.entry_hash:
                return "entry content was changed"
            self.legacy += 1
        else:
            self.keyed = True
            if not content_ok(row):
                return "entry content was changed"
            expected = link_mac(row.prev_hash, row.seq, row.entry_mac)
            if not crypto.digests_equal(expected, row.entry_hash or ""):
                return "chain link was changed"
        self.prev, self.seq = row.entry_hash, row.seq
        return None


def head_problem(session: Session, walk: ChainWalk) -> str | None:
    head = session.get(AuditHead, 1)
    if head is None:
        return "the chain head is missing"
    if head.last_hash != walk.prev or head.entries != walk.seq:
        return "entries are missing from the end of the trail"
    if head.head_mac is None:
        # Only a chain no sequencer has touched yet (fresh, or just upgraded) has none.
        return "the chain head was changed" if walk.keyed else None
    if not crypto.digests_equal(head.head_mac, head_mac(head.entries, head.last_hash)):
        return "the chain head was changed"
    return None


def verify(
    session: Session,
    pending_grace: timedelta = timedelta(minutes=5),
    legacy_allowed: int = 0,
    batch: int = 5000,
) -> ChainReport:
    """Walk the sealed chain in sequence order, then check the entries waiting for a seal.

    Unsealed entries must carry a valid HMAC and be younger than ``pending_grace``: an
    older one means no sequencer is running, or an entry was slipped in or reset by hand.
    At most ``legacy_allowed`` entries may predate the keyed chain (PORTAL_AUDIT_LEGACY_ENTRIES,
    set from what migration 0007 printed), so a trail rewritten as "legacy" is caught.
    """
    walk = ChainWalk()
    while True:
        rows = session.execute(
            select(*ENTRY_COLUMNS)
            .where(AuditEntry.seq > walk.seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            problem = walk.problem(row)
            if problem:
                return ChainReport(False, walk.seq, row.id, problem, legacy=walk.legacy)
    done: dict[str, Any] = {"checked": walk.seq, "legacy": walk.legacy, "head_seq": walk.seq}
    if walk.legacy > legacy_allowed:
        problem = (
            f"{walk.legacy} entries use the unkeyed scheme but only {legacy_allowed} may "
            "(PORTAL_AUDIT_LEGACY_ENTRIES)"
        )
        return ChainReport(False, problem=problem, **done)
    problem = head_problem(session, walk)
    if problem:
        return ChainReport(False, problem=problem, **done)
    stray = session.scalar(select(AuditEntry.id).where(AuditEntry.seq < 1).limit(1))
    if stray is not None:
        return ChainReport(False, broken_at=stray, problem="an entry is outside the chain", **done)
    pending = 0
    too_old = utcnow() - pending_grace
    unsealed = select(*ENTRY_COLUMNS).where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id)
    for row in session.execute(unsealed):
        if not content_ok(row):
            return ChainReport(False, broken_at=row.id, problem="entry content was changed", **done)
        if row.created_at < too_old:
            problem = "an entry has waited too long to be sealed: is the sequencer running?"
            return ChainReport(False, broken_at=row.id, problem=problem, **done)
        pending += 1
    return ChainReport(True, pending=pending, head_hash=walk.prev, **done)


def unsealed_count(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))
    ).scalar_one()
