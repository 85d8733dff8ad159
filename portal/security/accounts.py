"""Staff accounts: Argon2id passwords, mandatory TOTP, lockout, and session tokens."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from portal.choices import LANGUAGE_CODES
from portal.extensions import Session, rows_changed
from portal.models import Staff
from portal.security import lockout
from portal.security.lockout import LoginPolicy

ROLES = ("staff", "admin")
ISSUER = "Report & support portal"
TOTP_STEP = 30
MIN_PASSWORD_LENGTH = 12

# Argon2id with the OWASP minimum: 19 MiB, 2 passes, 1 lane.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified when the account does not exist, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiop12",
        "iloveyou1234",
        "passwordpassword",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "abcdefghijkl",
        "admin1234567",
        "welcome12345",
        "letmein12345",
        "aaaaaaaaaaaa",
        "000000000000",
        "111111111111",
        "asdfghjkl123",
    }
)


class AccountError(ValueError):
    """A request about an account that cannot be done; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, email: str = "") -> None:
    """Refuse short, common or guessable passwords (raises AccountError)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("too_short")
    if len(password) > 256:
        raise AccountError("too_long")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 5:
        raise AccountError("too_common")
    local = normalise_email(email).split("@")[0]
    if len(local) >= 4 and local in lowered:
        raise AccountError("contains_email")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(staff: Staff | None, password: str) -> bool:
    stored = staff.password_hash if staff is not None else _DUMMY_HASH
    try:
        HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return staff is not None


def new_totp_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(staff: Staff) -> str:
    return pyotp.TOTP(staff.totp_secret or "").provisioning_uri(
        name=staff.email, issuer_name=ISSUER
    )


def find_staff(session: Session, email: str) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.email == normalise_email(email)))


def create_staff(
    session: Session, email: str, password: str, role: str = "staff", language: str = "ko"
) -> Staff:
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise AccountError("bad_email")
    if role not in ROLES:
        raise AccountError("bad_role")
    if language not in LANGUAGE_CODES:
        raise AccountError("bad_language")
    if find_staff(session, email) is not None:
        raise AccountError("exists")
    check_password_strength(password, email)
    staff = Staff(
        email=email,
        password_hash=hash_password(password),
        role=role,
        language=language,
        totp_secret=new_totp_secret(),
        totp_last_step=0,
        enabled=True,
        session_token=secrets.token_hex(16),
    )
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: Staff, password: str) -> None:
    check_password_strength(password, staff.email)
    staff.password_hash = hash_password(password)
    end_sessions(staff)


def reset_2fa(staff: Staff) -> str:
    """A new TOTP secret; every existing session ends. Returns the new otpauth:// URI."""
    staff.totp_secret = new_totp_secret()
    staff.totp_last_step = 0
    end_sessions(staff)
    return provisioning_uri(staff)


def disable(staff: Staff) -> None:
    """No more sign-ins, and every open session ends now."""
    staff.enabled = False
    end_sessions(staff)


def enable(session: Session, staff: Staff) -> None:
    """Sign-ins again, with every lockout cleared."""
    staff.enabled = True
    lockout.clear(session, staff.id)


def end_sessions(staff: Staff) -> None:
    staff.session_token = secrets.token_hex(16)


def check_password_step(
    session: Session, email: str, password: str, now: datetime, policy: LoginPolicy, client: str
) -> tuple[Staff | None, str]:
    """First login step. Returns (staff, "ok") or (staff or None, reason) for the audit trail."""
    staff = find_staff(session, email)
    password_ok = verify_password(staff, password)
    if staff is None:
        return None, "unknown_account"
    if not staff.enabled:
        return staff, "disabled"
    if lockout.is_locked(session, staff.id, client, now):
        return staff, "locked"
    if not password_ok:
        lockout.record_failure(session, staff.id, client, now, policy)
        return staff, "bad_password"
    return staff, "ok"


def check_code_step(
    session: Session, staff: Staff, code: str, now: datetime, policy: LoginPolicy, client: str
) -> str:
    """Second step: a TOTP code from the current, previous or next 30 s; never one used before.

    The step is claimed with a compare-and-set, so of several requests racing with one code
    exactly one signs in.
    """
    if not staff.enabled:
        return "disabled"
    if lockout.is_locked(session, staff.id, client, now):
        return "locked"
    digits = re.sub(r"\s", "", code or "")
    if not (len(digits) == 6 and digits.isdigit()) or not staff.totp_secret:
        lockout.record_failure(session, staff.id, client, now, policy)
        return "bad_code"
    totp = pyotp.TOTP(staff.totp_secret)
    current = int(now.timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), digits):
            if not _claim_step(session, staff, step):
                lockout.record_failure(session, staff.id, client, now, policy)
                return "reused_code"
            lockout.clear(session, staff.id, client)
            return "ok"
    lockout.record_failure(session, staff.id, client, now, policy)
    return "bad_code"


def _claim_step(session: Session, staff: Staff, step: int) -> bool:
    claimed = session.execute(
        update(Staff)
        .where(Staff.id == staff.id, Staff.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    session.expire(staff, ["totp_last_step"])
    return rows_changed(claimed) == 1
