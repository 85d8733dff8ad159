"""The staff workspace's settings: deadlines per priority, who hears about urgent cases, where
alert e-mails link to, whether the public transparency page is on, and image fingerprints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from portal.choices import PRIORITIES, TEAMS
from portal.config_parse import ConfigError, _bool, _int

DEFAULT_HOURS = {"urgent": 4, "high": 24, "normal": 72}
DEADLINE_KINDS = ("response", "request")


def deadline_setting(kind: str, priority: str) -> str:
    """PORTAL_DEADLINE_RESPONSE_HOURS_URGENT and its five siblings."""
    return f"PORTAL_DEADLINE_{kind.upper()}_HOURS_{priority.upper()}"


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = (env.get(name) or "").strip()
    found = tuple(part.strip() for part in raw.split(",") if part.strip())
    for address in found:
        local, _, domain = address.rpartition("@")
        if not local or "." not in domain or any(c in address for c in " <>\r\n\0"):
            raise ConfigError(
                f"{name} must be e-mail addresses separated by commas, "
                f"e.g. urgent@example.org,lead@example.org; {address!r} is not one"
            )
    return found


def _urgent_recipients(env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """PORTAL_NOTIFY_URGENT_TO for every team, PORTAL_NOTIFY_URGENT_TO_<TEAM> instead of it."""
    recipients = {"*": _addresses(env, "PORTAL_NOTIFY_URGENT_TO")}
    prefix = "PORTAL_NOTIFY_URGENT_TO_"
    for name in env:
        if not name.startswith(prefix):
            continue
        team = name.removeprefix(prefix).lower()
        if team not in TEAMS:
            known = ", ".join(prefix + code.upper() for code in TEAMS)
            raise ConfigError(f"{name}: no such team; the teams are {known}")
        recipients[team] = _addresses(env, name)
    return recipients


def _staff_url(env: Mapping[str, str]) -> str | None:
    url = (env.get("PORTAL_STAFF_URL") or "").strip().rstrip("/")
    parts = urlsplit(url)
    if url and (parts.scheme not in {"https", "http"} or not parts.hostname or parts.query):
        raise ConfigError(
            "PORTAL_STAFF_URL must be where staff open the portal, e.g. https://staff.example.org"
        )
    return url or None


def _fingerprint_distance(env: Mapping[str, str]) -> int:
    name = "PORTAL_FINGERPRINT_MATCH_DISTANCE"
    value = _int(env, name, 31)
    if value > 31:
        # 16 bands probed within one bit find every pair up to 31 bits apart, and no more.
        raise ConfigError(f"{name} can be at most 31 (the published PDQ threshold), got {value}")
    return value


def _quality(env: Mapping[str, str]) -> int:
    name = "PORTAL_FINGERPRINT_MIN_QUALITY"
    value = _int(env, name, 50)
    if value > 100:
        raise ConfigError(f"{name} is a PDQ quality from 0 to 100, got {value}")
    return value


def workspace_settings(env: Mapping[str, str]) -> dict[str, Any]:
    return {
        # Wall-clock hours from filing to the first reply and to the first takedown request.
        **{
            deadline_setting(kind, priority): _int(
                env, deadline_setting(kind, priority), DEFAULT_HOURS[priority], minimum=1
            )
            for kind in DEADLINE_KINDS
            for priority in PRIORITIES
        },
        "PORTAL_NOTIFY_URGENT_TO": _urgent_recipients(env),
        "PORTAL_STAFF_URL": _staff_url(env),
        # Off unless asked: /transparency shows yearly and monthly totals to anyone.
        "PORTAL_PUBLIC_STATS": _bool(env.get("PORTAL_PUBLIC_STATS"), False),
        # Fingerprints (PDQ) one report or one status visit may add, how many bits apart two
        # may be and still mean the same image, and the least quality a fingerprint needs.
        "PORTAL_FINGERPRINT_MAX": _int(env, "PORTAL_FINGERPRINT_MAX", 20, minimum=1),
        "PORTAL_FINGERPRINT_MATCH_DISTANCE": _fingerprint_distance(env),
        "PORTAL_FINGERPRINT_MIN_QUALITY": _quality(env),
    }
