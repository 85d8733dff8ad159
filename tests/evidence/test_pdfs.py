"""PDFs sent with a report reach staff only as blurred page images; hostile ones are refused
with a message in the victim's language and the form comes back filled."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from portal.evidence import files as evidence_files
from portal.evidence.files import UploadRefused, clean_pdf
from portal.evidence.pdf_render import PdfLimits, RenderedPdf
from portal.extensions import db
from portal.models import AuditEntry, Case, EvidenceFile
from tests import files
from tests.helpers import open_form, page_text, report_data, shown_after
from tests.staff_helpers import make_staff, staff_client, token_of

DESCRIPTION = "A bot made fake images from my profile photo."
METADATA = {"title": "TitleMarkerQ7", "author": "AuthorMarkerZ3", "subject": "SubjectMarkerK9"}


def _send(client, uploads, lang="en"):
    token, key = open_form(client, lang)
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in uploads]
    return shown_after(
        client, client.post("/report", data=data, content_type="multipart/form-data")
    )


def _rows(app):
    with app.app_context():
        rows = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
        db.session.expunge_all()
        return rows


def _case_ref(app):
    with app.app_context():
        return db.session.scalar(select(Case.case_ref))


def _assert_no_pdf(response):
    assert "pdf" not in response.headers.get("Content-Type", "")
    assert b"%PDF" not in response.data
    for marker in METADATA.values():
        assert marker.encode() not in response.data


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (files.jpeg_with_gps(), "broken"),  # PNG only, whatever the bytes say they are
        (b"\x89PNG\r\n\x1a\n not a png", "broken"),
        (files.png((2600, 10)), "pdf_too_complex"),  # wider than the child was allowed
        (files.decompression_bomb(), "too_many_pixels"),
    ],
    ids=["jpeg", "garbage", "too-wide", "bomb"],
)
def test_what_the_child_returns_is_decoded_again_and_checked(monkeypatch, page, reason):
    monkeypatch.setattr(evidence_files, "render", lambda *_args: RenderedPdf(1, [page]))
    with pytest.raises(UploadRefused) as refused:
        clean_pdf(files.pdf(pages=1), PdfLimits(), 40_000_000)
    assert refused.value.reason == reason


def test_a_page_from_the_child_is_written_again_without_its_chunks(monkeypatch):
    page = files.png((40, 30), text="GPS 37.5665 126.9780")
    monkeypatch.setattr(evidence_files, "render", lambda *_args: RenderedPdf(3, [page]))
    clean = clean_pdf(files.pdf(pages=1), PdfLimits(), 40_000_000)
    assert clean.page_count == 3 and len(clean.pages) == 1
    assert b"37.5665" not in clean.pages[0].data
    assert clean.pixels == 40 * 30


def test_a_pdf_becomes_blurred_png_pages_and_is_never_served(app, client):
    pdf = files.pdf(pages=3, size=(300, 200), **METADATA)
    assert _send(client, [("chat.pdf", pdf)]).status_code == 303
    original, *pages = _rows(app)
    assert (original.media_type, original.page_count, original.conversion) == (
        "application/pdf",
        3,
        "done",
    )
    assert [(p.media_type, p.page_number, p.source_id) for p in pages] == [
        ("image/png", n, original.id) for n in (1, 2, 3)
    ]
    assert all(p.original_sha256 == original.original_sha256 for p in pages)
    assert (pages[0].width, pages[0].height) == (600, 400)  # 2 pixels per point

    staff = staff_client(app, make_staff(app, "pdf@example.org", role="admin"))
    case_ref = _case_ref(app)
    base = f"/staff/cases/{case_ref}/files"
    case_page = staff.get(f"/staff/cases/{case_ref}")
    html = page_text(case_page)
    assert "3 pages" in html
    for page in pages:
        assert f"{base}/{page.id}/preview" in html
        assert f"{base}/{page.id}/view" not in html
    assert f"{base}/{original.id}/" not in html  # nothing links to the PDF itself
    _assert_no_pdf(case_page)

    served = []
    for page in pages:
        preview = staff.get(f"{base}/{page.id}/preview")
        assert preview.status_code == 200 and preview.headers["Content-Type"] == "image/jpeg"
        served.append(preview)
    download = staff.get(f"{base}/{pages[1].id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="{case_ref}-1-p2.png"'
    )
    assert Image.open(io.BytesIO(download.data)).info.keys() <= {"dpi"}
    served.append(download)
    assert staff.get(f"{base}/{pages[0].id}/view").status_code == 403
    reveal = staff.post(
        f"{base}/{pages[0].id}/reveal",
        data={"csrf_token": token_of(staff, f"/staff/cases/{case_ref}")},
    )
    assert reveal.status_code == 303
    view = staff.get(f"{base}/{pages[0].id}/view")
    assert view.status_code == 200 and view.headers["Content-Type"] == "image/png"
    assert view.headers["Content-Security-Policy"].startswith("sandbox")
    served.append(view)
    for response in served:
        _assert_no_pdf(response)

    for action in ("download", "preview"):
        assert staff.get(f"{base}/{original.id}/{action}").status_code == 404
    assert staff.get(f"{base}/{original.id}/view").status_code == 403
    token = token_of(staff, f"/staff/cases/{case_ref}")
    assert staff.post(f"{base}/{original.id}/reveal", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "file.revealed" in actions and "file.downloaded" in actions


def test_the_original_is_sealed_on_disk(app, client, tmp_path):
    pdf = files.pdf(pages=2, **METADATA)
    assert _send(client, [("chat.pdf", pdf)]).status_code == 303
    for row in _rows(app):
        stored = (tmp_path / "uploads" / row.stored_name).read_bytes()
        assert b"%PDF" not in stored and b"PNG" not in stored
        assert METADATA["title"].encode() not in stored


def test_a_huge_page_is_drawn_at_most_2000_pixels_wide(app, client):
    # 200 x 200 pixels at 1 dpi: a page 200 inches (14,400 points) square.
    assert (
        _send(
            client, [("poster.pdf", files.pdf(pages=1, size=(200, 200), resolution=1))]
        ).status_code
        == 303
    )
    _original, page = _rows(app)
    assert (page.width, page.height) == (2000, 2000)


def test_only_the_first_pages_are_drawn_and_staff_are_told(make_app):
    app = make_app(PORTAL_PDF_MAX_PAGES=5)
    client = app.test_client()
    assert _send(client, [("long.pdf", files.pdf(pages=40, size=(50, 50)))]).status_code == 303
    original, *pages = _rows(app)
    assert original.page_count == 40 and len(pages) == 5
    staff = staff_client(app, make_staff(app, "pages@example.org"))
    html = page_text(staff.get(f"/staff/cases/{_case_ref(app)}"))
    assert "40 pages" in html
    assert "Only the first 5 pages of 40 are shown as images" in html


def test_pdf_pages_count_against_the_pixel_budget(make_app):
    app = make_app(PORTAL_PIXEL_BUDGET=3_000_000)
    client = app.test_client()
    # Two pages of 1000 x 1000 pixels (500 points at 2 pixels each), then a 1.5 MP image.
    uploads = [
        ("two.pdf", files.pdf(pages=2, size=(500, 500))),
        ("shot.png", files.png((1500, 1000))),
    ]
    response = _send(client, uploads)
    assert response.status_code == 400
    assert "shot.png and the images before it are too large to check together" in page_text(
        response
    )
    # Alone, the same PDF with four pages keeps the pages that fit and leaves the rest out.
    assert _send(client, [("four.pdf", files.pdf(pages=4, size=(500, 500)))]).status_code == 303
    original, *pages = _rows(app)
    assert original.page_count == 4 and len(pages) == 2


def test_an_image_bomb_inside_a_pdf_is_drawn_small(app, client):
    assert _send(client, [("bomb.pdf", files.pdf_image_bomb(12000))]).status_code == 303
    _original, page = _rows(app)
    assert (page.width, page.height) == (1000, 1000)


MESSAGES = {
    "broken": {
        "en": "could not be opened. It may be damaged.",
        "ko": "파일이 손상됐을 수 있어요",
    },
    "pdf_encrypted": {
        "en": "is protected with a password, so we cannot open it.",
        "ko": "비밀번호가 걸려 있어서 열 수 없어요",
    },
    "pdf_too_complex": {
        "en": "is too large or complex for us to open safely.",
        "ko": "너무 크거나 복잡해서 안전하게 열 수 없어요",
    },
}
HOSTILE = [
    ("truncated", files.pdf()[:300], {}, "broken"),
    ("garbage", b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", {}, "broken"),
    ("no-pages", files.PDF, {}, "broken"),
    ("encrypted", files.encrypted_pdf(), {}, "pdf_encrypted"),
    ("slow", files.pdf(), {"PORTAL_PDF_SECONDS": 0.01}, "pdf_too_complex"),
    ("greedy", files.pdf(), {"PORTAL_PDF_MEMORY_BYTES": 16 * 1024 * 1024}, "pdf_too_complex"),
]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize(
    ("label", "data", "settings", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_pdfs_are_refused_in_the_victims_language(
    make_app, lang, label, data, settings, reason
):
    app = make_app(**settings)
    client = app.test_client()
    response = _send(client, [(f"{label}.pdf", data)], lang=lang)
    html = page_text(response)
    assert response.status_code == 400
    assert f"{label}.pdf" in html
    assert MESSAGES[reason][lang] in html
    assert DESCRIPTION in html  # what the victim typed is still there
    assert f'<html lang="{lang}"' in html
    with app.app_context():
        assert db.session.scalars(select(Case)).all() == []
        assert db.session.scalars(select(EvidenceFile)).all() == []
