"""The report form under attack: a planted form key, a resent POST on a shared phone, and a
new receipt asked for by someone who did not file."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from portal.extensions import db
from portal.models import Case, Draft, utcnow
from scripts.pages import CASE_REF, RECEIPT, csrf_token, submission_key
from tests.helpers import open_form, page_text, report_data
from tests.live import at_once, script_module, serving
from tests.races import race_settings

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


def test_parallel_requests_for_a_new_receipt_get_exactly_one(make_app, backend) -> None:
    app = make_app(PORTAL_LIMIT_RECEIPT="1000 per minute", **race_settings(backend))
    servers, pages = script_module("servers"), script_module("pages")
    with serving(app) as port:
        browser = servers.Browser(port)
        form = servers.open_form(browser)
        before = dict(browser.cookies)
        assert browser.post("/report", form).status == 303
        browser.cookies = dict(before)  # the answer was lost
        assert browser.post("/report", form).headers["location"].endswith("/report/sent")
        token = pages.csrf_token(browser.get("/report/sent").body)
        jars = [dict(browser.cookies) for _ in range(8)]
        tries = [servers.Browser(port, cookies=jar) for jar in jars]
        answers = at_once(
            [lambda b=b: b.post("/report/reissue", [("csrf_token", token)]) for b in tries]
        )
        shown = []
        for attempt, answer in zip(tries, answers, strict=True):
            if answer.headers.get("location", "").endswith("/report/receipt"):
                page = attempt.get("/report/receipt").body
                if RECEIPT.search(page):
                    shown.append(RECEIPT.search(page).group(1))
    assert len(shown) == 1
    with app.app_context():
        from portal.cases import receipts

        assert receipts.find_case(db.session, shown[0]) is not None


HOSTILE = {
    "switch_lang": "en",
    "contact_method": "email",
    "contact_email": "abuser@evil.example",
    "description": "planted by another site",
}


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_form_another_site_auto_posts_is_ignored_entirely(app, client, headers) -> None:
    answer = client.post("/report", data=HOSTILE, headers=headers)
    assert answer.status_code == 303
    assert "portal_session=" not in " ".join(answer.headers.getlist("Set-Cookie"))
    page = page_text(client.get("/report"))
    assert "abuser@evil.example" not in page and "planted by another site" not in page
    with app.app_context():
        assert db.session.scalars(select(Draft)).all() == []


def test_a_cross_site_post_leaves_the_victims_status_session_alone(app, client) -> None:
    from tests.helpers import file_report, open_status

    _ref, receipt = file_report(client)
    assert open_status(client, receipt).status_code == 303
    client.post("/report", data=HOSTILE, headers={"Sec-Fetch-Site": "cross-site"})
    client.post(
        "/status/case/reply",
        data={"body": "close my case, write to abuser@evil.example"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    case_page = client.get("/status/case")
    assert case_page.status_code == 200
    assert "abuser@evil.example" not in page_text(case_page)


def test_a_reply_planted_without_a_session_is_not_kept(app, client) -> None:
    answer = client.post("/status/case/reply", data={"body": "planted: abuser@evil.example"})
    assert answer.status_code == 303
    assert "abuser@evil.example" not in page_text(client.get("/status"))
    with app.app_context():
        assert db.session.scalars(select(Draft)).all() == []


def test_twenty_forms_sent_at_once_file_no_more_than_the_limit(make_app, backend) -> None:
    app = make_app(PORTAL_LIMIT_FILING="5 per hour", **race_settings(backend))
    servers = script_module("servers")
    with serving(app) as port:
        browsers = [servers.Browser(port) for _ in range(20)]
        forms = [servers.open_form(browser, n) for n, browser in enumerate(browsers)]
        answers = at_once(
            [lambda b=b, f=f: b.post("/report", f) for b, f in zip(browsers, forms, strict=True)]
        )
    filed = [a for a in answers if a.headers.get("location", "").endswith("/report/receipt")]
    assert len(filed) == 5
    with app.app_context():
        assert len(db.session.scalars(select(Case)).all()) == 5


def test_one_client_holds_only_a_few_drafts_and_only_form_fields(app) -> None:
    from portal.cases.drafts import MAX_PER_OWNER

    for n in range(MAX_PER_OWNER + 5):
        fresh = app.test_client()  # a new session each time, as a script would
        token, key = open_form(fresh, "en")
        data = report_data(csrf_token=token, submission_key=key, switch_lang="ko")
        data[f"junk_field_{n}"] = "x" * 1000
        assert fresh.post("/report", data=data).status_code == 303
    with app.app_context():
        kept = db.session.scalars(select(Draft)).all()
        assert len(kept) == MAX_PER_OWNER
        assert all("junk_field" not in draft.payload for draft in kept)


def test_a_draft_no_real_form_makes_is_not_kept(app, client) -> None:
    token, key = open_form(client, "en")
    notes = {f"links-{n}-note": "x" * 5000 for n in range(45)}
    data = report_data(csrf_token=token, submission_key=key, switch_lang="ko", **notes)
    answer = client.post("/report", data=data)
    assert answer.status_code == 200  # shown from the POST: nothing was stored
    with app.app_context():
        assert db.session.scalars(select(Draft)).all() == []


@pytest.mark.parametrize("nonce", ["한글", "x" * 5000, "", "\u202e"])
def test_a_hostile_receipt_page_nonce_gets_no_receipt_and_no_500(app, client, nonce) -> None:
    token, key = open_form(client, "en")
    client.post("/report", data=report_data(csrf_token=token, submission_key=key))
    page = page_text(client.get("/report/receipt"))
    receipt = RECEIPT.search(page).group(1)
    answer = client.post(
        "/report/saved", data={"csrf_token": csrf_token(page), "nonce": nonce, "download": "1"}
    )
    assert answer.status_code == 303
    assert receipt not in answer.get_data(as_text=True)


def test_the_victims_own_form_behind_a_tls_proxy_is_not_taken_for_another_sites(
    app, client
) -> None:
    """An older browser sends Origin only; the app behind the proxy sees http."""
    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key, switch_lang="ko")
    answer = client.post("/report", data=data, headers={"Origin": "https://localhost"})
    assert answer.status_code == 303
    assert "A bot made fake images from my profile photo." in page_text(client.get("/report"))
