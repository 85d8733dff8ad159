"""The takedown desk's settings: who signs notices, when rechecks fall due and when a request
is overdue; and how the portal's mail goes out (PORTAL_SMTP_URL, PORTAL_MAIL_FROM), which
notices, staff alerts and victim notices all use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from portal.config_parse import ConfigError, _bool, _int, _seconds


def _recheck_days(env: Mapping[str, str]) -> tuple[int, ...]:
    raw = env.get("PORTAL_RECHECK_DAYS", "").strip() or "7,30,90"
    try:
        days = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(
            f"PORTAL_RECHECK_DAYS must be days such as 7,30,90, got {raw!r}"
        ) from None
    if not days or days[0] < 1 or list(days) != sorted(set(days)):
        raise ConfigError(f"PORTAL_RECHECK_DAYS must be rising days such as 7,30,90, got {raw!r}")
    return days


def _escalation_days(env: Mapping[str, str]) -> dict[str, int]:
    """PORTAL_ESCALATE_AFTER_DAYS, and PORTAL_ESCALATE_AFTER_DAYS_<PLATFORM> per platform."""
    days = {"*": _int(env, "PORTAL_ESCALATE_AFTER_DAYS", 7, minimum=1)}
    prefix = "PORTAL_ESCALATE_AFTER_DAYS_"
    for name in env:
        if name.startswith(prefix):
            days[name.removeprefix(prefix).lower()] = _int(env, name, 7, minimum=1)
    return days


DEV_MAIL_FROM = "portal@localhost"


def _smtp_url(env: Mapping[str, str]) -> str | None:
    """PORTAL_SMTP_URL checked at start-up; the message never repeats it (it holds a password)."""
    url = (env.get("PORTAL_SMTP_URL") or "").strip()
    parts = urlsplit(url)
    try:
        port_ok = parts.port is not None or ":" not in parts.netloc.rpartition("@")[2]
    except ValueError:
        port_ok = False
    usable = (
        parts.scheme in {"smtp", "smtps"}
        and bool(parts.hostname)
        and port_ok
        and (parts.username is None) == (parts.password is None)
        and parts.path in {"", "/"}
        and not (parts.query or parts.fragment)
    )
    if url and not usable:
        raise ConfigError(
            "PORTAL_SMTP_URL must be smtp://host:port (STARTTLS) or smtps://user:password@host:port"
            " (TLS from the start), e.g. smtps://portal:secret@mail.example.org:465"
        )
    return url or None


def _mail_from(env: Mapping[str, str], production: bool, smtp_url: str | None) -> str | None:
    sender = (env.get("PORTAL_MAIL_FROM") or "").strip()
    if "@" not in (sender or "@") or any(char in sender for char in "\r\n\0"):
        raise ConfigError("PORTAL_MAIL_FROM must be one address, e.g. notice@mail.example.org")
    if not sender and production and smtp_url:
        raise ConfigError(
            "PORTAL_SMTP_URL is set but PORTAL_MAIL_FROM is not: name the address the portal's "
            "e-mail comes from, e.g. PORTAL_MAIL_FROM=notice@mail.example.org (a neutral one: "
            "victims' notices come from it too)"
        )
    return sender or (None if production else DEV_MAIL_FROM)


def desk_settings(env: Mapping[str, str], production: bool) -> dict[str, Any]:
    smtp_url = _smtp_url(env)
    return {
        # Who signs takedown notices; without a name and e-mail, production writes none.
        **{
            name: (env.get(name) or "").strip()
            for name in (
                "PORTAL_ORG_NAME",
                "PORTAL_ORG_EMAIL",
                "PORTAL_ORG_PHONE",
                "PORTAL_ORG_ADDRESS",
            )
        },
        # The outbox (portal/takedown): no SMTP URL means nothing is sent; staff download .eml
        # files instead. The worker is `flask --app portal outbox send`.
        "PORTAL_SMTP_URL": smtp_url,
        "PORTAL_MAIL_FROM": _mail_from(env, production, smtp_url),
        "PORTAL_OUTBOX_MAX_ATTEMPTS": _int(env, "PORTAL_OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
        "PORTAL_SMTP_TIMEOUT_SECONDS": _seconds(env, "PORTAL_SMTP_TIMEOUT_SECONDS", 20.0),
        "PORTAL_RECHECK_DAYS": _recheck_days(env),
        # Off unless asked: `rechecks run` then asks websites' hosts (portal/takedown/probe.py).
        "PORTAL_AUTO_RECHECK": _bool(env.get("PORTAL_AUTO_RECHECK"), False),
        "PORTAL_ESCALATE_AFTER_DAYS": _escalation_days(env),
    }
