"""Victim pages: home, the report form, the one-time receipt, status, privacy."""

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
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import casework, crypto, intake, limits, receipts, retention, uploads
from ..extensions import csrf, db
from ..i18n import LANGUAGES, current_language, switch_language
from ..intake import DuplicateSubmission, IntakeRefused, file_case
from ..models import Case, Message
from ..workflow import WorkflowError
from . import bp, status_session
from .forms import ConfirmForm, ReceiptForm, ReplyForm, ReportForm, SavedForm

log = logging.getLogger(__name__)

RECEIPT_ONCE = "receipt_once"
REPLY_DRAFT_CHARS = 6000


@bp.get("/")
def home() -> str:
    return render_template("public/home.html")


@bp.get("/privacy")
def privacy() -> str:
    return render_template(
        "public/privacy.html", retention_days=current_app.config["PORTAL_RETENTION_DAYS"]
    )


# -- the report form ----------------------------------------------------------------------
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


def render_report_over_limit() -> Response:
    """The filled form with a 429, for a client over the filing limit."""
    form = ReportForm(max_links=current_app.config["PORTAL_MAX_LINKS"])
    notice = _(
        "Several reports were sent from this connection in a short time, so we cannot take "
        "another one right now. Everything you typed is still here: please try again in "
        "an hour, or call 02-735-8994 (weekdays) or 112 if you are in danger."
    )
    page, _status = _render_report(form, status=429, notice=notice)
    return make_response(page, 429)


@bp.route("/report", methods=["GET", "POST"])
@limits.form_posts
@limits.filing
@csrf.exempt  # the form checks its own token, so an expired one gives the form back filled
def report() -> Response | tuple[str, int]:
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

    filed = None
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
        _discard_files(filed)
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


def _show_receipt_once(receipt: str, case_ref: str) -> Response:
    session[RECEIPT_ONCE] = crypto.ring().encrypt_text(f"{receipt}|{case_ref}", "session.receipt")
    return redirect(url_for("public.filed_receipt"), code=303)


@bp.post("/report/reissue")
@limits.receipt_per_client
def reissue_receipt() -> Response:
    """A new receipt for a report whose first receipt page never arrived."""
    if not ConfirmForm().validate():
        abort(400)
    filed = intake.reissue_receipt(db.session, (request.form.get("submission_key") or "")[:64])
    if filed is None:
        abort(404)
    db.session.commit()
    return _show_receipt_once(filed.receipt, filed.case.case_ref)


def _discard_files(filed: object) -> None:
    for name in getattr(filed, "stored_files", []):
        uploads.remove(current_app.config["PORTAL_UPLOAD_DIR"], name)


@bp.get("/report/receipt")
def filed_receipt() -> tuple[str, int] | str:
    sealed = session.pop(RECEIPT_ONCE, None)
    if not sealed:
        return render_template("public/receipt_gone.html")
    receipt, case_ref = crypto.ring().decrypt_text(sealed, "session.receipt").split("|", 1)
    form = SavedForm(receipt=receipt, case_ref=case_ref)
    return render_template("public/receipt.html", form=form, receipt=receipt, case_ref=case_ref)


@bp.post("/report/saved")
def receipt_saved() -> Response | tuple[str, int]:
    form = SavedForm()
    receipt, case_ref = form.receipt.data or "", form.case_ref.data or ""
    if not form.validate() or not receipts.belongs_to(db.session, receipt, case_ref):
        abort(400)
    if "download" in request.form:
        body = _("Case number: %(ref)s\nReceipt code: %(receipt)s\n", ref=case_ref, receipt=receipt)
        response = make_response(body)
        response.mimetype = "text/plain"
        response.charset = "utf-8"
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


