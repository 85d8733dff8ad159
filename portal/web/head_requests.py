"""HEAD and OPTIONS answered without running the page or its hooks: a GET here may change
state.

A receipt page shows its receipt once, a case page writes an audit entry, a status page
refreshes the idle timer and uses up a one-time notice. Flask answers HEAD by running the
GET view, so a link checker, a prefetcher or an antivirus shield sending HEAD with the
victim's cookies would do all of that. HEAD gets an empty 200 with the usual headers
instead; only static files and the health checks, which change nothing, run as for GET.
OPTIONS gets its usual Allow list, but before the hooks (which would refresh a staff
member's idle timer) rather than after them.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

RUN_FOR_HEAD = frozenset({"static", "health.healthz", "health.readyz"})


def _answer_head() -> Response | None:
    if request.method not in ("HEAD", "OPTIONS") or request.routing_exception is not None:
        return None  # an unknown address or method still gets its 404 or 405
    if request.method == "OPTIONS":
        return current_app.make_default_options_response()
    if request.endpoint in RUN_FOR_HEAD:
        return None
    return Response(b"", status=200, mimetype="text/html")


def init_app(app: Flask) -> None:
    """Call right after the surface check, before the hooks that change state (limits,
    sessions, staff sign-in), which then never run for HEAD."""
    app.before_request(_answer_head)
