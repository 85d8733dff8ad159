"""Fingerprints on the report form and on /status, as a victim (or a hostile client) sends them."""

from __future__ import annotations

import random

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Case, Fingerprint
from scripts.pages import csrf_token
from tests.helpers import file_report, open_status, page_text, post_report

RNG = random.Random(2026)
ONE = f"{RNG.getrandbits(256):064x}"
TWO = f"{RNG.getrandbits(256):064x}"


def fingerprint_rows(app, case_ref):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        return case, list(
            db.session.scalars(select(Fingerprint).where(Fingerprint.case_id == case.id))
        )


def test_the_form_offers_fingerprints_only_to_javascript_and_explains_them(client):
    html = page_text(client.get("/report?lang=en"))
    assert '<div class="fingerprint-picker" id="fingerprint-tools" hidden>' in html
    # Without JavaScript the whole part is hidden: nothing in it could be used.
    assert 'id="fingerprints" hidden data-fingerprints-js>' in html
    # The picker has no name: the browser cannot send the images with the form.
    picker = html.split('id="fingerprint-picker"', 1)[1].split(">", 1)[0]
    assert "name=" not in picker
    assert "the images stay on your phone" in html
    assert "safe and legal for anyone under 19" in html
    assert "/static/js/pdq.js" in html and "/static/js/fingerprints.js" in html
    korean = page_text(client.get("/report?lang=ko"))
    assert "이미지 지문" in korean


def test_a_report_with_fingerprints_stores_them_and_the_sharing_choice(app, client):
    case_ref, _receipt = file_report(
        client, fingerprint=[ONE + ":88", TWO.upper() + ":61", ONE + ":88"], share_fingerprints="y"
    )
    case, rows = fingerprint_rows(app, case_ref)
    assert sorted((row.pdq, row.quality) for row in rows) == sorted([(ONE, 88), (TWO, 61)])
    assert case.share_fingerprints is True
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.filed"))
        assert '"fingerprints": 2' in entry.detail


def test_sharing_is_off_unless_ticked_and_never_on_without_fingerprints(app, client):
    case_ref, _ = file_report(client, fingerprint=[ONE + ":90"])
    assert fingerprint_rows(app, case_ref)[0].share_fingerprints is False
    other = app.test_client()
    case_ref, _ = file_report(other, share_fingerprints="y")
    case, rows = fingerprint_rows(app, case_ref)
    assert rows == [] and case.share_fingerprints is False


def test_a_minor_may_send_fingerprints_though_never_files(app, client):
    case_ref, _ = file_report(client, minor_in_content="yes", fingerprint=[ONE + ":70"])
    case, rows = fingerprint_rows(app, case_ref)
    assert case.minor_involved and len(rows) == 1


def test_a_bad_fingerprint_is_refused_in_korean_and_nothing_typed_is_lost(app, client):
    response = post_report(
        client,
        "ko",
        fingerprint=["not-a-hash", ONE + ":77", "ab" * 32 + ":20"],
        description="제 사진으로 만든 합성 이미지예요.",
    )
    assert response.status_code == 400
    html = page_text(response)
    assert "지문 하나를 읽을 수 없어서 뺐어요" in html
    assert "너무 흐리거나 단순해서" in html
    assert "제 사진으로 만든 합성 이미지예요." in html
    # The good one is still on the form, ready to send again; the bad ones are gone.
    assert f'name="fingerprint" value="{ONE}:77"' in html
    assert "not-a-hash" not in html and "ab" * 32 not in html
    with app.app_context():
        assert db.session.scalar(select(Fingerprint.id)) is None


def test_more_fingerprints_than_allowed_keeps_the_first_ones(make_app):
    app = make_app(PORTAL_FINGERPRINT_MAX=2)
    client = app.test_client()
    values = [f"{RNG.getrandbits(256):064x}:80" for _ in range(3)]
    response = post_report(client, "en", fingerprint=values)
    assert response.status_code == 400
    html = page_text(response)
    assert "You can add up to 2 fingerprints at a time" in html
    assert html.count('name="fingerprint" value=') == 2


