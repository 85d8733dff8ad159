"""Staff sign-in: password then code, one neutral message, lockout, sessions, sign-out."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, LoginThrottle, Staff, utcnow
from portal.security import accounts
from portal.web import limits
from scripts.pages import ERROR_SUMMARY, HTML_LANG, csrf_token
from tests.helpers import page_text
from tests.staff_helpers import (
    Member,
    fresh_code,
    login,
    make_staff,
    staff_client,
    token_of,
    totp_code,
)

NEUTRAL = "The email, password or code is not right, or the account cannot sign in now."
EXPIRED = "You were signed out after a period without activity. Please sign in again."
MANY = "1000 per minute"


def _error(response: Any) -> str:
    match = ERROR_SUMMARY.search(page_text(response))
    assert match, f"no error message on the page ({response.status_code})"
    return match.group(1).strip()


def _password_step(
    client: FlaskClient, email: str, password: str, environ: dict[str, str] | None = None
) -> Any:
    token = csrf_token(page_text(client.get("/staff/login?lang=en", environ_base=environ or {})))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/staff/login", data=data, environ_base=environ or {})


def _code_step(client: FlaskClient, code: str) -> Any:
    token = csrf_token(page_text(client.get("/staff/login/code")))
    return client.post("/staff/login/code", data={"code": code, "csrf_token": token})


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/staff/")
    assert response.status_code in (200, 303)
    return response.status_code == 200


def _update(app: Flask, member: Member, **values: Any) -> None:
    with app.app_context():
        staff = db.session.get(Staff, member.id)
        for name, value in values.items():
            setattr(staff, name, value)
        db.session.commit()


def _network_client(app: Flask, address: str = "127.0.0.1") -> str:
    """The lockout identity of a browser with no trusted-device token, at this address."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        return limits.login_client()


def _throttle(app: Flask, member: Member, address: str = "127.0.0.1") -> LoginThrottle | None:
    with app.app_context():
        row = db.session.get(LoginThrottle, (member.id, _network_client(app, address)))
        if row is not None:
            db.session.expunge(row)
        return row


def _lock(app: Flask, member: Member, until: datetime, address: str = "127.0.0.1") -> None:
    """Put a lockout in place for this account from this address, as failures would."""
    with app.app_context():
        client = _network_client(app, address)
        row = db.session.get(LoginThrottle, (member.id, client))
        if row is None:
            row = LoginThrottle(staff_id=member.id, client=client, failures=0, lockouts=1)
            db.session.add(row)
        row.locked_until = until
        db.session.commit()


def _row(app: Flask, member: Member) -> Staff:
    with app.app_context():
        staff = db.session.get(Staff, member.id)
        db.session.expunge(staff)
        return staff


def test_sign_in_needs_the_password_and_then_a_code(app):
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    assert client.get("/staff/login/code").status_code == 303  # no code step without password
    first = _password_step(client, member.email, member.password)
    assert first.status_code == 303
    assert urlsplit(first.headers["Location"]).path == "/staff/login/code"
    assert not _signed_in(client)  # the password alone is not enough
    done = _code_step(client, fresh_code(app, member))
    assert done.status_code == 303
    assert urlsplit(done.headers["Location"]).path == "/staff/"
    queue = client.get("/staff/")
    assert queue.status_code == 200
    assert "<h1>Queue</h1>" in page_text(queue)
    assert _row(app, member).last_login_at is not None


