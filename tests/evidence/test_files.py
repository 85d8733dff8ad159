"""Evidence files: type from content, metadata stripped, bombs and broken files refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.evidence.files import UploadRefused, clean_upload, sniff_type
from portal.extensions import db
from portal.models import AuditEntry, Case, EvidenceFile
from tests import files
from tests.helpers import open_form, page_text, report_data, shown_after
from tests.staff_helpers import make_staff, staff_client, token_of

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (files.jpeg_with_gps(), "image/jpeg"),
        (files.png(), "image/png"),
        (files.webp(), "image/webp"),
        (files.PDF, "application/pdf"),
        (b"hello, I am text pretending to be a .jpg", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"GIF89a", None),
    ],
)
def test_type_comes_from_content(data, expected):
    assert sniff_type(data) == expected


def test_jpeg_metadata_is_removed():
    clean = clean_upload(files.jpeg_with_gps(), TEN_MB)
    assert clean.media_type == "image/jpeg"
    assert b"CameraMakerMarker" not in clean.data and b"SecretPhoneModel" not in clean.data
    reopened = Image.open(io.BytesIO(clean.data))
    assert dict(reopened.getexif()) == {}
    assert reopened.size == (64, 48)
    assert clean.original_sha256 != clean.stored_sha256


def test_png_text_chunks_are_removed():
    clean = clean_upload(files.png(text="GPS 37.5665 126.9780"), TEN_MB)
    assert b"37.5665" not in clean.data


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"plain text named photo.jpg", "unsupported_type"),
        (files.png()[:60], "broken"),
        (files.jpeg_with_gps()[:200], "broken"),
        (files.decompression_bomb(), "too_many_pixels"),
        (b"", "empty"),
        (b"%PDF-1.4 no end marker", "broken"),
        (files.PDF, "broken"),  # a PDF without a page
    ],
)
def test_bad_files_are_refused(data, reason):
    with pytest.raises(UploadRefused) as refused:
        clean_upload(data, TEN_MB)
    assert refused.value.reason == reason


def test_oversized_file_is_refused():
    with pytest.raises(UploadRefused) as refused:
        clean_upload(files.png(), max_bytes=100)
    assert refused.value.reason == "too_large"


def _post_with_files(client, uploads, lang="en", **changes):
    token, key = open_form(client, lang)
    data = report_data(csrf_token=token, submission_key=key, **changes)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in uploads]
    return shown_after(
        client, client.post("/report", data=data, content_type="multipart/form-data")
    )


def test_upload_is_encrypted_on_disk_and_clean_for_staff(app, client, tmp_path):
    response = _post_with_files(client, [("screenshot.jpg", files.jpeg_with_gps())])
    assert response.status_code == 303
    with app.app_context():
        evidence = db.session.scalar(select(EvidenceFile))
        case_ref = db.session.scalar(select(Case.case_ref))
        assert evidence.media_type == "image/jpeg"
        stored = (tmp_path / "uploads" / evidence.stored_name).read_bytes()
    assert not stored.startswith(b"\xff\xd8")
    assert b"CameraMakerMarker" not in stored and b"JFIF" not in stored
    assert "screenshot" not in evidence.stored_name

    admin = make_staff(app, "files@example.org", role="admin")
    staff = staff_client(app, admin)
    page = page_text(staff.get(f"/staff/cases/{case_ref}"))
    assert evidence.original_sha256 in page and evidence.stored_sha256 in page
    assert f"/files/{evidence.id}/preview" in page
    assert f"/files/{evidence.id}/view" not in page

    download = staff.get(f"/staff/cases/{case_ref}/files/{evidence.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Security-Policy"].startswith("sandbox")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert dict(Image.open(io.BytesIO(download.data)).getexif()) == {}
    assert b"CameraMakerMarker" not in download.data

    assert staff.get(f"/staff/cases/{case_ref}/files/{evidence.id}/view").status_code == 403
    reveal = staff.post(
        f"/staff/cases/{case_ref}/files/{evidence.id}/reveal",
        data={"csrf_token": token_of(staff, f"/staff/cases/{case_ref}")},
    )
    assert reveal.status_code == 303
    assert staff.get(f"/staff/cases/{case_ref}/files/{evidence.id}/view").status_code == 200
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "file.revealed" in actions and "file.downloaded" in actions


def test_refused_file_keeps_the_form(app, client):
    response = _post_with_files(client, [("photo.jpg", b"this is not an image")])
    html = page_text(response)
    assert response.status_code == 400
    assert "photo.jpg is not a JPEG, PNG, WebP or PDF file" in html
    assert "A bot made fake images from my profile photo." in html
    assert "please choose them again" in html
    with app.app_context():
        assert db.session.scalars(select(Case)).all() == []


def test_truncated_png_and_bomb_are_refused_without_500(client):
    for name, content in (("cut.png", files.png()[:70]), ("bomb.png", files.decompression_bomb())):
        response = _post_with_files(client, [(name, content)])
        assert response.status_code == 400
        assert name in page_text(response)


def test_oversized_upload_is_refused_with_a_message(make_app):
    app = make_app(PORTAL_MAX_FILE_BYTES=1000)
    client = app.test_client()
    response = _post_with_files(client, [("big.png", files.png((400, 400)))])
    assert response.status_code == 400
    assert "big.png is larger than" in page_text(response)


def test_no_files_when_the_person_shown_may_be_a_minor(app, client):
    for answer in ("yes", "unsure"):
        response = _post_with_files(client, [("shot.png", files.png())], minor_in_content=answer)
        assert response.status_code == 400
        assert "we did not take the files" in page_text(response)
    with app.app_context():
        assert db.session.scalars(select(EvidenceFile)).all() == []


def test_too_many_files(make_app):
    app = make_app(PORTAL_MAX_FILES=2)
    client = app.test_client()
    uploads = [(f"s{n}.png", files.png()) for n in range(3)]
    response = _post_with_files(client, uploads)
    assert response.status_code == 400
    assert "You can send up to 2 files." in page_text(response)


def _big_png(side: int = 5000) -> bytes:
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_a_request_decodes_at_most_its_pixel_budget_and_stops_at_the_first_refusal(make_app):
    app = make_app(PORTAL_MAX_FILES=4, PORTAL_PIXEL_BUDGET=40_000_000)
    client = app.test_client()
    big = _big_png()
    uploads = [(f"shot{n}.png", big) for n in range(1, 5)]
    response = _post_with_files(client, uploads)
    html = page_text(response)
    assert response.status_code == 400
    assert "shot2.png and the images before it are too large to check together" in html
    assert "shot3.png" not in html and "shot4.png" not in html
    assert "A bot made fake images from my profile photo." in html


def test_refused_files_count_against_the_form_post_limit(make_app):
    app = make_app(PORTAL_LIMIT_FORM_POSTS="6 per minute")
    client = app.test_client()
    broken = [(f"broken{n}.png", b"\x89PNG\r\n\x1a\nnot really") for n in range(3)]
    assert _post_with_files(client, broken).status_code == 400  # one post and three files
    token, _key = open_form(client, "en")
    statuses = []
    for _ in range(3):
        answer = client.post("/report", data=report_data(csrf_token=token, filer=None))
        statuses.append(shown_after(client, answer).status_code)
    assert statuses == [400, 400, 429]


def test_a_large_upload_never_goes_to_a_temporary_file(app, client, monkeypatch):
    """Werkzeug spools uploads over 500 KB to a temporary file, in the clear; the portal
    keeps them in memory until they are encrypted."""
    import tempfile

    import werkzeug.formparser

    big = files.png(size=(1400, 1000))
    noise = bytes(range(256)) * 4096  # a PNG ancillary chunk makes it over 1 MB
    large = big[:-12] + _chunk(b"zzZz", noise) + big[-12:]
    assert len(large) > 1024 * 1024
    token, key = open_form(client, "en")
    fields = report_data(csrf_token=token, submission_key=key)
    # Built in memory: the test client would spool a big body to a file of its own.
    body, content_type = _multipart(fields, ("evidence", "screenshot.png", large))

    def no_disk(*_args, **_kwargs):
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", no_disk, raising=False)
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_disk)
    monkeypatch.setattr(tempfile, "TemporaryFile", no_disk)
    response = client.post("/report", data=body, content_type=content_type)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(EvidenceFile.media_type)) == "image/png"


def _multipart(fields: dict, upload: tuple[str, str, bytes]) -> tuple[bytes, str]:
    boundary = "portal-upload-boundary"
    parts = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            if one is None:
                continue
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{one}\r\n".encode()
            )
    name, filename, data = upload
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
