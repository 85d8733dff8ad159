"""PDFs stored by earlier versions, kept as sent: render them into page images now.

Until a PDF is converted, staff see "not converted yet" and nothing of the file. A PDF that
cannot be converted (a password, damage, over a limit) keeps the reason, so staff are told
why; ``retry`` tries those again, e.g. after raising a limit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.evidence import files, records, storage
from portal.evidence.pdf_render import PdfLimits
from portal.extensions import Session
from portal.models import Case, EvidenceFile
from portal.models.files import PDF
from portal.security import audit

DONE = "done"


@dataclass
class ConvertReport:
    converted: int = 0
    pages: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    missing: int = 0


def _waiting(retry: bool) -> object:
    if retry:
        return EvidenceFile.conversion.is_distinct_from(DONE)
    return EvidenceFile.conversion.is_(None)


def waiting_ids(session: Session, retry: bool = False) -> list[int]:
    """PDF originals not converted yet (and, with ``retry``, those that failed before)."""
    query = (
        select(EvidenceFile.id)
        .where(EvidenceFile.media_type == PDF, EvidenceFile.source_id.is_(None))
        .where(_waiting(retry))  # type: ignore[arg-type]
        .order_by(EvidenceFile.id)
    )
    return list(session.scalars(query))


def convert_one(
    session: Session,
    file_id: int,
    upload_dir: str,
    limits: PdfLimits,
    pixel_budget: int,
    retry: bool = False,
) -> tuple[str, int] | None:
    """Convert one stored PDF and commit; returns ("done" or a refusal reason, pages made),
    or None when there was nothing to do.

    The row is locked while it is rendered (PostgreSQL), so two runs at once, or a purge,
    never give one PDF its pages twice or pages without their original.
    """
    row = session.scalar(
        select(EvidenceFile)
        .where(EvidenceFile.id == file_id, _waiting(retry))  # type: ignore[arg-type]
        .with_for_update()
    )
    if row is None or row.pages:
        session.rollback()
        return None  # converted or erased meanwhile
    data = storage.load(upload_dir, row.stored_name)
    try:
        clean = files.clean_pdf(data, limits, pixel_budget)
    except files.UploadRefused as refused:
        row.conversion = refused.reason
        outcome = refused.reason
    else:
        records.add_pages(session, row, clean, upload_dir)
        outcome = DONE
    case_ref = session.scalar(select(Case.case_ref).where(Case.id == row.case_id))
    audit.record(
        session,
        "file.converted",
        actor="cli",
        case_ref=case_ref,
        file=row.id,
        outcome=outcome,
        pages=len(row.pages),
    )
    pages = len(row.pages)
    session.commit()
    return outcome, pages


def convert_stored_pdfs(
    session: Session,
    upload_dir: str,
    limits: PdfLimits,
    pixel_budget: int,
    retry: bool = False,
) -> ConvertReport:
    """Render every waiting PDF into page images, one commit per file."""
    report = ConvertReport()
    for file_id in waiting_ids(session, retry):
        try:
            result = convert_one(session, file_id, upload_dir, limits, pixel_budget, retry)
        except FileNotFoundError:
            session.rollback()
            report.missing += 1
            continue
        if result is None:
            continue
        outcome, pages = result
        if outcome == DONE:
            report.converted += 1
            report.pages += pages
        else:
            report.refused[outcome] += 1
    return report
