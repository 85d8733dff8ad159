"""Coming back with the receipt: the status page, replies, leaving, and withdrawal."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.cases import casework, receipts, retention
from portal.cases.workflow import WorkflowError
from portal.extensions import csrf, db
from portal.models import Case, Message
from portal.public import bp, status_session
from portal.public.forms import ConfirmForm, ReceiptForm, ReplyForm
from portal.web import limits

REPLY_DRAFT_CHARS = 6000


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
    status_session.start(case.id, case.status_generation)
    if draft:
        # Straight to the case page with the unsent message in the reply box.
        return _render_case(case, reply=ReplyForm(formdata=None, body=draft))
    return redirect(url_for("public.status_case"), code=303)


def _open_case() -> Case | None:
    opened = status_session.opened()
    if opened is None:
        return None
    case = db.session.get(Case, opened.case_id)
    if case is None or case.status == "withdrawn" or case.status_generation != opened.generation:
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
def status_case() -> ResponseReturnValue:
    case = _open_case()
    if case is None:
        return redirect(url_for("public.status"), code=303)
    return _render_case(case, sent=bool(session.pop("reply_sent", False)))


@bp.post("/status/case/reply")
@limits.message_from_victim
@csrf.exempt  # ReplyForm checks its token itself so an expired form keeps the message
def status_reply() -> ResponseReturnValue:
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
def status_withdraw() -> ResponseReturnValue:
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
def status_leave() -> ResponseReturnValue:
    """Close the report on this device, and on every device a copy of the cookie went to."""
    leaving = status_session.claimed()
    if leaving is not None:
        case = db.session.get(Case, leaving.case_id)
        if case is not None and case.status_generation == leaving.generation:
            receipts.end_status_sessions(db.session, case)
            db.session.commit()
    status_session.end()
    return redirect(url_for("public.home", left=1), code=303)
