"""PDFs stored by earlier versions: shown as "not converted yet", never served, and turned
into page images by `flask --app portal files convert-pdfs`."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from portal.cases import retention
from portal.evidence import storage
from portal.evidence.files import CleanFile
from portal.extensions import db
from portal.models import AuditEntry, Case, EvidenceFile
from portal.security import crypto
from tests import factories, files
from tests.helpers import page_text
from tests.staff_helpers import make_staff, staff_client


def _legacy_pdf(app, data: bytes) -> tuple[str, int]:
    """A case with a PDF stored as earlier versions did: sealed as sent, no pages."""
    with app.app_context():
        case = factories.filed_case(db.session).case
        upload_dir = app.config["PORTAL_UPLOAD_DIR"]
        digest = crypto.sha256_hex(data)
        name = storage.store(db.session, upload_dir, CleanFile("application/pdf", data, digest))
        row = EvidenceFile(
            case_id=case.id,
            position=0,
            stored_name=name,
            media_type="application/pdf",
            size_bytes=len(data),
            original_sha256=digest,
            stored_sha256=digest,
        )
        db.session.add(row)
        db.session.commit()
        return case.case_ref, row.id


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["files", "convert-pdfs", *args])


def test_an_old_pdf_is_not_served_until_converted_then_shown_as_pages(app):
    case_ref, pdf_id = _legacy_pdf(app, files.pdf(pages=2, title="OldTitleMarker"))
    staff = staff_client(app, make_staff(app, "legacy@example.org"))
    base = f"/staff/cases/{case_ref}/files/{pdf_id}"
    html = page_text(staff.get(f"/staff/cases/{case_ref}"))
    assert "Not converted yet" in html
    assert f"{base}/download" not in html
    assert staff.get(f"{base}/download").status_code == 404
    assert staff.get(f"{base}/preview").status_code == 404

    result = _run(app)
    assert result.exit_code == 0, result.output
    assert "converted 1 PDF(s) into 2 page image(s)" in result.output
    with app.app_context():
        original = db.session.get(EvidenceFile, pdf_id)
        assert (original.conversion, original.page_count, len(original.pages)) == ("done", 2, 2)
        page_ids = [page.id for page in original.pages]
        assert "file.converted" in db.session.scalars(select(AuditEntry.action)).all()
    html = page_text(staff.get(f"/staff/cases/{case_ref}"))
    assert "Not converted yet" not in html and "2 pages" in html
    download = staff.get(f"/staff/cases/{case_ref}/files/{page_ids[0]}/download")
    assert download.headers["Content-Type"] == "image/png"
    assert b"OldTitleMarker" not in download.data and b"%PDF" not in download.data
    assert Image.open(io.BytesIO(download.data)).format == "PNG"
    assert staff.get(f"{base}/download").status_code == 404

    again = _run(app)
    assert "converted 0 PDF(s) into 0 page image(s)" in again.output
    with app.app_context():
        assert len(db.session.get(EvidenceFile, pdf_id).pages) == 2


def test_an_old_pdf_that_needs_a_password_says_so_and_can_be_tried_again(app):
    case_ref, _pdf_id = _legacy_pdf(app, files.encrypted_pdf())
    result = _run(app)
    assert "could not convert 1 PDF(s): pdf_encrypted" in result.output
    staff = staff_client(app, make_staff(app, "legacy2@example.org"))
    html = page_text(staff.get(f"/staff/cases/{case_ref}"))
    assert "This PDF could not be turned into page images: it is protected with a password." in html
    assert "could not convert" not in _run(app).output  # not tried again by default
    assert "could not convert 1 PDF(s): pdf_encrypted" in _run(app, "--retry").output


def test_a_missing_file_is_reported_and_skipped(app):
    _case_ref, pdf_id = _legacy_pdf(app, files.pdf())
    with app.app_context():
        name = db.session.get(EvidenceFile, pdf_id).stored_name
    (Path(app.config["PORTAL_UPLOAD_DIR"]) / name).unlink()
    result = _run(app)
    assert result.exit_code == 0
    assert "1 PDF(s) missing on disk" in result.output


def test_erasing_a_case_removes_the_pdf_and_every_page(app):
    _case_ref, _pdf_id = _legacy_pdf(app, files.pdf(pages=3))
    _run(app)
    upload_dir = Path(app.config["PORTAL_UPLOAD_DIR"])
    assert len(list(upload_dir.iterdir())) == 4
    with app.app_context():
        case = db.session.scalar(select(Case))
        retention.withdraw(db.session, case, str(upload_dir))
        db.session.commit()
        assert db.session.scalars(select(EvidenceFile)).all() == []
    assert list(upload_dir.iterdir()) == []
