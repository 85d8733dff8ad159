"""The report form: every POST ends in a redirect, and what was typed waits in a draft.

A language switch, "add another link", a refused form and a form over its limit are each
kept on the server (cases/drafts.py) and shown again by a GET, so no page in the browser's
history holds a form that pressing Back could send again.
"""

from __future__ import annotations

import logging
import re

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests

from portal.cases import drafts
from portal.cases.deadlines import Deadlines
from portal.cases.intake import DuplicateSubmission, IntakeRefused, file_case
from portal.evidence.pdf_render import PdfLimits
from portal.extensions import csrf, db
from portal.models import utcnow
from portal.public import bp, report_session
from portal.public.forms import csrf_failed
from portal.public.report_filing import filing_from
from portal.public.report_form import ReportForm
from portal.web import limits
from portal.web.after_response import compare_after_response
from portal.web.errors import render_error
from portal.web.i18n import current_language, switch_language
from portal.web.origin import from_another_site

log = logging.getLogger(__name__)

CSRF_SLOT = "__PORTAL_CSRF_SLOT__"
KEY_SLOT = "__PORTAL_SUBMISSION_KEY_SLOT__"
# The link rows' fields; with the form's own fields, the only names a draft keeps.
_LINK_FIELD = re.compile(r"links-[0-9]{1,2}-(?:url|note)")


def _report_context(form: ReportForm, csrf_value: str) -> dict:
    config = current_app.config
    return {
        "form": form,
        "csrf_value": csrf_value,
        "max_files": config["PORTAL_MAX_FILES"],
        "max_file_mb": config["PORTAL_MAX_FILE_BYTES"] // (1024 * 1024),
        "pdf_max_pages": config["PORTAL_PDF_MAX_PAGES"],
        "max_fingerprints": config["PORTAL_FINGERPRINT_MAX"],
    }


