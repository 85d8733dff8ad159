"""Retention: exactly the due cases are purged, statistics stay, legal holds are respected."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.cases import retention
from portal.extensions import db
from portal.models import AuditEntry, Case, EvidenceFile, Link, Message, utcnow
from tests import factories, files
from tests.helpers import file_report, open_form, report_data


def _case(app, ref):
    return db.session.scalar(select(Case).where(Case.case_ref == ref))


def _set(app, ref, **values):
    with app.app_context():
        case = _case(app, ref)
        for key, value in values.items():
            setattr(case, key, value)
        db.session.commit()


def test_purge_erases_exactly_the_due_cases(make_app, tmp_path):
    app = make_app(PORTAL_LIMIT_FILING="100 per hour")
    client = app.test_client()
    token, key = open_form(client)
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(files.png()), "shot.png")]
    assert client.post("/report", data=data, content_type="multipart/form-data").status_code == 303
    with app.app_context():
        due_ref = db.session.scalar(select(Case.case_ref))
    fresh_ref, _ = file_report(client)
    open_ref, _ = file_report(client)
    held_ref, _ = file_report(client)
    old = utcnow() - timedelta(days=91)
    recent = utcnow() - timedelta(days=10)
    _set(app, due_ref, status="closed", closed_at=old)
    _set(app, fresh_ref, status="closed", closed_at=recent)
    _set(app, held_ref, status="closed", closed_at=old, legal_hold=True)
    with app.app_context():
        stored_name = db.session.scalar(select(EvidenceFile.stored_name))
    assert (tmp_path / "uploads" / stored_name).exists()

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0 and "would purge 1 case(s)" in dry.output and due_ref in dry.output
    with app.app_context():
        assert _case(app, due_ref).description is not None

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert (
        "purged 1 case(s)" in result.output and "kept 1 due case(s) on legal hold" in result.output
    )
    with app.app_context():
        purged = _case(app, due_ref)
        assert purged.description is None and purged.purged_at is not None
        assert purged.harms == ["deepfake", "distribution"]  # statistics stay
        assert purged.platform_mask != 0 and purged.created_at is not None
        assert (
            db.session.scalar(
                select(func.count()).select_from(Link).where(Link.case_id == purged.id)
            )
            == 0
        )
        assert db.session.scalars(select(EvidenceFile)).all() == []
        for ref in (fresh_ref, open_ref, held_ref):
            assert _case(app, ref).description is not None
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "case.purged")
            )
            == 1
        )
    assert not (tmp_path / "uploads" / stored_name).exists()
    again = runner.invoke(args=["purge"])
    assert "purged 0 case(s)" in again.output


def test_withdrawn_under_hold_is_erased_when_the_hold_ends(app, client):
    ref, _ = file_report(client)
    with app.app_context():
        case = _case(app, ref)
        case.legal_hold = True
        retention.withdraw(db.session, case, app.config["PORTAL_UPLOAD_DIR"])
        db.session.commit()
        assert _case(app, ref).description is not None
        report = retention.purge(
            db.session, retention_days=90, upload_dir=app.config["PORTAL_UPLOAD_DIR"]
        )
        assert report.purged == [] and report.held == 1
        _case(app, ref).legal_hold = False
        db.session.commit()
        report = retention.purge(
            db.session, retention_days=90, upload_dir=app.config["PORTAL_UPLOAD_DIR"]
        )
        assert report.purged == [ref]
        assert _case(app, ref).description is None
        assert db.session.scalars(select(Message)).all() == []


def test_orphaned_files_are_swept(app, tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    orphan = uploads / "deadbeef"
    orphan.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    young = uploads / "cafebabe"
    young.write_bytes(b"y")
    with app.app_context():
        assert retention.sweep_orphan_files(db.session, str(uploads)) == 1
    assert not orphan.exists() and young.exists()


def test_queue_shows_cases_due_within_a_week(app, client):
    from tests.staff_helpers import make_staff, staff_client

    ref, _ = file_report(client)
    _set(app, ref, status="closed", closed_at=utcnow() - timedelta(days=85))
    staff = staff_client(app, make_staff(app, "retention@example.org"))
    html = staff.get("/staff/").get_data(as_text=True)
    assert "1 closed case will be purged within 7 days." in html


def test_files_go_only_when_the_erasure_commits(app, client, tmp_path):
    token, key = open_form(client)
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(files.png()), "shot.png")]
    assert client.post("/report", data=data, content_type="multipart/form-data").status_code == 303
    with app.app_context():
        case = db.session.scalar(select(Case))
        name = db.session.scalar(select(EvidenceFile.stored_name))
        retention.withdraw(db.session, case, app.config["PORTAL_UPLOAD_DIR"])
        db.session.rollback()
        assert (tmp_path / "uploads" / name).exists()
        case = db.session.scalar(select(Case))
        retention.withdraw(db.session, case, app.config["PORTAL_UPLOAD_DIR"])
        db.session.commit()
    assert not (tmp_path / "uploads" / name).exists()


def test_nothing_new_is_written_into_an_erased_case(app, client):
    from portal.cases import casework
    from portal.cases.workflow import WorkflowError

    ref, _ = file_report(client)
    with app.app_context():
        staff = factories.staff(db.session, "erase@example.org")
        case = _case(app, ref)
        case.legal_hold = False
        retention.withdraw(db.session, case, app.config["PORTAL_UPLOAD_DIR"])
        db.session.commit()
        for action in (
            lambda: casework.add_note(db.session, case, staff, "after"),
            lambda: casework.set_legal_hold(db.session, case, staff, True, "police"),
        ):
            with pytest.raises(WorkflowError) as refused:
                action()
            assert refused.value.reason in {"erased", "withdrawn"}


def test_queue_lists_the_cases_due_within_a_week(app, client):
    from tests.staff_helpers import make_staff, staff_client

    due_ref, _ = file_report(client)
    later_ref, _ = file_report(client)
    _set(app, due_ref, status="closed", closed_at=utcnow() - timedelta(days=85))
    _set(app, later_ref, status="closed", closed_at=utcnow() - timedelta(days=30))
    staff = staff_client(app, make_staff(app, "soon@example.org"))
    html = staff.get("/staff/?status=closed&purge=soon").get_data(as_text=True)
    assert due_ref in html and later_ref not in html
    assert later_ref in staff.get("/staff/?status=closed").get_data(as_text=True)


def test_purge_removes_expired_drafts_and_keeps_fresh_ones(app):
    from portal.cases import drafts
    from portal.models import Draft

    now = utcnow()
    with app.app_context():
        drafts.save(db.session, [("description", "old")], now - timedelta(hours=3), 120)
        kept = drafts.save(db.session, [("description", "fresh")], now, 120)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "removed 1 expired form draft(s)" in result.output
    with app.app_context():
        assert db.session.query(Draft).count() == 1
        assert drafts.load(db.session, kept, utcnow()) == [("description", "fresh")]
