"""Attacks on the police export that never worked, kept so a change that opens one fails."""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from sqlalchemy import select, update

from portal.evidence.export_verify import main as verify_main
from portal.extensions import db
from portal.models import AuditEntry, Case, Staff
from tests.evidence.export_helpers import case_to_export, post_export, signing_public_key
from tests.staff_helpers import make_staff, staff_client, token_of

L = 2**252 + 27742317777372353535851937790883648493  # the Ed25519 group order
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _exported(app: Flask, ref: str) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.case_ref == ref, AuditEntry.action == "case.exported"
                )
            ).all()
        )


def test_no_export_by_get_by_a_colleague_a_disabled_account_or_without_a_token(app, worker):
    ref = case_to_export(app, worker.email)
    colleague = make_staff(app, "colleague@example.org")
    assert staff_client(app, worker).get(f"/staff/cases/{ref}/export").status_code == 405
    other = staff_client(app, colleague)
    response = post_export(other, ref)
    assert response.status_code == 303 and response.mimetype != "application/zip"
    client = staff_client(app, worker)
    token = token_of(client, f"/staff/cases/{ref}")
    cross = client.post(f"/staff/cases/{ref}/export", data={}, headers={"Origin": "https://evil"})
    assert cross.status_code in (303, 400, 403) and cross.mimetype != "application/zip"
    with app.app_context():
        db.session.execute(update(Staff).where(Staff.email == worker.email).values(enabled=False))
        db.session.commit()
    disabled = client.post(f"/staff/cases/{ref}/export", data={"csrf_token": token})
    assert disabled.status_code == 303 and "/staff/login" in disabled.headers["Location"]
    assert _exported(app, ref) == 0


def test_the_victims_html_is_text_in_the_report(app, worker):
    ref = case_to_export(app, worker.email, description=SCRIPT)
    archive = zipfile.ZipFile(io.BytesIO(post_export(staff_client(app, worker), ref).get_data()))
    report = archive.read("report.html").decode()
    assert "<script>alert(1)" not in report and "onerror=alert(2)>" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert all(
        not name.startswith(("/", "..")) and ".." not in name.split("/")
        for name in archive.namelist()
    )


def test_a_malleable_signature_does_not_verify(app, worker, tmp_path):
    ref = case_to_export(app, worker.email)
    original = post_export(staff_client(app, worker), ref).get_data()
    source = zipfile.ZipFile(io.BytesIO(original))
    signature = source.read("manifest.sig")
    s = int.from_bytes(signature[32:], "little") + L  # the same point, a non-canonical S
    malleable = signature[:32] + s.to_bytes(32, "little")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            copy.writestr(info, malleable if info.filename == "manifest.sig" else data)
    path = tmp_path / "malleable.zip"
    path.write_bytes(out.getvalue())
    assert verify_main([str(path), "--public-key", signing_public_key(app)]) == 1


def test_a_withdrawn_case_or_one_without_consent_refuses(app, worker):
    ref = case_to_export(app, worker.email)
    client = staff_client(app, worker)
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_ref == ref).values(preserve_evidence=False))
        db.session.commit()
    assert post_export(client, ref).mimetype != "application/zip"
    assert _exported(app, ref) == 0