def _blank_report_page() -> str:
    """The empty form, rendered once per language and process; only the two per-visitor
    values (CSRF token and form key) are filled in per request.

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
    return page.replace(CSRF_SLOT, generate_csrf()).replace(KEY_SLOT, report_session.issue_key())


def _render(
    form: ReportForm, status: int, notice: str | None = None, files_dropped: bool = False
) -> tuple[str, int]:
    return render_template(
        "public/report.html",
        notice=notice,
        files_dropped=files_dropped,
        **_report_context(form, generate_csrf()),
    ), status


def _over_limit_notice() -> str:
    return _(
        "Several reports came from the same internet connection (such as one Wi-Fi) in a "
        "short time, so we cannot take another one right now. You did nothing wrong. "
        "Everything you typed is still here: please try again in "
        "an hour. To talk to someone now, call 1366 (24 hours); if you are in danger, "
        "call 112."
    )


def _files_chosen() -> bool:
    return any((upload.filename or "").strip() for upload in request.files.getlist("evidence"))


def _keep_and_show(form: ReportForm, view: dict, fallback_status: int) -> ResponseReturnValue:
    """Keep what was typed as a draft and send the browser to GET /report to see it."""
    answers = set(form._fields) - {"links", "csrf_token", "submission_key"}
    fields = [
        (k, v)
        for k, v in request.form.items(multi=True)
        if k in answers or _LINK_FIELD.fullmatch(k)
    ]
    fields.append(("submission_key", form.submission_key.data or ""))
    view = {**view, "files_dropped": _files_chosen()}
    config = current_app.config
    try:
        token = drafts.save(
            db.session,
            fields,
            utcnow(),
            config["PORTAL_DRAFT_MINUTES"],
            token=report_session.draft_token(),
            owner=limits.client_key(),
        )
        db.session.commit()
    except (SQLAlchemyError, ValueError) as error:
        # The database is out of reach: show the form from this POST rather than lose it.
        db.session.rollback()
        log.error("draft not kept: %s", type(error).__name__)
        again = ReportForm(max_links=form.max_links, meta={"csrf": False})
        again.submission_key.data = form.submission_key.data
        return _render_draft(again, view, fallback_status)
    report_session.keep_draft(token)
    report_session.show_next(view)
    return redirect(url_for("public.report"), code=303)


def _render_draft(form: ReportForm, view: dict, status: int = 200) -> tuple[str, int]:
    for _row in range(int(view.get("extra_rows", 0))):
        form.add_link_row()
    notice = None
    if view.get("max_links_reached"):
        notice = _("You can add up to %(max)d links.", max=form.max_links)
    if view.get("errors"):
        form.validate()
        if view.get("csrf_expired"):
            form.summary.insert(
                0,
                (
                    "report-form",
                    _(
                        "For your safety the form expired. "
                        "Please check your answers and send again."
                    ),
                ),
            )
        for message in view.get("file_errors", []):
            form.add_file_error(str(message))
        status = max(status, 400)
    if view.get("over_limit"):
        notice, status = _over_limit_notice(), 429
    return _render(form, status, notice, bool(view.get("files_dropped")))


def _report_page() -> ResponseReturnValue:
    """GET /report: the form in progress if this browser has one, else a blank form."""
    view = report_session.take_view()
    fields = drafts.load(db.session, report_session.draft_token(), utcnow())
    if fields is None:
        return _blank_report_page(), 200
    form = ReportForm(
        formdata=MultiDict(fields),
        max_links=current_app.config["PORTAL_MAX_LINKS"],
        meta={"csrf": False},
    )
    form.submission_key.data = report_session.accepted_key(form.submission_key.data)
    return _render_draft(form, view)


@bp.errorhandler(TooManyRequests)
def _over_limit(error: TooManyRequests) -> ResponseReturnValue:
    """Over the filing limit: keep the form and show it again, never a page that loses it."""
    if error.response is not None:
        return error.response
    scope = getattr(getattr(error, "limit", None), "scope", None)
    if request.endpoint == "public.report" and scope in limits.FORM_KEEPING_SCOPES:
        form = ReportForm(max_links=current_app.config["PORTAL_MAX_LINKS"])
        form.submission_key.data = report_session.accepted_key(form.submission_key.data)
        return _keep_and_show(form, {"over_limit": True}, 429)
    return render_error(429)


@bp.route("/report", methods=["GET", "POST"])
@limits.form_posts
@limits.refused_uploads
@csrf.exempt  # the form checks its own token, so an expired one gives the form back filled
def report() -> ResponseReturnValue:
    if request.method == "GET":
        return _report_page()
    if from_another_site():
        # A form another site auto-posts: nothing it carries is kept, and the session (and
        # any status session the victim has open) is left as it was.
        log.info("ignored a report form posted from another site")
        return redirect(url_for("public.report"), code=303)
    config = current_app.config
    form = ReportForm(max_links=config["PORTAL_MAX_LINKS"])
    form.submission_key.data = report_session.accepted_key(form.submission_key.data)

    if "switch_lang" in request.form:
        # The language buttons never send the report, whatever value a tampered one carries.
        switch_language(request.form.get("switch_lang"))
        return _keep_and_show(form, {}, 200)
    if "add_link" in request.form:
        room = len(form.links.entries) < form.max_links
        return _keep_and_show(form, {"extra_rows": int(room), "max_links_reached": not room}, 200)

    # Files are decoded only for an otherwise valid form: a refused form drops them anyway.
    uploads = request.files.getlist("evidence")
    files_ok = form.validate() and form.validate_files(
        uploads,
        config["PORTAL_MAX_FILES"],
        config["PORTAL_MAX_FILE_BYTES"],
        config["PORTAL_PIXEL_BUDGET"],
        PdfLimits.from_config(config),
    )
    if form.file_errors:
        # Refused files cost decoding: each counts against the form-post limit too.
        g.uploads_refused = sum(1 for upload in uploads if (upload.filename or "").strip())
    if not files_ok:
        view = {
            "errors": True,
            "csrf_expired": csrf_failed(form),
            "file_errors": list(form.file_errors),
        }
        return _keep_and_show(form, view, 400)
    if form.is_bot:
        # Looks like success to the bot; nothing is stored.
        return redirect(url_for("public.filed_receipt"), code=303)
    if not limits.take_filing_slot():
        return _keep_and_show(form, {"over_limit": True}, 429)

    try:
        filed = file_case(
            db.session,
            filing_from(form, current_language()),
            config["PORTAL_UPLOAD_DIR"],
            hours=Deadlines.from_config(config),
        )
        drafts.discard(db.session, report_session.forget_draft())
        db.session.commit()
        if form.fingerprint.data:
            compare_after_response()
    except DuplicateSubmission as duplicate:
        db.session.rollback()
        limits.give_back_filing_slot()
        drafts.discard(db.session, report_session.forget_draft())
        db.session.commit()
        report_session.note_already_filed(duplicate.case_ref)
        return redirect(url_for("public.already_filed"), code=303)
    except IntakeRefused:
        db.session.rollback()
        limits.give_back_filing_slot()
        abort(400)
    except (SQLAlchemyError, OSError) as error:
        # The database, or the disk the files go to, failed: the victim keeps the form.
        limits.give_back_filing_slot()
        db.session.rollback()
        log.error("filing failed, could not be stored: %s", type(error).__name__)
        notice = _(
            "We could not save your report just now. Nothing you typed is lost: "
            "please wait a minute and press Send again."
        )
        return _render(form, 503, notice, _files_chosen())

    report_session.hold_receipt(filed.receipt, filed.case.case_ref)
    return redirect(url_for("public.filed_receipt"), code=303)
