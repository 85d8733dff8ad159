"""Configurable content: the hotlines and other ways to reach help, shown on public pages.

Names, numbers and hours change (two institutions were renamed in 2025), so they are
content, not code: ``portal/web/content/hotlines.json`` holds the defaults and an operator
can replace the list with a file of the same shape named by PORTAL_HOTLINES_FILE::

    [{"number": "1366",
      "name": {"ko": "...", "en": "..."}, "hours": {"ko": "24시간", "en": "24 hours"},
      "note": {"ko": "...", "en": "..."},           # optional
      "open_24h": true,                              # only these are offered at night
      "ways": [{"kind": "text", "href": "sms:112",   # text, chat or web; href optional
                "label": {"ko": "...", "en": "..."}}]}]

The file is read and checked when the app starts, so a broken file stops the start with a
message instead of breaking every page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import get_locale

from portal.config import ConfigError

DEFAULT_FILE = Path(__file__).with_name("content") / "hotlines.json"
WAY_KINDS = ("text", "chat", "web")
HREF_SCHEMES = ("sms:", "https://", "tel:")


@dataclass(frozen=True)
class Way:
    kind: str
    label: str
    href: str | None


@dataclass(frozen=True)
class Hotline:
    number: str
    name: str
    hours: str
    note: str
    open_24h: bool
    ways: tuple[Way, ...]

    @property
    def tel(self) -> str:
        return "tel:" + "".join(ch for ch in self.number if ch.isdigit())


def _text(entry: dict[str, Any], key: str, where: str, required: bool = True) -> dict[str, str]:
    value = entry.get(key)
    if value is None and not required:
        return {}
    if not (isinstance(value, dict) and isinstance(value.get("ko"), str) and value["ko"]):
        raise ConfigError(f"{where}: {key!r} needs at least a Korean text, as {{'ko': ...}}")
    if not all(isinstance(text, str) for text in value.values()):
        raise ConfigError(f"{where}: every {key!r} text must be a string")
    return value


def _check(entries: object, source: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source} must hold a non-empty JSON list of hotlines")
    for index, entry in enumerate(entries):
        where = f"{source}, entry {index + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("number"), str):
            raise ConfigError(f"{where}: each hotline needs a 'number' string")
        _text(entry, "name", where)
        _text(entry, "hours", where)
        _text(entry, "note", where, required=False)
        if not isinstance(entry.get("open_24h", False), bool):
            raise ConfigError(f"{where}: 'open_24h' must be true or false")
        for way in entry.get("ways", []):
            if not isinstance(way, dict) or way.get("kind") not in WAY_KINDS:
                raise ConfigError(f"{where}: each way needs a kind, one of {WAY_KINDS}")
            _text(way, "label", where)
            href = way.get("href")
            if href is not None and not (isinstance(href, str) and href.startswith(HREF_SCHEMES)):
                raise ConfigError(f"{where}: a way's href must start with {HREF_SCHEMES}")
    return tuple(entries)


def load(path: str | Path | None) -> tuple[dict[str, Any], ...]:
    source = Path(path) if path else DEFAULT_FILE
    try:
        entries = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise ConfigError(f"PORTAL_HOTLINES_FILE {source} cannot be read: {problem}") from None
    return _check(entries, str(source))


def _in(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get("ko", "")


def hotlines(only_24h: bool = False) -> list[Hotline]:
    """The lines in the visitor's language; ``only_24h`` for pages read at night."""
    language = str(get_locale() or "ko")
    result = []
    for entry in current_app.extensions["portal_hotlines"]:
        if only_24h and not entry.get("open_24h"):
            continue
        ways = tuple(
            Way(way["kind"], _in(way["label"], language), way.get("href"))
            for way in entry.get("ways", [])
        )
        result.append(
            Hotline(
                number=entry["number"],
                name=_in(entry["name"], language),
                hours=_in(entry["hours"], language),
                note=_in(entry.get("note", {}), language),
                open_24h=bool(entry.get("open_24h")),
                ways=ways,
            )
        )
    return result


def init_app(app: Flask) -> None:
    app.extensions["portal_hotlines"] = load(app.config.get("PORTAL_HOTLINES_FILE"))
