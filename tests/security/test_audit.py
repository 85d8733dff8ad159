"""The audit trail: chained hashes that reveal an edited, deleted or reordered entry."""

from __future__ import annotations

from sqlalchemy import delete, update

from portal.extensions import db
from portal.models import AuditEntry
from portal.security import audit


def _write_entries(app, count=5):
    with app.app_context():
        for n in range(count):
            audit.record(db.session, "case.viewed", actor="tester", case_ref=f"REF-{n}", n=n)
        db.session.commit()


def test_intact_chain_verifies(app):
    _write_entries(app)
    with app.app_context():
        report = audit.verify(db.session)
        assert report.ok and report.checked == 5


def test_edited_entry_is_detected(app):
    _write_entries(app)
    with app.app_context():
        db.session.execute(
            update(AuditEntry).where(AuditEntry.id == 3).values(actor="someone else")
        )
        db.session.commit()
        report = audit.verify(db.session)
        assert not report.ok and report.broken_at == 3


def test_deleted_entry_is_detected(app):
    _write_entries(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == 2))
        db.session.commit()
        report = audit.verify(db.session)
        assert not report.ok and report.broken_at == 3


def test_deleted_last_entry_is_detected(app):
    _write_entries(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == 5))
        db.session.commit()
        assert not audit.verify(db.session).ok


def test_reordered_entries_are_detected(app):
    _write_entries(app)
    with app.app_context():
        for old, new in ((2, 1000), (3, 2), (1000, 3)):
            db.session.execute(update(AuditEntry).where(AuditEntry.id == old).values(id=new))
        db.session.commit()
        report = audit.verify(db.session)
        assert not report.ok and report.broken_at == 2


def test_cli_verify_exits_1_when_broken(app):
    _write_entries(app)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "5 entries" in ok.output
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.id == 4).values(detail="{}"))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "entry 4" in broken.output
