"""The short-lived session a receipt opens on /status: 15 minutes idle, ended by "leave"."""

from __future__ import annotations

import time

from flask import current_app, session

KEY = "status"


def start(case_id: int) -> None:
    session.clear()
    now = int(time.time())
    session[KEY] = {"case": case_id, "seen": now}


def case_id() -> int | None:
    """The case this browser opened, or None when it never did or went idle too long."""
    state = session.get(KEY)
    if not isinstance(state, dict):
        return None
    idle_limit = current_app.config["PORTAL_STATUS_IDLE_MINUTES"] * 60
    if int(time.time()) - int(state.get("seen", 0)) > idle_limit:
        session.pop(KEY, None)
        session["status_expired"] = True
        return None
    state["seen"] = int(time.time())
    session[KEY] = state
    return int(state["case"])


def end() -> None:
    session.pop(KEY, None)


def pop_expired_notice() -> bool:
    return bool(session.pop("status_expired", False))
