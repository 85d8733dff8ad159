"""Writing audit entries, and re-chaining them as an attacker with database access would."""

from __future__ import annotations

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AuditEntry, AuditHead
from portal.security import audit, sequencer


def write_entries(app, count=5, seal=True):
    with app.app_context():
        for n in range(count):
            audit.record(db.session, "case.viewed", actor="tester", case_ref=f"REF-{n}", n=n)
        db.session.commit()
        if seal:
            sequencer.seal_all(db.session)


def rechain(session, link, head=None) -> None:
    """What an attacker with database access does after deleting or editing an entry:
    recompute every link after it with ``link(prev, seq, mac)`` and move the head."""
    prev, seq = audit.GENESIS, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.entry_hash = link(prev, seq, entry.entry_mac)
        prev = entry.entry_hash
    values = {"entries": seq, "last_hash": prev}
    if head is not None:  # an attacker who holds the key signs the head too
        values["head_mac"] = head(seq, prev)
    session.execute(update(AuditHead).values(**values))
    session.commit()
