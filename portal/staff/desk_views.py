"""The desk from the queue's side: a request for one link of a case, the rechecks due,
and the search box."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.cases import paging
from portal.cases.workflow import WorkflowError
from portal.choices import REQUEST_CHANNELS
from portal.extensions import db
from portal.links.platforms import PLATFORMS
from portal.models import Link, utcnow
from portal.staff import bp
from portal.staff.actions import request_note, run_action
from portal.staff.desk_forms import (
    ROW_ID,
    RecheckForm,
    TakedownRequestForm,
    link_ids,
    moment_of,
    reference_of,
)
from portal.staff.guards import current_staff
from portal.takedown import desk, rechecks, requests


@bp.post(f"/cases/<case_ref>/links/<{ROW_ID}:link_id>/requests")
def link_request(case_ref: str, link_id: int) -> ResponseReturnValue:
    link = db.session.get(Link, link_id)
    if link is None or link.case.case_ref != case_ref:
        abort(404)
    back = url_for("staff.case_detail", case_ref=case_ref) + f"#link-{link.id}"
    form = TakedownRequestForm()
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)

    def action() -> str:
        channel = form.channel.data or ""
        if channel not in REQUEST_CHANNELS:
            raise WorkflowError("unknown_channel")
        requests.record_request(
            db.session,
            current_staff(),
            [link.id],
            requests.Sent(
                channel,
                moment_of(form.sent_on.data, utcnow()),
                reference_of(form.reference.data),
            ),
            note=request_note(channel),
        )
        return _("Request recorded.")

    return run_action(action, back)


def _due_filter() -> rechecks.DueFilter:
    platform = request.args.get("platform") or None
    raw_target = request.args.get("target", "")
    target = int(raw_target) if raw_target.isascii() and raw_target.isdigit() else None
    return rechecks.DueFilter(
        platform=platform if platform in PLATFORMS else None,
        target_id=target if target and target < 2**62 else None,
    )


@bp.get("/rechecks")
def rechecks_due() -> str:
    filters = _due_filter()
    after = paging.decode_time_id(request.args.get("after"))
    now = utcnow()
    page, cursor = rechecks.due_page(
        db.session, now, filters, after, limit=current_app.config["PORTAL_PAGE_SIZE"]
    )
    return render_template(
        "staff/rechecks.html",
        links=page,
        filters=filters,
        next_cursor=paging.encode(*cursor) if cursor else None,
        first_page=after is None,
        form=RecheckForm(),
        now=now,
    )


@bp.post("/rechecks")
def rechecks_record() -> ResponseReturnValue:
    kept: dict[str, Any] = {
        key: request.form[key][:40] for key in ("platform", "target") if request.form.get(key)
    }
    target = url_for("staff.rechecks_due", **kept)
    form = RecheckForm()
    if not form.validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("staff.rechecks_due"), code=303)

    def action() -> str:
        if form.result.data not in ("gone", "back"):
            raise WorkflowError("no_result")
        back_online = form.result.data == "back"
        reopened = rechecks.record_recheck(
            db.session,
            current_staff(),
            link_ids(request.form.getlist("link")),
            rechecks.Recheck(back=back_online, at=moment_of(form.checked_on.data, utcnow())),
            note=lambda count: (
                ngettext(
                    "Recheck: %(num)d link is online again; it can be requested again now.",
                    "Recheck: %(num)d links are online again; they can be requested again now.",
                    count,
                )
                if back_online
                else ngettext(
                    "Recheck: %(num)d link is still gone.",
                    "Recheck: %(num)d links are still gone.",
                    count,
                )
            ),
            recheck_days=current_app.config["PORTAL_RECHECK_DAYS"],
        )
        if reopened:
            return _("Recheck recorded. Back in progress: %(cases)s", cases=", ".join(reopened))
        return _("Recheck recorded.")

    return run_action(action, target)


@bp.get("/search")
def search() -> ResponseReturnValue:
    text = request.args.get("q", "")[:2000]
    if not text.strip():
        return render_template("staff/search.html", query="", found=None)
    found = desk.search(db.session, text)
    if found.case_ref:
        return redirect(url_for("staff.case_detail", case_ref=found.case_ref), code=303)
    return render_template("staff/search.html", query=text, found=found)