def test_every_failure_shows_the_same_neutral_message(make_app):
    app = make_app(PORTAL_LIMIT_LOGIN=MANY, PORTAL_LIMIT_LOGIN_ACCOUNT=MANY)
    member = make_staff(app, "worker@example.org")
    disabled = make_staff(app, "gone@example.org")
    locked = make_staff(app, "locked@example.org")
    _update(app, disabled, enabled=False)
    _lock(app, locked, utcnow() + timedelta(minutes=10))
    client = app.test_client()
    attempts = {
        "unknown email": _password_step(client, "nobody@example.org", member.password),
        "wrong password": _password_step(client, member.email, "not the right passphrase"),
        "disabled": _password_step(client, disabled.email, disabled.password),
        "locked": _password_step(client, locked.email, locked.password),
    }
    assert _password_step(client, member.email, member.password).status_code == 303
    attempts["wrong code"] = _code_step(client, "000000")
    messages = {}
    for name, response in attempts.items():
        assert response.status_code == 200, name
        messages[name] = _error(response)
        assert member.password not in page_text(response)
    assert set(messages.values()) == {NEUTRAL}, messages
    assert not _signed_in(client)
    with app.app_context():
        reasons = [
            entry.detail
            for entry in db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "login.failed")
            )
        ]
    for reason in ("unknown_account", "bad_password", "disabled", "locked", "bad_code"):
        assert any(f'"reason": "{reason}"' in detail for detail in reasons), reason


def test_a_used_code_is_refused_the_second_time(app):
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    code = totp_code(member)  # this 30 s step's code stays in the accepted window for 30 s more
    assert _password_step(client, member.email, member.password).status_code == 303
    assert _code_step(client, code).status_code == 303
    assert client.post("/staff/logout", data={"csrf_token": token_of(client)}).status_code == 303
    assert _password_step(client, member.email, member.password).status_code == 303
    again = _code_step(client, code)
    assert again.status_code == 200
    assert _error(again) == NEUTRAL
    assert not _signed_in(client)
    with app.app_context():
        last = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "login.failed").order_by(AuditEntry.id)
        )
        assert '"reason": "reused_code"' in last.detail


def test_lockout_after_failures_holds_even_with_the_right_password(make_app):
    app = make_app(PORTAL_LOCKOUT_FAILURES=3, PORTAL_LIMIT_LOGIN_ACCOUNT=MANY)
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    for _ in range(3):
        assert _error(_password_step(client, member.email, "wrong wrong wrong")) == NEUTRAL
    locked_until = _throttle(app, member).locked_until
    assert locked_until is not None and locked_until > utcnow()
    refused = _password_step(client, member.email, member.password)
    assert refused.status_code == 200 and _error(refused) == NEUTRAL
    # The lock passes: the right password and a code work again.
    _lock(app, member, utcnow() - timedelta(seconds=1))
    assert _password_step(client, member.email, member.password).status_code == 303
    assert _code_step(client, fresh_code(app, member)).status_code == 303
    assert _signed_in(client)


def test_wrong_codes_count_towards_the_lockout(make_app):
    app = make_app(PORTAL_LOCKOUT_FAILURES=3, PORTAL_LIMIT_LOGIN_ACCOUNT=MANY)
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    assert _password_step(client, member.email, member.password).status_code == 303
    for _ in range(3):
        assert _error(_code_step(client, "123456")) == NEUTRAL
    right = _code_step(client, fresh_code(app, member))
    assert right.status_code == 200 and _error(right) == NEUTRAL
    assert not _signed_in(client)


def test_the_session_cookie_changes_at_sign_in(app):
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    _password_step(client, member.email, member.password)
    before = client.get_cookie("portal_session").value
    assert _code_step(client, fresh_code(app, member)).status_code == 303
    after = client.get_cookie("portal_session").value
    assert before != after
    stale = app.test_client()
    stale.set_cookie("portal_session", before)
    assert not _signed_in(stale)


def _clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    offset = [0.0]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])
    return offset


def _expired_notice(client: FlaskClient) -> None:
    response = client.get("/staff/")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/staff/login"
    page = client.get("/staff/login?lang=en")
    assert EXPIRED in page_text(page)
    assert not _signed_in(client)


def test_idle_staff_are_signed_out_with_a_notice(app, monkeypatch):
    client = staff_client(app, make_staff(app, "worker@example.org"))
    offset = _clock(monkeypatch)
    offset[0] = 14 * 60
    assert _signed_in(client)  # activity within the limit keeps the session
    offset[0] = 14 * 60 + 16 * 60
    _expired_notice(client)


