"""The statistics in the browser: the staff page's charts and tables in both languages, on a
phone and a desktop, and the public transparency page; axe finds nothing on any of them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.e2e.flows import day, file_report, record_target_request, staff_sign_in
from tests.e2e.support import docs_picture
from tests.e2e.test_pages import Tour

pytestmark = pytest.mark.e2e

CHARTS = ("chart-weekly", "chart-open", "chart-response", "chart-request", "chart-filers")
# A label the catalog already has (the page's own sentences come with tmp ko.json).
URGENT = {"ko": "긴급", "en": "Urgent"}


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_statistics_page_and_its_csv(new_context, portal, device):
    channel = f"e2e_stats_{device}"
    victim_context, _log = new_context(device, "ko")
    links = (f"https://t.me/{channel}/1", f"https://t.me/{channel}/2")
    file_report(victim_context.new_page(), portal.url, "ko", links)

    context, _log = new_context(device, "en", accept_downloads=True)
    page = context.new_page()
    staff_sign_in(page, portal, "en")
    page.goto(portal.at(f"/staff/search?q=%40{channel}"))
    page.goto(portal.at(page.locator("#target-results a").get_attribute("href")))
    record_target_request(page, "Abuse e-mail", day(3))

    tours = {lang: Tour(page, device, lang, public=False) for lang in ("ko", "en")}
    for lang, tour in tours.items():
        tour.goto("staff-stats", portal.at(f"/staff/stats?lang={lang}"))
        assert URGENT[lang] in page.inner_text("#table-open")
        for chart in CHARTS:
            assert page.locator(f"svg#{chart}[role=img] > title").count() == 1, chart
        assert page.locator("table#table-platforms tbody tr").count() >= 1
        if lang == "ko":
            docs_picture(page, f"ko-{device}-stats", width=960 if device == "desktop" else 390)
        tour.goto("staff-stats-bad-range", portal.at(f"/staff/stats?from=soon&lang={lang}"))
        assert page.locator("main [role=alert]").count() == 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["metric", "period", "key", "value"]
    assert any(row[0] == "links_requested" and row[2] == "telegram" for row in rows)
    for tour in tours.values():
        tour.done()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_transparency_page(new_context, portal, device):
    tours = []
    for lang in ("ko", "en"):
        context, _log = new_context(device, lang)
        tour = Tour(context.new_page(), device, lang, public=True)
        tour.goto("transparency", portal.at(f"/transparency?lang={lang}"))
        tours.append(tour)
    for tour in tours:
        tour.done()
