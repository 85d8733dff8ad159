"""Sign-in under attack: real parallel requests, lockouts an outsider cannot use, one code
one sign-in. On PostgreSQL (PORTAL_TEST_DATABASE_URL) the requests really race."""

from __future__ import annotations

import pyotp
import pytest
from flask import Flask

from portal.extensions import db
from portal.models import LoginThrottle, Staff
from tests.live import at_once, script_module, serving
from tests.races import race_settings
from tests.staff_helpers import Member, make_staff

MANY = "1000 per minute"
NEUTRAL = "The email, password or code is not right, or the account cannot sign in now."


@pytest.fixture
def open_app(make_app, backend: str) -> Flask:
    """Limits wide open, so only the lockout and the code check decide."""
    return make_app(
        PORTAL_LIMIT_LOGIN=MANY,
        PORTAL_LIMIT_LOGIN_ACCOUNT=MANY,
        PORTAL_LIMIT_DEFAULT="10000 per minute",
        PORTAL_PROXY_HOPS=1,
        **race_settings(backend),
    )


def _browser(port: int, address: str = "198.51.100.10"):
    return script_module("servers").Browser(port, address=address)


def _password_form(browser, member: Member, password: str | None = None) -> list:
    pages = script_module("pages")
    token = pages.csrf_token(browser.get("/staff/login?lang=en").body)
    return [
        ("email", member.email),
        ("password", member.password if password is None else password),
        ("csrf_token", token),
    ]


def _throttles(app: Flask, member: Member) -> list[LoginThrottle]:
    with app.app_context():
        rows = db.session.query(LoginThrottle).filter_by(staff_id=member.id).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_parallel_wrong_passwords_are_each_counted(open_app: Flask) -> None:
    open_app.config["PORTAL_LOCKOUT_FAILURES"] = 100
    member = make_staff(open_app, "racer@example.org")
    with serving(open_app) as port:
        browsers = [_browser(port) for _ in range(8)]
        forms = [_password_form(b, member, "not the password at all") for b in browsers]
        answers = at_once(
            [
                lambda b=b, f=f: b.post("/staff/login", f)
                for b, f in zip(browsers, forms, strict=True)
            ]
        )
    assert [answer.status for answer in answers] == [200] * 8
    (row,) = _throttles(open_app, member)
    assert row.failures == 8


def test_ten_parallel_sign_ins_with_one_code_let_exactly_one_in(open_app: Flask) -> None:
    member = make_staff(open_app, "onecode@example.org")
    with serving(open_app) as port:
        browsers = [_browser(port, f"198.51.100.{20 + n}") for n in range(10)]
        for browser in browsers:
            assert browser.post("/staff/login", _password_form(browser, member)).status == 303
        pages = script_module("pages")
        tokens = [pages.csrf_token(b.get("/staff/login/code").body) for b in browsers]
        code = pyotp.TOTP(member.secret).now()
        answers = at_once(
            [
                lambda b=b, t=t: b.post("/staff/login/code", [("code", code), ("csrf_token", t)])
                for b, t in zip(browsers, tokens, strict=True)
            ]
        )

        def lands_on(answer) -> str:
            return answer.headers.get("location", "") if answer.status == 303 else ""

        signed_in = [answer for answer in answers if lands_on(answer).endswith("/staff/")]
        assert len(signed_in) == 1, [(answer.status, lands_on(answer)) for answer in answers]
        # The others: the neutral message, or (once one got in) back to the password step.
        for answer in answers:
            if answer not in signed_in:
                assert NEUTRAL in answer.body or lands_on(answer).endswith("/staff/login")
        in_queue = [b for b in browsers if b.get("/staff/").status == 200]
        assert len(in_queue) == 1
    with open_app.app_context():
        assert db.session.get(Staff, member.id).totp_last_step > 0


def test_an_email_field_on_the_code_step_does_not_escape_the_account_limit(app: Flask) -> None:
    member = make_staff(app, "codes@example.org")
    client = app.test_client()
    pages = script_module("pages")
    token = pages.csrf_token(client.get("/staff/login").get_data(as_text=True))
    data = {"email": member.email, "password": member.password, "csrf_token": token}
    assert client.post("/staff/login", data=data).status_code == 303
    statuses = []
    for n in range(7):
        # A fresh address and a made-up email each time, as the attacker tried.
        environ = {"REMOTE_ADDR": f"203.0.113.{n + 1}"}
        form = {"code": "000000", "csrf_token": token, "email": f"x{n}@example.org"}
        statuses.append(
            client.post("/staff/login/code", data=form, environ_base=environ).status_code
        )
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]


def test_an_outsider_locks_out_only_themselves(open_app: Flask) -> None:
    open_app.config["PORTAL_LOCKOUT_FAILURES"] = 3
    member = make_staff(open_app, "target@example.org")
    with serving(open_app) as port:
        attacker = _browser(port, "198.51.100.66")
        for _ in range(10):
            attacker.post("/staff/login", _password_form(attacker, member, "guess guess guess"))
        # The attacker now holds the right password too: still locked out.
        locked = attacker.post("/staff/login", _password_form(attacker, member))
        assert locked.status == 200 and NEUTRAL in locked.body
        staff = _browser(port, "203.0.113.5")
        assert staff.post("/staff/login", _password_form(staff, member)).status == 303
        pages = script_module("pages")
        token = pages.csrf_token(staff.get("/staff/login/code").body)
        code = pyotp.TOTP(member.secret).now()
        answer = staff.post("/staff/login/code", [("code", code), ("csrf_token", token)])
        assert answer.status == 303
        assert staff.get("/staff/").status == 200


