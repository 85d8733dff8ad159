"""Attacks on the police export that once worked: a forged ZIP in front of a genuine one,
forged lines in messages.txt, a 500 on a missing file, the public key taken as the signing
key, and verify crashing on odd members and keys."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.cases import casework
from portal.config import ConfigError, load_config
from portal.evidence.export_verify import main as verify_main
from portal.extensions import db
from portal.models import AuditEntry, Case, EvidenceFile
from portal.security import signing
from tests.evidence.export_helpers import case_to_export, post_export, signing_public_key
from tests.staff_helpers import staff_client


def _local_entries(data: bytes) -> list[tuple[str, bytes]]:
    """What a front-to-back ZIP reader (libarchive/bsdtar, Java ZipInputStream, streaming
    unzippers) extracts: local headers in file order, ignoring the central directory."""
    found, at = [], 0
    while data[at : at + 4] == b"PK\x03\x04":
        (_v, _flags, method, _t, _d, _crc, csize, _usize, nlen, xlen) = struct.unpack(
            "<HHHHHIIIHH", data[at + 4 : at + 30]
        )
        name = data[at + 30 : at + 30 + nlen].decode()
        start = at + 30 + nlen + xlen
        raw = data[start : start + csize]
        found.append((name, raw if method == 0 else __import__("zlib").decompress(raw, -15)))
        at = start + csize
    return found


def test_a_forged_archive_prepended_to_a_genuine_export_does_not_verify(app, worker, tmp_path):
    """Finding 1: verify reads only the last central directory, so bytes before it that no
    manifest covers (here a whole second ZIP with a rewritten report) pass as 'ok'."""
    ref = case_to_export(app, worker.email)
    genuine = post_export(staff_client(app, worker), ref).get_data()
    source = zipfile.ZipFile(io.BytesIO(genuine))
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as fake:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "report.html":
                data = data.replace("그 사람이".encode(), "제가 직접".encode())
            fake.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
    polyglot = forged.getvalue() + genuine
    assert b"\xec\xa0\x9c\xea\xb0\x80 \xec\xa7\x81\xec\xa0\x91" in _local_entries(polyglot)[0][1]
    path = tmp_path / "polyglot.zip"
    path.write_bytes(polyglot)
    assert verify_main([str(path), "--public-key", signing_public_key(app)]) == 1


def test_a_victims_message_cannot_pose_as_a_staff_entry_in_messages_txt(app, worker):
    """Finding 2: messages.txt has no escaping, so the victim's text can add lines that read
    as a dated message from a named staff member."""
    ref = case_to_export(app, worker.email)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        casework.add_victim_message(
            db.session,
            case,
            "네 알겠어요.\n\n[2026-01-05T10:00:00+00:00] worker@example.org\n"
            "원본 파일은 피해자 요청으로 삭제했어요.",
        )
        db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(post_export(staff_client(app, worker), ref).get_data()))
    text = archive.read("messages.txt").decode()
    headers = re.findall(r"^\[[0-9T:+\-]+\] \S+$", text, flags=re.M)
    assert len(headers) == 2, text  # one staff message, one victim message


def test_a_file_missing_on_disk_gives_a_clear_refusal_not_a_500(app, worker):
    """Finding 3: a missing (or undecryptable) stored file raises out of the view."""
    ref = case_to_export(app, worker.email)
    with app.app_context():
        stored = db.session.scalars(select(EvidenceFile.stored_name)).first()
        for path in Path(app.config["PORTAL_UPLOAD_DIR"]).rglob(f"*{stored}*"):
            path.unlink()
    client = staff_client(app, worker)
    try:
        response = post_export(client, ref)
    except Exception as problem:  # the 500 the visitor would get
        pytest.fail(f"export raised {problem.__class__.__name__}: a 500 for the staff member")
    assert response.status_code in (303, 409, 422), response.status_code
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.case_ref == ref)
        ).all()
    assert "case.exported" not in actions


def test_the_public_half_pasted_as_the_signing_key_is_refused():
    """Finding 4: both halves are 32 bytes of base64, so the public key (printed next to the
    private one, handed to investigators) is accepted as PORTAL_SIGNING_KEY, and then
    anybody who has the public key can sign forged exports."""
    private, public = signing.generate()
    assert load_config({"PORTAL_ENV": "development", "PORTAL_SIGNING_KEY": private})
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "development", "PORTAL_SIGNING_KEY": public})


def test_verify_reports_a_member_flagged_encrypted_instead_of_crashing(app, worker, tmp_path):
    """Finding 5a: a member with the 'encrypted' flag makes zipfile raise RuntimeError,
    which verify does not catch (a traceback instead of 'FAILED: ...')."""
    ref = case_to_export(app, worker.email)
    data = bytearray(post_export(staff_client(app, worker), ref).get_data())
    at = data.rfind(b"PK\x01\x02")  # the last central directory entry (manifest.sig)
    while at != -1:
        name_length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + name_length] == b"manifest.json":
            data[at + 8] |= 0x01
            break
        at = data.rfind(b"PK\x01\x02", 0, at)
    path = tmp_path / "flagged.zip"
    path.write_bytes(bytes(data))
    assert verify_main([str(path), "--public-key", signing_public_key(app)]) == 1


@pytest.mark.parametrize("algorithm", ["SM2", "brainpool"])
def test_an_unsupported_pem_key_is_refused_cleanly(tmp_path, algorithm):
    """Finding 5b: a PEM key on a curve cryptography does not know raises
    UnsupportedAlgorithm (not a ValueError), so verify crashes instead of exit 2."""
    import subprocess

    key = tmp_path / "k.pem"
    args = (
        ["-algorithm", "SM2"]
        if algorithm == "SM2"
        else ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP160r1"]
    )
    subprocess.run(["openssl", "genpkey", *args, "-out", str(key)], check=True)
    pub = tmp_path / "k.pub"
    subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-out", str(pub)], check=True)
    (tmp_path / "x.zip").write_bytes(b"")
    assert verify_main([str(tmp_path / "x.zip"), "--public-key", str(pub)]) == 2
