"""Filing a report: the round trip, validation that keeps what was typed, honeypot, edge cases."""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEntry, Case, Link
from scripts.pages import SUBMISSION_KEY, csrf_token
from tests.helpers import (
    BOUNDARY,
    RECEIPT,
    file_report,
    h1,
    multipart_body,
    open_form,
    open_status,
    page_text,
    post_report,
    report_data,
    shown_after,
)


def _cases(app) -> list[Case]:
    with app.app_context():
        return db.session.scalars(select(Case)).all()


@pytest.mark.parametrize(
    ("lang", "receipt_title", "status_word"),
    [("ko", "신고가 접수됐어요", "접수됐어요"), ("en", "Your report has been sent", "Received")],
)
def test_filing_round_trip(app, client, lang, receipt_title, status_word):
    token, key = open_form(client, lang)
    data = report_data(csrf_token=token, submission_key=key)
    response = shown_after(client, client.post("/report", data=data))
    assert response.status_code == 303

    receipt_page = client.get("/report/receipt")
    html = page_text(receipt_page)
    assert h1(receipt_page) == receipt_title
    assert f'<html lang="{lang}">' in html
    assert receipt_page.headers["Cache-Control"] == "no-store"
    receipt = RECEIPT.search(html).group(1)

    with app.app_context():
        case = db.session.scalar(select(Case))
        assert case.language == lang
        assert case.status == "new"
        assert case.harms == ["deepfake", "distribution"]
        assert case.help_wanted == ["takedown", "counseling"]
        assert [link.url for link in case.links] == [
            "https://t.me/badchannel/123",
            "https://t.me/nudifybot",
        ]
        assert [link.platform for link in case.links] == ["telegram", "telegram"]
        assert case.links[0].note == "posted on 20 November"
        assert case.description == "A bot made fake images from my profile photo."
        assert case.receipt_hash and receipt.replace("-", "") not in case.receipt_hash
        assert f'id="case-ref">{case.case_ref}<' in html
        assert db.session.scalar(select(AuditEntry.action)) == "case.filed"

    status = open_status(client, receipt)
    assert status.status_code == 303
    case_page = client.get(status.headers["Location"])
    assert case_page.status_code == 200
    assert status_word in page_text(case_page)
    assert 'name="receipt"' not in page_text(case_page)
    assert case_page.headers["Cache-Control"] == "no-store"


def test_receipt_page_shows_only_once(client):
    file_report(client)
    again = client.get("/report/receipt")
    assert again.status_code == 200
    assert not RECEIPT.search(page_text(again))
    assert "한 번만" in page_text(again)


def test_receipt_has_twenty_digits_in_groups(client):
    _ref, receipt = file_report(client)
    groups = receipt.split("-")
    assert [len(group) for group in groups] == [4, 4, 4, 4, 4]
    assert "".join(groups).isdigit()


def test_missing_required_answers_are_listed_and_typed_text_kept(app, client):
    token, key = open_form(client, "en")
    data = {
        "csrf_token": token,
        "submission_key": key,
        "description": "I typed this carefully & it must stay <here>",
        "links-0-url": "https://example.com/post/1",
        "links-0-note": "my note",
        "contact_method": "email",
        "contact_email": "me@example.com",
    }
    response = shown_after(client, client.post("/report", data=data))
    html = page_text(response)
    assert response.status_code == 400
    assert 'id="error-summary"' in html
    for message in (
        "Please tell us who is filing this report.",
        "Please choose at least one thing that happened.",
        "Please choose at least one kind of help.",
        "Please tick the box about consent. You can tick it even if you agreed to be "
        "filmed, or nothing has been shared yet.",
        "Please agree that staff may handle the sensitive information in your "
        "report; without it we cannot look at what happened.",
        "Please agree that staff may handle what you send, so we can help.",
    ):
        assert message in html
    assert "I typed this carefully &amp; it must stay &lt;here&gt;" in html
    assert 'value="https://example.com/post/1"' in html
    assert 'value="my note"' in html
    assert 'value="me@example.com"' in html
    assert 'aria-describedby="filer-error"' in html
    assert _cases(app) == []


def test_takedown_needs_deletion_consent_only_when_asked(app, client):
    refused = post_report(client, "en", consent_takedown=None)
    assert refused.status_code == 400
    assert "we need your agreement to act for you" in page_text(refused)
    accepted = post_report(client, "en", consent_takedown=None, help_wanted=["counseling"])
    assert accepted.status_code == 303
    assert len(_cases(app)) == 1


