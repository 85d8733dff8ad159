"""Language choice: ?lang= switches and is remembered, else Accept-Language, else Korean."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask.wrappers import Response
from flask_babel import get_locale, refresh

from portal.choices import LANGUAGE_CODES
from portal.config import ConfigError
from portal.extensions import babel

DEFAULT_LANGUAGE = "ko"
COOKIE = "lang"


def current_language() -> str:
    """The language of the page being made: "ko" or "en"."""
    return str(get_locale() or DEFAULT_LANGUAGE)


def _wanted(value: str | None) -> str | None:
    if value and value.strip().lower() in LANGUAGE_CODES:
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
    return request.accept_languages.best_match(LANGUAGE_CODES, default=DEFAULT_LANGUAGE)


def switch_language(value: str | None) -> None:
    """Switch this request to the language a button asked for (the form's language buttons)
    and remember it; a value that names no language of the portal changes nothing."""
    language = _wanted(value)
    if language:
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


def missing_catalogs(directory: str) -> list[str]:
    """Languages whose compiled catalog (.mo) is not in ``directory``."""
    return [
        language
        for language in LANGUAGE_CODES
        if not (Path(directory) / language / "LC_MESSAGES" / "messages.mo").is_file()
    ]


def init_app(app: Flask) -> None:
    if app.config.get("PORTAL_PRODUCTION"):
        # Without its catalog a language silently falls back to English: a Korean victim
        # would get an English-only site. Refuse to start instead.
        directory = app.config["BABEL_TRANSLATION_DIRECTORIES"]
        missing = missing_catalogs(directory)
        if missing:
            raise ConfigError(
                f"the compiled catalogs for {', '.join(missing)} are missing from {directory}: "
                "in a checkout, run `make i18n-compile` (pybabel compile -d translations) "
                "before starting; an installed portal has them from its build, so reinstall "
                "it with `pip install .`"
            )
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
