"""Notices to platforms: drafted from the chosen links, previewed and edited, then copied,
downloaded (.txt, .eml) or sent through the outbox; the request is recorded on confirmation."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal import choices
from portal.cases.workflow import WorkflowError
from portal.extensions import db
from portal.links.platforms import NOTICE_CHANNELS, first_channel
from portal.models import Link, Target, utcnow
from portal.security.sanitize import TextRefused, clean_field
from portal.staff import bp
from portal.staff.actions import workflow_message
from portal.staff.desk_forms import KOREA, ROW_ID, NoticeForm, link_ids
from portal.staff.guards import current_staff, safe_next
from portal.staff.notice_send import deliver
from portal.takedown import desk, drafting, notice_rules, notices


def _language(platform: str, channel: str) -> str:
    wanted = request.form.get("language", "")
    if wanted in choices.LANGUAGE_CODES:
        return wanted
    return notice_rules.notice_language(platform, channel)


def _channel(platform: str) -> str:
    wanted = request.form.get("channel", "")
    if wanted in NOTICE_CHANNELS:
        return wanted
    return first_channel(platform)


def _notice_page(
    form: NoticeForm,
    draft: drafting.Draft,
    *,
    channel: str,
    language: str,
    platform: str,
    target: Target | None,
    back: str,
    to: str,
) -> str:
    return render_template(
        "staff/notice.html",
        form=form,
        draft=draft,
        channel=channel,
        language=language,
        platform=platform,
        target=target,
        back=back,
        smtp=bool(current_app.config.get("PORTAL_SMTP_URL")),
        to=to,
        channel_label=choices.REQUEST_CHANNELS.get(channel, channel),
    )


def _preview(
    chosen: list[int], platform: str, back: str, target: Target | None
) -> ResponseReturnValue:
    channel = _channel(platform)
    language = _language(platform, channel)
    try:
        draft = drafting.draft_notice(
            db.session,
            chosen,
            channel=channel,
            language=language,
            platform=platform,
            org=drafting.org_from(current_app.config),
            include_victim=request.form.get("include_victim") == "y",
            today=utcnow().astimezone(KOREA).date(),
            target_id=target.id if target else None,
        )
    except WorkflowError as problem:
        flash(workflow_message(problem.reason), "error")
        return redirect(back, code=303)
    drafting.record_for_cases(
        db.session,
        "notice.generated",
        current_staff(),
        draft.link_ids,
        target=target.id if target else None,
        channel=channel,
        language=language,
        victim=draft.victim_included,
    )
    db.session.commit()
    form = NoticeForm()
    form.subject.data = draft.notice.subject
    form.body.data = draft.notice.body
    emails = [to for to in draft.notice.suggested_to if "@" in to and "://" not in to]
    return _notice_page(
        form,
        draft,
        channel=channel,
        language=language,
        platform=platform,
        target=target,
        back=back,
        to=emails[0] if emails else "",
    )


@bp.post(f"/targets/<{ROW_ID}:target_id>/notice")
def target_notice(target_id: int) -> ResponseReturnValue:
    target = db.session.get(Target, target_id)
    if target is None:
        abort(404)
    back = url_for("staff.target_detail", target_id=target.id)
    if not NoticeForm().validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)
    try:
        if request.form.get("scope") == "selected":
            chosen = link_ids(request.form.getlist("link"))
        else:
            chosen = desk.open_link_ids(db.session, target.id)
    except WorkflowError as problem:
        flash(workflow_message(problem.reason), "error")
        return redirect(back, code=303)
    return _preview(chosen, target.platform, back, target)


@bp.post(f"/cases/<case_ref>/links/<{ROW_ID}:link_id>/notice")
def link_notice(case_ref: str, link_id: int) -> ResponseReturnValue:
    link = db.session.get(Link, link_id)
    if link is None or link.case.case_ref != case_ref:
        abort(404)
    back = url_for("staff.case_detail", case_ref=case_ref) + f"#link-{link.id}"
    if not NoticeForm().validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)
    return _preview([link.id], link.platform, back, None)


@bp.post("/notices")
def notice_act() -> ResponseReturnValue:
    """Download the edited notice, send it, or record that staff sent it themselves."""
    form = NoticeForm()
    # Back to a staff page only: no other site, and no line break to split the header.
    back = safe_next(request.form.get("back"))
    back = back if back and back.startswith("/staff/") else url_for("staff.targets_list")
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)
    try:
        chosen = link_ids(request.form.getlist("link"))
    except WorkflowError as problem:
        flash(workflow_message(problem.reason), "error")
        return redirect(back, code=303)
    try:
        subject = clean_field("subject", form.subject.data)
        body = clean_field("notice", form.body.data)
        outcome: Any = deliver(form, subject, body, chosen, back)
    except WorkflowError as problem:
        db.session.rollback()
        return _typed_again(form, chosen, back, workflow_message(problem.reason))
    except TextRefused:
        db.session.rollback()
        message = _("The text is too long or contains characters we cannot accept.")
        return _typed_again(form, chosen, back, message)
    return outcome


def _typed_again(form: NoticeForm, chosen: list[int], back: str, problem: str) -> Any:
    """The notice page again with what staff typed and why it was refused: never lost."""
    raw_target = form.target_id.data or ""
    target = (
        db.session.get(Target, int(raw_target))
        if raw_target.isascii() and raw_target.isdigit() and len(raw_target) < 10
        else None
    )
    found = db.session.execute(select(Link.platform, Link.case_id).where(Link.id.in_(chosen))).all()
    platform = target.platform if target else (found[0][0] if found else "web")
    channel = form.channel.data if form.channel.data in NOTICE_CHANNELS else _channel(platform)
    language = _language(platform, channel)
    draft = drafting.Draft(
        notices.Notice(form.subject.data or "", form.body.data or "", ()),
        tuple(chosen),
        len({case_id for _platform, case_id in found}),
        request.form.get("victim") == "y",
    )
    flash(problem, "error")
    page = _notice_page(
        form,
        draft,
        channel=channel,
        language=language,
        platform=platform,
        target=target,
        back=back,
        to=form.to.data or "",
    )
    return page, 400