def test_link_or_description_is_required(app, client):
    response = post_report(
        client,
        "en",
        **{"links-0-url": "", "links-0-note": "", "links-1-url": "", "description": ""},
    )
    assert response.status_code == 400
    assert "Please give at least one link" in page_text(response)
    only_description = post_report(
        client, "en", **{"links-0-url": "", "links-0-note": "", "links-1-url": ""}
    )
    assert only_description.status_code == 303


def test_link_that_is_not_a_link_gets_a_clear_message(app, client):
    response = post_report(client, "ko", **{"links-1-url": "그냥 글자"})
    html = page_text(response)
    assert response.status_code == 400
    assert "링크 형식이 아닌 것 같아요" in html
    assert 'value="그냥 글자"' in html
    assert _cases(app) == []


def test_duplicate_links_are_stored_once(app, client):
    file_report(client, **{"links-1-url": "HTTPS://T.ME/badchannel/123?utm_source=x"})
    (_case,) = _cases(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Link)) == 1


def test_add_link_round_trip_keeps_everything(app, client):
    token, key = open_form(client, "en")
    data = report_data(csrf_token=token, submission_key=key, add_link="1")
    response = shown_after(client, client.post("/report", data=data))
    html = page_text(response)
    assert response.status_code == 200
    assert 'name="links-3-url"' in html
    assert 'value="https://t.me/badchannel/123"' in html
    assert "A bot made fake images from my profile photo." in html
    assert 'id="error-summary"' not in html
    assert _cases(app) == []


def test_language_switch_keeps_what_was_typed(app, client):
    token, key = open_form(client, "ko")
    data = report_data(csrf_token=token, submission_key=key, switch_lang="en")
    response = shown_after(client, client.post("/report", data=data))
    html = page_text(response)
    assert response.status_code == 200
    assert '<html lang="en">' in html
    assert h1(response) == "Report and ask for help"
    assert "A bot made fake images from my profile photo." in html
    assert 'value="deepfake" checked' in html
    assert _cases(app) == []
    # The choice is remembered for the next page.
    assert '<html lang="en">' in page_text(client.get("/"))


def test_honeypot_drops_the_report_without_telling(app, client):
    response = post_report(client, website="http://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/report/receipt")
    receipt_page = client.get("/report/receipt")
    assert receipt_page.status_code == 200
    assert _cases(app) == []


def test_double_submission_files_once(app, client):
    token, key = open_form(client)
    data = report_data(csrf_token=token, submission_key=key)
    first = client.post("/report", data=data)
    second = client.post("/report", data=data)
    assert first.status_code == 303
    assert second.status_code == 303
    second = shown_after(client, second)
    assert second.status_code == 200
    assert "이미 보낸 신고예요" in page_text(second)
    assert len(_cases(app)) == 1


def test_under_14_alone_needs_guardian_consent_for_contact(app, client):
    changes = {
        "age_band": "under14",
        "contact_method": "phone",
        "contact_phone": "010-1234-5678",
    }
    refused = post_report(client, "en", **changes)
    assert refused.status_code == 400
    assert "parent&#39;s or guardian&#39;s agreement" in page_text(refused)
    receipt_only = post_report(client, "en", age_band="under14")
    assert receipt_only.status_code == 303
    with_consent = post_report(client, "en", guardian_consent="y", **changes)
    assert with_consent.status_code == 303
    cases = _cases(app)
    assert len(cases) == 2
    assert all(case.priority == "urgent" for case in cases)


def test_contact_details_are_kept_only_for_the_chosen_method(app, client):
    file_report(
        client,
        contact_method="email",
        contact_email="victim@example.com",
        contact_phone="010-9999-8888",
    )
    (case,) = _cases(app)
    assert case.contact_method == "email"
    assert case.contact_email == "victim@example.com"
    assert case.contact_phone is None


def test_bad_email_and_phone_are_refused_with_messages(client):
    email = post_report(client, "en", contact_method="email", contact_email="not-an-email")
    assert "Please enter an email address like name@example.com." in page_text(email)
    phone = post_report(client, "en", contact_method="phone", contact_phone="call me")
    assert "Please enter a phone number" in page_text(phone)


def test_an_address_no_notice_could_reach_is_refused_while_filing(client):
    """The notice builder refuses these, so the victim would silently get no notice."""
    for address in ("지연@victim.example", "kim..lee@naver.com", "kim@naver_mail.com"):
        shown = post_report(client, "en", contact_method="email", contact_email=address)
        assert shown.status_code == 400, address
        text = page_text(shown)
        assert "Please enter an email address like name@example.com." in text
        assert f'value="{address}"' in text  # what was typed is kept
    fine = post_report(client, "en", contact_method="email", contact_email="kim.lee@naver.com")
    assert fine.status_code == 303


