"""Support staff accounts, and the sign-in throttles per account and client (LoginThrottle)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.sealed import EncryptedText
from portal.models.types import UTCDateTime, utcnow


class Staff(UserMixin, Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="staff")  # "staff" or "admin"
    language: Mapped[str] = mapped_column(String(5), default="ko")
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("staff.totp_secret", row="email"))
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Urgent-case and overdue e-mails to this person; each turns them off in My account.
    alerts_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:
        return self.enabled

    def get_id(self) -> str:
        # Flask-Login's alternative id: logging out or resetting rotates the token,
        # which ends every session cookie that was issued before.
        return f"{self.id}:{self.session_token or ''}"


class LoginThrottle(Model):
    """Failed sign-ins for one account from one client (its network, or a trusted device).

    Lockouts are per account and client, so an outsider who knows a staff e-mail locks out
    only themselves; each further lockout of the same pair lasts twice as long.
    """

    __tablename__ = "login_throttles"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
