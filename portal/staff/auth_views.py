"""Staff sign-in (password, then a TOTP code), sign-out, and the account page (language,
alert e-mails, password)."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from portal import choices
from portal.extensions import db, login_manager
from portal.models import Staff, utcnow
from portal.security import accounts, audit, devices
from portal.security.lockout import LoginPolicy
from portal.staff import bp
from portal.staff.forms import AccountForm, AlertsForm, CodeForm, LoginForm, PasswordChangeForm
from portal.staff.guards import current_staff, safe_next
from portal.web import limits

PENDING = limits.LOGIN_PENDING
PENDING_SECONDS = 300


@login_manager.user_loader
def _load_staff(alternative_id: str) -> Staff | None:
    staff_id, _, token = alternative_id.partition(":")
    if not staff_id.isdigit() or not token:
        return None
    staff = db.session.get(Staff, int(staff_id))
    if staff is None or not staff.enabled or not staff.session_token:
        return None
    if not secrets.compare_digest(staff.session_token, token):
        return None
    return staff


def _policy() -> LoginPolicy:
    config = current_app.config
    return LoginPolicy(
        max_failures=config["PORTAL_LOCKOUT_FAILURES"],
        lockout=timedelta(minutes=config["PORTAL_LOCKOUT_MINUTES"]),
    )


def _failed(staff: Staff | None, reason: str, stage: str) -> None:
    audit.record(
        db.session,
        "login.failed",
        staff=staff,
        actor=None if staff else "unknown account",
        reason=reason,
        stage=stage,
    )
    db.session.commit()


def neutral_failure() -> str:
    """One message for every failure, so the page never tells which part was wrong."""
    return _("The email, password or code is not right, or the account cannot sign in now.")


@bp.route("/login", methods=["GET", "POST"])
@limits.login_per_client
@limits.login_per_account
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"), code=303)
    form = LoginForm()
    notice = None
    if session.pop("staff_expired", False):
        notice = _("You were signed out after a period without activity. Please sign in again.")
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_template("staff/login.html", form=form, notice=notice)
    if not form.validate():
        return render_template("staff/login.html", form=form, error=neutral_failure()), 400
    staff, outcome = accounts.check_password_step(
        db.session,
        form.email.data or "",
        form.password.data or "",
        utcnow(),
        _policy(),
        limits.login_client(),
    )
    if outcome != "ok" or staff is None:
        _failed(staff, outcome, "password")
        form.password.data = ""
        return render_template("staff/login.html", form=form, error=neutral_failure()), 200
    db.session.commit()
    session[PENDING] = {
        "id": staff.id,
        "at": time.time(),
        "next": safe_next(form.next.data) or "",
    }
    return redirect(url_for("staff.login_code"), code=303)


@bp.route("/login/code", methods=["GET", "POST"])
@limits.login_per_client
@limits.login_per_account
def login_code() -> ResponseReturnValue:
    pending = session.get(PENDING)
    if (
        not isinstance(pending, dict)
        or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS
    ):
        session.pop(PENDING, None)
        return redirect(url_for("staff.login"), code=303)
    form = CodeForm()
    if request.method == "GET":
        return render_template("staff/login_code.html", form=form)
    staff = db.session.get(Staff, int(pending["id"]))
    if staff is not None and _used_already(staff, pending):
        session.pop(PENDING, None)
        return redirect(url_for("staff.login"), code=303)
    if staff is None or not form.validate():
        return render_template("staff/login_code.html", form=form, error=neutral_failure()), 400
    outcome = accounts.check_code_step(
        db.session, staff, form.code.data or "", utcnow(), _policy(), limits.login_client()
    )
    if outcome != "ok":
        _failed(staff, outcome, "code")
        return render_template("staff/login_code.html", form=form, error=neutral_failure()), 200
    target = safe_next(pending.get("next")) or url_for("staff.queue")
    # A fresh session: nothing from before sign-in survives, so the cookie changes entirely.
    session.clear()
    login_user(staff)
    now = int(time.time())
    session["staff_since"] = now
    session["staff_seen"] = now
    staff.last_login_at = utcnow()
    audit.record(db.session, "login.success", staff=staff)
    db.session.commit()
    response = redirect(target, code=303)
    _trust_this_browser(response, staff)
    return response


def _trust_this_browser(response: Response, staff: Staff) -> None:
    """Remember that this browser signed in to this account (security/devices.py)."""
    response.set_cookie(
        devices.COOKIE,
        devices.issue(current_app.secret_key or "", staff),
        max_age=devices.MAX_AGE_DAYS * 86400,
        path=url_for("staff.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )


def _used_already(staff: Staff, pending: dict) -> bool:
    """A password step is good for one sign-in: a copy of the cookie cannot sign in again."""
    last = staff.last_login_at
    return last is not None and float(pending.get("at", 0)) < last.timestamp()


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    staff = current_staff()
    accounts.end_sessions(staff)
    audit.record(db.session, "logout", staff=staff)
    db.session.commit()
    logout_user()
    session.clear()
    response = redirect(url_for("staff.login"), code=303)
    # Not "cookies": that would also forget this browser's trusted-device token, and with it
    # the staff member's shield against an outsider using up the account's sign-in limit.
    # The emptied session deletes its own cookie.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account", methods=["GET", "POST"])
def account() -> ResponseReturnValue:
    staff: Staff = current_staff()
    language_form = AccountForm(prefix="lang", language=staff.language)
    password_form = PasswordChangeForm(prefix="pw")
    error = None
    if request.method == "POST" and "lang-language" in request.form:
        if not (language_form.validate() and language_form.language.data in choices.LANGUAGE_CODES):
            error = ("lang-ko", _("Please choose the language of your pages."))
        else:
            staff.language = language_form.language.data
            audit.record(db.session, "account.language", staff=staff, language=staff.language)
            db.session.commit()
            return redirect(url_for("staff.account", lang=staff.language, saved=1), code=303)
        language_form.language.data = staff.language
    elif request.method == "POST":
        error = _change_password(staff, password_form)
        if error is None:
            db.session.commit()
            logout_user()
            session.clear()
            return redirect(url_for("staff.login"), code=303)
    return _account_page(language_form, password_form, error)


def _account_page(
    language_form: AccountForm,
    password_form: PasswordChangeForm,
    error: tuple[str, str] | None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "staff/account.html",
        language_form=language_form,
        password_form=password_form,
        alerts_form=AlertsForm(),
        error=error,
        saved=request.args.get("saved"),
    ), (400 if error else status)


@bp.post("/account/alerts")
def account_alerts() -> ResponseReturnValue:
    """Turn my own alert e-mails on or off (a disabled account gets none either way)."""
    staff: Staff = current_staff()
    form = AlertsForm()
    if not form.validate() or form.alerts.data not in ("on", "off"):
        flash(_("Choose on or off for alert e-mails, then save."), "error")
        language_form = AccountForm(prefix="lang", language=staff.language)
        return _account_page(language_form, PasswordChangeForm(prefix="pw"), None, 400)
    staff.alerts_enabled = form.alerts.data == "on"
    audit.record(db.session, "account.alerts", staff=staff, enabled=staff.alerts_enabled)
    db.session.commit()
    if staff.alerts_enabled:
        flash(_("Alert e-mails are on."), "ok")
    else:
        flash(_("Alert e-mails are off. The team's address gets your alerts instead."), "ok")
    return redirect(url_for("staff.account"), code=303)


def password_problem(reason: str) -> str:
    messages = {
        "too_short": _("Use at least 12 characters."),
        "too_long": _("Use at most 256 characters."),
        "too_common": _("This password is too common or too simple. Choose a longer phrase."),
        "contains_email": _("Do not use your email address in the password."),
    }
    return messages.get(reason, _("This password cannot be used."))


def _change_password(staff: Staff, form: PasswordChangeForm) -> tuple[str, str] | None:
    """None when changed, else (id of the field at fault, message)."""
    if not form.validate():
        return "pw-current", _("The form expired. Please try again.")
    if not accounts.verify_password(staff, form.current.data or ""):
        audit.record(db.session, "account.password_failed", staff=staff)
        db.session.commit()
        return "pw-current", _("Your current password is not right.")
    if (form.new.data or "") != (form.confirm.data or ""):
        return "pw-confirm", _("The two new passwords are not the same.")
    try:
        accounts.set_password(staff, form.new.data or "")
    except accounts.AccountError as problem:
        return "pw-new", password_problem(problem.reason)
    audit.record(db.session, "account.password_changed", staff=staff)
    return None