def test_markup_is_stripped_and_text_normalised(app, client):
    nfd = unicodedata.normalize("NFD", "한국어")
    file_report(client, description=f"<script>alert(1)</script><b>{nfd}</b> ok")
    (case,) = _cases(app)
    assert case.description == "alert(1)한국어 ok"


def test_nul_character_is_refused_and_form_kept(app, client):
    response = post_report(client, "en", description="before\x00after")
    assert response.status_code == 400
    assert "hidden control characters" in page_text(response)
    assert _cases(app) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"description": "invoice&#x202e;gnp.exe is what they sent"},
        {"links-0-note": "first line&#10;second line"},
        {"links-0-note": "<i>&amp;#x202E;</i>hidden"},
    ],
)
def test_hidden_characters_sent_as_entities_are_refused_and_form_kept(app, client, changes):
    response = post_report(client, "en", **changes)
    assert response.status_code == 400
    assert "hidden control characters" in page_text(response)
    assert _cases(app) == []


def test_over_long_description_is_refused_with_the_count(app, client):
    response = post_report(client, "en", description="가" * 5001)
    html = page_text(response)
    assert response.status_code == 400
    assert "5000 characters or fewer (it has 5001 now)" in html
    assert "가" * 100 in html


def test_unknown_choice_values_are_ignored_not_crashing(app, client):
    response = post_report(client, "en", filer="hacker", harms=["deepfake", "<x>"])
    assert response.status_code == 400
    assert "Please tell us who is filing this report." in page_text(response)


def test_malformed_and_huge_posts_get_4xx(client):
    token, _key = open_form(client)
    too_long = shown_after(
        client,
        client.post("/report", data={"csrf_token": token, "description": "x" * (600 * 1024)}),
    )
    assert too_long.status_code == 400
    assert "자 이하로 줄여 주세요" in page_text(too_long)
    too_big_part = client.post(
        "/report",
        data=multipart_body({"csrf_token": token, "description": "x" * (600 * 1024)}),
        content_type="multipart/form-data; boundary=" + BOUNDARY,
    )
    assert too_big_part.status_code == 413
    assert "보낸 내용이 너무 커요" in page_text(too_big_part)
    broken = client.post(
        "/report",
        data=b'--boundary\r\nContent-Disposition: form-data; name="x"\r\n\r\nunterminated',
        content_type="multipart/form-data; boundary=boundary",
    )
    assert 400 <= shown_after(client, broken).status_code < 500
    invalid_utf8 = client.post(
        "/report",
        data=b"csrf_token=" + token.encode() + b"&description=%FF%FE%00",
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= shown_after(client, invalid_utf8).status_code < 500


def test_request_body_cap_gives_friendly_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    token = csrf_token(page_text(client.get("/report?lang=en")))
    response = client.post("/report", data={"csrf_token": token, "description": "y" * 5000})
    assert response.status_code == 413
    assert "What you sent is too large" in page_text(response)


def test_database_outage_returns_the_filled_form_with_503(app, client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    import portal.public.report_views as views

    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(views, "file_case", broken)
    response = post_report(client, "en")
    html = page_text(response)
    assert response.status_code == 503
    assert "Nothing you typed is lost" in html
    assert "A bot made fake images from my profile photo." in html


def test_case_numbers_and_receipts_are_unique(make_app):
    app = make_app(PORTAL_LIMIT_FILING="1000 per hour")
    client = app.test_client()
    results = {file_report(client) for _ in range(25)}
    refs = {ref for ref, _receipt in results}
    receipts = {receipt for _ref, receipt in results}
    assert len(refs) == 25 and len(receipts) == 25


def test_blank_form_is_served_from_cache_with_fresh_tokens(client):
    first, second = page_text(client.get("/report?lang=en")), page_text(client.get("/report"))
    assert "__PORTAL_" not in first + second
    key = SUBMISSION_KEY
    assert key.search(first).group(1) != key.search(second).group(1)
    strip = re.compile(r'value="[^"]{20,}"')
    assert strip.sub("", first) == strip.sub("", second)
    korean = page_text(client.get("/report?lang=ko"))
    assert '<html lang="ko">' in korean and "신고하고 도움 요청하기" in korean
    assert csrf_token(korean)
