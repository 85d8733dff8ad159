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

from portal.models import Staff
from portal.security import crypto

COOKIE = "portal_staff_device"
MAX_AGE_DAYS = 90
_SALT = "staff-device"


@dataclass(frozen=True)
class Device:
    staff_id: int
    version: str
    nonce: str

    def client(self, network: str) -> str:
        """The lockout identity of this browser on this network for this account: a copy
        of the token used elsewhere counts apart, so it cannot lock the owner out."""
        return "device:" + crypto.lookup_digest("device", f"{self.nonce}|{network}")[:32]

    def is_for(self, staff: Staff) -> bool:
        """Only for this account, while it is enabled and its password and 2FA secret are
        those the token was issued under (a reset or a password change revokes it)."""
        return (
            staff.id == self.staff_id
            and staff.enabled
            and secrets.compare_digest(self.version, version_of(staff))
        )


def version_of(staff: Staff) -> str:
    material = f"{staff.id}|{staff.password_hash}|{staff.totp_secret or ''}"
    return crypto.lookup_digest("device-version", material)[:32]


def _serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue(secret_key: str | bytes, staff: Staff) -> str:
    payload = {"s": staff.id, "v": version_of(staff), "n": secrets.token_urlsafe(16)}
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
    staff_id, version, nonce = payload.get("s"), payload.get("v"), payload.get("n")
    if not isinstance(staff_id, int) or not isinstance(version, str) or not isinstance(nonce, str):
        return None
    return Device(staff_id, version, nonce)
