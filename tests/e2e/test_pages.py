"""Every page, both languages, phone and desktop: axe finds nothing, nothing leaves the site,
public pages stay light, and each state is photographed into artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import ERRORS_ANNOUNCED, NO_SIDEWAYS_SCROLL, SMALL_FIELDS, axe_violations
from tests.e2e.flows import (
    ADD_LINK,
    OPEN,
    SEND,
    day,
    file_report,
    fill_report,
    record_answer,
    record_target_request,
    staff_sign_in,
)
from tests.e2e.support import (
    BUDGET_GZIP,
    BUDGET_RAW,
    WEIGHTS,
    Weight,
    docs_picture,
    screenshot,
    soft,
    weighing,
    weight_of,
)

pytestmark = pytest.mark.e2e

WRONG_RECEIPT = "1234 5678 9012 3456 7890"
# The few pictures the README shows: (device, lang, page) -> file name under docs/screenshots/.
# The staff workspace's pictures come from test_workspace.py (1440 x 900 and 390 x 844).
DOCS_PICTURES = {
    ("phone", "ko", "home"): "ko-phone-home",
    ("phone", "ko", "report"): "ko-phone-report",
    ("phone", "ko", "receipt"): "ko-phone-receipt",
    ("phone", "ko", "status-case"): "ko-phone-status",
}


class Tour:
    """Visit page after page; check each one and keep going, then report every problem."""

    def __init__(self, page: Any, device: str, lang: str, public: bool) -> None:
        self.page, self.device, self.lang, self.public = page, device, lang, public
        self.failures: list[str] = []
        self.count = 0

    def visit(self, name: str, action: Callable[[], None], status: int | None = None) -> None:
        page = self.page
        with weighing(page) as responses:
            action()
        label = f"{self.device}/{self.lang}/{name}"
        # The page that was shown: after a POST, the one its redirect led to.
        documents = [r for r in responses if r.request.resource_type == "document"]
        document = documents[-1] if documents else None
        if status is not None:
            got = document.status if document else None
            soft(self.failures, label, lambda: _equal(got, status, "HTTP status"))
        if self.public:
            weight = weight_of(responses)
            WEIGHTS[(name, self.lang)] = weight
            soft(self.failures, label, lambda: _light(weight))
        self.check(name)

    def check(self, name: str) -> None:
        """Check the page as it is now, and photograph it."""
        page = self.page
        self.count += 1
        label = f"{self.device}/{self.lang}/{name}"
        lang = page.get_attribute("html", "lang")
        soft(self.failures, label, lambda: _equal(lang, self.lang, "<html lang>"))
        violations = axe_violations(page)
        soft(self.failures, label, lambda: _no(violations, "axe violations"))
        unannounced = page.evaluate(ERRORS_ANNOUNCED, True)
        soft(self.failures, label, lambda: _no(unannounced, "unannounced errors"))
        if self.device == "phone":
            wide = page.evaluate(NO_SIDEWAYS_SCROLL)
            soft(self.failures, label, lambda: _no(wide, "elements wider than the phone"))
            small = page.evaluate(SMALL_FIELDS)
            soft(self.failures, label, lambda: _no(small, "fields smaller than 44 px"))
        screenshot(page, f"{self.device}-{self.lang}-{self.count:02d}-{name}")
        docs_name = DOCS_PICTURES.get((self.device, self.lang, name))
        if docs_name:
            docs_picture(page, docs_name, width=960)

    def click(self, name: str, locator: Any, status: int | None = None) -> None:
        def action() -> None:
            with self.page.expect_navigation():
                locator.click()

        self.visit(name, action, status)

    def goto(self, name: str, path: str, status: int | None = 200) -> None:
        self.visit(name, lambda: self.page.goto(path), status)

    def done(self) -> None:
        if self.failures:
            pytest.fail("\n".join(self.failures), pytrace=False)


def _equal(actual: Any, expected: Any, what: str) -> None:
    assert actual == expected, f"{what} is {actual!r}, expected {expected!r}"


def _no(problems: list[str], what: str) -> None:
    assert not problems, f"{len(problems)} {what}:\n  " + "\n  ".join(problems)


def _one_line(lines: float) -> None:
    assert round(lines) == 1, f"the receipt code is split over {lines:.1f} lines"


def _light(weight: Weight) -> None:
    files = ", ".join(f"{Path(url).name or url} {raw}B" for url, raw, _ in weight.files)
    assert weight.raw <= BUDGET_RAW and weight.gzipped <= BUDGET_GZIP, (
        f"page weight {weight} is over budget "
        f"({BUDGET_RAW // 1024} KB / {BUDGET_GZIP // 1024} KB gzip): {files}"
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_public_pages(new_context, portal, device, lang):
    context, _log = new_context(device, lang)
    page = context.new_page()
    tour = Tour(page, device, lang, public=True)
    at = portal.at
    q = f"?lang={lang}"
    send = page.get_by_role("button", name=SEND[lang])

    tour.goto("home", at("/" + q))
    tour.goto("report", at("/report" + q))
    page.get_by_role("button", name=ADD_LINK[lang]).click()  # JavaScript adds the row in place
    tour.check("report-link-added")
    tour.click("report-errors", send, status=400)
    tour.goto("status", at("/status" + q))
    page.fill("#receipt", WRONG_RECEIPT)
    tour.click("status-wrong-receipt", page.get_by_role("button", name=OPEN[lang]))
    tour.goto("privacy", at("/privacy" + q))
    tour.goto("not-found", at("/no-such-page" + q), status=404)

    page.goto(at("/report" + q))
    fill_report(page, lang)
    tour.click("receipt", send)
    receipt = page.inner_text("#receipt").strip()
    lines = page.eval_on_selector(
        "#receipt",
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)",
    )
    soft(tour.failures, f"{device}/{lang}/receipt", lambda: _one_line(lines))
    continue_button = page.locator("button[name=continue]")
    tour.click("receipt-not-saved", continue_button, status=400)
    page.check("#saved")
    tour.click("done", continue_button)
    tour.goto("receipt-gone", at("/report/receipt" + q))

    # The same form sent twice (a resend after a dropped answer) gets "already sent".
    page.goto(at("/report" + q))
    fill_report(page, lang)
    page.evaluate(
        "() => { const form = document.getElementById('report-form');"
        " return fetch(form.action, {method: 'POST', body: new FormData(form)}); }"
    )
    tour.click("already-sent", send)

    page.goto(at("/status" + q))
    page.fill("#receipt", receipt)
    tour.click("status-case", page.get_by_role("button", name=OPEN[lang]))
    tour.goto("withdraw", at("/status/case/withdraw" + q))
    tour.click("withdraw-not-confirmed", page.locator("main form button.danger"), status=400)
    tour.done()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_staff_pages(new_context, portal, device):
    # A case to open, filed the way a victim would.
    context, _log = new_context(device, "en")
    page = context.new_page()
    page.goto(portal.at("/report?lang=en"))
    fill_report(page, "en")
    page.get_by_role("button", name=SEND["en"]).click()
    page.wait_for_url("**/report/receipt")
    case_ref = page.inner_text("#case-ref").strip()

    # The sign-in pages, before signing in.
    tours = {lang: Tour(page, device, lang, public=False) for lang in ("ko", "en")}
    for lang, tour in tours.items():
        tour.goto("staff-login", portal.at(f"/staff/login?lang={lang}"))
        page.fill("#email", portal.staff_email)
        page.fill("#password", portal.staff_password)
        tour.click("staff-code", page.locator("main form button[type=submit]"))

    staff_sign_in(page, portal, "en")
    for lang, tour in tours.items():
        q = f"?lang={lang}"
        tour.goto("staff-queue", portal.at("/staff/" + q))
        tour.goto("staff-case", portal.at(f"/staff/cases/{case_ref}" + q))
        tour.goto("staff-account", portal.at("/staff/account" + q))
        tour.goto("staff-admin-list", portal.at("/staff/admin/" + q))
        tour.goto("staff-admin-new", portal.at("/staff/admin/staff/new" + q))
        page.fill("#email", f"new-{device}-{lang}@example.org")
        # The form posts to a URL without ?lang=; keep the page's language for the answer.
        page.eval_on_selector("form[method=post]:has(#email)", f"f => f.action += '{q}'")
        tour.click("staff-enrol", page.locator("main form button[type=submit]"))
        page.goto(portal.at("/staff/admin/staff/new" + q))
        page.fill("#email", portal.staff_email)
        page.eval_on_selector("form[method=post]:has(#email)", f"f => f.action += '{q}'")
        tour.click("staff-admin-new-error", page.locator("main form button[type=submit]"), 400)
        tour.goto("staff-audit", portal.at("/staff/admin/audit" + q))
    for tour in tours.values():
        tour.done()


OPEN_ALL_DETAILS = (
    "() => document.querySelectorAll('main details').forEach(d => { d.open = true; })"
)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_desk_pages(new_context, portal, device):
    """The takedown desk in both languages: targets, the search, one target, a notice, the
    case's link history while a request waits and once answered, the rechecks, and the
    victim's links on the status page."""
    channel = f"e2e_desk_{device}"
    victim_context, _log = new_context(device, "ko")
    links = (f"https://t.me/{channel}/1", f"https://t.me/{channel}/2")
    filed = file_report(victim_context.new_page(), portal.url, "ko", links)

    context, _log = new_context(device, "en")
    page = context.new_page()
    at = portal.at
    staff_sign_in(page, portal, "en")
    page.goto(at(f"/staff/search?q=%40{channel}"))
    target_path = page.locator("#target-results a").get_attribute("href")
    page.goto(at(target_path))
    record_target_request(page, "Abuse e-mail", day(12))
    notice_button = page.locator("#target-request button[formaction*='/notice']")

    tours = {lang: Tour(page, device, lang, public=False) for lang in ("ko", "en")}
    for lang, tour in tours.items():
        q = f"?lang={lang}"
        tour.goto("staff-targets", at("/staff/targets/" + q))
        tour.goto("staff-search-results", at(f"/staff/search?q=%40{channel}&lang={lang}"))
        tour.goto("staff-target", at(target_path + q))
        page.evaluate(OPEN_ALL_DETAILS)
        tour.check("staff-target-answer-form")
        # The button posts to a URL without ?lang=; keep the page's language for the answer.
        notice_button.evaluate(f"b => {{ b.formAction += '{q}'; }}")
        tour.click("staff-notice", notice_button)
        tour.goto("staff-case-requested", at(f"/staff/cases/{filed.case_ref}" + q))
        page.evaluate(OPEN_ALL_DETAILS)
        tour.check("staff-case-desk-forms")

    page.goto(at(target_path))
    record_answer(page, page.locator("#requests > li").first, "Removed", day(10))

    for lang, tour in tours.items():
        q = f"?lang={lang}"
        tour.goto("staff-target-answered", at(f"{target_path}?show=all&lang={lang}"))
        tour.goto("staff-rechecks", at("/staff/rechecks" + q))
        tour.goto("staff-case-timeline", at(f"/staff/cases/{filed.case_ref}" + q))

    victims = {}
    for lang in ("ko", "en"):
        victim = new_context(device, lang)[0].new_page()
        victims[lang] = tour = Tour(victim, device, lang, public=True)
        victim.goto(at(f"/status?lang={lang}"))
        victim.fill("#receipt", filed.receipt)
        tour.click("status-links-removed", victim.get_by_role("button", name=OPEN[lang]))
        victim.locator("#victim-links summary").first.click()
        tour.check("status-links-address")
    for tour in [*tours.values(), *victims.values()]:
        tour.done()
