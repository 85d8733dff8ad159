"""What a victim does in the browser: fill the form, keep the receipt, come back on /status;
and what staff do: sign in, record a request and the platform's answer on a target page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LINKS = ("https://t.me/deepfake_room/4521", "@nudify_maker_bot")
DESCRIPTION = {
    "ko": "텔레그램 봇이 제 프로필 사진으로 합성 사진을 만들었어요.",
    "en": "A Telegram bot made fake images from my profile photo.",
}
SAVED = {"ko": "확인 코드를 저장했어요.", "en": "I have saved my receipt code."}
CONTINUE = {"ko": "계속", "en": "Continue"}
OPEN = {"ko": "내 신고 열기", "en": "Open my report"}
SEND = {"ko": "신고 보내기", "en": "Send report"}
ADD_LINK = {"ko": "링크 하나 더 넣기", "en": "Add another link"}


@dataclass
class Filed:
    case_ref: str
    receipt: str


def fill_report(page: Any, lang: str = "ko", links: tuple[str, ...] = LINKS) -> None:
    """Answer every required question (and a few optional ones) on /report."""
    for selector in (
        "#filer-self",
        "#age_band-19plus",
        "#minor_in_content-no19",
        "#harms-deepfake",
        "#harms-distribution",
        "#help_wanted-takedown",
        "#help_wanted-counseling",
        "#consent_nonconsensual",
        "#consent_processing",
        "#consent_sensitive",
        "#consent_takedown",
    ):
        page.check(selector)
    for index, link in enumerate(links):
        page.fill(f"#links-{index}-url", link)
    page.fill("#links-0-note", "11월 20일에 올라왔어요" if lang == "ko" else "posted 20 Nov")
    page.fill("#description", DESCRIPTION[lang])


def send_report(page: Any, lang: str = "ko") -> Filed:
    """Press Send and read the case number and the receipt from the receipt page."""
    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_url("**/report/receipt")
    case_ref = page.inner_text("#case-ref").strip()
    receipt = page.inner_text("#receipt").strip()
    assert re.fullmatch(r"\d{4}([ -]\d{4}){4}", receipt), receipt
    return Filed(case_ref, receipt)


def confirm_saved(page: Any, lang: str = "ko") -> None:
    page.get_by_label(SAVED[lang]).check()
    page.get_by_role("button", name=CONTINUE[lang], exact=True).click()
    page.wait_for_url("**/report/done")


def open_status(page: Any, url: str, receipt: str, lang: str = "ko") -> None:
    page.goto(url + f"/status?lang={lang}")
    page.fill("#receipt", receipt)
    page.get_by_role("button", name=OPEN[lang]).click()
    page.wait_for_url("**/status/case")


def file_report(page: Any, url: str, lang: str = "ko", links: tuple[str, ...] = LINKS) -> Filed:
    """The whole filing: form, receipt, confirmation that it was saved."""
    page.goto(url + f"/report?lang={lang}")
    fill_report(page, lang, links)
    filed = send_report(page, lang)
    confirm_saved(page, lang)
    return filed


def staff_sign_in(page: Any, portal: Any, lang: str = "en", next_path: str = "/staff/") -> None:
    """Both steps of the staff sign-in: email and password, then a TOTP code."""
    page.goto(portal.at(f"{next_path}?lang={lang}"))
    page.wait_for_url("**/staff/login**")
    page.fill("#email", portal.staff_email)
    page.fill("#password", portal.staff_password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/staff/login/code")
    page.fill("#code", portal.fresh_code())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/staff/login" not in url)


def day(days_ago: int) -> str:
    """A day in the Korean calendar, as a date field takes it (YYYY-MM-DD)."""
    return (datetime.now(ZoneInfo("Asia/Seoul")) - timedelta(days=days_ago)).date().isoformat()


def record_target_request(page: Any, sent_to: str, sent_on: str) -> None:
    """On a target page (in English): one request for every open link."""
    form = page.locator("#target-request")
    form.get_by_label("Every open link").check()
    form.get_by_label("Sent to").select_option(label=sent_to)
    form.get_by_label("Sent on").fill(sent_on)
    with page.expect_navigation():
        form.get_by_role("button", name="Record the request").click()


def record_answer(page: Any, request: Any, outcome: str, answered_on: str) -> None:
    """From "Requests about this target": the platform's answer for all links of a request."""
    request.get_by_text("Record the platform's answer for all its links").click()
    request.get_by_label("The platform's answer").select_option(label=outcome)
    request.get_by_label("Answered on").fill(answered_on)
    with page.expect_navigation():
        request.get_by_role("button", name="Record the answer").click()
