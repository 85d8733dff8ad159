"""Adding image fingerprints later from /status, and changing the choice about sharing them.

The fingerprints are made in the victim's browser (static/js/fingerprints.js), as on the
report form; only ``<hex>:<quality>`` values arrive here, never an image.
"""

from __future__ import annotations

from flask import current_app, redirect, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.cases import casework
from portal.cases.workflow import WorkflowError
from portal.extensions import csrf, db
from portal.public import bp
from portal.public.fingerprint_fields import check_fingerprints
from portal.public.forms import FingerprintForm, csrf_failed
from portal.public.status_views import open_case, render_case
from portal.web import limits
from portal.web.after_response import compare_after_response
from portal.web.origin import from_another_site


def _saved_notice(added: int, shared: bool) -> str:
    """The same words whether or not the images match another report: whoever holds an image
    must not learn from us that someone else reported it."""
    if not added:
        if shared:
            return _("Saved: staff may share your fingerprints to block re-uploads.")
        return _("Saved: your fingerprints will not be shared outside our staff.")
    return ngettext(
        "%(num)d fingerprint was added. The images stayed on your device.",
        "%(num)d fingerprints were added. The images stayed on your device.",
        added,
    )


@bp.post("/status/case/fingerprints")
@limits.message_from_victim
@csrf.exempt  # the form checks its own token, so an expired one keeps the fingerprints
def status_fingerprints() -> ResponseReturnValue:
    if from_another_site():
        return redirect(url_for("public.status"), code=303)
    case = open_case()
    if case is None:
        return redirect(url_for("public.status"), code=303)
    form = FingerprintForm()
    config = current_app.config
    prints, problems = check_fingerprints(
        list(form.fingerprint.data or []),
        config["PORTAL_FINGERPRINT_MAX"],
        config["PORTAL_FINGERPRINT_MIN_QUALITY"],
    )
    if not form.validate() or csrf_failed(form):
        problems.insert(0, _("For your safety the form expired."))
    share = bool(form.share_fingerprints.data)
    if problems:
        kept = [pdq.field for pdq in prints]
        return render_case(
            case,
            status=400,
            fingerprint_problems=problems,
            fingerprints_kept=kept,
            share_kept=share,
        )
    try:
        added = casework.add_victim_fingerprints(db.session, case, prints, share)
    except WorkflowError:
        db.session.rollback()
        problem = _(
            "This report is finished, so it cannot take new fingerprints. "
            "If you need help again, please file a new report."
        )
        return render_case(case, status=400, fingerprint_problems=[problem])
    db.session.commit()
    if added:
        compare_after_response()
    session["fingerprints_saved"] = _saved_notice(added, case.share_fingerprints)
    return redirect(url_for("public.status_case") + "#fingerprints-title", code=303)
