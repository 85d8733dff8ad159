"""What a police export says about itself: a development key is marked as not evidence, a
changed or cut audit trail is named on its first page and in its manifest, a download cut
short is recorded beside the export, and other cases' filing times stay out of it."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from portal.evidence import export, storage
from portal.extensions import db
from portal.models import AuditEntry
from portal.security import sequencer, signing
from tests.evidence.export_helpers import case_to_export, post_export
from tests.staff_helpers import make_staff, staff_client, token_of


def _package(response: Any) -> tuple[dict[str, Any], str]:
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    manifest = json.loads(archive.read("manifest.json"))
    return manifest, archive.read("report.html").decode("utf-8")


def _actions(app: Any, ref: str) -> list[tuple[str, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.case_ref == ref)
            .order_by(AuditEntry.id)
        ).all()
    return [(action, json.loads(detail)) for action, detail in rows]


def test_a_development_key_marks_the_package_as_not_evidence(make_app, tmp_path):
    app = make_app()
    worker = make_staff(app, "worker@example.org")
    response = post_export(staff_client(app, worker), case_to_export(app, worker.email))
    manifest, report = _package(response)
    assert manifest["checks"] == {"signing_key": "development", "audit_trail": "ok"}
    assert 'id="development-key"' in report and "증거로 사용할 수 없습니다" in report
    path = tmp_path / "dev.zip"
    path.write_bytes(response.get_data())
    said = app.test_cli_runner().invoke(args=["export", "verify", str(path)])
    assert said.exit_code == 0
    assert "WARNING: signed with a development key: this package is NOT evidence" in said.output


def test_a_configured_key_carries_no_such_mark(make_app):
    private, _public = signing.generate()
    keyed = make_app(PORTAL_SIGNING_KEY=private)
    worker = make_staff(keyed, "worker@example.org")
    manifest, report = _package(
        post_export(staff_client(keyed, worker), case_to_export(keyed, worker.email))
    )
    assert manifest["checks"]["signing_key"] == "configured"
    assert 'id="development-key"' not in report
    assert "Content-Security-Policy" in report and "default-src 'none'" in report


def test_a_forged_custody_entry_is_named_on_the_first_page_and_in_the_manifest(app, worker):
    ref = case_to_export(app, worker.email)
    client = staff_client(app, worker)
    client.get(f"/staff/cases/{ref}")  # a case.viewed entry to forge
    with app.app_context():
        sequencer.seal_all(db.session)
        db.session.commit()
        viewed = db.session.scalar(
            select(AuditEntry.id).where(
                AuditEntry.case_ref == ref, AuditEntry.action == "case.viewed"
            )
        )
        db.session.execute(
            update(AuditEntry).where(AuditEntry.id == viewed).values(actor="admin@example.org")
        )
        db.session.commit()
    response = post_export(client, ref)
    manifest, report = _package(response)
    assert manifest["checks"]["audit_trail"] == "changed"
    assert 'id="trail-problem"' in report and "이 신고의 기록 중 바뀐 것이 있습니다" in report
    exported = [detail for action, detail in _actions(app, ref) if action == "case.exported"]
    assert exported[-1]["audit_trail"] == "changed"


def test_a_deleted_entry_anywhere_since_the_filing_is_named(app, worker):
    ref = case_to_export(app, worker.email)
    client = staff_client(app, worker)
    other = case_to_export(app, worker.email)  # entries of another case after this one's
    with app.app_context():
        sequencer.seal_all(db.session)
        db.session.commit()
        last_of_other = db.session.scalar(
            select(AuditEntry.id)
            .where(AuditEntry.case_ref == other)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )
        middle = db.session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.case_ref == other,
                AuditEntry.id != last_of_other,
                AuditEntry.seq.is_not(None),  # a sealed one: an unsealed one is in no chain yet
            )
            .order_by(AuditEntry.seq)
            .limit(1)
        )
        assert middle is not None
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == middle))
        db.session.commit()
    manifest, report = _package(post_export(client, ref))
    assert manifest["checks"]["audit_trail"] == "missing"
    assert "빠진 것이 있습니다" in report


def test_a_sound_trail_gives_no_warning(app, worker):
    ref = case_to_export(app, worker.email)
    with app.app_context():
        sequencer.seal_all(db.session)
        db.session.commit()
    response = post_export(staff_client(app, worker), ref)
    manifest, report = _package(response)
    assert manifest["checks"]["audit_trail"] == "ok"
    assert 'id="trail-problem"' not in report


def _streamed(client: Any, ref: str) -> Any:
    token = token_of(client, f"/staff/cases/{ref}")
    return client.post(f"/staff/cases/{ref}/export", data={"csrf_token": token}, buffered=False)


def test_a_download_cut_off_or_broken_is_recorded_next_to_the_export(app, worker, monkeypatch):
    ref = case_to_export(app, worker.email)
    client = staff_client(app, worker)
    response = _streamed(client, ref)
    chunks = iter(response.response)
    next(chunks)
    response.close()  # the investigator's connection dropped after the first chunk
    failed = [detail for action, detail in _actions(app, ref) if action == "case.export_failed"]
    exported = [detail for action, detail in _actions(app, ref) if action == "case.exported"]
    assert failed == [{"manifest_sha256": exported[-1]["manifest_sha256"], "reason": "cut_off"}]

    real_load = storage.load
    reads: list[str] = []

    def changed_on_second_read(upload_dir: str, name: str) -> bytes:
        reads.append(name)
        data = real_load(upload_dir, name)
        return data + b"x" if reads.count(name) > 1 else data

    monkeypatch.setattr(storage, "load", changed_on_second_read)
    response = _streamed(client, ref)
    with pytest.raises(export.ExportChanged):
        b"".join(response.response)
    reasons = [
        detail["reason"] for action, detail in _actions(app, ref) if action == "case.export_failed"
    ]
    assert reasons == ["cut_off", "file_changed"]


def test_first_reported_gives_the_day_only_not_another_cases_second(app, worker):
    first = case_to_export(app, worker.email)
    ref = case_to_export(app, worker.email)  # the same links, reported a moment later
    assert first != ref
    _manifest, report = _package(post_export(staff_client(app, worker), ref))
    cells = re.findall(r"최초 신고일</th><td>([^<]*)</td>", report)
    assert cells and all(not re.search(r"\d:\d\d", cell) for cell in cells)
