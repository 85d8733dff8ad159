"""Evidence files for staff: blurred previews, an audited reveal, and audited downloads.

Images and the page images of a PDF are served; a PDF original never is (it is kept sealed
for an evidence export), so no staff browser ever opens a victim's PDF.
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal.evidence import files, storage
from portal.extensions import db
from portal.models import Case, EvidenceFile
from portal.security import audit
from portal.staff import bp
from portal.staff.forms import ActionForm
from portal.staff.guards import current_staff

REVEALED = "revealed_files"
# Enough for every page of a case's files (5 PDFs of 20 pages), still a small cookie.
MAX_REVEALED = 100


def _file(case_ref: str, file_id: int) -> tuple[Case, EvidenceFile]:
    case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
    evidence = db.session.get(EvidenceFile, file_id)
    if case is None or evidence is None or evidence.case_id != case.id:
        abort(404)
    return case, evidence


def _load(evidence: EvidenceFile) -> bytes:
    try:
        return storage.load(current_app.config["PORTAL_UPLOAD_DIR"], evidence.stored_name)
    except FileNotFoundError:
        abort(404)


def _send(data: bytes, media_type: str, disposition: str) -> ResponseReturnValue:
    response = make_response(data)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = disposition
    # A file is never a page: no scripts, no plugins, no same-origin access if opened.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def is_revealed(file_id: int) -> bool:
    return file_id in session.get(REVEALED, [])


@bp.get("/cases/<case_ref>/files/<int:file_id>/preview")
def file_preview(case_ref: str, file_id: int) -> ResponseReturnValue:
    _case, evidence = _file(case_ref, file_id)
    if not evidence.is_image:
        abort(404)
    data = _load(evidence)
    return _send(files.blurred_preview(data), "image/jpeg", "inline")


@bp.post("/cases/<case_ref>/files/<int:file_id>/reveal")
def file_reveal(case_ref: str, file_id: int) -> ResponseReturnValue:
    case, evidence = _file(case_ref, file_id)
    if not ActionForm().validate():
        abort(400)
    if not evidence.is_image:
        abort(404)
    revealed = [i for i in session.get(REVEALED, []) if i != evidence.id][-(MAX_REVEALED - 1) :]
    session[REVEALED] = [*revealed, evidence.id]
    audit.record(
        db.session,
        "file.revealed",
        staff=current_staff(),
        case_ref=case.case_ref,
        file=evidence.id,
    )
    db.session.commit()
    return redirect(
        url_for("staff.case_detail", case_ref=case.case_ref, _anchor=f"file-{evidence.id}"),
        code=303,
    )


@bp.get("/cases/<case_ref>/files/<int:file_id>/view")
def file_view(case_ref: str, file_id: int) -> ResponseReturnValue:
    """The full image, only after an audited reveal in this session."""
    _case, evidence = _file(case_ref, file_id)
    if not evidence.is_image or not is_revealed(evidence.id):
        abort(403)
    data = _load(evidence)
    return _send(data, evidence.media_type, "inline")


@bp.get("/cases/<case_ref>/files/<int:file_id>/download")
def file_download(case_ref: str, file_id: int) -> ResponseReturnValue:
    case, evidence = _file(case_ref, file_id)
    if not evidence.is_image:
        abort(404)  # a PDF original: only its page images leave the server
    data = _load(evidence)
    audit.record(
        db.session,
        "file.downloaded",
        staff=current_staff(),
        case_ref=case.case_ref,
        file=evidence.id,
    )
    db.session.commit()
    extension = files.EXTENSIONS.get(evidence.media_type, "bin")
    page = f"-p{evidence.page_number}" if evidence.page_number else ""
    name = f"{case.case_ref}-{evidence.position + 1}{page}.{extension}"
    return _send(data, evidence.media_type, f'attachment; filename="{name}"')
