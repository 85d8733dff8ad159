"""The short-lived session a receipt opens on /status.

It ends after PORTAL_STATUS_IDLE_MINUTES idle, PORTAL_STATUS_SESSION_MINUTES in all, and
whenever the case's status generation moves on (leaving, a new receipt, withdrawal), so a
copied cookie stops working with the original.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, session

KEY = "status"
REPLY_DRAFT = "reply_draft"
# The case a session that ran out was for: a reply sent after it ran out is kept for it.
LAST_CASE = "status_last_case"


@dataclass(frozen=True)
class Opened:
    case_id: int
    generation: int


def start(case_id: int, generation: int, reply_draft: str | None = None) -> None:
    """A fresh session for this case; nothing from before survives but an unsent reply."""
    session.clear()
    now = int(time.time())
    session[KEY] = {"case": case_id, "gen": generation, "seen": now, "started": now}
    if reply_draft:
        session[REPLY_DRAFT] = reply_draft


def _state() -> dict[str, int] | None:
    state = session.get(KEY)
    if not isinstance(state, dict):
        return None
    try:
        return {name: int(state[name]) for name in ("case", "gen", "seen", "started")}
    except (KeyError, TypeError, ValueError):
        session.pop(KEY, None)  # a cookie from before generations, or a broken one
        return None


def claimed() -> Opened | None:
    """The case this browser says it opened, whether or not its session is still valid."""
    state = _state()
    return None if state is None else Opened(state["case"], state["gen"])


def opened() -> Opened | None:
    """The case this browser opened, or None when it never did or the session ran out."""
    state = _state()
    if state is None:
        return None
    config = current_app.config
    now = int(time.time())
    seen, started = state["seen"], state["started"]
    idle = now - seen > config["PORTAL_STATUS_IDLE_MINUTES"] * 60
    too_old = now - started > config["PORTAL_STATUS_SESSION_MINUTES"] * 60
    if idle or too_old:
        session.pop(KEY, None)
        session["status_expired"] = True
        session[LAST_CASE] = state["case"]
        return None
    state["seen"] = now
    session[KEY] = state
    return Opened(state["case"], state["gen"])


def end() -> None:
    session.pop(KEY, None)
    session.pop(LAST_CASE, None)


def last_case() -> int | None:
    """The case this browser's status session is or was for, when it ran out by itself."""
    state = _state()
    if state is not None:
        return state["case"]
    kept = session.get(LAST_CASE)
    return kept if isinstance(kept, int) else None


def pop_expired_notice() -> bool:
    return bool(session.pop("status_expired", False))
