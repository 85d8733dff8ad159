"""Targets: the list (the channel hurting the most victims on top), one target with every
link into it across cases, and one request or answer for all of them."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import choices
from portal.cases import paging
from portal.cases.workflow import WorkflowError
from portal.evidence import fingerprints
from portal.extensions import db
from portal.links.platforms import first_channel
from portal.models import TakedownRequest, Target, utcnow
from portal.security import audit
from portal.security.sanitize import clean_field
from portal.staff import bp
from portal.staff.actions import answer_note, request_note, run_action
from portal.staff.desk_forms import (
    ROW_ID,
    AnswerForm,
    TakedownRequestForm,
    link_ids,
    moment_of,
    reference_of,
)
from portal.staff.guards import current_staff, safe_next
from portal.takedown import desk, requests, states

# The latest requests on a target's page; a channel asked about for months has a page of them.
REQUESTS_SHOWN = 10


def _target_or_404(target_id: int) -> Target:
    target = db.session.get(Target, target_id)
    if target is None:
        abort(404)
    return target


@bp.get("/targets/")
def targets_list() -> str:
    order = request.args.get("order", "open")
    if order not in desk.ORDERS:
        order = "open"
    after = paging.decode_ints(request.args.get("after"), 3)
    page, cursor = desk.target_page(
        db.session, order, after, limit=current_app.config["PORTAL_PAGE_SIZE"]
    )
    return render_template(
        "staff/targets.html",
        targets=page,
        order=order,
        next_cursor=paging.encode(*cursor) if cursor else None,
        first_page=after is None,
    )


@bp.get(f"/targets/<{ROW_ID}:target_id>")
def target_detail(target_id: int) -> str:
    target = _target_or_404(target_id)
    # Audited and committed before anything is loaded for the page: a commit expires every
    # loaded row, and the template would then reload each link with a query of its own.
    audit.record(db.session, "target.viewed", staff=current_staff(), target=target.id)
    db.session.commit()
    show_all = request.args.get("show") == "all"
    after = paging.decode_ints(request.args.get("after"), 1)
    links, next_after = desk.target_links(
        db.session,
        target.id,
        only_open=not show_all,
        after=after[0] if after else None,
        limit=current_app.config["PORTAL_PAGE_SIZE"],
    )
    outcomes, median_wait = requests.response_counts(
        desk.platform_requests(db.session, target.platform)
    )
    escalate_after = current_app.config["PORTAL_ESCALATE_AFTER_DAYS"]
    made = desk.target_requests(db.session, target.id, limit=REQUESTS_SHOWN + 1)
    return render_template(
        "staff/target.html",
        target=target,
        links=links,
        show_all=show_all,
        next_after=paging.encode(next_after) if next_after else None,
        counts=desk.state_counts(db.session, target.id),
        target_requests=made[:REQUESTS_SHOWN],
        more_requests=len(made) > REQUESTS_SHOWN,
        mail_states=desk.mail_states(db.session, made),
        back_url=url_for("staff.target_detail", target_id=target.id),
        platform_outcomes=outcomes,
        removal_rate=requests.removal_rate(outcomes),
        platform_wait=median_wait,
        escalate_days=escalate_after.get(target.platform, escalate_after["*"]),
        request_form=TakedownRequestForm(),
        answer_form=AnswerForm(),
        now=utcnow(),
        first_channel=first_channel,
        escalation_due=states.escalation_due,
        image_matches=fingerprints.related(db.session, sorted({link.case_id for link in links})),
    )


@bp.get(f"/targets/<{ROW_ID}:target_id>/all-requests")
def target_requests_page(target_id: int) -> str:
    """Every request about a target, newest first, a page at a time."""
    target = _target_or_404(target_id)
    before = paging.decode_time_id(request.args.get("after"))
    size = current_app.config["PORTAL_PAGE_SIZE"]
    made = desk.target_requests(db.session, target.id, limit=size + 1, before=before)
    page = made[:size]
    escalate_after = current_app.config["PORTAL_ESCALATE_AFTER_DAYS"]
    return render_template(
        "staff/target_requests.html",
        target=target,
        target_requests=page,
        next_after=paging.encode(page[-1].sent_at, page[-1].id) if len(made) > size else None,
        first_page=before is None,
        mail_states=desk.mail_states(db.session, page),
        back_url=request.full_path.rstrip("?"),
        answer_form=AnswerForm(),
        now=utcnow(),
        escalate_days=escalate_after.get(target.platform, escalate_after["*"]),
        escalation_due=states.escalation_due,
    )


@bp.post(f"/targets/<{ROW_ID}:target_id>/requests")
def target_request(target_id: int) -> ResponseReturnValue:
    target = _target_or_404(target_id)
    back = url_for("staff.target_detail", target_id=target.id)
    form = TakedownRequestForm()
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)

    def action() -> str:
        if form.scope.data == "selected":
            chosen = link_ids(request.form.getlist("link"))
        else:
            chosen = desk.open_link_ids(db.session, target.id)
        channel = form.channel.data or ""
        if channel not in choices.REQUEST_CHANNELS:
            raise WorkflowError("unknown_channel")
        made = requests.record_request(
            db.session,
            current_staff(),
            chosen,
            requests.Sent(
                channel, moment_of(form.sent_on.data, utcnow()), reference_of(form.reference.data)
            ),
            note=request_note(channel),
            target=target,
        )
        return ngettext(
            "Request recorded for %(num)d link.",
            "Request recorded for %(num)d links.",
            made.link_count,
        )

    return run_action(action, back)


@bp.post(f"/requests/<{ROW_ID}:request_id>/answer")
def request_answer(request_id: int) -> ResponseReturnValue:
    made = db.session.get(TakedownRequest, request_id)
    if made is None:
        abort(404)
    fallback = (
        url_for("staff.target_detail", target_id=made.target_id)
        if made.target_id
        else url_for("staff.targets_list")
    )
    back = safe_next(request.form.get("next")) or fallback
    form = AnswerForm()
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)

    def action() -> str:
        outcome = form.outcome.data or ""
        if outcome not in choices.REQUEST_OUTCOMES:
            raise WorkflowError("unknown_outcome")
        chosen = link_ids(request.form.getlist("link")) if form.scope.data == "selected" else None
        cases = requests.record_answer(
            db.session,
            current_staff(),
            made,
            requests.Answer(
                outcome,
                moment_of(form.answered_on.data, utcnow()),
                reference_of(form.reference.data),
                clean_field("answer", form.answer.data) or None,
            ),
            note=answer_note(outcome),
            link_ids=chosen,
            recheck_days=current_app.config["PORTAL_RECHECK_DAYS"],
        )
        return ngettext(
            "Answer recorded in %(num)d case.", "Answer recorded in %(num)d cases.", cases
        )

    return run_action(action, back)
