"""The report form under attack: a planted form key, a resent POST on a shared phone, and a
new receipt asked for by someone who did not file."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from portal.extensions import db
from portal.models import Case, Draft, utcnow
from scripts.pages import CASE_REF, RECEIPT, csrf_token, submission_key
from tests.helpers import open_form, page_text, report_data

PLANTED = "attacker-chosen-key-0123456789"


def _case(app: Flask) -> Case:
    with app.app_context():
        (case,) = db.session.scalars(select(Case)).all()
        db.session.expunge(case)
        return case


def _reissue(client: FlaskClient) -> object:
    token = csrf_token(page_text(client.get("/status")))
    return client.post("/report/reissue", data={"csrf_token": token})


def test_a_key_planted_by_another_site_is_ignored(app: Flask, client: FlaskClient) -> None:
    """A hostile page auto-posts a language switch carrying its own key (no cookies)."""
    planted = client.post("/report", data={"switch_lang": "en", "submission_key": PLANTED})
    assert planted.status_code == 303
    page = page_text(client.get(planted.headers["Location"]))
    assert PLANTED not in page
    # The victim fills in that form and sends it.
    token, key = csrf_token(page), submission_key(page)
    assert key and key != PLANTED
    sent = client.post("/report", data=report_data(csrf_token=token, submission_key=key))
    assert sent.status_code == 303
    # The attacker, in their own browser, asks for a new receipt with the planted key.
    attacker = app.test_client()
    attacker.post("/report", data={"switch_lang": "ko", "submission_key": PLANTED})
    refused = _reissue(attacker)
    assert refused.status_code == 303
    assert RECEIPT.search(page_text(attacker.get("/report/receipt"))) is None
    with app.app_context():
        assert db.session.scalar(select(Case.receipt_reissued)) is False


def test_a_posted_key_the_session_was_never_given_files_a_new_report(
    app: Flask, client: FlaskClient
) -> None:
    token, _key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=PLANTED)
    assert client.post("/report", data=data).status_code == 303
    from portal.security import crypto

    with app.app_context():
        stored = db.session.scalar(select(Case.submission_hash))
        assert stored != crypto.lookup_digest("submission", PLANTED)


def test_every_round_trip_ends_in_a_redirect_without_secrets(client: FlaskClient) -> None:
    token, key = open_form(client, "en")
    for action in ({"switch_lang": "ko"}, {"add_link": "1"}, {"filer": None}):
        answer = client.post(
            "/report", data=report_data(csrf_token=token, submission_key=key, **action)
        )
        assert answer.status_code == 303
        assert answer.headers["Location"].endswith("/report")
        assert key not in page_text(answer)
        shown = client.get("/report")
        assert "A bot made fake images from my profile photo." in page_text(shown)


def test_the_form_in_progress_is_kept_sealed_and_goes_when_filed(
    app: Flask, client: FlaskClient
) -> None:
    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key, add_link="1")
    assert client.post("/report", data=data).status_code == 303
    with app.app_context():
        (payload,) = db.session.execute(text("SELECT payload FROM drafts")).scalars().all()
    assert "profile photo" not in str(payload)
    html = page_text(client.get("/report"))
    assert len(re.findall(r'name="links-\d+-url"', html)) == 4
    data = report_data(csrf_token=csrf_token(html), submission_key=submission_key(html))
    assert client.post("/report", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Draft)).all() == []


def test_the_already_sent_page_comes_by_a_get(app: Flask, client: FlaskClient) -> None:
    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key)
    assert client.post("/report", data=data).status_code == 303
    again = client.post("/report", data=data)
    assert again.status_code == 303
    assert again.headers["Location"].endswith("/report/sent")
    page = page_text(client.get("/report/sent"))
    assert "This report was already sent" in page
    assert key not in page
    assert 'name="submission_key"' not in page


def _file_but_lose_the_answer(app: Flask, client: FlaskClient) -> str:
    """File, then go back to the cookie from before the answer (a worker killed mid-answer)."""
    token, key = open_form(client, "en")
    before = client.get_cookie("portal_session").value
    data = report_data(csrf_token=token, submission_key=key)
    assert client.post("/report", data=data).status_code == 303
    client.set_cookie("portal_session", before)
    resent = client.post("/report", data=data)
    assert resent.headers["Location"].endswith("/report/sent")
    return page_text(client.get("/report/sent"))


def test_a_lost_receipt_page_can_be_reissued_once_by_the_browser_that_filed(
    app: Flask, client: FlaskClient
) -> None:
    page = _file_but_lose_the_answer(app, client)
    assert "Get a new receipt code" in page
    reissued = client.post("/report/reissue", data={"csrf_token": csrf_token(page)})
    assert reissued.status_code == 303
    shown = page_text(client.get("/report/receipt"))
    assert RECEIPT.search(shown) and CASE_REF.search(shown)
    assert _case(app).receipt_reissued is True
    # Once only: asking again changes nothing.
    first_hash = _case(app).receipt_hash
    token = csrf_token(page_text(client.get("/status")))
    assert client.post("/report/reissue", data={"csrf_token": token}).status_code == 303
    assert RECEIPT.search(page_text(client.get("/report/receipt"))) is None
    assert _case(app).receipt_hash == first_hash


def test_no_new_receipt_once_the_first_was_shown(app: Flask, client: FlaskClient) -> None:
    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key)
    assert client.post("/report", data=data).status_code == 303
    assert RECEIPT.search(page_text(client.get("/report/receipt")))
    assert _case(app).receipt_shown_at is not None
    assert client.post("/report", data=data).headers["Location"].endswith("/report/sent")
    page = page_text(client.get("/report/sent"))
    refused = client.post("/report/reissue", data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 303
    assert "We cannot give a new receipt code here" in page_text(client.get("/report/sent?lang=en"))
    assert _case(app).receipt_reissued is False


def test_no_new_receipt_after_the_window(app: Flask, client: FlaskClient) -> None:
    page = _file_but_lose_the_answer(app, client)
    with app.app_context():
        db.session.execute(update(Case).values(created_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
    client.post("/report/reissue", data={"csrf_token": csrf_token(page)})
    assert _case(app).receipt_reissued is False


def test_the_receipt_page_buttons_carry_no_receipt(app: Flask, client: FlaskClient) -> None:
    token, key = open_form(client, "en")
    client.post("/report", data=report_data(csrf_token=token, submission_key=key))
    page = page_text(client.get("/report/receipt"))
    receipt = RECEIPT.search(page).group(1)
    form = page.split('action="/report/saved"', 1)[1].split("</form>", 1)[0]
    assert receipt not in form and _case(app).case_ref not in form
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', form).group(1)
    fields = {"csrf_token": csrf_token(page), "nonce": nonce}
    download = client.post("/report/saved", data={**fields, "download": "1"})
    assert receipt in download.get_data(as_text=True)
    # The box left unticked: the receipt is shown again by a GET, with the reminder.
    unticked = client.post("/report/saved", data=fields)
    assert unticked.status_code == 303 and receipt not in page_text(unticked)
    reminded = client.get("/report/receipt")
    assert reminded.status_code == 400 and receipt in page_text(reminded)
    # Sending the old POST again (Back on a shared phone) shows nothing.
    resent = client.post("/report/saved", data=fields)
    assert receipt not in page_text(client.get(resent.headers["Location"]))


def test_saved_takes_no_receipt_or_case_number_from_the_client(
    app: Flask, client: FlaskClient
) -> None:
    token, key = open_form(client, "en")
    client.post("/report", data=report_data(csrf_token=token, submission_key=key))
    page = page_text(client.get("/report/receipt"))
    receipt = RECEIPT.search(page).group(1)
    other = app.test_client()
    other_token = csrf_token(page_text(other.get("/status")))
    forged = other.post(
        "/report/saved",
        data={
            "csrf_token": other_token,
            "receipt": receipt,
            "case_ref": _case(app).case_ref,
            "download": "1",
        },
    )
    assert forged.status_code == 303
    assert receipt not in forged.get_data(as_text=True)
