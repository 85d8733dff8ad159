"""Keyset cursors for the queue's and the desk's lists: opaque to staff, checked when read back."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

MAX_TOKEN = 200


def join(pieces: list[str]) -> str:
    """ASCII pieces (without "|") as one URL-safe token."""
    raw = "|".join(pieces)
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def split(token: str | None) -> list[str] | None:
    """The pieces of a token ``join`` made, or None for anything else."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return raw.split("|")


def encode(*parts: int | datetime) -> str:
    return join([p.isoformat() if isinstance(p, datetime) else str(int(p)) for p in parts])


def _pieces(token: str | None, count: int) -> list[str] | None:
    pieces = split(token)
    return pieces if pieces is not None and len(pieces) == count else None


def number(piece: str) -> int | None:
    """A non-negative whole number as we write one, or None."""
    if not (piece.isascii() and piece.isdigit() and len(piece) < 19):
        return None
    return int(piece)


def decode_ints(token: str | None, count: int) -> tuple[int, ...] | None:
    """A cursor of ``count`` non-negative numbers, or None if it is not one we made."""
    pieces = _pieces(token, count)
    if pieces is None:
        return None
    numbers = [number(piece) for piece in pieces]
    if any(number is None for number in numbers):
        return None
    return tuple(number for number in numbers if number is not None)


def decode_time_id(token: str | None) -> tuple[datetime, int] | None:
    """A (moment, row id) cursor, or None."""
    pieces = _pieces(token, 2)
    if pieces is None:
        return None
    moment, row_id = aware_moment(pieces[0]), number(pieces[1])
    if moment is None or row_id is None:
        return None
    return moment, row_id


def aware_moment(piece: str) -> datetime | None:
    """An ISO time with its zone, or None."""
    try:
        moment = datetime.fromisoformat(piece)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
