"""Keyset cursors for the desk's lists: opaque to staff, checked when read back."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

MAX_TOKEN = 200


def encode(*parts: int | datetime) -> str:
    raw = "|".join(p.isoformat() if isinstance(p, datetime) else str(int(p)) for p in parts)
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def _pieces(token: str | None, count: int) -> list[str] | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    pieces = raw.split("|")
    return pieces if len(pieces) == count else None


def _number(piece: str) -> int | None:
    if not (piece.isascii() and piece.isdigit() and len(piece) < 19):
        return None
    return int(piece)


def decode_ints(token: str | None, count: int) -> tuple[int, ...] | None:
    """A cursor of ``count`` non-negative numbers, or None if it is not one we made."""
    pieces = _pieces(token, count)
    if pieces is None:
        return None
    numbers = [_number(piece) for piece in pieces]
    if any(number is None for number in numbers):
        return None
    return tuple(number for number in numbers if number is not None)


def decode_time_id(token: str | None) -> tuple[datetime, int] | None:
    """A (moment, row id) cursor, or None."""
    pieces = _pieces(token, 2)
    if pieces is None:
        return None
    try:
        moment = datetime.fromisoformat(pieces[0])
    except ValueError:
        return None
    row_id = _number(pieces[1])
    if moment.tzinfo is None or row_id is None:
        return None
    return moment, row_id
