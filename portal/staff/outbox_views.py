"""The outbox as staff see it: how many notices wait, were sent or failed, and sending a
failed or uncertain one again on purpose."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.extensions import db
from portal.mail import outbox
from portal.staff import bp
from portal.staff.desk_forms import ROW_ID
from portal.staff.forms import ActionForm
from portal.staff.guards import current_staff


@bp.get("/outbox")
def outbox_page() -> str:
    return render_template(
        "staff/outbox.html",
        counts=outbox.state_counts(db.session),
        attention=outbox.needing_attention(db.session),
        form=ActionForm(),
    )


@bp.post(f"/outbox/<{ROW_ID}:message_id>/resend")
def outbox_resend(message_id: int) -> ResponseReturnValue:
    back = url_for("staff.outbox_page")
    if not ActionForm().validate():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back, code=303)
    try:
        outbox.resend(db.session, message_id, current_staff())
    except outbox.OutboxError:
        db.session.rollback()
        flash(_("Only a failed or uncertain notice can be sent again."), "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(_("The notice is queued to be sent again."), "ok")
    return redirect(back, code=303)
