"""Image fingerprints on the case page, and their CSV export for blocking re-uploads.

The CSV carries only what a platform's or a hash-sharing programme's matching needs (the
PDQ hex, its quality, the day it was first seen), never case data; it needs the victim's
separate consent and is audited.
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.evidence import export_rules, fingerprints
from portal.extensions import db
from portal.models import Case, Staff
from portal.security import audit
from portal.staff import bp
from portal.staff.guards import current_staff


def case_context(case: Case, staff: Staff) -> dict:
    held = fingerprints.stored(db.session, case.id)
    return {
        "fingerprints": held,
        "image_matches": fingerprints.related(db.session, [case.id])[case.id],
        "fingerprint_refusal": export_rules.fingerprint_export_refusal(case, staff, len(held)),
        "fingerprint_form": FlaskForm(),
    }


@bp.post("/cases/<case_ref>/fingerprints.csv")
def case_fingerprints_csv(case_ref: str) -> ResponseReturnValue:
    case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
    if case is None:
        abort(404)
    back = url_for("staff.case_detail", case_ref=case.case_ref) + "#fingerprints-title"
    if not FlaskForm().validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)
    staff = current_staff()
    held = fingerprints.stored(db.session, case.id)
    refused = export_rules.fingerprint_export_refusal(case, staff, len(held))
    if refused:
        flash(refused, "error")
        return redirect(back, code=303)
    audit.record(
        db.session,
        "case.fingerprints_exported",
        staff=staff,
        case_ref=case.case_ref,
        fingerprints=len(held),
    )
    db.session.commit()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["pdq_hex", "quality", "first_seen"])
    for item in held:
        writer.writerow([item.hex, item.quality, item.created_at.date().isoformat()])
    # The file name carries no case number: the file may travel outside the service.
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="pdq-fingerprints.csv"',
            "Cache-Control": "no-store",
        },
    )
