"""The statistics page, its CSV and the public transparency page, as their readers get them."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, utcnow
from portal.public import transparency_views
from portal.stats.record import day_of
from tests import factories
from tests.helpers import page_text
from tests.staff_helpers import make_staff, staff_client
from tests.stats.world import answer, link_ids, reply, request_links, takedown_case


def _world(app: Flask) -> list[str]:
    """Two takedown cases (one harmful formula in a note), a reply; returns case numbers."""
    with app.app_context():
        actor = factories.staff(db.session, "seed@example.org")
        first = takedown_case(
            db.session,
            ["https://t.me/s/StatChannel/1", "https://t.me/s/StatChannel/2"],
            description='=HYPERLINK("http://evil")',
        )
        second = takedown_case(db.session, ["https://x.com/someone/status/9"], filer="guardian")
        db.session.commit()
        ids = link_ids(db.session, first) + link_ids(db.session, second)
        made = request_links(db.session, actor, ids, utcnow() - timedelta(days=2))
        answer(db.session, actor, made, "removed", utcnow() - timedelta(days=1))
        reply(db.session, first, actor)
        db.session.commit()
        return list(db.session.scalars(select(Case.case_ref)))


@pytest.fixture
def stats_app(make_app: Any) -> Flask:
    return make_app()


def test_every_staff_member_sees_the_charts_and_tables(stats_app):
    refs = _world(stats_app)
    client = staff_client(stats_app, make_staff(stats_app, "worker@example.org"))
    response = client.get("/staff/stats")
    assert response.status_code == 200
    page = page_text(response)
    assert 'href="/staff/stats"' in page  # in the staff menu
    assert "/static/css/charts.css" in page and "style=" not in page and "<script>" not in page
    for chart in (
        "chart-weekly",
        "chart-open",
        "chart-response",
        "chart-requested",
        "chart-removal",
    ):
        assert re.search(f'<svg[^>]+id="{chart}"[^>]+role="img"', page), chart
        assert f'aria-labelledby="{chart}-title"' in page
    for table in (
        "table-weekly",
        "table-open",
        "table-response",
        "table-request",
        "table-platforms",
        "table-minors",
        "table-filers",
    ):
        assert f'id="{table}"' in page, table
    platforms = page[page.index('id="table-platforms"') :]
    # Telegram: two links requested and removed, 100 %, one day; X likewise with one.
    assert re.search(
        r"Telegram</th><td class=\"num\">2</td><td class=\"num\">2</td>"
        r"<td class=\"num\">0</td><td class=\"num\">100%</td><td class=\"num\">1</td>",
        platforms,
    )
    assert not any(ref in page for ref in refs)
    assert "StatChannel" not in page


def test_the_page_in_korean(stats_app):
    _world(stats_app)
    client = staff_client(stats_app, make_staff(stats_app, "ko@example.org", language="ko"))
    page = page_text(client.get("/staff/stats"))
    assert '<html lang="ko">' in page
    assert "합성·딥페이크 사진이나 영상" in page and "텔레그램" in page and "긴급" in page


def test_a_date_range_narrows_and_bad_dates_fall_back_with_a_message(stats_app):
    _world(stats_app)
    client = staff_client(stats_app, make_staff(stats_app, "worker@example.org"))
    today = day_of(utcnow())
    past = client.get("/staff/stats?from=2021-01-04&to=2021-03-28")
    assert past.status_code == 200
    page = page_text(past)
    assert "Showing 2021-01-04 to 2021-03-28." in page
    assert page.count('<tr><th scope="row">2021-') == 12  # twelve weeks, all empty
    assert "Telegram" not in page[page.index('id="table-platforms"') :]
    for query, message in (
        ("from=yesterday", "The dates could not be read"),
        ("from=2026-13-40", "The dates could not be read"),
        ("from=2026-05-01&to=2026-04-01", "The start date was after the end date"),
        ("from=1900-01-01", "outside what the statistics cover"),
    ):
        response = client.get(f"/staff/stats?{query}")
        assert response.status_code == 200, query
        shown = page_text(response)
        assert message in shown, query
        assert f"to {today.isoformat()}." in shown
    long = page_text(client.get(f"/staff/stats?from=2020-01-01&to={today.isoformat()}"))
    assert "The range was longer than three years, so it was shortened." in long


def test_the_csv_has_aggregates_only_and_no_formulas(stats_app):
    refs = _world(stats_app)
    client = staff_client(stats_app, make_staff(stats_app, "worker@example.org"))
    response = client.get("/staff/stats.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="statistics-')
    body = page_text(response)
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["metric", "period", "key", "value"]
    values = {(row[0], row[2]): row[3] for row in rows[1:] if row[1] != "now"}
    assert values[("links_requested", "telegram")] == "2"
    assert values[("links_removed", "x")] == "1"
    assert values[("cases_filed", "all")] == "2"
    assert values[("cases_by_filer", "guardian")] == "1"
    assert values[("first_response_count", "normal")] in {"0", "1"}
    assert all(cell[:1] not in "=+-@" for row in rows for cell in row if cell)
    assert not any(ref in body for ref in refs) and "HYPERLINK" not in body
    assert len({row[0] for row in rows[1:]}) >= 15


def test_csv_cells_that_look_like_formulas_are_defused():
    from portal.staff.stats_views import safe_cell

    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+cmd") == "'+cmd" and safe_cell("-2") == "'-2" and safe_cell("@x") == "'@x"
    assert safe_cell("telegram") == "telegram" and safe_cell(12) == "12"


def _many_filings(app: Flask, count: int, **changes: Any) -> None:
    with app.app_context():
        for _n in range(count):
            factories.filed_case(db.session, **changes)
        db.session.commit()


def test_transparency_is_404_unless_switched_on(make_app):
    app = make_app()
    assert app.test_client().get("/transparency").status_code == 404


def test_transparency_holds_back_numbers_under_ten(make_app, monkeypatch):
    app = make_app(PORTAL_PUBLIC_STATS=True)
    _world(app)  # two reports, three links requested and removed
    client = app.test_client()
    running = page_text(client.get("/transparency?lang=en"))
    assert not re.search(r'<th scope="row">\d{4}</th>', running)  # the month is still running
    # Next January, this month and this year are finished and counted.
    later = utcnow().replace(year=utcnow().year + 1, month=1, day=15)
    monkeypatch.setattr(transparency_views, "utcnow", lambda: later)
    app.extensions.pop("portal_transparency", None)
    page = page_text(client.get("/transparency?lang=en"))
    year = str(day_of(utcnow()).year)
    row = re.search(rf'<tr><th scope="row">{year}</th>(.*?)</tr>', page).group(1)
    assert row.count("fewer than 10") == 3
    assert "not shown (fewer than 10)" in page
    assert not re.search(r'class="num">[1-9]<', page)  # no small number anywhere

    app.extensions.pop("portal_transparency", None)
    _many_filings(app, 10)
    page = page_text(client.get("/transparency?lang=en"))
    row = re.search(rf'<tr><th scope="row">{year}</th>(.*?)</tr>', page).group(1)
    assert '<td class="num">12</td>' in row and row.count("fewer than 10") == 2


def test_transparency_in_korean(make_app):
    app = make_app(PORTAL_PUBLIC_STATS=True)
    response = app.test_client().get("/transparency?lang=ko")
    assert response.status_code == 200
    page = page_text(response)
    assert '<html lang="ko">' in page and "/static/css/charts.css" in page
    assert "style=" not in page


@pytest.mark.parametrize(
    "query", ["from=2024-13-01", "from=2026-11-01&to=2026-10-01", "from=2000-01-01", "to=soon"]
)
def test_a_csv_for_dates_that_cannot_be_used_is_refused_not_swapped(stats_app, query):
    client = staff_client(stats_app, make_staff(stats_app, "worker@example.org"))
    response = client.get(f"/staff/stats.csv?{query}")
    assert response.status_code == 400
    assert "These dates cannot be used for a download." in page_text(response)
