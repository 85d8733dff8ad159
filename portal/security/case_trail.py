"""Checking one case's part of the audit trail before a police export signs it as custody.

Walking the whole trail (``audit verify``) would take seconds at millions of entries, so the
export checks what its custody log rests on: every entry of the case opens with its HMAC and,
once sealed, its chain link; no sequence number is missing from the case's first entry up to
the head (a deleted entry of this case, or of any other in between, leaves a gap); and the
head itself carries its HMAC. A trail edited by someone without PORTAL_AUDIT_KEY fails here.
"""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import Session
from portal.models import AuditEntry, AuditHead
from portal.security import crypto
from portal.security.audit import ENTRY_COLUMNS, content_ok, head_mac, link_mac

TRAIL_PROBLEMS = ("unkeyed", "changed", "link_changed", "head_missing", "head_changed", "missing")


def problem(session: Session, case_ref: str) -> str | None:
    """What is wrong with the trail this case's custody log rests on, as a code of
    TRAIL_PROBLEMS; None if it is sound."""
    rows = session.execute(
        select(*ENTRY_COLUMNS).where(AuditEntry.case_ref == case_ref).order_by(AuditEntry.id)
    ).all()
    first_seq = None
    for row in rows:
        if row.entry_mac is None:
            return "unkeyed"
        if not content_ok(row):
            return "changed"
        if row.seq is None:
            continue  # not sealed yet: its own HMAC is all there is to check
        if not crypto.digests_equal(
            link_mac(row.prev_hash, row.seq, row.entry_mac), row.entry_hash or ""
        ):
            return "link_changed"
        first_seq = row.seq if first_seq is None else min(first_seq, row.seq)
    if first_seq is None:
        return None
    head = session.get(AuditHead, 1)
    if head is None or head.head_mac is None:
        return "head_missing"
    if not crypto.digests_equal(head.head_mac, head_mac(head.entries, head.last_hash)):
        return "head_changed"
    present = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.seq >= first_seq, AuditEntry.seq <= head.entries)
    )
    if present != head.entries - first_seq + 1:
        return "missing"
    return None