def test_a_trusted_browser_signs_in_while_an_outsider_uses_up_the_account_limit(
    make_app,
) -> None:
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT="5 per hour", PORTAL_PROXY_HOPS=1)
    member = make_staff(app, "trusted@example.org")
    pages = script_module("pages")
    with serving(app) as port:
        staff = _browser(port, "203.0.113.9")

        def sign_in() -> int:
            step = staff.post("/staff/login", _password_form(staff, member))
            if step.status != 303:
                return step.status
            token = pages.csrf_token(staff.get("/staff/login/code").body)
            code = pyotp.TOTP(member.secret).now()
            return staff.post("/staff/login/code", [("code", code), ("csrf_token", token)]).status

        assert sign_in() == 303
        assert "portal_staff_device" in staff.cookies
        token = pages.csrf_token(staff.get("/staff/").body)
        assert staff.post("/staff/logout", [("csrf_token", token)]).status == 303
        for n in range(8):
            outsider = _browser(port, f"198.51.100.{100 + n}")
            outsider.post("/staff/login", _password_form(outsider, member, "a wrong guess here"))
        newcomer = _browser(port, "192.0.2.44")
        assert newcomer.post("/staff/login", _password_form(newcomer, member)).status == 429
        with app.app_context():
            db.session.execute(Staff.__table__.update().values(totp_last_step=0))
            db.session.commit()
        assert sign_in() == 303
        assert staff.get("/staff/").status == 200


def test_a_forged_device_token_is_no_exemption(make_app) -> None:
    app = make_app(PORTAL_LIMIT_LOGIN_ACCOUNT="2 per hour")
    member = make_staff(app, "forged@example.org")
    client = app.test_client()
    client.set_cookie("portal_staff_device", "eyJzIjoxfQ.forged.token", path="/staff/login")
    pages = script_module("pages")
    statuses = []
    for _ in range(3):
        token = pages.csrf_token(client.get("/staff/login").get_data(as_text=True))
        data = {"email": member.email, "password": "wrong wrong wrong", "csrf_token": token}
        statuses.append(client.post("/staff/login", data=data).status_code)
    assert statuses == [200, 200, 429]


def test_one_password_step_signs_in_once(app: Flask) -> None:
    from tests.staff_helpers import fresh_code

    member = make_staff(app, "once@example.org")
    client = app.test_client()
    pages = script_module("pages")
    token = pages.csrf_token(client.get("/staff/login").get_data(as_text=True))
    data = {"email": member.email, "password": member.password, "csrf_token": token}
    assert client.post("/staff/login", data=data).status_code == 303
    copied = client.get_cookie("portal_session").value
    code = {"code": fresh_code(app, member), "csrf_token": token}
    assert client.post("/staff/login/code", data=code).status_code == 303
    replay = app.test_client()
    replay.set_cookie("portal_session", copied)
    again = {"code": fresh_code(app, member), "csrf_token": token}
    answer = replay.post("/staff/login/code", data=again)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/staff/login")
    assert replay.get("/staff/").status_code == 303


def test_a_copied_device_token_neither_locks_the_owner_out_nor_outlives_a_reset(
    make_app,
) -> None:
    app = make_app(PORTAL_LOCKOUT_FAILURES=3, PORTAL_PROXY_HOPS=1)
    member = make_staff(app, "device@example.org")
    pages = script_module("pages")
    from tests.staff_helpers import fresh_code

    def password_step(client, password: str, address: str) -> int:
        environ = {"HTTP_X_FORWARDED_FOR": address}
        token = pages.csrf_token(
            client.get("/staff/login", environ_base=environ).get_data(as_text=True)
        )
        data = {"email": member.email, "password": password, "csrf_token": token}
        return client.post("/staff/login", data=data, environ_base=environ).status_code

    owner = app.test_client()
    assert password_step(owner, member.password, "203.0.113.1") == 303
    token = pages.csrf_token(owner.get("/staff/login/code").get_data(as_text=True))
    code = {"code": fresh_code(app, member), "csrf_token": token}
    assert owner.post("/staff/login/code", data=code).status_code == 303
    device = owner.get_cookie("portal_staff_device", path="/staff/login").value
    signed_out = pages.csrf_token(owner.get("/staff/").get_data(as_text=True))
    assert owner.post("/staff/logout", data={"csrf_token": signed_out}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("portal_staff_device", device, path="/staff/login")
    for n in range(6):
        password_step(thief, "wrong wrong wrong", f"198.51.100.{n + 1}")
    assert password_step(owner, member.password, "203.0.113.1") == 303
    # After a 2FA reset the token no longer names a trusted browser.
    with app.app_context():
        from portal.security import accounts

        staff = db.session.get(Staff, member.id)
        accounts.reset_2fa(staff)
        db.session.commit()
        with app.test_request_context(
            "/staff/login",
            method="POST",
            data={"email": member.email},
            headers={"Cookie": f"portal_staff_device={device}"},
        ):
            from portal.web import limits

            assert limits.trusted_device() is None
