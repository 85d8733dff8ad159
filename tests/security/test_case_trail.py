"""The check a police export runs on its case's part of the audit trail: it catches an entry
edited, moved to no case, deleted, or taken out of the chain by someone without the key, and
raises no false alarm on a healthy trail or on entries from before the keyed trail."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import AuditEntry, AuditHead, utcnow
from portal.security import audit, case_trail, sequencer

CASE = "20261203-000001"


def _entries(app, case_ref=CASE, count=3, others=2, seal=True, filed=True):
    with app.app_context():
        if filed:
            audit.record(db.session, "case.filed", actor="victim", case_ref=case_ref)
        for n in range(count):
            audit.record(db.session, "case.viewed", actor="worker", case_ref=case_ref, n=n)
            for m in range(others):
                audit.record(db.session, "case.viewed", actor="worker", case_ref=f"OTHER-{m}")
        db.session.commit()
        if seal:
            sequencer.seal_all(db.session)
            db.session.commit()


def _problem(app, case_ref=CASE):
    with app.app_context():
        return case_trail.problem(db.session, case_ref)


def _ids(app, case_ref=CASE):
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.id).where(AuditEntry.case_ref == case_ref).order_by(AuditEntry.id)
            )
        )


def test_a_healthy_trail_passes_sealed_or_not(app):
    _entries(app, seal=False)
    assert _problem(app) is None
    _entries(app, filed=False)
    assert _problem(app) is None


def test_an_entry_moved_to_no_case_is_caught(app):
    _entries(app)
    with app.app_context():
        db.session.execute(
            update(AuditEntry).where(AuditEntry.id == _ids(app)[1]).values(case_ref=None)
        )
        db.session.commit()
    assert _problem(app) == "changed"


def test_an_entry_of_another_case_deleted_after_this_ones_is_caught(app):
    _entries(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == _ids(app, "OTHER-1")[-1]))
        db.session.commit()
    assert _problem(app) in {"missing", "head_changed"}


def test_entries_taken_out_of_the_chain_by_hand_are_caught(app, monkeypatch):
    an_hour_ago = utcnow() - timedelta(hours=1)
    monkeypatch.setattr(audit, "utcnow", lambda: an_hour_ago)
    _entries(app)
    monkeypatch.undo()
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.case_ref == CASE).values(seq=None))
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == _ids(app)[1]))
        db.session.commit()
    assert _problem(app) == "unsealed"


def test_entries_from_before_the_keyed_trail_are_no_false_alarm(app):
    with app.app_context():
        prev = audit.GENESIS
        created_at = utcnow()
        fields = [prev, created_at.isoformat(), None, "system", "case.filed", CASE, "{}"]
        digest = hashlib.sha256(
            json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()
        ).hexdigest()
        db.session.add(
            AuditEntry(
                created_at=created_at,
                actor="system",
                action="case.filed",
                case_ref=CASE,
                detail="{}",
                seq=1,
                prev_hash=prev,
                entry_hash=digest,
            )
        )
        db.session.execute(update(AuditHead).values(entries=1, last_hash=digest))
        db.session.commit()
    assert _problem(app) is None
    _entries(app, filed=False)
    assert _problem(app) is None


def test_the_oldest_entries_of_a_case_deleted_are_caught(app):
    _entries(app)
    with app.app_context():
        filed = db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.case_ref == CASE, AuditEntry.action == "case.filed"
            )
        )
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == filed))
        db.session.commit()
    assert _problem(app) == "missing"


def test_a_planted_high_number_does_not_switch_the_check_to_the_cases_own_entries(app):
    _entries(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == _ids(app, "OTHER-0")[0]))
        audit.record(db.session, "case.viewed", actor="forger", case_ref="PLANTED")
        db.session.flush()
        db.session.execute(
            update(AuditEntry).where(AuditEntry.case_ref == "PLANTED").values(seq=10_000_000)
        )
        db.session.commit()
    assert _problem(app) == "missing"


def test_entries_sealed_while_the_check_runs_are_no_false_alarm(app, monkeypatch):
    _entries(app)
    real_walk = case_trail._walk_from

    def sealing_meanwhile(session, *args):
        audit.record(session, "case.viewed", actor="worker", case_ref="OTHER-9")
        session.flush()
        sequencer.seal(session)
        return real_walk(session, *args)

    monkeypatch.setattr(case_trail, "_walk_from", sealing_meanwhile)
    assert _problem(app) is None