def test_a_huge_or_hostile_value_gets_a_message_not_a_500(client):
    response = post_report(client, "en", fingerprint=["f" * 100_000, "<script>:80", "\x00" * 10])
    assert response.status_code == 400
    html = page_text(response)
    assert "A fingerprint could not be read" in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_receipt_says_nothing_about_other_reports_of_the_same_image(app):
    first = app.test_client()
    file_report(first, fingerprint=[ONE + ":90"])
    matching, lone = app.test_client(), app.test_client()
    file_report(matching, fingerprint=[ONE + ":90"])
    file_report(lone, fingerprint=[TWO + ":90"])

    def shown(client):
        page = page_text(client.get("/report/receipt"))
        return page.split('id="case-ref"')[0]

    # Whoever holds an image must not learn from us that someone else reported it.
    assert shown(matching) == shown(lone)


def _status_form(client, receipt):
    page = open_status(client, receipt)
    page = client.get(page.headers["Location"]) if page.status_code == 303 else page
    html = page_text(page)
    form = html.split('id="fingerprint-form"', 1)[1]
    return csrf_token(form), html


def test_status_adds_fingerprints_later_and_changes_the_sharing_choice(app, client):
    case_ref, receipt = file_report(client, "en")
    token, html = _status_form(client, receipt)
    assert "Image fingerprints" in html
    response = client.post(
        "/status/case/fingerprints",
        data={"csrf_token": token, "fingerprint": [ONE + ":91"], "share_fingerprints": "y"},
    )
    assert response.status_code == 303
    page = page_text(client.get("/status/case"))
    assert "1 fingerprint was added. The images stayed on your device." in page
    assert "We already have 1 fingerprint from you." in page
    case, rows = fingerprint_rows(app, case_ref)
    assert [row.pdq for row in rows] == [ONE] and case.share_fingerprints
    assert case.victim_unread
    # Unticking withdraws the consent.
    token = csrf_token(page.split('id="fingerprint-form"', 1)[1])
    client.post("/status/case/fingerprints", data={"csrf_token": token})
    assert "will not be shared outside our staff" in page_text(client.get("/status/case"))
    assert fingerprint_rows(app, case_ref)[0].share_fingerprints is False


def test_status_refuses_bad_values_and_an_expired_form(app, client):
    case_ref, receipt = file_report(client, "en")
    token, _html = _status_form(client, receipt)
    bad = client.post("/status/case/fingerprints", data={"csrf_token": token, "fingerprint": "x"})
    assert bad.status_code == 400
    assert "A fingerprint could not be read" in page_text(bad)
    expired = client.post("/status/case/fingerprints", data={"fingerprint": ONE + ":90"})
    assert expired.status_code == 400
    # The fingerprints made on the phone wait on the page to be sent again.
    assert "For your safety the form expired." in page_text(expired)
    assert f'name="fingerprint" value="{ONE}:90"' in page_text(expired)
    assert fingerprint_rows(app, case_ref)[1] == []


def test_status_without_an_open_case_goes_back_to_the_receipt_entry(client):
    response = client.post("/status/case/fingerprints", data={"fingerprint": ONE + ":90"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/status")


def test_a_closed_case_takes_no_new_fingerprints(app, client):
    case_ref, receipt = file_report(client, "en")
    token, _html = _status_form(client, receipt)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_ref == case_ref))
        case.status = "closed"
        db.session.commit()
    refused = client.post(
        "/status/case/fingerprints", data={"csrf_token": token, "fingerprint": ONE + ":90"}
    )
    assert refused.status_code == 400
    assert "cannot take new fingerprints" in page_text(refused)
    assert fingerprint_rows(app, case_ref)[1] == []


def test_withdrawing_deletes_the_fingerprints(app, client):
    case_ref, receipt = file_report(client, "en", fingerprint=[ONE + ":90"])
    _token, _html = _status_form(client, receipt)
    page = page_text(client.get("/status/case/withdraw"))
    done = client.post(
        "/status/case/withdraw", data={"csrf_token": csrf_token(page), "confirm": "y"}
    )
    assert done.status_code == 200
    assert fingerprint_rows(app, case_ref)[1] == []


def test_the_privacy_notice_explains_fingerprints(client):
    html = page_text(client.get("/privacy?lang=en"))
    assert "Nobody can turn a fingerprint back into the picture." in html
    assert "We never tell anyone else whether an image was reported." in html
