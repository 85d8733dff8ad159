"""Every named rate limit, declared in one place and adjustable by PORTAL_LIMIT_* settings.

Limits key on a keyed hash of the client address (never the address itself), and, for
receipt checks and staff logins, also on the target, so neither one client nor many
clients can grind through receipts or one account's password.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from typing import cast

from flask import Flask, current_app, g, request, session
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.storage import SlidingWindowCounterSupport
from limits.strategies import RateLimiter, SlidingWindowCounterRateLimiter

from portal.extensions import db
from portal.models import Staff
from portal.security import crypto, devices


def client_network(address: str, ipv6_prefix: int) -> str:
    """Who one client is: its IPv4 address, or the IPv6 network its connection holds.

    A home or phone connection gets a whole IPv6 /64 and may use any address in it, so
    keying on the address would give one person a fresh limit per address.
    """
    text = address.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]" or "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "198.51.100.7:5000"
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        # Not an address at all (a misconfigured proxy): all such clients share one bucket
        # rather than each odd spelling getting a fresh limit.
        return "unparseable"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, ipv6_prefix), strict=False))
    return str(ip)


def client_key() -> str:
    """The rate-limit identity of the client: an HMAC of its network, never the address."""
    network = client_network(
        request.remote_addr or "unknown", current_app.config["PORTAL_IPV6_PREFIX"]
    )
    return crypto.lookup_digest("client", network)[:32]


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


# The named limits below protect forms that cost something or guard a secret; they are
# shared by every process and instance through PORTAL_RATELIMIT_STORAGE_URI (Redis).
log = logging.getLogger(__name__)

limiter = Limiter(key_func=client_key)

# The default limit on every route is a per-process guard against page floods; kept in
# memory, a page view never waits on a Redis round trip (nginx also limits floods).
page_limiter = Limiter(
    key_func=client_key,
    default_limits=[_setting("PORTAL_LIMIT_DEFAULT")],
    storage_uri="memory://",
    strategy="fixed-window",
)


def _static_files_are_free() -> bool:
    return request.endpoint in {"static", "health.healthz", "health.readyz"}


limiter.request_filter(_static_files_are_free)
page_limiter.request_filter(_static_files_are_free)


def _receipt_target_key() -> str:
    """The receipt being tried. A malformed entry cannot guess anything, so it counts
    against the client only; one shared bucket would let typos lock everyone out."""
    from portal.cases.receipts import normalise_receipt

    entered = normalise_receipt(request.form.get("receipt", ""))
    if entered is None:
        return "receipt-malformed:" + client_key()
    return "receipt:" + crypto.lookup_digest("receipt-attempt", entered)[:32]


# Where the staff sign-in keeps the account waiting for its code (staff/auth_views.py).
LOGIN_PENDING = "login_pending"


def _pending_staff_id() -> int | None:
    pending = session.get(LOGIN_PENDING)
    staff_id = pending.get("id") if isinstance(pending, dict) else None
    return staff_id if isinstance(staff_id, int) else None


def _login_account_key() -> str:
    """The account being signed in to: the typed email on the password step, and on the
    code step only the account waiting for its code (a posted email there changes nothing).
    """
    if request.endpoint == "staff.login_code":
        account = f"id:{_pending_staff_id()}"
    else:
        account = request.form.get("email", "").strip().lower() or "none"
    return "account:" + crypto.lookup_digest("login-account", account)[:32]


def trusted_device() -> devices.Device | None:
    """This browser's trusted-device token, when it names the account being signed in to."""
    device = devices.read(current_app.secret_key or "", request.cookies.get(devices.COOKIE))
    if device is None:
        return None
    staff = db.session.get(Staff, device.staff_id)
    if staff is None or not device.is_for(staff):
        return None
    if request.endpoint == "staff.login_code":
        return device if _pending_staff_id() == staff.id else None
    typed = request.form.get("email", "").strip().lower()
    return device if typed == staff.email else None


def login_client() -> str:
    """Whose failures a sign-in attempt counts as: this trusted browser, or this network."""
    device = trusted_device()
    return device.client(client_key()) if device is not None else "net:" + client_key()


# Over these, the public blueprint gives the report form back filled (its 429 handler).
FORM_KEEPING_SCOPES = frozenset({"report-posts"})


