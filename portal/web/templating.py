"""Template globals and filters: language, quick exit, hotlines, Korea-time dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_timedelta
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from portal import choices
from portal.links import platforms
from portal.web.hotlines import hotlines
from portal.web.i18n import current_language


def _other_language() -> str:
    return "en" if current_language() == "ko" else "ko"


def _switch_url(language: str) -> str:
    """This page in the other language; the home page when it cannot be rebuilt."""
    view_args = request.view_args or {}
    values: dict[str, Any] = {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_") and key not in view_args and key != "lang"
    }
    values.update(view_args, lang=language)
    if request.endpoint and request.method == "GET":
        try:
            return url_for(request.endpoint, **values)
        except (BuildError, ValueError, TypeError):
            pass
    return url_for("public.home", lang=language)


def _when(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, style)


def _day(value: datetime | None) -> str:
    return "" if value is None else format_date(value, "long")


def _filesize(size: int) -> str:
    """Bytes for people: 950 B, 12.3 KB, 4.5 MB (decimal units, the locale's digits)."""
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{format_decimal(round(size / scale, 1))} {unit}"
    return f"{format_decimal(size)} B"


def _ago(delta: timedelta) -> str:
    return format_timedelta(delta, add_direction=True, threshold=0.9)


def _due(due_at: datetime | None, now: datetime) -> str:
    """A deadline as time left ("in 3 h") or late ("overdue 2 h"); nothing when none is pending.

    Whole minutes under an hour, whole hours under two days, whole days beyond, rounded down
    (a case due in 59 minutes shows "in 59 min", never "in 1 h").
    """
    if due_at is None:
        return ""
    seconds = (due_at - now).total_seconds()
    late = seconds < 0
    minutes = max(1, int(abs(seconds) // 60))
    if minutes < 60:
        return _("overdue %(num)d min", num=minutes) if late else _("in %(num)d min", num=minutes)
    hours = minutes // 60
    if hours < 48:
        return _("overdue %(num)d h", num=hours) if late else _("in %(num)d h", num=hours)
    days = hours // 24
    return _("overdue %(num)d d", num=days) if late else _("in %(num)d d", num=days)


class TranslatedChoices:
    """The vocabularies of choices.py and the platform labels, translated once per request.

    A queue page shows hundreds of labels; looking each lazy string up again costs more
    than the database query.
    """

    def __getattr__(self, name: str) -> object:
        cache = g.setdefault("translated_choices", {})
        if name not in cache:
            vocabulary = platforms.LABELS if name == "PLATFORMS" else getattr(choices, name)
            if isinstance(vocabulary, dict):
                vocabulary = {
                    code: tuple(map(str, label)) if isinstance(label, tuple) else str(label)
                    for code, label in vocabulary.items()
                }
            cache[name] = vocabulary
        return cache[name]


TRANSLATED = TranslatedChoices()


def _label(name: str) -> Callable[[str], str]:
    return lambda code: getattr(TRANSLATED, name).get(code, code)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _portal_globals() -> dict:
        return {
            "lang": current_language(),
            "other_lang": _other_language(),
            "languages": choices.LANGUAGE_CODES,
            "switch_url": _switch_url,
            "exit_url": current_app.config["PORTAL_EXIT_URL"],
            "hotlines": hotlines,
            "choices": TRANSLATED,
        }

    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["ago"] = _ago
    app.jinja_env.filters["filesize"] = _filesize
    app.jinja_env.filters["day"] = _day
    app.jinja_env.filters["due"] = _due
    app.jinja_env.filters["harm_label"] = _label("HARMS")
    app.jinja_env.filters["help_label"] = _label("HELP")
    app.jinja_env.filters["platform_label"] = _label("PLATFORMS")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