# -- status: come back with the receipt ------------------------------------------------------
@bp.route("/status", methods=["GET", "POST"])
@limits.receipt_per_client
@limits.receipt_per_target
def status() -> Response | tuple[str, int]:
    form = ReceiptForm()
    notice = (
        _("For your safety, you were signed out after a while without activity.")
        if (status_session.pop_expired_notice())
        else None
    )
    if request.method == "GET":
        return render_template("public/status_entry.html", form=form, notice=notice), 200
    if not form.validate():
        abort(400)
    case = receipts.find_case(db.session, form.receipt.data)
    draft = (request.form.get("pending_message") or "")[:REPLY_DRAFT_CHARS]
    if case is None:
        error = _(
            "We could not open a report with this code. Please check the 20 digits and try again."
        )
        return render_template(
            "public/status_entry.html", form=form, error=error, pending_message=draft
        ), 200
    if case.status == "withdrawn":
        return render_template(
            "public/status_entry.html", form=ReceiptForm(formdata=None), withdrawn=True
        ), 200
    status_session.start(case.id)
    if draft:
        # Straight to the case page with the unsent message in the reply box.
        return _render_case(case, reply=ReplyForm(formdata=None, body=draft))
    return redirect(url_for("public.status_case"), code=303)


def _open_case() -> Case | None:
    case_id = status_session.case_id()
    if case_id is None:
        return None
    case = db.session.get(Case, case_id)
    if case is None or case.status == "withdrawn":
        status_session.end()
        return None
    return case


def _render_case(
    case: Case, reply: ReplyForm | None = None, status: int = 200, sent: bool = False
) -> tuple[str, int]:
    messages = db.session.scalars(
        select(Message).where(Message.case_id == case.id).order_by(Message.id)
    ).all()
    return render_template(
        "public/status_case.html",
        case=case,
        messages=messages,
        reply=reply or ReplyForm(formdata=None),
        leave=ConfirmForm(formdata=None),
        sent=sent,
    ), status


@bp.get("/status/case")
def status_case() -> Response | tuple[str, int]:
    case = _open_case()
    if case is None:
        return redirect(url_for("public.status"), code=303)
    return _render_case(case, sent=bool(session.pop("reply_sent", False)))


@bp.post("/status/case/reply")
@limits.message_from_victim
@csrf.exempt  # ReplyForm checks its token itself so an expired form keeps the message
def status_reply() -> Response | tuple[str, int]:
    case = _open_case()
    if case is None:
        draft = (request.form.get("body") or "").strip()
        if not draft:
            return redirect(url_for("public.status"), code=303)
        # Signed out while writing: keep the message and send it after the receipt.
        return render_template(
            "public/status_entry.html",
            form=ReceiptForm(formdata=None),
            pending_message=draft[:REPLY_DRAFT_CHARS],
        ), 200
    form = ReplyForm()
    if not form.validate():
        return _render_case(case, reply=form, status=400)
    try:
        casework.add_victim_message(db.session, case, form.cleaned_body)
    except WorkflowError:
        db.session.rollback()
        form.body.errors = [
            _(
                "This report is finished, so it cannot take new messages. "
                "If you need help again, please file a new report."
            )
        ]
        return _render_case(case, reply=form, status=400)
    db.session.commit()
    session["reply_sent"] = True
    return redirect(url_for("public.status_case"), code=303)


@bp.route("/status/case/withdraw", methods=["GET", "POST"])
def status_withdraw() -> Response | tuple[str, int]:
    case = _open_case()
    if case is None:
        return redirect(url_for("public.status"), code=303)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        if not form.confirm.data:
            error = _("Please tick the box to confirm that you want to delete your report.")
            return render_template("public/withdraw.html", form=form, case=case, error=error), 400
        erased = retention.withdraw(db.session, case, current_app.config["PORTAL_UPLOAD_DIR"])
        db.session.commit()
        status_session.end()
        return render_template("public/withdrawn.html", erased=erased), 200
    return render_template("public/withdraw.html", form=form, case=case), 200


@bp.post("/status/leave")
def status_leave() -> Response:
    status_session.end()
    return redirect(url_for("public.home", left=1), code=303)
