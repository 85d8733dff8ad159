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

# Far above what the form's own caps allow (5,000 characters of description, 50 links of
# 2,000 and notes of 500), so only a hostile post reaches it.
MAX_PAYLOAD_CHARS = 200_000
# Drafts one client may hold at once; older ones go first.
MAX_PER_OWNER = 10


Fields = list[tuple[str, str]]


def _digest(token: str) -> str:
    return crypto.lookup_digest("draft", token)


def _encode(fields: Fields) -> str:
    payload = json.dumps(fields, ensure_ascii=False)
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ValueError("draft too large")
    return payload


def save(
    session: Session,
    fields: Fields,
    now: datetime,
    minutes: int,
    token: str | None = None,
    owner: str = "",
) -> str:
    """Keep a form's fields (name, value pairs as posted) until ``minutes`` from now,
    replacing the draft ``token`` names, if any; returns the new token.

    Raises ValueError for a payload no real form makes. ``owner`` (a client's keyed hash)
    holds at most MAX_PER_OWNER drafts: saving one more drops its oldest.
    """
    payload = _encode(fields)
    if token:
        discard(session, token)
    kept = select(Draft.id).where(Draft.owner == owner).order_by(Draft.id.desc())
    session.execute(
        delete(Draft)
        .where(Draft.owner == owner, Draft.id.not_in(kept.limit(MAX_PER_OWNER - 1)))
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        Draft(
            token_hash=_digest(token),
            owner=owner,
            payload=payload,
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
