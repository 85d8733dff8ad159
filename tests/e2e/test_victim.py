"""A victim on a phone: file in Korean, keep the receipt, come back; with and without JavaScript."""

from __future__ import annotations

import pytest

from tests.e2e.checks import FOCUS_STYLE
from tests.e2e.flows import (
    DESCRIPTION,
    LINKS,
    confirm_saved,
    fill_report,
    send_report,
)
from tests.e2e.support import EXIT_URL

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_phone_files_in_korean_and_opens_the_case_on_status(new_context, portal, js):
    context, _log = new_context("phone", "ko", java_script_enabled=js)
    page = context.new_page()
    page.goto(portal.at("/"))
    assert page.get_attribute("html", "lang") == "ko"
    page.get_by_role("link", name="신고 시작하기").click()
    page.wait_for_url("**/report")

    rows = page.locator(".link-row")
    assert rows.count() == 3
    page.fill("#links-0-url", LINKS[0])
    page.get_by_role("button", name="링크 하나 더 넣기").click()
    if not js:
        page.wait_for_load_state("load")
    assert rows.count() == 4
    assert page.input_value("#links-0-url") == LINKS[0]

    fill_report(page, "ko")
    filed = send_report(page, "ko")
    assert filed.case_ref
    confirm_saved(page, "ko")
    assert page.get_attribute("html", "lang") == "ko"

    page.get_by_role("link", name="진행 상황 확인").first.click()
    page.wait_for_url("**/status")
    page.fill("#receipt", filed.receipt)
    page.get_by_role("button", name="내 신고 열기").click()
    page.wait_for_url("**/status/case")
    assert page.inner_text("#case-ref").strip() == filed.case_ref
    assert page.inner_text("#case-status").strip() == "접수됐어요"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_language_switch_in_the_middle_of_the_form_keeps_what_was_typed(new_context, portal, js):
    context, _log = new_context("phone", "ko", java_script_enabled=js)
    page = context.new_page()
    page.goto(portal.at("/report"))
    fill_report(page, "ko")
    page.fill("#description", DESCRIPTION["ko"])

    page.locator("header button[name=switch_lang]").click()
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == "Report and ask for help"
    kept = {
        "#links-0-url": LINKS[0],
        "#links-1-url": LINKS[1],
        "#links-0-note": "11월 20일에 올라왔어요",
        "#description": DESCRIPTION["ko"],
    }
    for selector, value in kept.items():
        assert page.input_value(selector) == value, selector
    for selector in ("#filer-self", "#harms-deepfake", "#harms-distribution", "#consent_takedown"):
        assert page.is_checked(selector), selector
    assert page.locator("#error-summary").count() == 0  # a switch is not a failed send

    page.locator("header button[name=switch_lang]").click()
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "ko"
    assert page.input_value("#description") == DESCRIPTION["ko"]
    filed = send_report(page, "ko")
    assert filed.receipt


def _leave_from_the_form(page, portal):
    page.goto(portal.at("/"))
    page.get_by_role("link", name="신고 시작하기").click()
    page.wait_for_url("**/report")
    page.fill("#description", "누가 볼까 봐 무서워요")


def _assert_left_for_good(page, portal):
    page.wait_for_url(EXIT_URL)
    assert page.title() == "Weather"
    page.go_back()
    page.wait_for_load_state("load")
    assert "/report" not in page.url, "Back returned to the form after quick exit"


def test_quick_exit_button_leaves_and_back_does_not_return(new_context, portal):
    context, _log = new_context("phone", "ko", allow_exit=True)
    page = context.new_page()
    _leave_from_the_form(page, portal)
    assert page.locator("#quick-exit").inner_text() == "빠른 나가기"
    page.locator("#quick-exit").click()
    _assert_left_for_good(page, portal)


def test_three_shift_presses_leave_but_capitals_do_not(new_context, portal):
    context, _log = new_context("desktop", "ko", allow_exit=True)
    page = context.new_page()
    _leave_from_the_form(page, portal)
    page.focus("#links-0-url")
    for key in ("KeyT", "KeyM", "KeyE", "KeyB"):  # Shift held for capitals, again and again
        page.keyboard.press(f"Shift+{key}")
    page.keyboard.down("Shift")
    for key in ("KeyA", "KeyB", "KeyC"):
        page.keyboard.press(key)
    page.keyboard.up("Shift")
    page.wait_for_timeout(300)
    assert page.url.endswith("/report")
    assert page.input_value("#links-0-url") == "TMEBABC"

    for _ in range(3):
        page.keyboard.press("Shift")
    _assert_left_for_good(page, portal)


