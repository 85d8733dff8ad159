"""Checking the evidence files chosen on the report form."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.cases.intake import files_not_allowed
from portal.evidence.files import CleanFile, UploadRefused, clean_upload
from portal.public.messages import upload_message


def check_files(
    uploads: list, minor_in_content: str | None, max_files: int, max_bytes: int
) -> tuple[list[CleanFile], list[str]]:
    """Sanitised files and the messages for any refused; nothing is stored here."""
    chosen = [upload for upload in uploads if upload and (upload.filename or "").strip()]
    if not chosen:
        return [], []
    if files_not_allowed(minor_in_content):
        return [], [
            _(
                "Because the person shown may be under 18, please do not send files. "
                "Links are enough. Your other answers are kept."
            )
        ]
    if len(chosen) > max_files:
        return [], [_("You can send up to %(max)d files.", max=max_files)]
    clean_files: list[CleanFile] = []
    errors: list[str] = []
    for upload in chosen:
        name = (upload.filename or "")[-80:]
        data = upload.stream.read(max_bytes + 1)
        try:
            clean_files.append(clean_upload(data, max_bytes))
        except UploadRefused as refused:
            errors.append(upload_message(refused.reason, name, max_bytes // (1024 * 1024)))
    return clean_files, errors
