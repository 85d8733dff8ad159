"""The one-time receipt, saving it, and a new receipt when the first never arrived.

The receipt is shown by a GET once; the page's buttons carry only a one-use nonce, so no
form sends the receipt or the case number back, and no page after a POST shows it again
unless the receipt page itself asked (the "I saved it" box left unticked).
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.cases import intake, receipts
from portal.extensions import db
from portal.models import utcnow
from portal.public import bp, report_session
from portal.public.forms import ConfirmForm, SavedForm
from portal.web import limits

UNSAVED = "receipt_unsaved"
REISSUE_REFUSED = "receipt_reissue_refused"


@bp.get("/report/receipt")
def filed_receipt() -> ResponseReturnValue:
    held = report_session.take_receipt()
    if held is None:
        return render_template("public/receipt_gone.html")
    receipt, case_ref = held
    receipts.mark_shown(db.session, case_ref, utcnow())
    db.session.commit()
    nonce = report_session.allow_saving(receipt, case_ref)
    error = None
    if session.pop(UNSAVED, False):
        error = _("Please save your receipt code, then tick the box to confirm.")
    page = render_template(
        "public/receipt.html",
        form=SavedForm(nonce=nonce),
        receipt=receipt,
        case_ref=case_ref,
        error=error,
    )
    return page, (400 if error else 200)


@bp.post("/report/saved")
def receipt_saved() -> ResponseReturnValue:
    form = SavedForm()
    if not form.validate():
        abort(400)
    held = report_session.saving(form.nonce.data)
    if held is None:
        return redirect(url_for("public.filed_receipt"), code=303)
    receipt, case_ref = held
    if "download" in request.form:
        body = _("Case number: %(ref)s\nReceipt code: %(receipt)s\n", ref=case_ref, receipt=receipt)
        response = make_response(body)
        response.mimetype = "text/plain"
        response.headers["Content-Disposition"] = 'attachment; filename="receipt.txt"'
        return response
    report_session.stop_saving()
    if not form.saved.data:
        # Show it once more, by a GET, with the reminder.
        report_session.hold_receipt(receipt, case_ref)
        session[UNSAVED] = True
        return redirect(url_for("public.filed_receipt"), code=303)
    return redirect(url_for("public.report_done"), code=303)


@bp.get("/report/done")
def report_done() -> str:
    return render_template("public/done.html")


@bp.get("/report/sent")
def already_filed() -> ResponseReturnValue:
    """The same form came twice (a double tap, or a resend after a lost answer)."""
    case_ref = report_session.already_filed()
    if case_ref is None:
        return redirect(url_for("public.report"), code=303)
    refused = bool(session.pop(REISSUE_REFUSED, False))
    return render_template("public/already_filed.html", case_ref=case_ref, refused=refused)


@bp.post("/report/reissue")
@limits.receipt_per_client
def reissue_receipt() -> ResponseReturnValue:
    """A new receipt, for the browser that filed, when its receipt page never arrived."""
    if not ConfirmForm().validate():
        abort(400)
    filed = intake.reissue_receipt(
        db.session,
        report_session.issued_keys(),
        utcnow(),
        current_app.config["PORTAL_REISSUE_MINUTES"],
    )
    if filed is None:
        session[REISSUE_REFUSED] = True
        return redirect(url_for("public.already_filed"), code=303)
    db.session.commit()
    report_session.forget_already_filed()
    report_session.hold_receipt(filed.receipt, filed.case.case_ref)
    return redirect(url_for("public.filed_receipt"), code=303)