def test_sessions_end_after_their_absolute_lifetime(make_app, monkeypatch):
    app = make_app(PORTAL_STAFF_SESSION_HOURS=1)
    client = staff_client(app, make_staff(app, "worker@example.org"))
    offset = _clock(monkeypatch)
    for minutes in range(10, 60, 10):
        offset[0] = minutes * 60
        assert _signed_in(client), minutes  # active all along
    offset[0] = 61 * 60
    _expired_notice(client)


def test_sign_out_is_a_post_that_clears_the_site_and_ends_old_cookies(app):
    member = make_staff(app, "worker@example.org")
    client = staff_client(app, member)
    copied = client.get_cookie("portal_session").value
    token_before = _row(app, member).session_token
    assert client.get("/staff/logout").status_code == 405
    assert _signed_in(client)
    response = client.post("/staff/logout", data={"csrf_token": token_of(client)})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/staff/login"
    assert '"cache"' in response.headers["Clear-Site-Data"]
    assert '"storage"' in response.headers["Clear-Site-Data"]
    deleted = [h for h in response.headers.getlist("Set-Cookie") if "portal_session=" in h]
    assert deleted and "Expires=Thu, 01 Jan 1970" in deleted[0]
    # The trusted-device token stays (security/devices.py), and grants nothing by itself.
    assert client.get_cookie("portal_staff_device", path="/staff/login") is not None
    assert not _signed_in(client)
    assert _row(app, member).session_token != token_before
    thief = app.test_client()
    thief.set_cookie("portal_session", copied)
    stolen = thief.get("/staff/")
    assert stolen.status_code == 303
    assert urlsplit(stolen.headers["Location"]).path == "/staff/login"


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/staff/account", "/staff/account"),
        ("//evil.example", "/staff/"),
        ("https://evil.example", "/staff/"),
        ("/\\evil.example", "/staff/"),
        ("javascript:alert(1)", "/staff/"),
        ("/\t/evil.example", "/staff/"),
    ],
)
def test_only_same_site_paths_are_followed_after_sign_in(app, target, lands_on):
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    page = page_text(client.get("/staff/login", query_string={"next": target}))
    hidden = re.search(r'name="next" value="([^"]*)"', page).group(1)
    assert "evil" not in hidden and "javascript" not in hidden
    response = login(app, client, member, next=target)  # posted as-is, past the page
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == lands_on
    assert "evil" not in response.headers["Location"]


def test_the_per_account_limit_stops_password_guessing_from_many_addresses(app):
    member = make_staff(app, "worker@example.org")
    bystander = make_staff(app, "bystander@example.org")
    client = app.test_client()
    statuses = [
        _password_step(
            client, member.email, f"guess number {n}", environ={"REMOTE_ADDR": f"198.51.100.{n}"}
        ).status_code
        for n in range(1, 7)
    ]
    assert statuses == [200] * 5 + [429]
    other = _password_step(
        client, bystander.email, bystander.password, environ={"REMOTE_ADDR": "198.51.100.6"}
    )
    assert other.status_code == 303  # another account is not blocked


def test_the_code_step_limit_is_per_account_too(app):
    alice = make_staff(app, "alice@example.org")
    bob = make_staff(app, "bob@example.org")
    guesser = app.test_client()
    assert _password_step(guesser, alice.email, alice.password).status_code == 303
    assert [_code_step(guesser, "000000").status_code for _ in range(5)] == [200] * 5
    assert _code_step(guesser, fresh_code(app, alice)).status_code == 429
    # Someone else's failed codes must not stop Bob, on another device, from signing in.
    bob_client = app.test_client()
    bob_env = {"REMOTE_ADDR": "198.51.100.77"}
    token = csrf_token(page_text(bob_client.get("/staff/login", environ_base=bob_env)))
    data = {"email": bob.email, "password": bob.password, "csrf_token": token}
    assert bob_client.post("/staff/login", data=data, environ_base=bob_env).status_code == 303
    code = {"code": fresh_code(app, bob), "csrf_token": token}
    assert bob_client.post("/staff/login/code", data=code, environ_base=bob_env).status_code == 303


