"""Checking the evidence files chosen on the report form."""

from __future__ import annotations

import time

from flask_babel import gettext as _

from portal.cases.intake import files_not_allowed
from portal.evidence.files import CleanFile, UploadRefused, clean_upload
from portal.evidence.pdf_render import PdfLimits
from portal.public.messages import upload_message


def check_files(
    uploads: list,
    minor_in_content: str | None,
    max_files: int,
    max_bytes: int,
    pixel_budget: int,
    pdf_limits: PdfLimits | None = None,
) -> tuple[list[CleanFile], list[str]]:
    """Sanitised files and the message for the first refused one; nothing is stored here.

    Checking stops at the first refused file (the form comes back anyway); all images and
    PDF pages of one request together may decode at most ``pixel_budget`` pixels, and all
    its PDFs together may take ``pdf_limits.seconds`` to render.
    """
    pdf_limits = pdf_limits or PdfLimits()
    chosen = [upload for upload in uploads if upload and (upload.filename or "").strip()]
    if not chosen:
        return [], []
    if files_not_allowed(minor_in_content):
        return [], [
            _(
                "Because the person shown may be under 19, we did not take the files, and "
                "nothing of them was saved. Links are enough. Your other answers are kept."
            )
        ]
    if len(chosen) > max_files:
        return [], [_("You can send up to %(max)d files.", max=max_files)]
    clean_files: list[CleanFile] = []
    errors: list[str] = []
    remaining = pixel_budget
    deadline = time.monotonic() + pdf_limits.seconds
    for upload in chosen:
        name = (upload.filename or "")[-80:]
        data = upload.stream.read(max_bytes + 1)
        limits = pdf_limits.with_seconds(deadline - time.monotonic())
        try:
            clean = clean_upload(data, max_bytes, remaining, limits)
        except UploadRefused as refused:
            errors.append(upload_message(refused.reason, name, max_bytes // (1024 * 1024)))
            break
        clean_files.append(clean)
        remaining -= clean.pixels
    return clean_files, errors
