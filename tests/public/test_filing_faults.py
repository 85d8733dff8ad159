"""A filing the server fails to store: the victim keeps the form, keeps their quota, and no
file of theirs stays on the disk."""

from __future__ import annotations

import errno
import io
import os
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.cases import intake, retention
from portal.evidence import storage
from portal.extensions import db
from portal.models import Case
from tests import files
from tests.helpers import open_form, page_text, post_report, report_data, sent, shown_after

TYPED = "A bot made fake images from my profile photo."


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def _left_on_disk(app) -> list[str]:
    folder = Path(app.config["PORTAL_UPLOAD_DIR"])
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def _post_with_files(client, lang: str = "en"):
    token, key = open_form(client, lang)
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [
        (io.BytesIO(files.png()), "one.png"),
        (io.BytesIO(files.png((300, 200), text="two")), "two.png"),
    ]
    return sent(client.post("/report", data=data, content_type="multipart/form-data"))


def test_filings_the_database_refused_do_not_use_up_the_limit(make_app, monkeypatch):
    app = make_app(PORTAL_LIMIT_FILING="2 per hour")
    client = app.test_client()
    real = intake.file_case

    def down(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    import portal.public.report_views as views

    monkeypatch.setattr(views, "file_case", down)
    for _try in range(4):  # the victim presses Send again, as the page asks
        response = post_report(client, "en")
        assert response.status_code == 503
        assert TYPED in page_text(response)
    monkeypatch.setattr(views, "file_case", real)
    assert post_report(client, "en").status_code == 303
    assert post_report(client, "en").status_code == 303
    over = post_report(client, "en")
    assert over.status_code == 429  # the limit still holds for filings made
    assert _cases(app) == 2


def test_a_full_disk_keeps_the_form_and_leaves_no_partial_file(app, client, monkeypatch):
    real_replace = os.replace
    calls = {"n": 0}

    def full(source, target):
        calls["n"] += 1
        if calls["n"] == 2:  # the second file: the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(storage.os, "replace", full)
    response = shown_after(client, _post_with_files(client))
    html = page_text(response)
    assert response.status_code == 503
    assert "Nothing you typed is lost" in html and TYPED in html
    assert _cases(app) == 0
    assert _left_on_disk(app) == []  # the first file, and the second's partial copy, gone


def test_a_read_only_disk_keeps_the_form_and_gives_the_slot_back(make_app, monkeypatch):
    """Remounted read-only after I/O errors: neither writing nor removing a file works."""
    app = make_app(PORTAL_LIMIT_FILING="1 per hour")
    client = app.test_client()

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(storage.os, "replace", read_only)
    monkeypatch.setattr(storage.Path, "unlink", read_only)
    for _try in range(2):
        response = shown_after(client, _post_with_files(client))
        assert response.status_code == 503
        assert TYPED in page_text(response)
    monkeypatch.undo()
    assert shown_after(client, _post_with_files(client)).status_code == 303
    assert _cases(app) == 1


def test_an_upload_folder_that_is_not_a_folder_keeps_the_form(make_app, tmp_path):
    blocked = tmp_path / "uploads-is-a-file"
    blocked.write_text("not a folder")
    app = make_app(PORTAL_UPLOAD_DIR=str(blocked))
    client = app.test_client()
    response = shown_after(client, _post_with_files(client))
    assert response.status_code == 503
    assert TYPED in page_text(response)
    assert _cases(app) == 0


def test_a_database_fault_that_is_not_a_taken_case_number_keeps_the_form(app, client, monkeypatch):
    def refused(*_args, **_kwargs):
        raise IntegrityError("INSERT INTO links", {}, Exception("foreign key failed"))

    monkeypatch.setattr(intake, "receipt_columns", refused)
    response = post_report(client, "en")
    assert response.status_code == 503
    assert TYPED in page_text(response)
    assert _cases(app) == 0


def test_purge_sweeps_a_partial_file_a_killed_process_left(app):
    folder = Path(app.config["PORTAL_UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{'a' * 32}{storage.PARTIAL_SUFFIX}"
    partial.write_bytes(b"PEF1 half a ciphertext")
    other = folder / ".keep"
    other.write_text("not ours")
    an_hour_ago = time.time() - 7200
    os.utime(partial, (an_hour_ago, an_hour_ago))
    os.utime(other, (an_hour_ago, an_hour_ago))
    with app.app_context():
        assert retention.sweep_orphan_files(db.session, str(folder)) == 1
    assert not partial.exists() and other.exists()
