"""Files on disk follow the transaction that refers to them: no file without its row."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.cases import intake
from portal.evidence.files import clean_upload
from portal.evidence.storage import load, remove_after_commit, store
from portal.extensions import db
from portal.models import Case
from tests import files
from tests.helpers import open_form, page_text, report_data

TEN_MB = 10 * 1024 * 1024


def _on_disk(app: Flask) -> list[str]:
    path = Path(app.config["PORTAL_UPLOAD_DIR"])
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def test_a_file_written_in_a_transaction_that_rolls_back_is_removed(app: Flask) -> None:
    with app.app_context():
        name = store(db.session, app.config["PORTAL_UPLOAD_DIR"], clean_upload(files.png(), TEN_MB))
        assert _on_disk(app) == [name]
        db.session.rollback()
        assert _on_disk(app) == []


def test_a_file_written_in_a_committed_transaction_stays(app: Flask) -> None:
    upload_dir = app.config["PORTAL_UPLOAD_DIR"]
    with app.app_context():
        name = store(db.session, upload_dir, clean_upload(files.png(), TEN_MB))
        db.session.commit()
        db.session.rollback()  # a later transaction's rollback does not touch it
        db.session.remove()
        assert _on_disk(app) == [name]
        assert load(upload_dir, name).startswith(b"\x89PNG")


def test_a_session_closed_without_commit_removes_its_files(app: Flask) -> None:
    with app.app_context():
        store(db.session, app.config["PORTAL_UPLOAD_DIR"], clean_upload(files.png(), TEN_MB))
        db.session.remove()  # the end of a request that never committed
        assert _on_disk(app) == []


def test_a_released_savepoint_does_not_save_the_file_from_an_outer_rollback(app: Flask) -> None:
    with app.app_context():
        store(db.session, app.config["PORTAL_UPLOAD_DIR"], clean_upload(files.png(), TEN_MB))
        with db.session.begin_nested():
            db.session.execute(select(func.count()).select_from(Case))
        assert len(_on_disk(app)) == 1
        db.session.rollback()
        assert _on_disk(app) == []


def test_a_file_written_in_a_rolled_back_savepoint_goes_though_the_outer_commits(
    app: Flask,
) -> None:
    with app.app_context():
        db.session.execute(select(func.count()).select_from(Case))
        savepoint = db.session.begin_nested()
        store(db.session, app.config["PORTAL_UPLOAD_DIR"], clean_upload(files.png(), TEN_MB))
        savepoint.rollback()
        db.session.commit()
        assert _on_disk(app) == []


def test_a_removal_queued_in_a_rolled_back_savepoint_never_happens(app: Flask) -> None:
    upload_dir = app.config["PORTAL_UPLOAD_DIR"]
    with app.app_context():
        name = store(db.session, upload_dir, clean_upload(files.png(), TEN_MB))
        db.session.commit()
        savepoint = db.session.begin_nested()
        remove_after_commit(db.session, upload_dir, [name])
        savepoint.rollback()
        db.session.commit()
        assert _on_disk(app) == [name]


def test_a_removal_queued_in_a_released_savepoint_waits_for_the_outer_commit(
    app: Flask,
) -> None:
    upload_dir = app.config["PORTAL_UPLOAD_DIR"]
    with app.app_context():
        name = store(db.session, upload_dir, clean_upload(files.png(), TEN_MB))
        db.session.commit()
        with db.session.begin_nested():
            remove_after_commit(db.session, upload_dir, [name])
        assert _on_disk(app) == [name]
        db.session.commit()
        assert _on_disk(app) == []


def test_an_erased_file_goes_only_when_the_erasure_commits(app: Flask) -> None:
    upload_dir = app.config["PORTAL_UPLOAD_DIR"]
    with app.app_context():
        name = store(db.session, upload_dir, clean_upload(files.png(), TEN_MB))
        db.session.commit()
        remove_after_commit(db.session, upload_dir, [name])
        db.session.rollback()
        assert _on_disk(app) == [name]
        remove_after_commit(db.session, upload_dir, [name])
        db.session.commit()
        assert _on_disk(app) == []


def test_a_database_error_after_the_files_were_written_leaves_no_file(
    app: Flask, client, monkeypatch
) -> None:
    """The failure lands between writing the files and the commit (the audit entry)."""

    def database_gone(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_log", {}, Exception("server closed"))

    monkeypatch.setattr(intake.audit, "record", database_gone)
    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(files.png()), "screenshot.png")]
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 503
    assert "Nothing you typed is lost" in page_text(response)
    assert _on_disk(app) == []
