"""What the staff's POSTs share: a refusal in words, the note a desk action leaves on each
case, and the commit-flash-redirect that every desk form ends with (PRG)."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import choices
from portal.cases.workflow import WorkflowError
from portal.extensions import db
from portal.security.sanitize import TextRefused


def workflow_message(reason: str) -> str:
    messages = {
        "already_assigned": _("Someone else claimed this case a moment ago."),
        "not_assignee": _("Only the assigned staff member or an admin can do that."),
        "not_assigned": _("This case is not assigned to anyone."),
        "invalid_transition": _("That status change is not allowed from the current status."),
        "admin_only": _("Only an admin can reopen a closed case."),
        "withdrawn": _("The victim withdrew this case; it can no longer be changed."),
        "reason_required": _("Please give a reason."),
        "assignee_disabled": _("That account is disabled."),
        "empty_text": _("Please write something first."),
        "erased": _("This case's content was erased; nothing new can be added to it."),
        "admin_only_hold": _("Only an admin can lift a legal hold."),
        "no_links": _("None of those links can be acted on (their reports may be withdrawn)."),
        "date_in_future": _("That date is in the future."),
        "bad_date": _("Please give the date as YYYY-MM-DD."),
        "answer_before_request": _("The answer cannot come before the request was sent."),
        "unknown_channel": _("Please choose where the request was sent."),
        "unknown_outcome": _("Please choose what the platform answered."),
        "no_result": _("Please choose whether the content is still gone or back."),
        "too_many_links": _("A notice can list at most 2,000 links. Please select fewer."),
        "org_not_set": _(
            "Notices need the organisation's name and e-mail (PORTAL_ORG_NAME, PORTAL_ORG_EMAIL)."
        ),
        "victim_details_refused": _(
            "The victim's details can go only into a notice about one adult's case."
        ),
        "no_victim_contact": _("This victim left no contact details."),
        "smtp_not_set": _("Sending from the portal is not set up. Please download the notice."),
        "bad_address": _("Please give one valid e-mail address to send to."),
        "unknown_action": _("That action is not possible."),
        "changed_meanwhile": _(
            "The case changed while you were looking at it. Please check it and try again."
        ),
    }
    return messages.get(reason, _("That action is not possible."))


def run_action(action: Callable[[], str], back: str) -> ResponseReturnValue:
    """A desk POST: domain call, commit, flash, back (PRG); refusals roll back and say why."""
    try:
        done = action()
    except WorkflowError as problem:
        db.session.rollback()
        flash(workflow_message(problem.reason), "error")
        return redirect(back, code=303)
    except TextRefused:
        db.session.rollback()
        flash(_("The text is too long or contains characters we cannot accept."), "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(done, "ok")
    return redirect(back, code=303)


def request_note(channel: str) -> Callable[[int], str]:
    label = str(choices.REQUEST_CHANNELS[channel])
    return lambda count: ngettext(
        "Removal requested (%(channel)s) for %(num)d link in this case.",
        "Removal requested (%(channel)s) for %(num)d links in this case.",
        count,
        channel=label,
    )


def answer_note(outcome: str) -> Callable[[int], str]:
    label = str(choices.REQUEST_OUTCOMES[outcome])
    return lambda count: ngettext(
        "Answer recorded (%(outcome)s) for %(num)d link in this case.",
        "Answer recorded (%(outcome)s) for %(num)d links in this case.",
        count,
        outcome=label,
    )
