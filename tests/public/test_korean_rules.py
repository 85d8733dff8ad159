"""What Korean law and a frightened reader need: minors are under 19, a consent every victim
can honestly give, hotlines that answer when a page says they do, and no over-promising."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select, update

from portal.config import ConfigError
from portal.extensions import db
from portal.models import Case, EvidenceFile
from tests import files
from tests.helpers import file_report, open_form, page_text, post_report, report_data, shown_after

URGENT = re.compile(r'<section class="callout urgent-help".*?</section>', re.S)


def _with_file(client, lang="ko", **changes):
    token, key = open_form(client, lang)
    data = report_data(csrf_token=token, submission_key=key, **changes)
    data["evidence"] = [(io.BytesIO(files.png()), "shot.png")]
    return shown_after(
        client, client.post("/report", data=data, content_type="multipart/form-data")
    )


def test_an_18_year_old_shown_in_the_content_is_a_minor_and_files_are_refused(app, client):
    refused = _with_file(
        client,
        age_band="14to18",
        minor_in_content="yes",
        description="고3이고 만 18세예요. 제 사진이 합성됐어요.",
    )
    html = page_text(refused)
    assert refused.status_code == 400
    assert "만 19세 미만일 수 있어서 파일은 받지 않았어요" in html
    assert "고3이고 만 18세예요. 제 사진이 합성됐어요." in html
    ref, _receipt = file_report(client, "ko", age_band="14to18", minor_in_content="yes")
    with app.app_context():
        assert db.session.scalars(select(EvidenceFile)).all() == []
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        assert case.minor_involved is True and case.age_band == "14to18"


def test_the_form_asks_in_full_years_with_19_as_the_line(client):
    html = page_text(client.get("/report?lang=ko"))
    assert "찍히거나 만들어질 때 만 19세 미만(고등학생 포함)이었나요?" in html
    assert "만 14~18세 (만 19세 미만, 고등학생 포함)" in html
    assert "만 19세 이상" in html
    for old_code in ("14to17", "adult"):
        assert f'value="{old_code}"' not in html
    assert 'name="minor_in_content" value="no"' not in html
    english = page_text(client.get("/report?lang=en"))
    assert "under 19 (high school students included) when the images" in english


def test_a_retired_age_code_posted_anyway_is_not_stored(app, client):
    ref, _receipt = file_report(client, "en", age_band="adult", minor_in_content="no")
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        assert case.age_band is None and case.minor_in_content is None


def test_answers_given_before_the_change_keep_their_meaning_for_staff(app):
    from tests.staff_helpers import make_staff, staff_client

    victim = app.test_client()
    ref, _receipt = file_report(victim, "ko")
    with app.app_context():
        db.session.execute(
            update(Case).where(Case.case_ref == ref).values(age_band="adult", minor_in_content="no")
        )
        db.session.commit()
    staff = staff_client(app, make_staff(app, "worker@example.org", language="ko"))
    html = page_text(staff.get(f"/staff/cases/{ref}"))
    assert "만 18세 이상 (2026년 12월 이전 질문 · 만 18세면 아동·청소년)" in html


def test_a_sextortion_victim_whose_images_have_not_spread_can_file_honestly(app, client):
    html = page_text(client.get("/report?lang=ko"))
    assert "퍼뜨리겠다고 협박하고 있거나, 퍼질까 봐 걱정돼요" in html
    assert "촬영에 동의했거나 직접 사진을 보냈더라도, 퍼뜨려도 된다고 동의한 것은 아니에요" in html
    ref, _receipt = file_report(
        client,
        "ko",
        harms=["sextortion", "fear_of_distribution"],
        **{"links-0-url": "", "links-0-note": ""},
    )
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.case_ref == ref)).one()
        assert case.consent_nonconsensual is True


def test_sensitive_information_needs_its_own_consent(app, client):
    refused = post_report(client, "ko", consent_sensitive=None, description="지켜야 할 내용")
    html = page_text(refused)
    assert refused.status_code == 400
    assert "민감정보를 다룰 수 있도록 동의해 주세요" in html
    assert "지켜야 할 내용" in html
    with app.app_context():
        assert db.session.scalars(select(Case)).all() == []
    ref, _receipt = file_report(client, "ko")
    with app.app_context():
        assert db.session.scalars(select(Case)).one().consent_sensitive is True
    assert ref


def test_default_hotlines_use_the_current_names_and_the_ways_teenagers_reach_out(client):
    html = page_text(client.get("/?lang=ko"))
    for text in (
        "중앙디지털성범죄피해자지원센터",
        "방송미디어통신심의위원회",
        "남성과 남자 청소년도 상담할 수 있어요",
        'href="sms:112"',
        "카카오톡 채널 &#39;청소년상담1388&#39;",
        'href="sms:%231388"',
        'href="https://d4u.stop.or.kr/"',
    ):
        assert text in html, text
    english = page_text(client.get("/?lang=en"))
    assert (
        "men and boys can call too" in english and "If you cannot talk, you can text 112" in english
    )


@pytest.mark.parametrize(
    "path", ["/nowhere", "/report/receipt", "/status"], ids=["404", "receipt-gone", "status"]
)
def test_pages_read_at_night_offer_only_lines_that_answer_at_night(client, path):
    html = page_text(client.get(path + "?lang=ko"))
    box = URGENT.search(html)
    assert box, "no 24-hour box on " + path
    assert "1366" in box.group(0) and "112" in box.group(0)
    for weekday_only in ("02-735-8994", "1377", "평일"):
        assert weekday_only not in box.group(0)


def test_no_page_promises_that_staff_can_recover_a_receipt(client):
    for path in ("/report/receipt?lang=en", "/status?lang=en"):
        html = page_text(client.get(path))
        assert "help you by phone" not in html
    gone = page_text(client.get("/report/receipt?lang=en"))
    assert "our staff cannot look the code up for you either" in gone


def test_the_over_limit_page_names_a_24_hour_line(make_app):
    app = make_app(PORTAL_LIMIT_FILING="1 per hour")
    client = app.test_client()
    file_report(client, "en")
    html = page_text(post_report(client, "en"))
    notice = re.search(r'<p class="notice" role="status">(.*?)</p>', html, re.S).group(1)
    assert "call 1366 (24 hours)" in notice and "02-735-8994" not in notice


def test_a_broken_hotlines_file_stops_the_start_with_a_message(make_app, tmp_path):
    path = tmp_path / "hotlines.json"
    path.write_text(json.dumps([{"number": "1366", "name": {"en": "no Korean"}}]), "utf-8")
    with pytest.raises(ConfigError, match="Korean"):
        make_app(PORTAL_HOTLINES_FILE=str(path))
    path.write_text("not json", "utf-8")
    with pytest.raises(ConfigError, match="cannot be read"):
        make_app(PORTAL_HOTLINES_FILE=str(path))


def test_a_hotlines_file_can_mark_lines_and_ways(make_app, tmp_path):
    path = tmp_path / "hotlines.json"
    path.write_text(
        json.dumps(
            [
                {
                    "number": "1577-0000",
                    "name": {"ko": "야간 상담", "en": "Night line"},
                    "hours": {"ko": "24시간", "en": "24 hours"},
                    "open_24h": True,
                    "ways": [{"kind": "chat", "label": {"ko": "채팅 상담", "en": "Chat"}}],
                },
                {
                    "number": "02-000-0000",
                    "name": {"ko": "낮 상담", "en": "Day line"},
                    "hours": {"ko": "평일", "en": "Weekdays"},
                },
            ]
        ),
        "utf-8",
    )
    client = make_app(PORTAL_HOTLINES_FILE=str(path)).test_client()
    box = URGENT.search(page_text(client.get("/status?lang=ko"))).group(0)
    assert "야간 상담" in box and "채팅 상담" in box and "낮 상담" not in box


def test_the_privacy_notice_lists_files_sensitive_data_and_its_officer(make_app):
    app = make_app(PORTAL_PRIVACY_OFFICER="김보호 (개인정보 보호책임자), privacy@example.org")
    html = page_text(app.test_client().get("/privacy?lang=ko"))
    assert "캡처 화면이나 PDF" in html
    assert "민감정보" in html and "제23조" in html
    assert "김보호 (개인정보 보호책임자), privacy@example.org" in html
    assert "118" in html
    assert "무엇을 직접 정할 수 있나요" in html
    assert "확인 코드만으로도 신고할 수 있어요" not in html


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_home_and_form_answer_what_people_ask_first(client, lang):
    expected = {
        "ko": (
            "경찰에 신고되지 않아요",
            "제34조",
            "돈이나 사진을 더 보내지 마세요",
            "다음 평일에",
            "남성이나 남자 청소년도",
        ),
        "en": (
            "not a report to the police",
            "Article 34",
            "Do not send money",
            "next working day",
            "boys and men",
        ),
    }[lang]
    for path in ("/", "/report"):
        html = page_text(client.get(f"{path}?lang={lang}"))
        for text in expected:
            assert text in html, (path, text)


def test_the_withdrawal_page_says_when_evidence_stays_under_a_legal_hold(app):
    victim = app.test_client()
    ref, receipt = file_report(victim, "en")
    from tests.helpers import open_status

    open_status(victim, receipt)
    assert 'id="hold-notice"' not in page_text(victim.get("/status/case/withdraw"))
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_ref == ref).values(legal_hold=True))
        db.session.commit()
    html = page_text(victim.get("/status/case/withdraw"))
    assert 'id="hold-notice"' in html and "stay until the hold ends" in html


def test_status_words_do_not_over_promise(app):
    victim = app.test_client()
    ref, receipt = file_report(victim, "ko")
    from tests.helpers import open_status

    with app.app_context():
        db.session.execute(update(Case).where(Case.case_ref == ref).values(status="monitoring"))
        db.session.commit()
    page = open_status(victim, receipt)
    html = page_text(victim.get(page.headers["Location"]))
    assert "삭제를 요청했어요" in html and "처리" not in html.split("재유포")[0][-200:]
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_ref == ref).values(status="in_progress"))
        db.session.commit()
    html = page_text(victim.get(page.headers["Location"]))
    assert "플랫폼이 거절하는 경우도 있어요" in html
