"""Coming back with the receipt: the status page, replies, leaving, and withdrawal."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms.validators import ValidationError

from portal.cases import casework, drafts, receipts, retention
from portal.cases.workflow import WorkflowError
from portal.evidence import fingerprints
from portal.extensions import csrf, db
from portal.models import Case, Message, utcnow
from portal.public import bp, status_session
from portal.public.forms import ConfirmForm, FingerprintForm, ReceiptForm, ReplyForm
from portal.web import limits
from portal.web.i18n import switch_language
from portal.web.origin import from_another_site

REPLY_DRAFT_CHARS = 6000
# Why a reply waits as a draft.
SIGNED_OUT, SWITCHED = "signed_out", "switched"
REPLY_DRAFT = status_session.REPLY_DRAFT
ENTRY_OUTCOME = "status_entry_outcome"


@bp.route("/status", methods=["GET", "POST"])
@limits.receipt_per_client
@limits.receipt_per_target
def status() -> ResponseReturnValue:
    form = ReceiptForm()
    notice = (
        _("For your safety, you were signed out after a while without activity.")
        if (status_session.pop_expired_notice())
        else None
    )
    if request.method == "GET":
        outcome = session.pop(ENTRY_OUTCOME, None)
        error = None
        if outcome == "wrong":
            error = _(
                "We could not open a report with this code. "
                "Please check the 20 digits and try again."
            )
        return render_template(
            "public/status_entry.html",
            form=ReceiptForm(formdata=None),
            notice=notice,
            error=error,
            withdrawn=outcome == "withdrawn",
            pending_message=_signed_out_reply(),
        ), 200
    if not form.validate():
        abort(400)
    case = receipts.find_case(db.session, form.receipt.data)
    if case is None or case.status == "withdrawn":
        # Shown by a GET: no page in the history holds the code that was typed.
        session[ENTRY_OUTCOME] = "wrong" if case is None else "withdrawn"
        return redirect(url_for("public.status"), code=303)
    db.session.commit()  # a receipt from before 0009 was tied to its case just now
    status_session.start(case.id, case.status_generation, reply_draft=session.get(REPLY_DRAFT))
    return redirect(url_for("public.status_case"), code=303)


def _reply_draft(case_id: int | None = None) -> tuple[str, str] | None:
    """(body, why) of the reply being written, kept as a draft because the session ran out
    (SIGNED_OUT) or the language changed (SWITCHED). With ``case_id``, only one written in
    that case (a draft from before drafts named their case counts as its own)."""
    fields = drafts.load(db.session, session.get(REPLY_DRAFT), utcnow())
    if not fields:
        return None
    kept = dict(fields)
    if case_id is not None and kept.get("case", str(case_id)) != str(case_id):
        return None
    return kept.get("body", ""), kept.get("why", SIGNED_OUT)


def _signed_out_reply() -> str | None:
    """What the entry page shows: only a reply kept because the session ran out."""
    kept = _reply_draft()
    return kept[0] if kept and kept[1] == SIGNED_OUT else None


def _keep_reply(body: str, case_id: int, why: str) -> None:
    token = drafts.save(
        db.session,
        [("case", str(case_id)), ("why", why), ("body", body[:REPLY_DRAFT_CHARS])],
        utcnow(),
        current_app.config["PORTAL_DRAFT_MINUTES"],
        token=session.get(REPLY_DRAFT),
        owner=limits.client_key(),
    )
    db.session.commit()
    session[REPLY_DRAFT] = token


def _forget_reply() -> None:
    token = session.pop(REPLY_DRAFT, None)
    if token:
        drafts.discard(db.session, token)


def open_case() -> Case | None:
    opened = status_session.opened()
    if opened is None:
        return None
    case = db.session.get(Case, opened.case_id)
    if case is None or case.status == "withdrawn" or case.status_generation != opened.generation:
        status_session.end()
        return None
    return case


def render_case(
    case: Case,
    reply: ReplyForm | None = None,
    status: int = 200,
    sent: bool = False,
    fingerprint_problems: list[str] | None = None,
    fingerprints_kept: list[str] | None = None,
    share_kept: bool | None = None,
) -> tuple[str, int]:
    """The case page; after a refused fingerprint form, ``fingerprints_kept`` and
    ``share_kept`` are what the victim sent, so nothing they chose is lost."""
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
        fingerprint_form=FingerprintForm(
            formdata=None,
            share_fingerprints=case.share_fingerprints if share_kept is None else share_kept,
        ),
        fingerprint_count=fingerprints.count(db.session, case.id),
        fingerprint_problems=fingerprint_problems or [],
        fingerprints_kept=fingerprints_kept or [],
        fingerprints_saved=session.pop("fingerprints_saved", None),
        max_fingerprints=current_app.config["PORTAL_FINGERPRINT_MAX"],
    ), status


@bp.get("/status/case")
def status_case() -> ResponseReturnValue:
    case = open_case()
    if case is None:
        return redirect(url_for("public.status"), code=303)
    waiting = _reply_draft(case.id)
    if waiting and waiting[1] == SWITCHED:
        _forget_reply()  # it has done its job: the box below holds it now
        db.session.commit()
    reply = ReplyForm(formdata=None, body=waiting[0]) if waiting else None
    return render_case(case, reply=reply, sent=bool(session.pop("reply_sent", False)))


@bp.post("/status/case/reply")
@limits.message_from_victim
@csrf.exempt  # ReplyForm checks its token itself so an expired form keeps the message
def status_reply() -> ResponseReturnValue:
    if from_another_site():
        return redirect(url_for("public.status"), code=303)
    case = open_case()
    if case is None:
        draft = (request.form.get("body") or "").strip()
        last_case = status_session.last_case()
        if not draft or last_case is None:
            return redirect(url_for("public.status"), code=303)
        # Signed out while writing: keep the message for after the receipt is entered again,
        # but only from a form this session was given (not one sent again after leaving).
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            return redirect(url_for("public.status"), code=303)
        _keep_reply(draft, last_case, SIGNED_OUT)
        return redirect(url_for("public.status"), code=303)
    form = ReplyForm()
    if not form.validate():
        return render_case(case, reply=form, status=400)
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
        return render_case(case, reply=form, status=400)
    _forget_reply()
    db.session.commit()
    session["reply_sent"] = True
    return redirect(url_for("public.status_case"), code=303)


@bp.post("/status/case/language")
@csrf.exempt  # checked below: a stale token switches the language but keeps nothing
def status_language() -> ResponseReturnValue:
    """The case page's language button (it posts the reply form here): the reply being
    written waits as a draft and is shown again in the other language; nothing is sent."""
    if from_another_site():
        return redirect(url_for("public.status"), code=303)
    switch_language(request.form.get("switch_lang"))
    case = open_case()
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        # A form this session was not given keeps nothing.
        return redirect(url_for("public.status_case" if case else "public.status"), code=303)
    typed = (request.form.get("body") or "").strip()
    if case is None:
        last_case = status_session.last_case()
        if typed and last_case is not None:
            _keep_reply(typed, last_case, SIGNED_OUT)  # as Send would have kept it
        return redirect(url_for("public.status"), code=303)
    if typed:
        _keep_reply(typed, case.id, SWITCHED)
    else:
        _forget_reply()  # the victim cleared the box: nothing comes back
        db.session.commit()
    return redirect(url_for("public.status_case"), code=303)


@bp.route("/status/case/withdraw", methods=["GET", "POST"])
def status_withdraw() -> ResponseReturnValue:
    case = open_case()
    if case is None:
        return redirect(url_for("public.status"), code=303)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        if not form.confirm.data:
            error = _("Please tick the box to confirm that you want to delete your report.")
            return render_template("public/withdraw.html", form=form, case=case, error=error), 400
        erased = retention.withdraw(db.session, case, current_app.config["PORTAL_UPLOAD_DIR"])
        _forget_reply()  # a reply being written goes with the report
        db.session.commit()
        status_session.end()
        return render_template("public/withdrawn.html", erased=erased), 200
    return render_template("public/withdraw.html", form=form, case=case), 200


@bp.post("/status/leave")
def status_leave() -> ResponseReturnValue:
    """Close the report on this device, and on every device a copy of the cookie went to."""
    leaving = status_session.claimed()
    if leaving is not None:
        case = db.session.get(Case, leaving.case_id)
        if case is not None and case.status_generation == leaving.generation:
            receipts.end_status_sessions(db.session, case)
    _forget_reply()
    db.session.commit()
    # Everything this browser held goes, its CSRF secret too: a reply form sent again with
    # Back after leaving is refused rather than kept for the next person at this device.
    session.clear()
    return redirect(url_for("public.home", left=1), code=303)
