"""The police export: one POST from the case page gives a signed ZIP of the whole case."""

from __future__ import annotations

import hashlib
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
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField

from portal.evidence import export, export_content
from portal.extensions import db
from portal.models import Case, Staff, utcnow
from portal.security import audit, signing
from portal.staff import bp
from portal.staff.guards import current_staff

# How the custody log names what happened; an action not listed shows its code.
CUSTODY_ACTIONS = {
    "case.filed": _l("Report filed"),
    "case.viewed": _l("Case opened by staff"),
    "case.claimed": _l("Case taken on"),
    "case.assigned": _l("Case assigned"),
    "case.released": _l("Case released"),
    "case.status": _l("Status changed"),
    "case.priority": _l("Priority changed"),
    "case.note": _l("Internal note written"),
    "case.message": _l("Message sent to the victim"),
    "victim.message": _l("Message from the victim"),
    "victim.fingerprints": _l("Image fingerprints added or sharing choice changed by the victim"),
    "case.fingerprints_exported": _l("Image fingerprints exported for blocking re-uploads"),
    "case.hold": _l("Legal hold changed"),
    "case.exported": _l("Evidence package exported"),
    "case.receipt_reissued": _l("Receipt issued again"),
    "file.revealed": _l("Evidence file shown unblurred"),
    "file.downloaded": _l("Evidence file downloaded"),
    "file.converted": _l("PDF pages made into images"),
    "notice.generated": _l("Takedown notice written"),
    "notice.downloaded": _l("Takedown notice downloaded"),
    "takedown.requested": _l("Takedown requested"),
    "takedown.answered": _l("Platform's answer recorded"),
    "takedown.rechecked": _l("Link checked again"),
}
# What each detail kept from the audit entry means (portal.evidence.export_content).
CUSTODY_DETAILS = {
    "file": _l("File"),
    "position": _l("Position"),
    "old": _l("Before"),
    "new": _l("After"),
    "status": _l("Outcome"),
    "channel": _l("Channel"),
    "links": _l("Links"),
    "hold": _l("Legal hold"),
    "notes": _l("Internal notes included"),
}
CUSTODY_ACTORS = {
    "victim": _l("The victim"),
    "system": _l("The portal"),
    "recheck": _l("The portal (automatic recheck)"),
}


class ExportForm(FlaskForm):
    include_notes = BooleanField()


def refusal(case: Case, staff: Staff) -> str | None:
    """Why this person may not export this case now, in words for them; None if they may."""
    if case.status == "withdrawn" or case.purged_at is not None:
        return _("This case was withdrawn or its content erased, so there is nothing to export.")
    if not (staff.is_admin or case.assignee_id == staff.id):
        return _("Only the person assigned to this case or an administrator can export it.")
    if not (case.legal_hold or case.preserve_evidence):
        return _(
            "Export needs a legal hold or the victim's consent to keep evidence. "
            "Ask the victim, or place a legal hold with a reason."
        )
    return None


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


def _texts(content: export_content.ExportContent) -> list[export.Member]:
    def lines(entries: list[export_content.Entry], victim: str, staff: str) -> str:
        # Every line of a body is indented, so no text typed into a message can pass for the
        # dated header of another one.
        return "\n\n".join(
            f"[{entry.at.isoformat(timespec='seconds')}] "
            f"{victim if entry.from_victim else (entry.author or staff)}\n"
            + "\n".join("    " + line for line in entry.body.splitlines())
            for entry in entries
        )

    members: list[export.Member] = []
    links = "\n".join(link.url for link in content.links)
    members.append(export.text_member("links.txt", links + ("\n" if links else "")))
    members.append(export.text_member("messages.txt", lines(content.messages, "victim", "staff")))
    if content.notes is not None:
        members.append(export.text_member("notes.txt", lines(content.notes, "-", "portal")))
    return members


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
    refused = refusal(case, staff)
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
    report = _report(
        content,
        exported_at=now,
        exporter=staff.email,
        key_fingerprint=signing.fingerprint(key),
        mismatched={
            item.zip_name
            for item in content.files
            if hashed[item.zip_name].sha256 != item.stored_sha256
        },
    )
    members = [export.text_member("report.html", report), *_texts(content), *files]
    manifest, listed = export.manifest(
        members,
        case_ref=case.case_ref,
        exported_at=now,
        exporter=staff.email,
        version=_version(),
        public_key=signing.public_b64(key),
        hashed=hashed,
    )
    audit.record(
        db.session,
        "case.exported",
        staff=staff,
        case_ref=case.case_ref,
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        files=len(members),
        notes=content.notes is not None,
    )
    db.session.commit()
    chunks = export.stream(members, listed, manifest, signing.sign(key, manifest), now)
    response = Response(stream_with_context(chunks), mimetype="application/zip")
    name = f"{case.case_ref}-evidence-{now:%Y%m%d%H%M%S}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