def take_filing_slot() -> bool:
    """Count one filing against PORTAL_LIMIT_FILING now, just before it is made.

    Only a complete, valid form gets here: a language switch, an added link row or a refused
    form never uses up a victim's quota. Counting before the filing (one atomic increment in
    the shared store) rather than after its answer means twenty forms sent at once cannot
    all slip through while none has been counted yet. False when over the limit.
    """
    g.pop("filing_windows", None)
    if not limiter.enabled:
        return True
    identity = _filing_identity()
    items = parse_many(current_app.config["PORTAL_LIMIT_FILING"])
    try:
        strategy = limiter.limiter
        allowed = all(strategy.hit(item, *identity) for item in items)
        if allowed:
            g.filing_windows = [(item, _window_end(strategy, item, identity)) for item in items]
        return allowed
    except Exception:
        log.warning("filing limit store unavailable; filing allowed")
        return True


def give_back_filing_slot() -> None:
    """A filing that was counted but not made (the database or the disk failed, or it was a
    resend of one already filed): it does not use up the victim's quota.

    Only while the counter is still in the window it was counted in: given back in the next
    one, it would be a slot that window never gave, and resends timed across the hour would
    add filings. Nothing is given back for a filing the store was down to count.
    """
    counted = g.pop("filing_windows", None)
    if not counted or not limiter.enabled:
        return
    identity = _filing_identity()
    try:
        strategy = limiter.limiter
        for item, window_end in counted:
            if abs(_window_end(strategy, item, identity) - window_end) < 1:
                strategy.hit(item, *identity, cost=-1)
    except Exception:
        log.warning("filing limit store unavailable; slot not given back")


def _filing_identity() -> tuple[str, str, str]:
    return (current_app.config["RATELIMIT_KEY_PREFIX"], "filing", client_key())


def _window_end(strategy: RateLimiter, item: RateLimitItem, identity: tuple[str, ...]) -> float:
    """When the counter's current window ends, as the store keeps it (aligned to the clock
    in memory, to the key's first hit in Redis): the same moment means the same window."""
    key = item.key_for(*identity)
    if isinstance(strategy, SlidingWindowCounterRateLimiter):
        storage = cast(SlidingWindowCounterSupport, strategy.storage)
        *_previous, current_expires_in = storage.get_sliding_window(key, item.get_expiry())
        return time.time() + current_expires_in
    return float(strategy.storage.get_expiry(key))


# Every POST of the form, accepted or not, so refused forms cannot be sent without end.
form_posts = limiter.limit(
    _setting("PORTAL_LIMIT_FORM_POSTS"),
    scope="report-posts",
    methods=["POST"],
)

# The same bucket as form_posts (same limit, scope and key), charged once more for every file
# in a post whose files were refused: decoding costs far more than reading a form.
refused_uploads = limiter.limit(
    _setting("PORTAL_LIMIT_FORM_POSTS"),
    scope="report-posts",
    methods=["POST"],
    deduct_when=lambda response: bool(g.get("uploads_refused")),
    cost=lambda: max(1, int(g.get("uploads_refused", 0))),
)

receipt_per_client = limiter.limit(
    _setting("PORTAL_LIMIT_RECEIPT"), scope="receipt", methods=["POST"]
)
receipt_per_target = limiter.limit(
    _setting("PORTAL_LIMIT_RECEIPT_TARGET"),
    scope="receipt-target",
    methods=["POST"],
    key_func=_receipt_target_key,
)

message_from_victim = limiter.limit(
    _setting("PORTAL_LIMIT_MESSAGE"), scope="victim-message", methods=["POST"]
)

login_per_client = limiter.limit(_setting("PORTAL_LIMIT_LOGIN"), scope="login", methods=["POST"])
# Account-wide, across every client, so many addresses cannot grind through one password;
# a browser that signed in to the account before is exempt, so an outsider who uses this
# limit up cannot keep the staff member out of their own browser.
login_per_account = limiter.limit(
    _setting("PORTAL_LIMIT_LOGIN_ACCOUNT"),
    scope="login-account",
    methods=["POST"],
    key_func=_login_account_key,
    exempt_when=lambda: trusted_device() is not None,
)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    # The Limiter object outlives an app (tests build many in one process): a new app starts
    # on its own storage, not on the in-memory fallback an earlier app's outage switched to.
    limiter._storage_dead = False
    page_limiter.init_app(app)
