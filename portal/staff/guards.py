"""Who may reach what: every staff route needs a signed-in account; admin routes need admin.

The checks run before every request of the blueprint, so a new route is protected by
default; only the login steps are open.
"""

from __future__ import annotations

import time

from flask import abort, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from portal.models import Staff
from portal.staff import admin_bp, bp
from portal.web.origin import from_another_site

OPEN_ENDPOINTS = frozenset({"staff.login", "staff.login_code"})


def current_staff() -> Staff:
    """The signed-in staff member as the model object (the guards ran before any view)."""
    return current_user._get_current_object()


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    return target


def _session_expired() -> bool:
    now = int(time.time())
    config = current_app.config
    seen = int(session.get("staff_seen", 0))
    since = int(session.get("staff_since", 0))
    idle_limit = config["PORTAL_STAFF_IDLE_MINUTES"] * 60
    absolute_limit = config["PORTAL_STAFF_SESSION_HOURS"] * 3600
    return now - seen > idle_limit or now - since > absolute_limit


@bp.before_request
def require_staff() -> ResponseReturnValue | None:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if request.method in {"GET", "HEAD"} and from_another_site():
        # Nothing is read, written or audited for a request another site made: the staff
        # member confirms with a click on our own page (a same-origin request) instead.
        # Checking this, rather than making the cookie SameSite=Strict, keeps one session
        # cookie for the victims' and the staff pages when both are served from one host.
        here = safe_next(request.full_path.rstrip("?")) or url_for("staff.queue")
        return render_template("staff/from_elsewhere.html", target=here), 200
    if not current_user.is_authenticated:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("staff.login", next=safe_next(target)), code=303)
    if _session_expired():
        logout_user()
        session.clear()
        session["staff_expired"] = True
        return redirect(url_for("staff.login"), code=303)
    session["staff_seen"] = int(time.time())
    g.staff_language = current_user.language
    return None


@admin_bp.before_request
def require_admin() -> None:
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(403)
