"""The staff workspace on a 1440 x 900 desktop and a 390 x 844 phone: a dense queue sorted by
deadline, the two-pane case page with the reply box in the first screen, keyboard shortcuts
that never fire while typing, axe in both languages, and the README's pictures."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import NO_SIDEWAYS_SCROLL, axe_violations
from tests.e2e.flows import staff_sign_in
from tests.e2e.support import ROOT, docs_picture, screenshot

pytestmark = pytest.mark.e2e

WIDE = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}}
SEEDED = 300
LINKS = ("--links-per-case", "2")
_state: dict[str, Any] = {}

# Rows of the visible queue that fit in the first screen, and each row's deadline.
ROWS_IN_VIEW = """() => Array.from(document.querySelectorAll('#queue tbody tr'))
  .filter(tr => { const r = tr.getBoundingClientRect();
                  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }).length"""
DEADLINES = """() => Array.from(document.querySelectorAll('#queue tbody tr')).map(tr => {
  const t = tr.querySelector('td:last-child time');
  return t ? [t.getAttribute('datetime'), t.textContent.trim()] : null; })"""
IN_FIRST_SCREEN = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
  return window.scrollY === 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


@pytest.fixture(scope="module")
def seeded(portal):
    """Synthetic cases in the shared database (most of them open, many overdue)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update(
        PORTAL_ENV="development",
        PORTAL_INSTANCE_DIR=str(portal.db_path.parent),
        PORTAL_DATABASE_URL=f"sqlite:///{portal.db_path}",
    )
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "portal", "dev", "seed", *("--cases", str(SEEDED)), *LINKS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return SEEDED


def signed_in(new_context, portal, device: dict[str, Any], lang: str = "en", **options: Any):
    """A page in a fresh context, signed in once per module (later ones reuse the cookies)."""
    kind = "phone" if device is PHONE else "desktop"
    if "cookies" not in _state:
        context, _log = new_context(kind, lang, **device, **options)
        page = context.new_page()
        staff_sign_in(page, portal, lang)
        _state["cookies"] = context.storage_state()
        return page
    context, _log = new_context(kind, lang, storage_state=_state["cookies"], **device, **options)
    return context.new_page()


def no_axe(page: Any, where: str) -> None:
    found = axe_violations(page)
    assert not found, f"{where}: " + "\n  ".join(found)


def test_desktop_queue_shows_twenty_rows_and_sorts_by_deadline(new_context, portal, seeded):
    page = signed_in(new_context, portal, WIDE)
    page.goto(portal.at("/staff/?lang=en"))
    screenshot(page, "workspace-desktop-en-queue")
    assert page.locator("#queue").is_visible()
    assert not page.locator("#queue-cards").is_visible()
    assert page.evaluate(ROWS_IN_VIEW) >= 20
    no_axe(page, "desktop/en/queue")
    docs_picture(page, "en-desktop-queue", width=960)

    with page.expect_navigation():
        page.locator("#queue thead a", has_text="Deadline").click()
    assert "sort=deadline" in page.url
    header = page.locator("#queue thead th", has_text="Deadline")
    assert header.get_attribute("aria-sort") == "ascending"
    deadlines = page.evaluate(DEADLINES)
    assert deadlines[0] is not None and deadlines[0][1].startswith("overdue")
    dated = [datetime.fromisoformat(due) for due, _text in filter(None, deadlines)]
    assert dated == sorted(dated)
    # Cases without a deadline come after every dated one, never between them.
    first_blank = deadlines.index(None) if None in deadlines else len(deadlines)
    assert all(d is None for d in deadlines[first_blank:])
    no_axe(page, "desktop/en/queue by deadline")

    with page.expect_navigation():
        header.locator("a").click()
    assert page.locator("#queue thead th", has_text="Deadline").get_attribute("aria-sort") == (
        "descending"
    )

    page.goto(portal.at("/staff/?lang=ko"))
    assert page.evaluate(ROWS_IN_VIEW) >= 20
    no_axe(page, "desktop/ko/queue")
    docs_picture(page, "ko-desktop-queue", width=960)


