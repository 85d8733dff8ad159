"""Configurable content: the hotlines shown on every public page.

The defaults are the services Korean victims are usually sent to (as of 2026). Operators can
replace them with a JSON file named by PORTAL_HOTLINES_FILE:
``[{"number": "1366", "name": {"ko": "여성긴급전화", "en": "Women's emergency line"},
"hours": {"ko": "24시간", "en": "24 hours"}}, ...]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Hotline:
    number: str
    name: str
    hours: str

    @property
    def tel(self) -> str:
        return "tel:" + "".join(ch for ch in self.number if ch.isdigit())


DEFAULT_HOTLINES = (
    ("02-735-8994", _l("Digital Sex Crime Victim Support Center"), _l("Weekdays, 10:00-17:00")),
    ("1366", _l("Women's Emergency Line"), _l("24 hours")),
    ("112", _l("Police (emergency)"), _l("24 hours")),
    ("1377", _l("Korea Communications Standards Commission"), _l("Weekdays, 09:00-18:00")),
    ("1388", _l("Youth counseling"), _l("24 hours")),
    ("109", _l("Suicide prevention counseling"), _l("24 hours")),
)


@lru_cache(maxsize=4)
def _load_file(path: str) -> tuple[dict, ...]:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError("the hotlines file must hold a JSON list")
    return tuple(entries)


def hotlines() -> list[Hotline]:
    path = current_app.config.get("PORTAL_HOTLINES_FILE")
    if not path:
        return [Hotline(number, str(name), str(hours)) for number, name, hours in DEFAULT_HOTLINES]
    language = str(get_locale() or "ko")
    result = []
    for entry in _load_file(path):
        name = entry.get("name", {})
        hours = entry.get("hours", {})
        result.append(
            Hotline(
                number=str(entry["number"]),
                name=str(name.get(language) or name.get("ko") or ""),
                hours=str(hours.get(language) or hours.get("ko") or ""),
            )
        )
    return result
