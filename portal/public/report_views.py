"""The report form, the one-time receipt, and the page a victim over the limit gets."""

from __future__ import annotations

import logging
import secrets

from flask import (
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import TooManyRequests

from portal.cases import intake, receipts
from portal.cases.intake import DuplicateSubmission, IntakeRefused, file_case
from portal.extensions import csrf, db
from portal.public import bp
from portal.public.forms import ConfirmForm, SavedForm
from portal.public.report_form import ReportForm
from portal.security import crypto
from portal.web import limits
from portal.web.errors import render_error
from portal.web.i18n import LANGUAGES, current_language, switch_language

log = logging.getLogger(__name__)

RECEIPT_ONCE = "receipt_once"


def _report_context(form: ReportForm, csrf_value: str) -> dict:
    config = current_app.config
    return {
        "form": form,
        "csrf_value": csrf_value,
        "max_files": config["PORTAL_MAX_FILES"],
        "max_file_mb": config["PORTAL_MAX_FILE_BYTES"] // (1024 * 1024),
    }


CSRF_SLOT = "__PORTAL_CSRF_SLOT__"
KEY_SLOT = "__PORTAL_SUBMISSION_KEY_SLOT__"


def _blank_report_page() -> str:
    """The empty form, rendered once per language and process; only the two per-visitor
    values (CSRF token and submission key) are filled in per request.

    A wave of victims opening the form then costs a string replace, not a template render.
    """
    cache = current_app.extensions.setdefault("blank_report_page", {})
    language = current_language()
    page = None if current_app.debug else cache.get(language)
    if page is None:
        form = ReportForm(formdata=None, max_links=current_app.config["PORTAL_MAX_LINKS"])
        form.submission_key.data = KEY_SLOT
        page = render_template(
            "public/report.html",
            notice=None,
            files_dropped=False,
            **_report_context(form, CSRF_SLOT),
        )
        cache[language] = page
    return page.replace(CSRF_SLOT, generate_csrf()).replace(KEY_SLOT, secrets.token_urlsafe(24))


def _render_report(
    form: ReportForm, status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    files_dropped = request.method == "POST" and any(
        (upload.filename or "").strip() for upload in request.files.getlist("evidence")
    )
    return render_template(
        "public/report.html",
        notice=notice,
        files_dropped=files_dropped,
        **_report_context(form, generate_csrf()),
    ), status


def render_report_over_limit() -> ResponseReturnValue:
    """The filled form with a 429, for a client over the filing limit."""
    form = ReportForm(max_links=current_app.config["PORTAL_MAX_LINKS"])
    notice = _(
        "Several reports were sent from this connection in a short time, so we cannot take "
        "another one right now. Everything you typed is still here: please try again in "
        "an hour, or call 02-735-8994 (weekdays) or 112 if you are in danger."
    )
    page, _status = _render_report(form, status=429, notice=notice)
    return make_response(page, 429)


@bp.errorhandler(TooManyRequests)
def _over_limit(error: TooManyRequests) -> ResponseReturnValue:
    """Over the filing limit: give the form back filled, never a page that loses it."""
    if error.response is not None:
        return error.response
    scope = getattr(getattr(error, "limit", None), "scope", None)
    if request.endpoint == "public.report" and scope in limits.FORM_KEEPING_SCOPES:
        return render_report_over_limit()
    return render_error(429)


@bp.route("/report", methods=["GET", "POST"])
@limits.form_posts
@limits.filing
@csrf.exempt  # the form checks its own token, so an expired one gives the form back filled
def report() -> ResponseReturnValue:
    if request.method == "GET":
        return _blank_report_page(), 200
    max_links = current_app.config["PORTAL_MAX_LINKS"]
    form = ReportForm(max_links=max_links)

    if not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    language_switch = request.form.get("switch_lang")
    if language_switch in LANGUAGES:
        switch_language(language_switch)
        return _render_report(form)
    if "add_link" in request.form:
        added = form.add_link_row()
        notice = None if added else _("You can add up to %(max)d links.", max=max_links)
        return _render_report(form, notice=notice)

    # Files are decoded only for an otherwise valid form: a refused form drops them anyway.
    if not form.validate() or not form.validate_files(
        request.files.getlist("evidence"),
        current_app.config["PORTAL_MAX_FILES"],
        current_app.config["PORTAL_MAX_FILE_BYTES"],
    ):
        return _render_report(form, status=400)
    if form.is_bot:
        # Looks like success to the bot; nothing is stored.
        return redirect(url_for("public.filed_receipt"), code=303)

    try:
        filed = file_case(
            db.session, form.to_filing(current_language()), current_app.config["PORTAL_UPLOAD_DIR"]
        )
        db.session.commit()
    except DuplicateSubmission as duplicate:
        db.session.rollback()
        return render_template(
            "public/already_filed.html",
            case_ref=duplicate.case_ref,
            submission_key=form.submission_key.data,
        ), 200
    except IntakeRefused:
        db.session.rollback()
        abort(400)
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("filing failed, database unavailable: %s", type(error).__name__)
        notice = _(
            "We could not save your report just now. Nothing you typed is lost: "
            "please wait a minute and press Send again."
        )
        return _render_report(form, status=503, notice=notice)

    g.case_filed = True
    sealed = crypto.ring().encrypt_text(f"{filed.receipt}|{filed.case.case_ref}", "session.receipt")
    session[RECEIPT_ONCE] = sealed
    return redirect(url_for("public.filed_receipt"), code=303)


def _show_receipt_once(receipt: str, case_ref: str) -> ResponseReturnValue:
    session[RECEIPT_ONCE] = crypto.ring().encrypt_text(f"{receipt}|{case_ref}", "session.receipt")
    return redirect(url_for("public.filed_receipt"), code=303)


@bp.post("/report/reissue")
@limits.receipt_per_client
def reissue_receipt() -> ResponseReturnValue:
    """A new receipt for a report whose first receipt page never arrived."""
    if not ConfirmForm().validate():
        abort(400)
    filed = intake.reissue_receipt(db.session, (request.form.get("submission_key") or "")[:64])
    if filed is None:
        abort(404)
    db.session.commit()
    return _show_receipt_once(filed.receipt, filed.case.case_ref)


@bp.get("/report/receipt")
def filed_receipt() -> tuple[str, int] | str:
    sealed = session.pop(RECEIPT_ONCE, None)
    if not sealed:
        return render_template("public/receipt_gone.html")
    receipt, case_ref = crypto.ring().decrypt_text(sealed, "session.receipt").split("|", 1)
    form = SavedForm(receipt=receipt, case_ref=case_ref)
    return render_template("public/receipt.html", form=form, receipt=receipt, case_ref=case_ref)


@bp.post("/report/saved")
def receipt_saved() -> ResponseReturnValue:
    form = SavedForm()
    receipt, case_ref = form.receipt.data or "", form.case_ref.data or ""
    if not form.validate() or not receipts.belongs_to(db.session, receipt, case_ref):
        abort(400)
    if "download" in request.form:
        body = _("Case number: %(ref)s\nReceipt code: %(receipt)s\n", ref=case_ref, receipt=receipt)
        response = make_response(body)
        response.mimetype = "text/plain"
        response.headers["Content-Disposition"] = 'attachment; filename="receipt.txt"'
        return response
    if not form.saved.data:
        error = _("Please save your receipt code, then tick the box to confirm.")
        return render_template(
            "public/receipt.html", form=form, receipt=receipt, case_ref=case_ref, error=error
        ), 400
    return redirect(url_for("public.report_done"), code=303)


@bp.get("/report/done")
def report_done() -> str:
    return render_template("public/done.html")
