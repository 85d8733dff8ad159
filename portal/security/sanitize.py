"""The one place that calls bleach: Unicode normalisation, control characters, markup, caps.

Free text is stored as plain text and escaped on output; stripping markup here is a second
wall, so nothing a victim writes can become live HTML in a staff member's browser.
"""

from __future__ import annotations

import html
import unicodedata

import bleach

# Bidirectional controls and marks can make text read differently on a staff screen than
# it is stored; they have no place in a report.
_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)

# Caps for every free-text field, in characters after normalisation.
LIMITS = {
    "description": 5000,
    "link": 2000,
    "link_note": 500,
    "email": 254,
    "phone": 32,
    "contact_times": 200,
    "message": 3000,
    "note": 3000,
    "reason": 500,
    "reference": 100,
    "answer": 3000,
    "subject": 300,
    # Under the request's form-memory cap (MAX_FORM_MEMORY_SIZE, 512 KiB).
    "notice": 500_000,
}


class TextRefused(ValueError):
    """Text that is refused as it stands; ``reason`` is ``control`` or ``too_long``."""

    def __init__(self, reason: str, *, limit: int = 0, length: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit
        self.length = length


def _refuse_controls(text: str, multiline: bool) -> None:
    allowed = {"\n", "\t"} if multiline else {"\t"}
    for char in text:
        if char in allowed:
            continue
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            raise TextRefused("control")


def _unify_newlines(text: str) -> str:
    return (text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")).replace(
        "\u2029", "\n"
    )


# Zero-width joiners build emoji and some scripts' letters; every other invisible format
# character (zero-width spaces, byte-order marks, tag characters that spell hidden text)
# is dropped.
_KEEP_FORMAT = frozenset("\u200c\u200d")


def _drop_invisible(text: str) -> str:
    return "".join(
        char
        for char in text
        if char in _KEEP_FORMAT
        or char in _BIDI_CONTROLS  # refused with a message, not dropped in silence
        or unicodedata.category(char) != "Cf"
    )


# Markup escaped more often than this is no one's report: it is refused, not unwrapped.
MAX_ESCAPE_ROUNDS = 8


def strip_markup(text: str) -> str:
    """Plain text with no tags, also none hidden behind entities (``&lt;b&gt;``), however
    often they were escaped; TextRefused past MAX_ESCAPE_ROUNDS layers."""
    for _round in range(MAX_ESCAPE_ROUNDS):
        if "<" not in text and "&" not in text:
            return text
        cleaned = bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
        unescaped = html.unescape(cleaned)
        if unescaped == text:
            return text
        text = unescaped
    raise TextRefused("control")


def clean_text(value: str | None, *, max_length: int, multiline: bool = False) -> str:
    """Normalise (NFC), refuse control characters, strip markup, trim, and enforce the cap."""
    if value is None:
        return ""
    if len(value) > 2 * max_length:
        # Far over the cap: refuse before the costly steps (a 1 MB body of markup would
        # keep a worker busy for seconds). The form keeps the text either way.
        raise TextRefused("too_long", limit=max_length, length=len(value))
    text = _unify_newlines(value)
    _refuse_controls(text, multiline)  # cheap, before the costly steps
    text = strip_markup(unicodedata.normalize("NFC", text))
    # Unescaping entities can bring characters back (&#x202e; &#10;): check the final text.
    text = unicodedata.normalize("NFC", _drop_invisible(_unify_newlines(text))).strip()
    _refuse_controls(text, multiline)
    if len(text) > max_length:
        raise TextRefused("too_long", limit=max_length, length=len(text))
    return text


def clean_field(kind: str, value: str | None) -> str:
    """clean_text with the cap and line rule of a named field kind."""
    multiline = kind in {"description", "message", "note", "answer", "notice"}
    return clean_text(value, max_length=LIMITS[kind], multiline=multiline)
