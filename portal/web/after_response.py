"""Work that runs once the response has been sent: nothing in it can slow the page down.

Comparing a report's image fingerprints with every other case's is the one such job today
(portal.evidence.fingerprint_matching): done inside the request, the time a filing takes
would tell whoever holds an image whether someone else reported it. The WSGI server calls
a response's close callbacks after the last byte has gone out; the work gets an app context
of its own there, and a failure is logged and left for the next run to pick up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, after_this_request, current_app

from portal.evidence import fingerprint_matching
from portal.extensions import db

log = logging.getLogger("portal.after_response")


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` in a fresh app context after this request's response has been sent."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:
                db.session.rollback()
                log.exception("after_response.failed")
            finally:
                db.session.remove()

    @after_this_request
    def register(response: Response) -> Response:
        response.call_on_close(run)
        return response


def compare_after_response() -> None:
    """Compare the fingerprints waiting (this request's and any a crashed process left)."""

    def compare() -> None:
        threshold = current_app.config["PORTAL_FINGERPRINT_MATCH_DISTANCE"]
        fingerprint_matching.match_waiting(db.session, threshold)
        db.session.commit()

    after_response(compare)
