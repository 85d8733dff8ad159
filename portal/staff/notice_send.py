"""What happens to a previewed notice: downloaded as .txt or .eml, sent through the
outbox, or confirmed as sent by hand; a send or a confirmation records the request."""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, flash, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.cases.workflow import WorkflowError
from portal.choices import REQUEST_CHANNELS
from portal.extensions import db
from portal.mail import compose, outbox
from portal.models import TakedownRequest, Target, utcnow
from portal.staff.actions import request_note
from portal.staff.desk_forms import KOREA, NoticeForm, moment_of
from portal.staff.guards import current_staff
from portal.takedown import drafting, requests


def _attachment(content: bytes, mimetype: str, name: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _target(form: NoticeForm) -> Target | None:
    raw = form.target_id.data or ""
    if not raw:
        return None
    number = raw.isascii() and raw.isdigit() and len(raw) < 19
    target = db.session.get(Target, int(raw)) if number else None
    if target is None:
        raise WorkflowError("no_links")
    return target


def _record(form: NoticeForm, chosen: list[int], sent_at: datetime) -> TakedownRequest:
    channel = form.channel.data or ""
    if channel not in REQUEST_CHANNELS:
        raise WorkflowError("unknown_channel")
    return requests.record_request(
        db.session,
        current_staff(),
        chosen,
        requests.Sent(channel, sent_at),
        note=request_note(channel),
        target=_target(form),
    )


def _file_name(extension: str) -> str:
    return f"notice-{utcnow().astimezone(KOREA):%Y%m%d-%H%M}.{extension}"


def deliver(
    form: NoticeForm, subject: str, body: str, chosen: list[int], back: str
) -> ResponseReturnValue:
    action = request.form.get("do", "")
    staff = current_staff()
    if action == "txt":
        drafting.record_for_cases(db.session, "notice.downloaded", staff, chosen, kind="txt")
        db.session.commit()
        text = f"{subject}\n\n{body}".replace("\n", "\r\n")
        return _attachment(text.encode("utf-8"), "text/plain; charset=utf-8", _file_name("txt"))
    if action == "confirm":
        made = _record(form, chosen, moment_of(form.sent_on.data, utcnow()))
        db.session.commit()
        flash(
            _("Request recorded for the links of this notice (%(num)d).", num=made.link_count), "ok"
        )
        return redirect(back, code=303)
    if action in ("eml", "send"):
        return _by_mail(action, form, subject, body, chosen, back)
    raise WorkflowError("unknown_action")


def _by_mail(
    action: str, form: NoticeForm, subject: str, body: str, chosen: list[int], back: str
) -> ResponseReturnValue:
    config = current_app.config
    sender = config.get("PORTAL_MAIL_FROM") or config.get("PORTAL_ORG_EMAIL")
    if not sender:
        raise WorkflowError("org_not_set")
    try:
        message = compose.build_message(
            sender=sender,
            to=[(form.to.data or "").strip()],
            subject=subject,
            body=body,
            reply_to=config.get("PORTAL_ORG_EMAIL") or None,
        )
    except compose.MailError:
        raise WorkflowError("bad_address") from None
    staff = current_staff()
    if action == "eml":
        drafting.record_for_cases(db.session, "notice.downloaded", staff, chosen, kind="eml")
        db.session.commit()
        return _attachment(compose.eml_bytes(message), "message/rfc822", _file_name("eml"))
    if not config.get("PORTAL_SMTP_URL"):
        raise WorkflowError("smtp_not_set")
    made = _record(form, chosen, utcnow())
    try:
        outbox.enqueue(db.session, message, "notice", f"request-{made.id}", staff)
    except outbox.OutboxError:
        raise WorkflowError("bad_address") from None
    db.session.commit()
    flash(
        _(
            "The notice is queued to be sent, and the request is recorded for %(num)d links.",
            num=made.link_count,
        ),
        "ok",
    )
    return redirect(back, code=303)