def test_desktop_case_page_shows_the_reply_box_in_the_first_screen(new_context, portal, seeded):
    page = signed_in(new_context, portal, WIDE)
    for lang in ("en", "ko"):
        page.goto(portal.at(f"/staff/?sort=deadline&lang={lang}"))
        with page.expect_navigation():
            page.locator("#queue tbody .case-link").first.click()
        if lang == "ko":  # staff pages follow the account's language unless asked otherwise
            page.goto(page.url + "?lang=ko")
        assert page.get_attribute("html", "lang") == lang
        screenshot(page, f"workspace-desktop-{lang}-case")
        assert page.evaluate(IN_FIRST_SCREEN, "#msg-body")
        assert page.evaluate(IN_FIRST_SCREEN, ".reply button[type=submit]")
        # Two panes: what the victim sent on the left, the actions on the right.
        left = page.locator(".case-main").bounding_box()
        right = page.locator(".case-side").bounding_box()
        assert left and right and left["x"] + left["width"] <= right["x"]
        assert page.locator("#deadline-response").inner_text().strip()
        no_axe(page, f"desktop/{lang}/case")
        if lang == "en":
            docs_picture(page, "en-desktop-case", width=960)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_phone_shows_cards_and_one_column(new_context, portal, seeded, lang):
    page = signed_in(new_context, portal, PHONE, lang)
    page.goto(portal.at(f"/staff/?lang={lang}"))
    assert page.locator("#queue-cards").is_visible()
    assert not page.locator("#queue").is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL) == []
    no_axe(page, f"phone/{lang}/queue")
    if lang == "ko":
        docs_picture(page, "ko-phone-queue", width=390)

    with page.expect_navigation():
        page.locator("#queue-cards .case-link").first.click()
    page.goto(page.url + f"?lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    main = page.locator(".case-main").bounding_box()
    side = page.locator(".case-side").bounding_box()
    assert main and side and side["y"] >= main["y"] + main["height"]
    assert page.evaluate(NO_SIDEWAYS_SCROLL) == []
    no_axe(page, f"phone/{lang}/case")
    if lang == "ko":
        docs_picture(page, "ko-phone-case", width=390)


def test_shortcuts_move_through_the_queue_and_act_on_a_case(new_context, portal, seeded):
    page = signed_in(new_context, portal, WIDE)
    page.goto(portal.at("/staff/?view=unassigned&lang=en"))
    links = page.locator("#queue tbody .case-link")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == links.nth(0).inner_text()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    second = links.nth(1).inner_text()
    assert page.evaluate("document.activeElement.textContent") == second
    assert page.locator("#queue tbody tr.is-current").count() == 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("?")[0].endswith(f"/staff/cases/{second}")

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "msg-body"
    # Typing the shortcut letters in the reply box writes them, and nothing else happens.
    page.keyboard.type("ng qc rj")
    assert page.input_value("#msg-body").endswith("ng qc rj")
    assert page.evaluate("document.activeElement.id") == "msg-body"
    assert page.url.split("?")[0].endswith(f"/staff/cases/{second}")
    assert "Unassigned" in page.inner_text("#case-assignee")

    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Alt+n")
    assert page.evaluate("document.activeElement.id") != "note-body"
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note-body"
    page.evaluate("document.activeElement.blur()")

    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.inner_text("#case-assignee") == portal.staff_email

    page.keyboard.press("?")
    assert page.locator("#shortcuts").get_attribute("open") is not None
    assert page.locator("#shortcuts").is_visible()
    page.evaluate("document.activeElement.blur()")
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("q")
    assert page.url.split("?")[0].endswith("/staff/")


def test_the_case_page_works_without_javascript(new_context, portal, seeded):
    page = signed_in(new_context, portal, WIDE, java_script_enabled=False)
    page.goto(portal.at("/staff/?view=unassigned&sort=filed&dir=desc&lang=en"))
    assert page.locator("#queue thead th[aria-sort=descending]", has_text="Filed").count() == 1
    with page.expect_navigation():
        page.locator("#queue tbody .case-link").first.click()
    page.fill("#note-body", "Checked the links; asking the platform today.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save note").click()
    assert "Checked the links" in page.inner_text("#notes")
    assert page.get_by_text("Keyboard shortcuts").is_visible()
