"""Staff sign in with a TOTP code, find the case in the queue and reply; the victim answers."""

from __future__ import annotations

import pytest

from tests.e2e.flows import DESCRIPTION, file_report, open_status, staff_sign_in

pytestmark = pytest.mark.e2e

REPLY = "We asked Telegram to remove the channel. We will tell you when it is gone."
ANSWER = "고마워요. 다른 채널에도 올라와 있어요: https://t.me/another_room/77"


def test_staff_reply_reaches_the_victim_who_answers(new_context, portal):
    victim_context, _ = new_context("phone", "ko")
    victim = victim_context.new_page()
    filed = file_report(victim, portal.url, "ko")

    staff_context, _ = new_context("desktop", "en")
    staff = staff_context.new_page()
    staff_sign_in(staff, portal, "en", next_path="/staff/")
    assert staff.url.endswith("/staff/?lang=en") or staff.url.endswith("/staff/")
    assert staff.locator("h1").inner_text() == "Queue"

    staff.select_option("#f-harm", "deepfake")
    staff.select_option("#f-language", "ko")
    staff.select_option("#f-assignee", "unassigned")
    staff.get_by_role("button", name="Filter", exact=True).click()
    staff.wait_for_url("**harm=deepfake**")
    assert "language=ko" in staff.url
    case_link = staff.locator("#queue a.case-link", has_text=filed.case_ref)
    assert case_link.count() == 1
    staff.select_option("#f-language", "en")
    staff.get_by_role("button", name="Filter", exact=True).click()
    staff.wait_for_url("**language=en**")
    assert staff.locator("#queue a.case-link", has_text=filed.case_ref).count() == 0
    staff.select_option("#f-language", "ko")
    staff.get_by_role("button", name="Filter", exact=True).click()
    staff.wait_for_url("**language=ko**")

    staff.locator("#queue a.case-link", has_text=filed.case_ref).click()
    staff.wait_for_url(f"**/staff/cases/{filed.case_ref}")
    assert staff.inner_text("#description") == DESCRIPTION["ko"]
    staff.get_by_role("button", name="Claim", exact=True).click()
    staff.wait_for_load_state("load")
    assert staff.inner_text("#case-assignee") == portal.staff_email
    staff.fill("#msg-body", REPLY)
    staff.get_by_role("button", name="Send to victim").click()
    staff.wait_for_load_state("load")
    assert staff.locator("#messages .message.staff .body").inner_text() == REPLY

    open_status(victim, portal.url, filed.receipt, "ko")
    assert victim.locator(".messages .message.staff .body").inner_text() == REPLY
    victim.fill("#body", ANSWER)
    victim.get_by_role("button", name="메시지 보내기").click()
    victim.wait_for_url("**/status/case")
    assert victim.locator("p.notice[role=status]").is_visible()
    assert victim.locator(".messages .message.victim .body").inner_text() == ANSWER

    staff.goto(portal.at("/staff/?status=open&language=ko"))
    row = staff.locator("#queue tr", has=staff.locator("a.case-link", has_text=filed.case_ref))
    assert "New message" in row.inner_text()
    row.locator("a.case-link").click()
    staff.wait_for_url(f"**/staff/cases/{filed.case_ref}")
    assert staff.locator("#messages .message.victim .body").inner_text() == ANSWER
