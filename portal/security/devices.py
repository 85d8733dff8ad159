"""Trusted-device tokens: a browser that signed in to an account before is known again.

After a successful sign-in the browser keeps a signed token naming the account. Attempts
that carry it count against that browser alone, never against the account-wide limit an
outsider can use up, so someone guessing a staff member's password from elsewhere cannot
keep that person out of their own browser. The token grants nothing by itself: the
password and a fresh code are still needed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.security import crypto

COOKIE = "portal_staff_device"
MAX_AGE_DAYS = 90
_SALT = "staff-device"


@dataclass(frozen=True)
class Device:
    staff_id: int
    email_digest: str
    nonce: str

    @property
    def client(self) -> str:
        """The lockout identity of this browser for this account."""
        return "device:" + crypto.lookup_digest("device", self.nonce)[:32]

    def is_for(self, *, staff_id: int | None = None, email: str | None = None) -> bool:
        if staff_id is not None:
            return staff_id == self.staff_id
        return email is not None and email_digest(email) == self.email_digest


def email_digest(email: str) -> str:
    return crypto.lookup_digest("device-email", email.strip().lower())[:32]


def _serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue(secret_key: str | bytes, staff_id: int, email: str) -> str:
    payload = {"s": staff_id, "e": email_digest(email), "n": secrets.token_urlsafe(16)}
    return _serializer(secret_key).dumps(payload)


def read(secret_key: str | bytes, token: str | None) -> Device | None:
    """The device a token names, or None when it is missing, forged, expired or odd."""
    if not token or len(token) > 512:
        return None
    try:
        payload = _serializer(secret_key).loads(token, max_age=MAX_AGE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    staff_id, digest, nonce = payload.get("s"), payload.get("e"), payload.get("n")
    if not isinstance(staff_id, int) or not isinstance(digest, str) or not isinstance(nonce, str):
        return None
    return Device(staff_id, digest, nonce)
