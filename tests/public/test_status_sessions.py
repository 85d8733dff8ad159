"""A victim's status session can be ended for every copy of its cookie, and does not live
on by being used: the attacks of a person who copied the cookie from a shared phone."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient

from portal.cases import intake
from portal.extensions import db
from portal.models import Case, utcnow
from scripts.pages import csrf_token
from tests import factories
from tests.helpers import file_report, open_status, page_text


def _open(client: FlaskClient, receipt: str) -> str:
    response = open_status(client, receipt)
    assert response.status_code == 303
    return page_text(client.get(response.headers["Location"]))


def _copy(app: Flask, client: FlaskClient) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie("portal_session", client.get_cookie("portal_session").value)
    return thief


def _sees_the_case(client: FlaskClient, ref: str) -> bool:
    response = client.get("/status/case")
    return response.status_code == 200 and f'id="case-ref">{ref}<' in page_text(response)


def test_a_copied_cookie_opens_the_case_until_the_victim_leaves(app, client):
    ref, receipt = file_report(client)
    html = _open(client, receipt)
    thief = _copy(app, client)
    assert _sees_the_case(thief, ref)
    left = client.post("/status/leave", data={"csrf_token": csrf_token(html)})
    assert left.status_code == 303
    refused = thief.get("/status/case")
    assert refused.status_code == 303
    assert refused.headers["Location"].endswith("/status")
    assert ref not in page_text(thief.get("/status/case", follow_redirects=True))


def test_leaving_does_not_stop_the_receipt_itself(app, client):
    ref, receipt = file_report(client)
    html = _open(client, receipt)
    client.post("/status/leave", data={"csrf_token": csrf_token(html)})
    assert ref in _open(client, receipt)


def test_a_stale_copy_cannot_end_the_victims_new_session(app, client):
    ref, receipt = file_report(client)
    html = _open(client, receipt)
    stale = _copy(app, client)
    client.post("/status/leave", data={"csrf_token": csrf_token(html)})
    _open(client, receipt)  # the victim comes back later
    token = csrf_token(page_text(stale.get("/status")))
    stale.post("/status/leave", data={"csrf_token": token})
    assert _sees_the_case(client, ref)


def test_a_new_receipt_ends_every_status_session(app, client):
    key = "reissue-test-key-0123456789abcdef"
    with app.app_context():
        filed = factories.filed_case(db.session, submission_key=key)
        db.session.commit()
        ref, receipt = filed.case.case_ref, filed.receipt
    _open(client, receipt)
    thief = _copy(app, client)
    assert _sees_the_case(thief, ref)
    with app.app_context():
        assert intake.reissue_receipt(db.session, [key], utcnow(), 10) is not None
        db.session.commit()
    assert _sees_the_case(client, ref) is False
    assert _sees_the_case(thief, ref) is False


def test_withdrawal_ends_every_copy(app, client):
    _ref, receipt = file_report(client)
    _open(client, receipt)
    thief = _copy(app, client)
    page = page_text(client.get("/status/case/withdraw"))
    done = client.post(
        "/status/case/withdraw", data={"csrf_token": csrf_token(page), "confirm": "y"}
    )
    assert done.status_code == 200
    assert thief.get("/status/case").status_code == 303


def test_using_the_session_does_not_extend_it_past_its_lifetime(app, client, monkeypatch):
    ref, receipt = file_report(client)
    _open(client, receipt)
    thief = _copy(app, client)
    real_time = time.time
    for minutes in (10, 20, 30, 40, 50, 59):
        monkeypatch.setattr(time, "time", lambda m=minutes: real_time() + m * 60)
        assert _sees_the_case(thief, ref), f"still open at {minutes} minutes"
    monkeypatch.setattr(time, "time", lambda: real_time() + 61 * 60)
    assert thief.get("/status/case").status_code == 303


def test_the_lifetime_is_a_setting(make_app, monkeypatch):
    app = make_app(PORTAL_STATUS_SESSION_MINUTES=5)
    client = app.test_client()
    _ref, receipt = file_report(client)
    _open(client, receipt)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 6 * 60)
    assert client.get("/status/case").status_code == 303


def test_the_generation_is_stored_per_case(app, client):
    _ref, receipt = file_report(client)
    html = _open(client, receipt)
    client.post("/status/leave", data={"csrf_token": csrf_token(html)})
    with app.app_context():
        (case,) = db.session.query(Case).all()
        assert case.status_generation == 1
