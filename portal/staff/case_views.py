"""The case page and every action on it. Each action is a POST that redirects back (PRG)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.cases import casework, workflow
from portal.cases.canned import canned_message, canned_options
from portal.cases.deadlines import Deadlines
from portal.choices import OPEN_STATUSES
from portal.evidence import export_rules
from portal.extensions import db
from portal.links.platforms import first_channel
from portal.models import Case, Staff, utcnow
from portal.security.sanitize import TextRefused, clean_field
from portal.staff import bp, fingerprint_views
from portal.staff.actions import workflow_message
from portal.staff.desk_forms import AnswerForm, TakedownRequestForm
from portal.staff.file_views import REVEALED
from portal.staff.forms import (
    ActionForm,
    AssignForm,
    HoldForm,
    PriorityForm,
    StatusForm,
    TextForm,
)
from portal.staff.guards import current_staff
from portal.takedown import desk


def _small_int(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and len(raw) < 19


def _case_or_404(case_ref: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
    if case is None:
        abort(404)
    return case


def _back(case: Case) -> ResponseReturnValue:
    return redirect(url_for("staff.case_detail", case_ref=case.case_ref), code=303)


class _Form(Protocol):
    def validate(self) -> bool: ...


FormT = TypeVar("FormT", bound=_Form)


def _act(
    case_ref: str, make_form: Callable[[], FormT], action: Callable[[Case, FormT], str | None]
) -> ResponseReturnValue:
    """Run one case action: CSRF-checked form, domain call, commit, flash, back to the case."""
    case = _case_or_404(case_ref)
    form = make_form()
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return _back(case)
    try:
        done = action(case, form)
    except workflow.WorkflowError as problem:
        db.session.rollback()
        flash(workflow_message(problem.reason), "error")
        return _back(case)
    except TextRefused:
        db.session.rollback()
        flash(_("The text is too long or contains characters we cannot accept."), "error")
        return _back(case)
    db.session.commit()
    if done:
        flash(done, "ok")
    return _back(case)


@bp.get("/cases/<case_ref>")
def case_detail(case_ref: str) -> str:
    staff: Staff = current_staff()
    case = casework.open_case(db.session, case_ref, staff)
    if case is None:
        abort(404)
    db.session.commit()
    colleagues = db.session.scalars(
        select(Staff).where(Staff.enabled.is_(True)).order_by(Staff.email)
    ).all()
    assign_form = AssignForm()
    assign_form.assignee.choices = [(str(s.id), s.email) for s in colleagues]
    canned_key = request.args.get("canned")
    message_form = TextForm(prefix="msg")
    if canned_key:
        message_form.body.data = canned_message(
            canned_key, case.language, evidence_kept=bool(case.files)
        )
    return render_template(
        "staff/case.html",
        case=case,
        staff=staff,
        next_statuses=workflow.allowed_next(case, staff),
        related=casework.related_cases(db.session, case),
        assign_form=assign_form,
        action_form=ActionForm(),
        status_form=StatusForm(),
        priority_form=PriorityForm(priority=case.priority),
        note_form=TextForm(prefix="note"),
        message_form=message_form,
        desk=desk.case_desk(db.session, case),
        request_form=TakedownRequestForm(),
        first_channel=first_channel,
        answer_form=AnswerForm(),
        hold_form=HoldForm(hold=case.legal_hold),
        export_refused=export_rules.case_export_refusal(case, staff),
        canned=canned_options(case.language),
        retention_days=current_app.config["PORTAL_RETENTION_DAYS"],
        revealed=set(session.get(REVEALED, [])),
        now=utcnow(),
        case_open=case.status in OPEN_STATUSES,
        **fingerprint_views.case_context(case, staff),
    )


@bp.post("/cases/<case_ref>/claim")
def case_claim(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, _form: ActionForm) -> str:
        workflow.claim(db.session, case, current_staff())
        return _("You claimed this case.")

    return _act(case_ref, ActionForm, action)


@bp.post("/cases/<case_ref>/release")
def case_release(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, _form: ActionForm) -> str:
        workflow.release(db.session, case, current_staff())
        return _("You released this case.")

    return _act(case_ref, ActionForm, action)


@bp.post("/cases/<case_ref>/assign")
def case_assign(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, form: AssignForm) -> str:
        raw = form.assignee.data or ""
        assignee = db.session.get(Staff, int(raw)) if _small_int(raw) else None
        if assignee is None:
            raise workflow.WorkflowError("unknown_staff")
        workflow.assign(db.session, case, current_staff(), assignee)
        return _("Case assigned to %(email)s.", email=assignee.email)

    return _act(case_ref, AssignForm, action)


@bp.post("/cases/<case_ref>/status")
def case_status(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, form: StatusForm) -> str:
        workflow.change_status(db.session, case, current_staff(), form.status.data or "")
        return _("Status changed.")

    return _act(case_ref, StatusForm, action)


@bp.post("/cases/<case_ref>/priority")
def case_priority(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, form: PriorityForm) -> str:
        reason = clean_field("reason", form.reason.data)
        workflow.override_priority(
            db.session,
            case,
            current_staff(),
            form.priority.data or "",
            reason,
            Deadlines.from_config(current_app.config),
        )
        return _("Priority changed.")

    return _act(case_ref, PriorityForm, action)


@bp.post("/cases/<case_ref>/notes")
def case_note(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, form: TextForm) -> str | None:
        body = clean_field("note", form.body.data)
        if not body:
            raise workflow.WorkflowError("empty_text")
        casework.add_note(db.session, case, current_staff(), body)
        return _("Internal note saved.")

    return _act(case_ref, lambda: TextForm(prefix="note"), action)


@bp.post("/cases/<case_ref>/messages")
def case_message(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, form: TextForm) -> str | None:
        body = clean_field("message", form.body.data)
        if not body:
            raise workflow.WorkflowError("empty_text")
        casework.send_message(db.session, case, current_staff(), body)
        return _("Message sent to the victim.")

    return _act(case_ref, lambda: TextForm(prefix="msg"), action)


@bp.post("/cases/<case_ref>/hold")
def case_hold(case_ref: str) -> ResponseReturnValue:
    def action(case: Case, form: HoldForm) -> str:
        reason = clean_field("reason", form.reason.data)
        casework.set_legal_hold(db.session, case, current_staff(), bool(form.hold.data), reason)
        return _("Legal hold updated.")

    return _act(case_ref, HoldForm, action)
