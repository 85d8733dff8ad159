"""Friendly error pages in the visitor's language, for every error a visitor can meet."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from portal.extensions import db

log = logging.getLogger(__name__)

PAGES = {
    400: (
        _l("Something in the request was not right"),
        _l("The page could not use what was sent. Please go back and try again."),
    ),
    403: (
        _l("This page is not available to you"),
        _l("You do not have access to this page."),
    ),
    404: (
        _l("We could not find that page"),
        _l("The address may be mistyped, or the page may have moved."),
    ),
    405: (
        _l("That action is not possible here"),
        _l("Please go back and use the buttons on the page."),
    ),
    413: (
        _l("What you sent is too large"),
        _l(
            "Please go back and send less: shorter text or smaller files. "
            "Links alone are enough for us to help."
        ),
    ),
    429: (
        _l("Please wait a little before trying again"),
        _l(
            "To keep everyone's reports safe, this can be done only a few times in a row. "
            "Please try again in a while; nothing you did is wrong."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("This is not your fault. Please try again in a few minutes."),
    ),
    503: (
        _l("The service cannot answer for a moment"),
        _l("Please try again in a minute. The lines below can help you right now."),
    ),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    title, message = PAGES.get(code, PAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=message, detail=detail
    ), code


def _http_error(error: HTTPException) -> ResponseReturnValue:
    if error.response is not None:
        return error.response  # a page made for this very error
    code = error.code or 500
    if code not in PAGES:
        code = 400 if 400 <= code < 500 else 500
    return render_error(code)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(
        400,
        str(
            _l(
                "The form was open too long or came from somewhere else. Please go back, "
                "reload the page and send it again."
            )
        ),
    )


def _database_down(error: Exception) -> tuple[str, int]:
    log.error("database unavailable: %s", type(error).__name__)
    db.session.rollback()
    return render_error(503)


def _unexpected(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error")
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    # Any database failure (lost connection, a session left broken by one) is an outage
    # to the visitor: a 503 that says try again, never a stack trace.
    app.register_error_handler(SQLAlchemyError, _database_down)
    app.register_error_handler(Exception, _unexpected)
