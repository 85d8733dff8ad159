"""The takedown desk in the browser: three victims link into one Telegram channel; staff find
it with the search box, record one request for every link, write a Korean notice, record
the platform's answer once; each victim sees the link removed, its address hidden."""

from __future__ import annotations

import pytest

from tests.e2e.flows import (
    day,
    file_report,
    open_status,
    record_answer,
    record_target_request,
    staff_sign_in,
)

pytestmark = pytest.mark.e2e

CHANNEL = "e2echan"
LINKS = tuple(f"https://t.me/{CHANNEL}/{number}" for number in (1, 2, 3))
REMOVED = {
    "ko": "삭제됐어요. 다시 올라오지 않는지 계속 확인할게요.",
    "en": "Removed. We will keep checking that it stays down.",
}
SHOW_ADDRESS = {"ko": "주소 보기", "en": "Show the address"}


def flash(page) -> str:
    return page.locator("main p.notice[role=status]").inner_text().strip()


def test_one_request_one_notice_and_one_answer_reach_every_victim(new_context, portal):
    victims = []
    for link, lang in zip(LINKS, ("ko", "en", "ko"), strict=True):
        context, _ = new_context("phone", lang)
        page = context.new_page()
        victims.append((page, lang, link, file_report(page, portal.url, lang, links=(link,))))
    refs = sorted(filed.case_ref for *_, filed in victims)

    context, _ = new_context("desktop", "en")
    staff = context.new_page()
    staff_sign_in(staff, portal, "en")
    assert staff.locator("h1").inner_text() == "Queue"

    # The search box on the queue finds the channel by its Telegram name.
    staff.get_by_label("Find a case number, a link or a Telegram @name").fill(f"@{CHANNEL}")
    staff.get_by_role("search").get_by_role("button", name="Search").click()
    staff.wait_for_url("**/staff/search?q=**")
    found = staff.locator("#target-results li")
    assert found.count() == 1
    assert found.inner_text() == f"@{CHANNEL} · 3 cases"
    found.get_by_role("link", name=f"@{CHANNEL}").click()
    staff.wait_for_url("**/staff/targets/*")
    target_url = staff.url

    assert staff.locator("h1").inner_text() == f"@{CHANNEL}"
    assert staff.inner_text("#case-count") == "3"
    assert staff.inner_text("#open-links") == "3"
    rows = staff.locator("table.target-links tbody tr")
    assert sorted(rows.locator("td:nth-child(2) a").all_inner_texts()) == refs
    assert sorted(rows.locator("td.link-url").all_inner_texts()) == sorted(LINKS)

    # One request for every open link.
    assert staff.get_by_label("Every open link (3)").is_checked()
    record_target_request(staff, "Abuse e-mail", day(12))
    assert flash(staff) == "Request recorded for 3 links."
    # Sent twelve days ago and still unanswered: past the seven days, so flagged.
    states = rows.locator("td:nth-child(4)").all_inner_texts()
    assert states == ["Removal requested Escalate?"] * 3
    requests = staff.locator("#requests > li")
    assert requests.count() == 1
    assert "Abuse e-mail" in requests.inner_text() and "3 links" in requests.inner_text()
    assert "No answer recorded yet." in requests.inner_text()

    # A notice in Korean for the same links: editable, downloaded as text, nothing recorded.
    # The notice goes where "Sent to" says (back on its first choice after the reload).
    staff.get_by_label("Sent to").select_option(label="Abuse e-mail")
    staff.get_by_label("Notice language").select_option("ko")
    staff.get_by_role("button", name="Write a notice").click()
    staff.wait_for_url("**/staff/targets/*/notice")
    assert staff.locator("h1").inner_text() == "Notice: Abuse e-mail"
    assert "For 3 links · from 3 cases" in staff.locator("main > p").first.inner_text()
    assert "abuse@telegram.org" in staff.inner_text("#suggested-to")
    subject = staff.get_by_label("Subject")
    body = staff.get_by_label("Text (you can edit it, then copy it)")
    assert subject.is_editable() and body.is_editable()
    # The whole subject shows, in a field as wide as the text below it.
    assert subject.bounding_box()["width"] == body.bounding_box()["width"]
    assert subject.input_value()
    text = body.input_value()
    for link in LINKS:
        assert link in text
    assert "제14조의2" in text  # the Korean law the notice cites
    body.fill(text + "\n\n빠른 조치 부탁드립니다.")
    with staff.expect_download() as download_info:
        staff.get_by_role("button", name="Download .txt").click()
    download = download_info.value
    assert download.suggested_filename.startswith("notice-")
    assert download.suggested_filename.endswith(".txt")
    with open(download.path(), encoding="utf-8", newline="") as saved:
        content = saved.read()
    assert content.startswith(subject.input_value() + "\r\n\r\n")
    assert content.endswith("빠른 조치 부탁드립니다.")
    for link in LINKS:
        assert link in content
    staff.get_by_role("link", name="Back").click()
    staff.wait_for_url(target_url)
    assert requests.count() == 1  # a download records nothing

    # The platform's answer, once, for every link of the request.
    record_answer(staff, requests.first, "Removed", day(10))
    assert flash(staff) == "Answer recorded in 3 cases."
    assert "Answer: Removed · 2 days after the request" in requests.inner_text()
    assert staff.inner_text("#open-links") == "0"
    assert "No open links" in staff.locator("#links-title + nav + form").inner_text()

    # Each case shows the link's history; the removed links are due for a recheck.
    staff.get_by_role("link", name="All links").click()
    staff.wait_for_url("**show=all**")
    assert rows.locator("td:nth-child(4)").all_inner_texts() == ["Removed"] * 3
    rows.first.locator("td:nth-child(2) a").click()
    staff.wait_for_url("**/staff/cases/**")
    timeline = staff.get_by_role("list", name="Takedown history")
    assert timeline.locator("li").count() == 2
    history = timeline.inner_text()
    assert "Requested: Abuse e-mail" in history
    assert "Answer: Removed · 2 days after the request" in history
    assert staff.locator(".target-link").inner_text() == f"Target: @{CHANNEL}"
    staff.get_by_role("navigation", name="Staff menu").get_by_role(
        "link", name="Rechecks due"
    ).click()
    staff.wait_for_url("**/staff/rechecks")
    due = staff.locator("#rechecks tbody tr td:nth-child(2)").all_inner_texts()
    assert set(refs) <= set(due)

    # The victims read the state in plain words; the address stays hidden until asked for.
    for page, lang, link, filed in victims[:2]:
        open_status(page, portal.url, filed.receipt, lang)
        item = page.locator("#victim-links > li")
        assert item.count() == 1
        assert item.locator(".link-state").inner_text() == REMOVED[lang]
        address = item.locator(".link-url")
        assert address.is_hidden()
        item.get_by_text(SHOW_ADDRESS[lang]).click()
        assert address.is_visible()
        assert address.inner_text() == link
