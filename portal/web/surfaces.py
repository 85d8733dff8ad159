"""One instance may serve only the victims' pages or only the staff pages (PORTAL_SURFACE).

A careful deployment puts the public surface on the internet and the staff surface on a
host reachable only from the office network or a VPN. Every route of the other surface is
a 404 there; /healthz, /readyz and the static files answer on both.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request

SURFACES = ("all", "public", "staff")


def _only_this_surface() -> None:
    surface = current_app.config["PORTAL_SURFACE"]
    if surface == "all":
        return
    blueprints = set(request.blueprints)
    if surface == "public" and "staff" in blueprints:
        abort(404)
    if surface == "staff" and "public" in blueprints:
        abort(404)


def init_app(app: Flask) -> None:
    app.before_request(_only_this_surface)