def test_language_choice_persists_and_switches_the_pages(make_app):
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT=MANY)
    member = make_staff(app, "worker@example.org", language="en")
    client = staff_client(app, member)
    account = client.get("/staff/account")
    assert account.status_code == 200
    assert HTML_LANG.search(page_text(account)).group(1) == "en"
    token = token_of(client)
    saved = client.post("/staff/account", data={"lang-language": "ko", "lang-csrf_token": token})
    assert saved.status_code == 303
    assert HTML_LANG.search(page_text(client.get(saved.headers["Location"]))).group(1) == "ko"
    assert _row(app, member).language == "ko"
    # A new device, no language cookie: the pages follow the account's choice.
    elsewhere = staff_client(app, member)
    assert HTML_LANG.search(page_text(elsewhere.get("/staff/"))).group(1) == "ko"


@pytest.mark.parametrize("value", ["zh", "EN", "", "ko\x00", "e" * 5000])
def test_a_language_the_pages_do_not_have_is_refused_with_a_message(make_app, value):
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT=MANY)
    member = make_staff(app, "worker@example.org", language="en")
    client = staff_client(app, member)
    token = token_of(client)
    refused = client.post("/staff/account", data={"lang-language": value, "lang-csrf_token": token})
    assert refused.status_code == 400
    page = page_text(refused)
    language, password = page.split("Change password", 1)
    assert "Please choose the language of your pages." in language  # beside the choice
    assert "Please choose the language of your pages." not in password
    assert 'id="lang-en" name="lang-language" value="en" checked' in page  # as it was
    assert _row(app, member).language == "en"
    without_token = client.post("/staff/account", data={"lang-language": "ko"})
    assert without_token.status_code == 400
    assert _row(app, member).language == "en"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short one", "Use at least 12 characters."),
        ("password1234", "This password is too common or too simple."),
        ("worker@example.org and more", "Do not use your email address in the password."),
    ],
)
def test_password_change_refuses_weak_passwords(app, new, message):
    member = make_staff(app, "worker@example.org")
    client = staff_client(app, member)
    token = token_of(client)
    data = {"pw-current": member.password, "pw-new": new, "pw-confirm": new, "pw-csrf_token": token}
    response = client.post("/staff/account", data=data)
    assert response.status_code == 400
    assert message in _error(response)
    with app.app_context():
        assert accounts.verify_password(db.session.get(Staff, member.id), member.password)
    assert _signed_in(client)


def test_a_good_password_change_signs_out_and_the_new_password_works(make_app):
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT=MANY)
    member = make_staff(app, "worker@example.org")
    client = staff_client(app, member)
    new = "a different long passphrase 7"
    data = {"pw-current": member.password, "pw-new": new, "pw-confirm": new}
    response = client.post("/staff/account", data={**data, "pw-csrf_token": token_of(client)})
    assert response.status_code == 303
    assert not _signed_in(client)
    assert _error(_password_step(client, member.email, member.password)) == NEUTRAL
    assert _password_step(client, member.email, new).status_code == 303


def test_sign_in_and_out_are_audited(app):
    member = make_staff(app, "worker@example.org")
    client = app.test_client()
    _password_step(client, member.email, "not the right passphrase")
    _password_step(client, "nobody@example.org", "whatever it is here")
    client = staff_client(app, member)
    client.post("/staff/logout", data={"csrf_token": token_of(client)})
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        rows = [(entry.action, entry.actor_id, entry.actor) for entry in entries]
    assert ("login.failed", member.id, member.email) in rows
    assert ("login.failed", None, "unknown account") in rows
    assert ("login.success", member.id, member.email) in rows
    assert rows[-1] == ("logout", member.id, member.email)
    assert all("nobody@example.org" not in str(row) for row in rows)
