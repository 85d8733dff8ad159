"""The rows for a cleaned file: one per image, or a PDF's sealed original and its pages."""

from __future__ import annotations

from portal.evidence.files import CleanFile
from portal.evidence.storage import store
from portal.extensions import Session
from portal.models import EvidenceFile
from portal.models.files import PDF


def _row(session: Session, upload_dir: str, clean: CleanFile, **values: object) -> EvidenceFile:
    return EvidenceFile(
        stored_name=store(session, upload_dir, clean),
        media_type=clean.media_type,
        size_bytes=len(clean.data),
        width=clean.width,
        height=clean.height,
        original_sha256=clean.original_sha256,
        stored_sha256=clean.stored_sha256,
        page_number=clean.page_number,
        **values,
    )


def add_pages(session: Session, original: EvidenceFile, clean: CleanFile, upload_dir: str) -> None:
    """Store a converted PDF's page images under its original row."""
    for page in clean.pages:
        original.pages.append(
            _row(session, upload_dir, page, case_id=original.case_id, position=original.position)
        )
    original.page_count = clean.page_count
    original.conversion = "done"


def add_file(
    session: Session, case_id: int, position: int, clean: CleanFile, upload_dir: str
) -> EvidenceFile:
    """Seal a cleaned upload (and, for a PDF, each page image) and add its rows."""
    row = _row(session, upload_dir, clean, case_id=case_id, position=position)
    session.add(row)
    if clean.media_type == PDF:
        add_pages(session, row, clean, upload_dir)
    return row
