"""The police export: one POST from the case page gives a signed ZIP of the whole case."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib import metadata

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.evidence import export, export_content, export_rules
from portal.evidence.custody_words import (
    CUSTODY_ACTIONS,
    CUSTODY_ACTORS,
    CUSTODY_DETAILS,
    TRAIL_PROBLEMS,
)
from portal.extensions import db
from portal.models import Case, Staff, utcnow
from portal.security import audit, case_trail, signing
from portal.staff import bp
from portal.staff.forms import ExportForm
from portal.staff.guards import current_staff


def _version() -> str:
    try:
        return metadata.version("portal")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def _report(content: export_content.ExportContent, **context: object) -> str:
    """The report in the case's language, whatever language the staff member reads."""
    g.pop("translated_choices", None)
    with force_locale(content.case.language):
        html = render_template(
            "export/report.html",
            content=content,
            case=content.case,
            lang=content.case.language,
            action_labels={code: str(label) for code, label in CUSTODY_ACTIONS.items()},
            actor_labels={code: str(label) for code, label in CUSTODY_ACTORS.items()},
            detail_labels={code: str(label) for code, label in CUSTODY_DETAILS.items()},
            org_name=current_app.config.get("PORTAL_ORG_NAME"),
            **context,
        )
    g.pop("translated_choices", None)
    return html


def _watched(
    chunks: Iterator[bytes], case_ref: str, staff: Staff, manifest_sha256: str
) -> Iterator[bytes]:
    """The ZIP's chunks; a download that stops before its last byte (a file changed between
    the passes, or the connection dropped) is recorded next to the export it cuts short."""
    try:
        yield from chunks
    except BaseException as stopped:  # GeneratorExit too: the client went away
        reason = "file_changed" if isinstance(stopped, export.ExportChanged) else "cut_off"
        _record_failure(case_ref, staff, manifest_sha256, reason)
        raise


def _record_failure(case_ref: str, staff: Staff, manifest_sha256: str, reason: str) -> None:
    try:
        db.session.rollback()
        audit.record(
            db.session,
            "case.export_failed",
            staff=staff,
            case_ref=case_ref,
            manifest_sha256=manifest_sha256,
            reason=reason,
        )
        db.session.commit()
    except Exception:  # the download is lost already; never hide that behind a second error
        db.session.rollback()
        current_app.logger.exception("export.failure_not_recorded")


@bp.post("/cases/<case_ref>/export")
def case_export(case_ref: str) -> ResponseReturnValue:
    case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
    if case is None:
        abort(404)
    back = redirect(url_for("staff.case_detail", case_ref=case.case_ref), code=303)
    form = ExportForm()
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return back
    staff = current_staff()
    refused = export_rules.case_export_refusal(case, staff)
    if refused:
        flash(refused, "error")
        return back
    try:
        key = signing.configured_key()
    except signing.SigningKeyError:
        flash(_("Exports are signed, and no signing key is set up. Ask an administrator."), "error")
        return back
    upload_dir = current_app.config["PORTAL_UPLOAD_DIR"]
    content = export_content.collect(db.session, case, bool(form.include_notes.data))
    files = [
        export.file_member(item.zip_name, upload_dir, item.stored_name, item.media_type)
        for item in content.files
    ]
    try:
        hashed = {member.name: export.listing(member) for member in files}
    except (OSError, ValueError):  # a file gone from disk, or one that no longer opens
        flash(
            _(
                "An evidence file of this case cannot be read from storage, so no package was "
                "made. Please tell an administrator."
            ),
            "error",
        )
        return back
    now = utcnow()
    trail = case_trail.problem(db.session, case.case_ref)
    checks = {
        "signing_key": "development" if signing.is_development_key() else "configured",
        "audit_trail": trail or "ok",
    }
    if trail:
        flash(
            _(
                "The audit trail of this case failed its check, so the package says so on its "
                "first page. Please tell an administrator."
            ),
            "error",
        )
    report = _report(
        content,
        exported_at=now,
        exporter=staff.email,
        key_fingerprint=signing.fingerprint(key),
        trail_problem=TRAIL_PROBLEMS[trail] if trail else None,  # read in the case language
        development_key=checks["signing_key"] == "development",
        mismatched={
            item.zip_name
            for item in content.files
            if hashed[item.zip_name].sha256 != item.stored_sha256
        },
    )
    members = [
        export.text_member("report.html", report),
        *export_content.text_members(content),
        *files,
    ]
    manifest, listed = export.manifest(
        members,
        case_ref=case.case_ref,
        exported_at=now,
        exporter=staff.email,
        version=_version(),
        public_key=signing.public_b64(key),
        hashed=hashed,
        checks=checks,
    )
    manifest_sha256 = hashlib.sha256(manifest).hexdigest()
    audit.record(
        db.session,
        "case.exported",
        staff=staff,
        case_ref=case.case_ref,
        manifest_sha256=manifest_sha256,
        files=len(members),
        notes=content.notes is not None,
        **checks,
    )
    db.session.commit()
    chunks = export.stream(members, listed, manifest, signing.sign(key, manifest), now)
    watched = _watched(chunks, case.case_ref, staff, manifest_sha256)
    response = Response(stream_with_context(watched), mimetype="application/zip")
    name = f"{case.case_ref}-evidence-{now:%Y%m%d%H%M%S}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
