"""Language choice: ?lang= switches and is remembered, else Accept-Language, else Korean."""

from __future__ import annotations

from flask import Flask, g, request
from flask.wrappers import Response
from flask_babel import get_locale, refresh

from portal.extensions import babel

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "ko"
COOKIE = "lang"


def current_language() -> str:
    """The language of the page being made: "ko" or "en"."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def _wanted(value: str | None) -> str | None:
    if value and value.strip().lower() in LANGUAGES:
        return value.strip().lower()
    return None


def select_locale() -> str:
    override = g.get("lang_override")
    if override:
        return override
    chosen = _wanted(request.args.get("lang"))
    if chosen:
        g.lang_chosen = chosen
        return chosen
    staff_language = g.get("staff_language")
    if staff_language:
        return staff_language
    remembered = _wanted(request.cookies.get(COOKIE))
    if remembered:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def switch_language(language: str) -> None:
    """Switch this request to another language (the form's language buttons) and remember it."""
    if language in LANGUAGES:
        g.lang_override = language
        g.lang_chosen = language
        g.pop("translated_choices", None)
        refresh()


def _remember_choice(response: Response) -> Response:
    chosen = g.get("lang_chosen")
    if chosen and request.cookies.get(COOKIE) != chosen:
        # A browser-session cookie: nothing lingers on a shared device after the browser closes.
        response.set_cookie(
            COOKIE,
            chosen,
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
