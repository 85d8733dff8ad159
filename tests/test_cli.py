"""The operators' commands for staff accounts, and the audit check after them."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pyotp
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Staff
from scripts.pages import ERROR_SUMMARY, csrf_token
from tests.helpers import page_text
from tests.staff_helpers import PASSWORD, Member, fresh_code, make_staff

GOOD = "correct horse battery 99"
NEUTRAL = "The email, password or code is not right, or the account cannot sign in now."
URI = re.compile(r"^otpauth://totp/\S+$", re.M)


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    """Invoke a command; ``input`` is what standard input holds (CliRunner's own name)."""
    return app.test_cli_runner().invoke(args=list(args), input=input)


def secret_of(uri: str) -> str:
    return parse_qs(urlsplit(uri).query)["secret"][0]


def accounts_in(app: Flask) -> dict[str, Staff]:
    with app.app_context():
        members = db.session.scalars(select(Staff)).all()
        for member in members:
            db.session.expunge(member)
        return {member.email: member for member in members}


def audit_ok(app: Flask) -> str:
    sealed = run(app, "audit", "seal")
    assert sealed.exit_code == 0 and "sealed" in sealed.output, sealed.output
    result = run(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output
    return result.output


def password_step(app: Flask, email: str, password: str):
    client = app.test_client()
    token = csrf_token(page_text(client.get("/staff/login?lang=en")))
    data = {"email": email, "password": password, "csrf_token": token}
    return client, token, client.post("/staff/login", data=data)


def test_create_prints_an_enrolment_uri_that_signs_in(app):
    result = run(
        app, "staff", "create", "Boss@Example.org", "--role", "admin", input=f"{GOOD}\n{GOOD}\n"
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert "created boss@example.org (admin)" in result.output
    uri = URI.search(result.output).group(0)
    assert "boss%40example.org" in uri and "issuer=" in uri
    made = accounts_in(app)["boss@example.org"]
    assert (made.role, made.enabled, made.language) == ("admin", True, "ko")
    assert GOOD not in result.output
    member = Member(made.id, made.email, GOOD, secret_of(uri), "admin")
    client, token, first = password_step(app, member.email, GOOD)
    assert first.status_code == 303
    code = {"code": fresh_code(app, member), "csrf_token": token}
    assert client.post("/staff/login/code", data=code).status_code == 303
    assert client.get("/staff/admin/").status_code == 200
    audit_ok(app)


def test_create_refuses_different_passwords(app):
    result = run(app, "staff", "create", "new@example.org", input=f"{GOOD}\n{GOOD}x\n")
    assert result.exit_code != 0
    assert "the two passwords on standard input differ" in result.output
    assert "otpauth://" not in result.output
    assert accounts_in(app) == {}


def test_password_stdin_reads_a_single_line(app):
    result = run(
        app,
        "staff",
        "create",
        "one@example.org",
        "--password-stdin",
        "--language",
        "en",
        input=f"{GOOD}\n",
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert URI.search(result.output)
    made = accounts_in(app)["one@example.org"]
    assert (made.role, made.language) == ("staff", "en")
    _client, _token, first = password_step(app, "one@example.org", GOOD)
    assert first.status_code == 303


def test_weak_passwords_and_duplicates_are_refused(app):
    weak = run(app, "staff", "create", "weak@example.org", "--password-stdin", input="short\n")
    assert weak.exit_code != 0 and "too_short" in weak.output
    common = run(
        app, "staff", "create", "weak@example.org", "--password-stdin", input="password1234\n"
    )
    assert common.exit_code != 0 and "too_common" in common.output
    assert "weak@example.org" not in accounts_in(app)
    make_staff(app, "taken@example.org")
    again = run(app, "staff", "create", "TAKEN@example.org", "--password-stdin", input=f"{GOOD}\n")
    assert again.exit_code != 0 and "exists" in again.output
    assert len(accounts_in(app)) == 1
    empty = run(app, "staff", "create", "blank@example.org", "--password-stdin", input="\n")
    assert empty.exit_code != 0 and "no password" in empty.output


def test_list_shows_every_account(app):
    make_staff(app, "b@example.org", role="admin", language="ko")
    make_staff(app, "a@example.org")
    result = run(app, "staff", "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split("\t")[:4] for line in lines] == [
        ["a@example.org", "staff", "en", "enabled"],
        ["b@example.org", "admin", "ko", "enabled"],
    ]
    assert all(line.endswith("\t-") for line in lines)  # never signed in
    assert PASSWORD not in result.output


def test_disable_stops_sign_in_with_the_neutral_message_and_enable_restores_it(app):
    member = make_staff(app, "leaver@example.org")
    result = run(app, "staff", "disable", "Leaver@example.org")
    assert result.exit_code == 0 and "disabled leaver@example.org" in result.output
    assert "disabled" in run(app, "staff", "list").output
    _client, _token, refused = password_step(app, member.email, member.password)
    assert refused.status_code == 200
    assert ERROR_SUMMARY.search(page_text(refused)).group(1).strip() == NEUTRAL
    assert run(app, "staff", "enable", member.email).exit_code == 0
    _client, _token, allowed = password_step(app, member.email, member.password)
    assert allowed.status_code == 303
    missing = run(app, "staff", "disable", "nobody@example.org")
    assert missing.exit_code != 0 and "no account nobody@example.org" in missing.output


def test_reset_2fa_gives_a_new_secret_and_the_old_one_stops_working(app):
    member = make_staff(app, "phone-lost@example.org")
    old_session_token = accounts_in(app)[member.email].session_token
    result = run(app, "staff", "reset-2fa", member.email)
    assert result.exit_code == 0
    uri = URI.search(result.output).group(0)
    new_secret = secret_of(uri)
    assert new_secret != member.secret
    assert accounts_in(app)[member.email].session_token != old_session_token

    client, token, first = password_step(app, member.email, member.password)
    assert first.status_code == 303
    old_code = pyotp.TOTP(member.secret).now()
    refused = client.post("/staff/login/code", data={"code": old_code, "csrf_token": token})
    assert refused.status_code == 200
    assert ERROR_SUMMARY.search(page_text(refused)).group(1).strip() == NEUTRAL
    renewed = Member(member.id, member.email, member.password, new_secret, member.role)
    code = {"code": fresh_code(app, renewed), "csrf_token": token}
    assert client.post("/staff/login/code", data=code).status_code == 303


def test_audit_verify_passes_after_the_account_commands(app):
    member = make_staff(app, "someone@example.org")
    run(app, "staff", "disable", member.email)
    run(app, "staff", "enable", member.email)
    run(app, "staff", "reset-2fa", member.email)
    password_step(app, member.email, "a wrong passphrase here")
    output = audit_ok(app)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == [
            "cli.staff_disabled",
            "cli.staff_enabled",
            "cli.staff_2fa_reset",
            "login.failed",
        ]
    assert f"{len(actions)} entries verified" in output


def test_audit_verify_passes_after_creating_accounts(app):
    for email in ("first@example.org", "second@example.org"):
        created = run(app, "staff", "create", email, "--password-stdin", input=f"{GOOD}\n")
        assert created.exit_code == 0, (created.output, created.exception)
    run(app, "staff", "disable", "first@example.org")
    output = audit_ok(app)
    assert "3 entries verified" in output
    with app.app_context():
        tampered = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id))
        tampered.detail = '{"role": "admin", "target": 1}'
        db.session.commit()
    broken = run(app, "audit", "verify")
    assert broken.exit_code == 1
