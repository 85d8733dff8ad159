"""The public transparency page (only with PORTAL_PUBLIC_STATS): what the service received
and what platforms removed, per year and month, with every number under ten held back."""

from __future__ import annotations

import time

from flask import abort, current_app, render_template

from portal.extensions import db
from portal.models import utcnow
from portal.public import bp
from portal.stats import public
from portal.stats.record import day_of

# The figures change slowly and anyone can ask for the page: computed once per interval.
CACHE_SECONDS = 300


def _figures() -> public.Transparency:
    cache = current_app.extensions.setdefault("portal_transparency", {})
    today = day_of(utcnow())
    held = cache.get("figures")
    if held and held[0] == today and time.monotonic() - held[1] < CACHE_SECONDS:
        figures: public.Transparency = held[2]
        return figures
    figures = public.transparency(db.session, today)
    cache["figures"] = (today, time.monotonic(), figures)
    return figures


@bp.get("/transparency")
def transparency() -> str:
    if not current_app.config.get("PORTAL_PUBLIC_STATS"):
        abort(404)
    return render_template(
        "public/transparency.html",
        figures=_figures(),
        groups=list(public.PLATFORM_GROUPS),
        threshold=public.THRESHOLD,
    )
