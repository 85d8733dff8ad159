"""Every setting, read from PORTAL_* environment variables, with safe defaults.

Per-platform names (PORTAL_ESCALATE_AFTER_DAYS_<PLATFORM>) are checked against the platform
registry by create_app, which may import it; this module sits below it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from portal.config_parse import ConfigError as ConfigError
from portal.config_parse import _bool, _choice, _int, _seconds
from portal.desk_config import desk_settings
from portal.workspace_config import workspace_settings

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
# A wheel carries templates/, static/ and translations/ (catalogs compiled by its build, see
# setup.py) in portal/_resources; a checkout has them at the top of the repository.
PACKAGED_RESOURCES = "_resources"


def installed(package_dir: Path = PACKAGE_DIR) -> bool:
    """Is this portal an installed wheel (rather than a checkout or an editable install)?"""
    return (package_dir / PACKAGED_RESOURCES).is_dir()


def resource_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """The folder holding templates/, static/ and translations/."""
    return package_dir / PACKAGED_RESOURCES if installed(package_dir) else package_dir.parent


def default_instance_dir(package_dir: Path = PACKAGE_DIR) -> Path:
    """instance/ of the checkout, or, installed, instance/ in the working directory."""
    return Path.cwd() / "instance" if installed(package_dir) else package_dir.parent / "instance"


# Secrets production must be given; development generates them once under instance/.
REQUIRED_SECRETS = (
    "PORTAL_SECRET_KEY",
    "PORTAL_RECEIPT_KEY",
    "PORTAL_DATA_KEYS",
    "PORTAL_AUDIT_KEY",
)

# Shown on the privacy notice until an operator names the real one (production must).
DEV_PRIVACY_OFFICER = "개인정보 보호책임자: 미지정 (development) · privacy officer not set"

# Named rate limits (limits syntax; several separated by ";").
DEFAULT_LIMITS = {
    "PORTAL_LIMIT_DEFAULT": "300 per minute",
    "PORTAL_LIMIT_FILING": "5 per hour;20 per day",
    "PORTAL_LIMIT_FORM_POSTS": "60 per minute;600 per hour",
    "PORTAL_LIMIT_RECEIPT": "10 per minute;60 per hour",
    "PORTAL_LIMIT_RECEIPT_TARGET": "5 per minute;30 per hour",
    "PORTAL_LIMIT_MESSAGE": "10 per hour;40 per day",
    "PORTAL_LIMIT_LOGIN": "10 per minute;100 per hour",
    "PORTAL_LIMIT_LOGIN_ACCOUNT": "5 per minute;30 per hour",
}


# The most link rows a form may carry, whatever PORTAL_MAX_LINKS says.
MAX_LINK_ROWS = 50


def _signing_key(env: Mapping[str, str]) -> str | None:
    text = (env.get("PORTAL_SIGNING_KEY") or "").strip()
    text = text.removeprefix("PORTAL_SIGNING_KEY=")
    prefix = "private-ed25519:"  # portal/security/signing.py PRIVATE_PREFIX
    try:
        usable = not text or (
            text.startswith(prefix)
            and len(base64.b64decode(text.removeprefix(prefix), validate=True)) == 32
        )
    except ValueError:
        usable = False
    if not usable:
        raise ConfigError(
            "PORTAL_SIGNING_KEY must be the private key that "
            "`flask --app portal keys generate-signing` prints (private-ed25519:...), "
            "not its public half"
        )
    return text or None


def _prefix(env: Mapping[str, str]) -> int:
    prefix = _int(env, "PORTAL_IPV6_PREFIX", 64, minimum=32)
    if prefix > 128:
        raise ConfigError(f"PORTAL_IPV6_PREFIX must be at most 128, got {prefix}")
    return prefix


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from PORTAL_* variables."""
    env = os.environ if env is None else env
    portal_env = env.get("PORTAL_ENV", "production").strip().lower() or "production"
    if portal_env not in {"production", "development"}:
        raise ConfigError(f"PORTAL_ENV must be production or development, got {portal_env!r}")
    production = portal_env == "production"

    instance_dir = Path(env.get("PORTAL_INSTANCE_DIR") or default_instance_dir())
    default_db = f"sqlite:///{instance_dir / 'portal.db'}"
    upload_dir = Path(env.get("PORTAL_UPLOAD_DIR") or instance_dir / "uploads")

    try:
        ratelimit_enabled = _bool(env.get("PORTAL_RATELIMIT_ENABLED"), True)
    except ConfigError as exc:
        raise ConfigError(f"PORTAL_RATELIMIT_ENABLED: {exc}") from None

    storage_uri = env.get("PORTAL_RATELIMIT_STORAGE_URI") or "memory://"
    storage_options: dict[str, Any] = {}
    if storage_uri.startswith(("redis://", "rediss://", "redis+")):
        # A stalled Redis must not stall every request: give up quickly and fall back.
        storage_options = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}

    max_file_mb = _int(env, "PORTAL_MAX_FILE_MB", 10, minimum=1)
    max_files = _int(env, "PORTAL_MAX_FILES", 5, minimum=0)

    config: dict[str, Any] = {
        "PORTAL_ENV": portal_env,
        "PORTAL_PRODUCTION": production,
        "PORTAL_INSTANCE_DIR": str(instance_dir),
        "SECRET_KEY": env.get("PORTAL_SECRET_KEY") or None,
        "PORTAL_RECEIPT_KEY": env.get("PORTAL_RECEIPT_KEY") or None,
        "PORTAL_DATA_KEYS": env.get("PORTAL_DATA_KEYS") or None,
        "PORTAL_AUDIT_KEY": env.get("PORTAL_AUDIT_KEY") or None,
        "PORTAL_AUDIT_PUBLIC_KEY": env.get("PORTAL_AUDIT_PUBLIC_KEY") or None,
        # Signs police exports (portal/security/signing.py); production makes none without it.
        "PORTAL_SIGNING_KEY": _signing_key(env),
        # How often each app process seals new audit entries into the chain (0: never;
        # then run `flask --app portal audit seal --follow` as its own service).
        "PORTAL_AUDIT_SEAL_SECONDS": _int(env, "PORTAL_AUDIT_SEAL_SECONDS", 2),
        "PORTAL_AUDIT_PENDING_MINUTES": _int(env, "PORTAL_AUDIT_PENDING_MINUTES", 5, minimum=1),
        # How many entries predate the keyed trail (migration 0007 printed it); 0 if none.
        "PORTAL_AUDIT_LEGACY_ENTRIES": _int(env, "PORTAL_AUDIT_LEGACY_ENTRIES", 0),
        "SQLALCHEMY_DATABASE_URI": env.get("PORTAL_DATABASE_URL") or default_db,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PORTAL_UPLOAD_DIR": str(upload_dir),
        "PORTAL_PROXY_HOPS": _int(env, "PORTAL_PROXY_HOPS", 0),
        "PORTAL_IPV6_PREFIX": _prefix(env),
        "PORTAL_SURFACE": _choice(env, "PORTAL_SURFACE", "all", ("all", "public", "staff")),
        # Values sealed before row binding open until `keys rotate` has re-sealed them all.
        "PORTAL_UNBOUND_VALUES": _choice(env, "PORTAL_UNBOUND_VALUES", "open", ("open", "refuse")),
        "PORTAL_RETENTION_DAYS": _int(env, "PORTAL_RETENTION_DAYS", 90, minimum=1),
        "PORTAL_EXIT_URL": env.get("PORTAL_EXIT_URL") or "https://www.naver.com/",
        "PORTAL_HOTLINES_FILE": env.get("PORTAL_HOTLINES_FILE") or None,
        # 개인정보 보호책임자: name and a way to reach them, shown on the privacy notice.
        "PORTAL_PRIVACY_OFFICER": (env.get("PORTAL_PRIVACY_OFFICER") or "").strip()
        or DEV_PRIVACY_OFFICER,
        "PORTAL_STATUS_IDLE_MINUTES": _int(env, "PORTAL_STATUS_IDLE_MINUTES", 15, minimum=1),
        "PORTAL_DRAFT_MINUTES": _int(env, "PORTAL_DRAFT_MINUTES", 120, minimum=5),
        "PORTAL_REISSUE_MINUTES": _int(env, "PORTAL_REISSUE_MINUTES", 10, minimum=1),
        "PORTAL_STATUS_SESSION_MINUTES": _int(env, "PORTAL_STATUS_SESSION_MINUTES", 60, minimum=1),
        "PORTAL_STAFF_IDLE_MINUTES": _int(env, "PORTAL_STAFF_IDLE_MINUTES", 15, minimum=1),
        "PORTAL_STAFF_SESSION_HOURS": _int(env, "PORTAL_STAFF_SESSION_HOURS", 12, minimum=1),
        "PORTAL_LOCKOUT_FAILURES": _int(env, "PORTAL_LOCKOUT_FAILURES", 5, minimum=1),
        "PORTAL_LOCKOUT_MINUTES": _int(env, "PORTAL_LOCKOUT_MINUTES", 15, minimum=1),
        "PORTAL_MAX_FILES": max_files,
        "PORTAL_MAX_FILE_BYTES": max_file_mb * 1024 * 1024,
        # All images of one request together (each alone is capped at 25 megapixels).
        "PORTAL_PIXEL_BUDGET": _int(env, "PORTAL_PIXEL_BUDGET_MP", 40, minimum=1) * 1_000_000,
        # PDFs are rendered to page images in a child process under these limits
        # (portal/evidence/pdf_render.py); the seconds are shared by all PDFs of a request.
        "PORTAL_PDF_MAX_PAGES": _int(env, "PORTAL_PDF_MAX_PAGES", 20, minimum=1),
        "PORTAL_PDF_MAX_SIDE": _int(env, "PORTAL_PDF_MAX_SIDE", 2000, minimum=200),
        "PORTAL_PDF_SECONDS": _seconds(env, "PORTAL_PDF_SECONDS", 10.0),
        "PORTAL_PDF_MEMORY_BYTES": _int(env, "PORTAL_PDF_MEMORY_MB", 512, minimum=128)
        * 1024
        * 1024,
        "PORTAL_MAX_LINKS": min(_int(env, "PORTAL_MAX_LINKS", 20, minimum=1), MAX_LINK_ROWS),
        "PORTAL_PAGE_SIZE": _int(env, "PORTAL_PAGE_SIZE", 50, minimum=5),
        "MAX_CONTENT_LENGTH": _int(env, "PORTAL_MAX_REQUEST_MB", 55, minimum=1) * 1024 * 1024,
        # Werkzeug's per-field memory cap for non-file parts; the longest text field
        # is far below this, so anything above it is hostile and gets a friendly 413.
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "MAX_FORM_PARTS": 400,
        "RATELIMIT_ENABLED": ratelimit_enabled,
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_STORAGE_OPTIONS": storage_options,
        # Redis down: every process keeps enforcing the same limits in its own memory
        # (degraded, per process) and switches back when Redis answers again. Victims can
        # still file; floods are still limited. See README, "When Redis is down".
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # A storage error after the response is built (counting an accepted filing) is logged,
        # never turned into a 500 for a victim whose report is already saved.
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Two counters per key: one Redis round trip per check, and no header lookup (a
        # second round trip) on every response; the 429 page says what to do instead.
        "RATELIMIT_STRATEGY": "sliding-window-counter",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_KEY_PREFIX": "portal",
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        # Every message is our own and translated in our catalogs; WTForms' built-in ones are
        # never shown, and loading their catalogs on each form costs ~0.5 ms per request.
        "WTF_I18N_ENABLED": False,
        "WTF_CSRF_SSL_STRICT": production,
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "BABEL_TRANSLATION_DIRECTORIES": str(resource_dir() / "translations"),
        "PORTAL_HSTS": production,
        **desk_settings(env, production),
        **workspace_settings(env),
    }
    for name, default in DEFAULT_LIMITS.items():
        config[name] = env.get(name) or default

    if production:
        missing = [name for name in REQUIRED_SECRETS if not env.get(name)]
        if missing:
            raise ConfigError(
                "PORTAL_ENV is production but these secrets are not set: "
                + ", ".join(missing)
                + ". `python -m portal.security.keygen` prints a fresh set: on a new "
                "installation use all of it; on an existing one copy only the missing lines "
                "(a new PORTAL_RECEIPT_KEY or PORTAL_DATA_KEYS would lock every report out). "
                "Or set PORTAL_ENV=development to try the portal locally."
            )
    if production and not (env.get("PORTAL_PRIVACY_OFFICER") or "").strip():
        raise ConfigError(
            "PORTAL_ENV is production but PORTAL_PRIVACY_OFFICER is not set: the privacy notice "
            "must name the privacy officer (개인정보 보호책임자) and how to reach them, e.g. "
            "PORTAL_PRIVACY_OFFICER='홍길동, privacy@example.org, 02-000-0000'. "
            "Or set PORTAL_ENV=development to try the portal locally."
        )
    if production and 0 < len(env.get("PORTAL_AUDIT_KEY", "").strip()) < 32:
        raise ConfigError(
            "PORTAL_AUDIT_KEY is too short: use at least 32 random characters "
            "(`python -m portal.security.keygen` prints one)"
        )
    return config
