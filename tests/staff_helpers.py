"""Helpers for staff tests: make accounts, sign in with a real TOTP code."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Staff
from scripts.pages import csrf_token
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import page_text


@dataclass
class Member:
    id: int
    email: str
    password: str
    secret: str
    role: str


def make_staff(app: Flask, email: str, role: str = "staff", language: str = "en") -> Member:
    with app.app_context():
        staff = factories.staff(db.session, email, role=role, language=language)
        db.session.commit()
        return Member(staff.id, staff.email, PASSWORD, staff.totp_secret, role)


def totp_code(member: Member, offset_steps: int = 0) -> str:
    return pyotp.TOTP(member.secret).at(time.time() + offset_steps * 30)


def fresh_code(app: Flask, member: Member) -> str:
    """The next code this account has not used yet (tests sign in more than once in 30 s).

    The server accepts the previous, current and next 30 s step. The previous step is
    only used early in a window, so a boundary passing before the server checks the
    code cannot push it out; when every usable step is spent, wait for the next window.
    """
    with app.app_context():
        last = db.session.get(Staff, member.id).totp_last_step
    while True:
        now = time.time()
        current = int(now) // 30
        earliest = current - 1 if now % 30 < 20 else current
        step = max(earliest, last + 1)
        if step <= current + 1:
            return pyotp.TOTP(member.secret).at(step * 30)
        time.sleep(30 - now % 30 + 0.1)


def login(app: Flask, client: FlaskClient, member: Member, **extra: Any) -> Any:
    """Sign in through both steps; returns the final response (303 on success)."""
    token = csrf_token(page_text(client.get("/staff/login")))
    first = client.post(
        "/staff/login",
        data={"email": member.email, "password": member.password, "csrf_token": token, **extra},
    )
    assert first.status_code == 303, page_text(first)[:500]
    return client.post(
        "/staff/login/code", data={"code": fresh_code(app, member), "csrf_token": token}
    )


def staff_client(app: Flask, member: Member) -> FlaskClient:
    client = app.test_client()
    response = login(app, client, member)
    assert response.status_code == 303, page_text(response)[:500]
    return client


def token_of(client: FlaskClient, path: str = "/staff/") -> str:
    return csrf_token(page_text(client.get(path)))


def forged_cursor(text: str) -> str:
    """A paging cursor around any text, encoded as the queue encodes its own (to forge one)."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
