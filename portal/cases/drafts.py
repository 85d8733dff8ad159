"""Forms in progress: what a victim typed, kept sealed on the server for a short while.

Every page that follows a POST is reached by a redirect, so no page in the browser's history
can be sent again (by someone pressing Back on a shared phone). What was typed waits here,
encrypted, under a random token that only the victim's session holds, and goes when the
report is filed, when the victim asks, or when it expires.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from portal.extensions import Session, rows_changed
from portal.models import Draft
from portal.security import crypto

# A form body without files is capped at 1 MiB; a draft never holds more than that.
MAX_PAYLOAD_CHARS = 1024 * 1024


Fields = list[tuple[str, str]]


def _digest(token: str) -> str:
    return crypto.lookup_digest("draft", token)


def _encode(fields: Fields) -> str:
    payload = json.dumps(fields, ensure_ascii=False)
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ValueError("draft too large")
    return payload


def save(
    session: Session, fields: Fields, now: datetime, minutes: int, token: str | None = None
) -> str:
    """Keep a form's fields (name, value pairs as posted) until ``minutes`` from now,
    replacing the draft ``token`` names, if any; returns the new token."""
    if token:
        discard(session, token)
    token = secrets.token_urlsafe(32)
    session.add(
        Draft(
            token_hash=_digest(token),
            payload=_encode(fields),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    return token


def load(session: Session, token: str | None, now: datetime) -> Fields | None:
    if not token or len(token) > 64:
        return None
    draft = session.scalar(select(Draft).where(Draft.token_hash == _digest(token)))
    if draft is None or draft.expires_at <= now:
        return None
    return [(str(name), str(value)) for name, value in json.loads(draft.payload)]


def discard(session: Session, token: str | None) -> None:
    if token and len(token) <= 64:
        session.execute(
            delete(Draft)
            .where(Draft.token_hash == _digest(token))
            .execution_options(synchronize_session=False)
        )


def purge_expired(session: Session, now: datetime) -> int:
    expired = session.execute(
        delete(Draft).where(Draft.expires_at <= now).execution_options(synchronize_session=False)
    )
    return rows_changed(expired)
