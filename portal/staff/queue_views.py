"""The queue page: saved views, tabs with counts, combined filters, sortable keyset pages."""

from __future__ import annotations

import time

from flask import current_app, render_template, request
from flask_login import current_user

from portal.cases import counters
from portal.cases.inbox import Cursor, QueueFilter, fetch_page, purge_due_soon
from portal.extensions import db
from portal.models import utcnow
from portal.staff import bp

BANNER_SECONDS = 60


def _purge_soon_count() -> int:
    """The banner count, refreshed once a minute per process: it changes daily, not per click."""
    cache = current_app.extensions.setdefault("purge_soon_cache", {})
    now = time.monotonic()
    if now - cache.get("at", -BANNER_SECONDS) >= BANNER_SECONDS or current_app.testing:
        cache["value"] = purge_due_soon(db.session, current_app.config["PORTAL_RETENTION_DAYS"])
        cache["at"] = now
    return cache["value"]


@bp.get("/")
def queue() -> str:
    filters = QueueFilter.from_args(request.args.to_dict())
    after = Cursor.decode(request.args.get("after"))
    now = utcnow()
    rows, next_cursor = fetch_page(
        db.session,
        filters,
        me=current_user.id,
        after=after,
        limit=current_app.config["PORTAL_PAGE_SIZE"],
        retention_days=current_app.config["PORTAL_RETENTION_DAYS"],
        now=now,
    )
    return render_template(
        "staff/queue.html",
        rows=rows,
        filters=filters,
        counts=counters.counts(db.session),
        next_cursor=next_cursor.encode() if next_cursor else None,
        first_page=after is None or after.sort != filters.sort,
        purge_soon=_purge_soon_count(),
        now=now,
    )