def test_quick_exit_without_javascript_still_leaves(new_context, portal):
    context, _log = new_context("phone", "ko", allow_exit=True, java_script_enabled=False)
    page = context.new_page()
    _leave_from_the_form(page, portal)
    page.locator("#quick-exit").click()
    page.wait_for_url(EXIT_URL)
    assert page.title() == "Weather"


def _tab_to(page, selector, stops):
    """Press Tab until the element is focused; every stop on the way must show its focus."""
    for _ in range(200):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        stops.append(focus)
        assert focus["visible"], f"focus is not visible on {focus}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_filing_with_visible_focus(new_context, portal):
    context, _log = new_context("desktop", "ko")
    page = context.new_page()
    page.goto(portal.at("/"))
    stops: list[dict] = []
    _tab_to(page, "a.skip", stops)
    _tab_to(page, "a[href='/report'].button", stops)
    page.keyboard.press("Enter")
    page.wait_for_url("**/report")

    for selector in ("#filer-self", "#harms-deepfake"):
        _tab_to(page, selector, stops)
        page.keyboard.press("Space")
    _tab_to(page, "#links-0-url", stops)
    page.keyboard.type(LINKS[0])
    _tab_to(page, "#links-1-url", stops)
    page.keyboard.type(LINKS[1])
    for selector in (
        "#help_wanted-takedown",
        "#consent_nonconsensual",
        "#consent_processing",
        "#consent_sensitive",
        "#consent_takedown",
    ):
        _tab_to(page, selector, stops)
        page.keyboard.press("Space")
    _tab_to(page, "button[name=send]", stops)
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/receipt")
    receipt = page.inner_text("#receipt").strip()

    _tab_to(page, "#saved", stops)
    page.keyboard.press("Space")
    _tab_to(page, "button[name=continue]", stops)
    page.keyboard.press("Enter")
    page.wait_for_url("**/report/done")

    _tab_to(page, "main a[href='/status']", stops)
    page.keyboard.press("Enter")
    page.wait_for_url("**/status")
    _tab_to(page, "#receipt", stops)
    page.keyboard.type(receipt)
    page.keyboard.press("Enter")
    page.wait_for_url("**/status/case")
    assert page.inner_text("#case-status").strip() == "접수됐어요"
    assert len(stops) > 20


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_form_errors_are_announced_and_tied_to_their_fields(new_context, portal, js):
    context, _log = new_context("phone", "ko", java_script_enabled=js)
    page = context.new_page()
    page.goto(portal.at("/report"))
    page.get_by_role("button", name="신고 보내기").click()
    page.wait_for_load_state("load")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    if js:
        assert page.evaluate("document.activeElement.id") == "error-summary"
    targets = summary.locator("a").evaluate_all("links => links.map(a => a.hash.slice(1))")
    assert len(targets) >= 4
    errors = page.locator(".field-error").evaluate_all("els => els.map(e => e.id)")
    assert len(errors) == len(targets)
    for target in targets:
        assert page.locator(f"[id='{target}']").count() == 1, target
    for error_id in errors:
        described = page.locator(f"[aria-describedby~='{error_id}']")
        assert described.count() == 1, f"no control is described by #{error_id}"
    # Following a link in the summary lands on the question.
    summary.locator("a").first.click()
    assert page.url.endswith("#" + targets[0])


def test_too_many_files_are_caught_before_sending(new_context, portal, tmp_path):
    context, log = new_context("phone", "en")
    page = context.new_page()
    page.goto(portal.at("/report?lang=en"))
    page.fill("#description", DESCRIPTION["en"])
    paths = []
    for n in range(6):
        path = tmp_path / f"shot{n}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        paths.append(str(path))
    page.set_input_files("#evidence", paths)
    page.click("button[name=send]")
    assert page.locator("#evidence-check").is_visible()
    assert page.locator("#evidence-check").inner_text() == "You can send up to 5 files."
    assert page.url.endswith("/report?lang=en")
    assert page.input_value("#description") == DESCRIPTION["en"]
    log.check()
