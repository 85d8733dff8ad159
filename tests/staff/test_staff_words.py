"""Staff pages speak Korean: link kinds, languages and who filed are words, not codes, and
canned messages promise only what is true of the case."""

from __future__ import annotations

import html
import io

from flask import Flask

from scripts.pages import CASE_REF, MESSAGE_BODY
from tests import files
from tests.helpers import file_report, open_form, page_text, report_data, shown_after
from tests.staff_helpers import make_staff, staff_client


def _korean_staff(app: Flask):
    return staff_client(app, make_staff(app, "worker@example.org", language="ko"))


def test_link_kinds_language_and_filer_are_words(app):
    victim = app.test_client()
    ref, _receipt = file_report(
        victim,
        "en",
        filer="guardian",
        description="My daughter's photo was used.",
        **{"links-0-url": "https://t.me/badchannel", "links-1-url": "@nudifybot"},
    )
    page = page_text(_korean_staff(app).get(f"/staff/cases/{ref}"))
    assert '<span class="link-kind">채널·그룹</span>' in page
    assert '<span class="link-kind">봇</span>' in page
    assert "<dd>English</dd>" in page
    assert "<dd>보호자</dd>" in page
    assert "신고인이 쓴 내용 (보호자)" in page


def test_the_filers_own_words_are_labelled_as_theirs_only_when_someone_else_filed(app):
    victim = app.test_client()
    ref, _receipt = file_report(victim, "ko", filer="self")
    page = page_text(_korean_staff(app).get(f"/staff/cases/{ref}"))
    assert "신고인이 쓴 내용" not in page
    assert "<dd>피해자 본인</dd>" in page
    assert "피해를 입은 본인이에요" not in page  # the victim's first-person option


def test_the_police_message_says_evidence_is_kept_only_when_it_is(app):
    victim = app.test_client()
    without, _r = file_report(victim, "ko")
    token, key = open_form(victim, "ko")
    data = report_data(csrf_token=token, submission_key=key)
    data["evidence"] = [(io.BytesIO(files.png()), "shot.png")]
    sent = shown_after(
        victim, victim.post("/report", data=data, content_type="multipart/form-data")
    )
    assert sent.status_code == 303
    with_files = page_text(victim.get("/report/receipt"))
    ref_with = CASE_REF.search(with_files).group(1)
    staff = _korean_staff(app)

    def police_text(ref: str) -> str:
        page = page_text(staff.get(f"/staff/cases/{ref}?canned=police"))
        return html.unescape(MESSAGE_BODY.search(page).group(1))

    assert "증거 파일은 지금 암호화해서 보관하고 있어요" in police_text(ref_with)
    kept_nothing = police_text(without)
    assert "따로 보관하는 증거 파일은 없어요" in kept_nothing
    assert "지금 암호화해서 보관하고 있어요" not in kept_nothing
