"""The police export: one signed ZIP that verifies, fails on any altered copy, names what
differs, is allowed only to the right people for the right cases, and tells its custody."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.cases import retention
from portal.evidence.export_verify import main as verify_main
from portal.evidence.files import clean_upload
from portal.extensions import db
from portal.models import AuditEntry, Case
from portal.security import signing
from tests.evidence.export_helpers import (
    LINKS,
    TEN_MB,
    case_to_export,
    post_export,
    rebuilt,
    signing_public_key,
)
from tests.staff_helpers import make_staff, staff_client, token_of


def _zip(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_a_worker_downloads_one_signed_zip_and_it_verifies(app, worker, tmp_path):
    ref = case_to_export(app, worker.email)
    client = staff_client(app, worker)
    response = post_export(client, ref)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{ref}-')
    archive = _zip(response)
    names = set(archive.namelist())
    assert {"report.html", "links.txt", "messages.txt", "manifest.json", "manifest.sig"} <= names
    assert "files/01.jpg" in names
    assert "notes.txt" not in names  # only when ticked
    assert archive.read("links.txt").decode().split() == LINKS
    assert "요청서를 보냈어요." in archive.read("messages.txt").decode()
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["case"] == ref
    assert manifest["exported_by"] == worker.email
    listed = {item["name"]: item for item in manifest["files"]}
    assert set(listed) == names - {"manifest.json", "manifest.sig"}
    for name, item in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == item["sha256"]

    path = tmp_path / "export.zip"
    path.write_bytes(response.get_data())
    result = app.test_cli_runner().invoke(args=["export", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"of case {ref} match the signed manifest" in result.output
    with app.app_context():
        public = signing.public_b64(signing.configured_key())
        stored = db.session.scalars(select(AuditEntry).where(AuditEntry.case_ref == ref)).all()
    assert verify_main([str(path), "--public-key", public]) == 0
    exported = stored[-1]
    assert exported.action == "case.exported"
    detail = json.loads(exported.detail)
    assert detail["manifest_sha256"] == hashlib.sha256(archive.read("manifest.json")).hexdigest()


def _rezip(original: bytes, name: str, change: Any) -> bytes:
    """A copy of the ZIP with one member's bytes changed, every other member as it was
    (only the changed bytes give it away)."""
    return rebuilt(original, lambda info, data: change(data) if info.filename == name else data)


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_one_changed_byte_in_any_file_fails_and_names_it(app, worker, tmp_path):
    ref = case_to_export(app, worker.email)
    original = post_export(staff_client(app, worker), ref, include_notes="y").get_data()
    names = zipfile.ZipFile(io.BytesIO(original)).namelist()
    assert "notes.txt" in names
    runner = app.test_cli_runner()
    for name in names:
        if name == "manifest.sig":
            continue
        path = tmp_path / "altered.zip"
        path.write_bytes(_rezip(original, name, _flip))
        result = runner.invoke(args=["export", "verify", str(path)])
        assert result.exit_code == 1, name
        assert f"FAILED: {name}:" in result.output
    path.write_bytes(_rezip(original, "manifest.sig", _flip))
    result = runner.invoke(args=["export", "verify", str(path)])
    assert result.exit_code == 1
    assert "manifest.json: the signature does not match" in result.output


def test_a_flipped_byte_inside_the_zip_itself_is_named_too(app, worker, tmp_path):
    ref = case_to_export(app, worker.email)
    original = bytearray(post_export(staff_client(app, worker), ref).get_data())
    archive = zipfile.ZipFile(io.BytesIO(bytes(original)))
    info = archive.getinfo("files/01.jpg")
    # The member's data starts after its local header (30 bytes, the name, the extra field).
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    original[start + info.compress_size // 2] ^= 0xFF
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(original))
    result = app.test_cli_runner().invoke(args=["export", "verify", str(path)])
    assert result.exit_code == 1
    assert "FAILED: files/01.jpg: damaged" in result.output


def test_an_extra_file_and_another_key_fail(app, worker, tmp_path):
    ref = case_to_export(app, worker.email)
    original = post_export(staff_client(app, worker), ref).get_data()
    out = io.BytesIO(original)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("files/99.jpg", b"planted")
    path = tmp_path / "planted.zip"
    path.write_bytes(out.getvalue())
    assert verify_main([str(path), "--public-key", signing_public_key(app)]) == 1
    _, other_public = signing.generate()
    path.write_bytes(original)
    assert verify_main([str(path), "--public-key", other_public]) == 1
    assert verify_main([str(path), "--public-key", signing_public_key(app)]) == 0
    (tmp_path / "not.zip").write_bytes(b"PK\x03\x04 not a zip at all")
    assert verify_main([str(tmp_path / "not.zip"), "--public-key", other_public]) == 1


def test_the_report_is_korean_for_a_korean_case_and_tells_the_custody(app, worker):
    ref = case_to_export(app, worker.email)
    client = staff_client(app, worker)
    client.post(
        "/staff/account", data={"csrf_token": token_of(client, "/staff/account"), "language": "en"}
    )
    archive = _zip(post_export(client, ref))
    report = archive.read("report.html").decode()
    assert '<html lang="ko">' in report
    assert "수사기관 제출용 증거 자료" in report
    assert "그 사람이 제 사진을 합성해서 채널에 올렸어요." in report
    assert "TG-4711" in report and "https://t.me/bad_channel/77" in report
    assert "@bad_channel" in report  # the target, readable
    assert "e2." not in report  # no sealed value leaks out unopened
    assert "피해자 어머니와 통화함" not in report  # notes were not ticked
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        evidence = case.files[0]
        before = db.session.scalars(
            select(AuditEntry).where(AuditEntry.case_ref == ref).order_by(AuditEntry.id)
        ).all()[:-1]
    assert evidence.original_sha256 in report and evidence.stored_sha256 in report
    custody = report.split("<tbody>")[-1]
    assert custody.count("<tr>") == len(before)
    assert "신고 접수" in custody and "유포처" not in custody.split("<td>")[0]
    assert "<script" not in report and "http" not in report.split("<body>")[0].replace(
        "http-equiv", ""
    )


def test_an_english_case_gets_an_english_report_with_notes_when_ticked(app, worker):
    ref = case_to_export(app, worker.email, language="en")
    archive = _zip(post_export(staff_client(app, worker), ref, include_notes="y"))
    report = archive.read("report.html").decode()
    assert '<html lang="en">' in report
    assert "Evidence package for investigators" in report
    assert "피해자 어머니와 통화함" in report
    assert "피해자 어머니와 통화함" in archive.read("notes.txt").decode()


def test_who_may_export_and_which_cases(app, worker):
    ref = case_to_export(app, worker.email)
    colleague = make_staff(app, "colleague@example.org")
    admin = make_staff(app, "admin@example.org", role="admin")
    refused = post_export(staff_client(app, colleague), ref)
    assert refused.status_code == 303
    page = staff_client(app, colleague).get(f"/staff/cases/{ref}")
    assert "Only the person assigned to this case or an administrator" in page.get_data(True)
    assert post_export(staff_client(app, admin), ref).status_code == 200

    no_consent = case_to_export(app, worker.email, preserve_evidence=False, files=[])
    client = staff_client(app, worker)
    assert post_export(client, no_consent).status_code == 303
    assert "needs a legal hold or the victim" in client.get(f"/staff/cases/{no_consent}").get_data(
        True
    )

    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        retention.withdraw(db.session, case, app.config["PORTAL_UPLOAD_DIR"])
        db.session.commit()
    assert post_export(staff_client(app, admin), ref).status_code in (303, 404)
    with app.app_context():
        exports = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.exported")
        ).all()
    assert len(exports) == 1  # the admin's; nothing refused was recorded as an export


def test_without_a_csrf_token_nothing_is_exported(app, worker):
    ref = case_to_export(app, worker.email)
    response = staff_client(app, worker).post(f"/staff/cases/{ref}/export", data={})
    assert response.status_code in (400, 303)
    assert response.headers.get("Content-Type") != "application/zip"


def test_production_without_a_signing_key_refuses_and_keys_are_printed(make_app):
    runner_app = make_app()
    printed = runner_app.test_cli_runner().invoke(args=["keys", "generate-signing"]).output
    pair = dict(line.split("=", 1) for line in printed.split())
    assert set(pair) == {"PORTAL_SIGNING_KEY", "PORTAL_SIGNING_PUBLIC_KEY"}
    app = make_app(fresh=False, PORTAL_SIGNING_KEY=pair["PORTAL_SIGNING_KEY"])
    shown = app.test_cli_runner().invoke(args=["export", "public-key"]).output
    assert "-----BEGIN PUBLIC KEY-----" in shown
    assert f"base64: {pair['PORTAL_SIGNING_PUBLIC_KEY']}" in shown
    with app.app_context():
        app.config["PORTAL_PRODUCTION"] = True
        app.config["PORTAL_SIGNING_KEY"] = None
        with pytest.raises(signing.SigningKeyError, match="PORTAL_SIGNING_KEY is not set"):
            signing.configured_key()


def test_a_malformed_signing_key_stops_the_start():
    from portal.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="PORTAL_SIGNING_KEY must be the private key"):
        load_config({"PORTAL_ENV": "development", "PORTAL_SIGNING_KEY": "not-a-key"})
    private, public = signing.generate()
    assert load_config({"PORTAL_ENV": "development", "PORTAL_SIGNING_KEY": private})
    with pytest.raises(ConfigError, match="not its public half"):  # the one investigators hold
        load_config({"PORTAL_ENV": "development", "PORTAL_SIGNING_KEY": public})


def test_the_export_streams_one_file_at_a_time(app, worker):
    """Five ~3 MB photos: the ZIP is never held whole, nor every file at once."""
    import tracemalloc

    from PIL import Image

    rng = random.Random(3)
    photos = []
    for _ in range(5):
        image = Image.frombytes("RGB", (1000, 1000), rng.randbytes(3_000_000))
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=0)
        photos.append(clean_upload(out.getvalue(), TEN_MB))
    ref = case_to_export(app, worker.email, files=photos)
    client = staff_client(app, worker)
    token = token_of(client, f"/staff/cases/{ref}")
    tracemalloc.start()
    response = client.post(f"/staff/cases/{ref}/export", data={"csrf_token": token}, buffered=False)
    total = sum(len(chunk) for chunk in response.response)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    biggest = max(len(photo.data) for photo in photos)
    assert total > 5 * biggest * 0.9  # the files are all in it
    assert peak < 4 * biggest  # about one file decrypted, its chunks, and the report


def test_verify_usage_and_a_key_file(app, worker, tmp_path: Path):
    assert verify_main([]) == 2
    assert verify_main(["x.zip", "--public-key", "not base64!"]) == 2
    ref = case_to_export(app, worker.email)
    (tmp_path / "e.zip").write_bytes(post_export(staff_client(app, worker), ref).get_data())
    with app.app_context():
        (tmp_path / "key.pem").write_text(signing.public_pem(signing.configured_key()))
    assert verify_main([str(tmp_path / "e.zip"), "--public-key", str(tmp_path / "key.pem")]) == 0
    assert re.fullmatch(r"([0-9a-f]{4} ){7}[0-9a-f]{4}", _fingerprint(app))


def _fingerprint(app: Flask) -> str:
    with app.app_context():
        return signing.fingerprint(signing.configured_key())


@pytest.mark.skipif(not shutil.which("openssl"), reason="the README's OpenSSL check needs openssl")
def test_the_readme_commands_with_standard_tools_agree(app, worker, tmp_path):
    ref = case_to_export(app, worker.email)
    with zipfile.ZipFile(io.BytesIO(post_export(staff_client(app, worker), ref).get_data())) as zf:
        zf.extractall(tmp_path)
    with app.app_context():
        (tmp_path / "portal-export.pem").write_text(signing.public_pem(signing.configured_key()))
    checked = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "portal-export.pem",
            "-rawin",
            "-in",
            "manifest.json",
            "-sigfile",
            "manifest.sig",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout
    listing = "".join(
        f"{item['sha256']}  {item['name']}\n"
        for item in json.loads((tmp_path / "manifest.json").read_text())["files"]
    )
    summed = subprocess.run(
        ["sha256sum", "-c"],
        input=listing,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert summed.returncode == 0, summed.stdout
    (tmp_path / "links.txt").write_text("changed\n")
    again = subprocess.run(
        ["sha256sum", "-c"],
        input=listing,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 1 and "links.txt: FAILED" in again.stdout
