"""Admin pages: staff accounts (with the two-factor enrolment QR code) and the audit trail."""

from __future__ import annotations

import secrets
from datetime import timedelta

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Staff
from portal.security import accounts, audit
from portal.staff import admin_bp
from portal.staff.forms import ActionForm, NewStaffForm
from portal.staff.guards import current_staff

AUDIT_PAGE = 100


def _qr_svg(uri: str) -> Markup:
    # Generated on the server from our own data (no victim text); no request leaves the site.
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="QR")
    return Markup(svg)  # noqa: S704


def _enrolment_page(staff: Staff, uri: str, password: str | None) -> str:
    return render_template(
        "staff/admin/enrol.html", member=staff, uri=uri, qr=_qr_svg(uri), password=password
    )


@admin_bp.get("/")
def staff_list() -> str:
    members = db.session.scalars(select(Staff).order_by(Staff.email)).all()
    return render_template("staff/admin/staff.html", members=members, form=ActionForm())


@admin_bp.route("/staff/new", methods=["GET", "POST"])
def staff_new() -> str | tuple[str, int]:
    form = NewStaffForm(role="staff", language="ko")
    if request.method == "POST" and form.validate():
        password = secrets.token_urlsafe(12)
        try:
            member = accounts.create_staff(
                db.session,
                form.email.data or "",
                password,
                role=form.role.data or "staff",
                language=form.language.data or "ko",
            )
        except accounts.AccountError as problem:
            db.session.rollback()
            error = {
                "exists": _("An account with this email already exists."),
                "bad_email": _("Please enter a valid email address."),
            }.get(problem.reason, _("The account could not be created."))
            return render_template("staff/admin/new.html", form=form, error=error), 400
        audit.record(
            db.session,
            "admin.staff_created",
            staff=current_staff(),
            target=member.id,
            role=member.role,
        )
        db.session.commit()
        return _enrolment_page(member, accounts.provisioning_uri(member), password)
    return render_template("staff/admin/new.html", form=form)


def _member(member_id: int) -> Staff:
    member = db.session.get(Staff, member_id)
    if member is None:
        abort(404)
    return member


def _refuse_self_lockout(member: Staff) -> bool:
    me = current_staff()
    if member.id == me.id:
        flash(_("You cannot do this to your own account."), "error")
        return True
    return False


@admin_bp.post("/staff/<int:member_id>/disable")
def staff_disable(member_id: int) -> ResponseReturnValue:
    member = _member(member_id)
    if not ActionForm().validate() or _refuse_self_lockout(member):
        return redirect(url_for("staff.admin.staff_list"), code=303)
    accounts.disable(member)
    audit.record(
        db.session,
        "admin.staff_disabled",
        staff=current_staff(),
        target=member.id,
    )
    db.session.commit()
    flash(_("Account %(email)s disabled.", email=member.email), "ok")
    return redirect(url_for("staff.admin.staff_list"), code=303)


@admin_bp.post("/staff/<int:member_id>/enable")
def staff_enable(member_id: int) -> ResponseReturnValue:
    member = _member(member_id)
    if ActionForm().validate():
        accounts.enable(db.session, member)
        audit.record(
            db.session,
            "admin.staff_enabled",
            staff=current_staff(),
            target=member.id,
        )
        db.session.commit()
        flash(_("Account %(email)s enabled.", email=member.email), "ok")
    return redirect(url_for("staff.admin.staff_list"), code=303)


@admin_bp.post("/staff/<int:member_id>/reset-2fa")
def staff_reset_2fa(member_id: int) -> ResponseReturnValue:
    member = _member(member_id)
    if not ActionForm().validate() or _refuse_self_lockout(member):
        return redirect(url_for("staff.admin.staff_list"), code=303)
    uri = accounts.reset_2fa(member)
    audit.record(
        db.session,
        "admin.staff_2fa_reset",
        staff=current_staff(),
        target=member.id,
    )
    db.session.commit()
    return _enrolment_page(member, uri, None)


@admin_bp.get("/audit")
def audit_log() -> str:
    args = request.args
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    actor = (args.get("actor") or "").strip().lower()
    action = (args.get("action") or "").strip()
    case_ref = (args.get("case_ref") or "").strip()
    before = args.get("before", "")
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if case_ref:
        query = query.where(AuditEntry.case_ref == case_ref)
    if before.isascii() and before.isdigit() and len(before) < 19:
        query = query.where(AuditEntry.id < int(before))
    entries = db.session.scalars(query.limit(AUDIT_PAGE + 1)).all()
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    audit.record(db.session, "admin.audit_viewed", staff=current_staff())
    db.session.commit()
    return render_template(
        "staff/admin/audit.html",
        entries=entries,
        filters={"actor": actor, "action": action, "case_ref": case_ref},
        next_before=entries[-1].id if more and entries else None,
    )


@admin_bp.post("/audit/verify")
def audit_verify() -> str:
    if not ActionForm().validate():
        abort(400)
    grace = timedelta(minutes=current_app.config["PORTAL_AUDIT_PENDING_MINUTES"])
    legacy = current_app.config["PORTAL_AUDIT_LEGACY_ENTRIES"]
    report = audit.verify(db.session, grace, legacy_allowed=legacy)
    return render_template("staff/admin/verify.html", report=report)
