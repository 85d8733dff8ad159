"""Evidence files: screenshots and documents a victim chose to send, encrypted on disk.

A PDF is kept as one row for the original (sealed as sent, never shown or served) and one
row per page rendered from it (a PNG, shown blurred first like any image) that points at
the original through ``source_id``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.models.types import UTCDateTime, utcnow

PDF = "application/pdf"


class EvidenceFile(Model):
    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    original_sha256: Mapped[str] = mapped_column(String(64))
    stored_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A page image: the PDF original it was rendered from, and its page number (from 1).
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_files.id", ondelete="CASCADE"), index=True
    )
    page_number: Mapped[int | None] = mapped_column(Integer)
    # A PDF original: how many pages the document has (rendered or not), and how its
    # conversion went: None (stored by an earlier version, not converted yet), "done", or
    # the reason it could not be converted (pdf_encrypted, broken, pdf_too_complex, ...).
    page_count: Mapped[int | None] = mapped_column(Integer)
    conversion: Mapped[str | None] = mapped_column(String(40))

    pages: Mapped[list[EvidenceFile]] = relationship(
        back_populates="source", order_by="EvidenceFile.page_number"
    )
    source: Mapped[EvidenceFile | None] = relationship(
        back_populates="pages", remote_side="EvidenceFile.id"
    )

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")

    @property
    def is_pdf(self) -> bool:
        return self.media_type == PDF

    @property
    def pages_left_out(self) -> int:
        """Pages of a converted PDF that were not rendered (past the page or pixel cap)."""
        if self.conversion != "done" or self.page_count is None:
            return 0
        return max(0, self.page_count - len(self.pages))
