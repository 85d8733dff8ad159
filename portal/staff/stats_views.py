"""Statistics for every signed-in staff member: charts drawn on the server, each with a
table of the same numbers, and the same aggregates as a CSV file (never a row per case)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.choices import HARMS, OPEN_STATUSES, PRIORITIES
from portal.extensions import db
from portal.models import utcnow
from portal.staff import bp
from portal.stats import charts, periods, read
from portal.stats.record import day_of
from portal.web.errors import render_error
from portal.web.templating import TRANSLATED

PROBLEMS = {
    "bad_date": lambda: _(
        "The dates could not be read (use YYYY-MM-DD), so the last 26 weeks are shown."
    ),
    "reversed": lambda: _("The start date was after the end date, so the last 26 weeks are shown."),
    "out_of_range": lambda: _(
        "The dates were outside what the statistics cover, so the last 26 weeks are shown."
    ),
    "too_long": lambda: _("The range was longer than three years, so it was shortened."),
}


def _today() -> date:
    return day_of(utcnow())


def _chosen() -> periods.Chosen:
    return periods.choose(request.args.get("from"), request.args.get("to"), _today())


def _label(vocabulary: str, code: str) -> str:
    labels: dict[str, str] = getattr(TRANSLATED, vocabulary)
    return labels.get(code, code)


def _charts(data: read.Overview) -> dict[str, object]:
    """The geometry of every chart on the page, with translated labels."""
    harms = [harm for harm in HARMS if harm in data.harm_weeks]
    open_by_priority = [
        [data.open_cases.get((status, priority), 0) for status in OPEN_STATUSES]
        for priority in PRIORITIES
    ]
    deadline_charts = {
        kind: charts.bar_chart(
            [(_label("PRIORITIES", row.priority), row.median_hours or 0) for row in rows],
            shown=[
                _("%(num)d h", num=row.median_hours) if row.median_hours is not None else "-"
                for row in rows
            ],
        )
        for kind, rows in data.deadlines.items()
    }
    return {
        "harms": harms,
        "weeks": charts.column_chart(
            [f"{week:%m-%d}" for week in data.weeks],
            [data.harm_weeks[harm] for harm in harms],
        ),
        "open": charts.bar_chart(
            [
                (_label("STATUSES", status), sum(counts[n] for counts in open_by_priority))
                for n, status in enumerate(OPEN_STATUSES)
            ]
        ),
        "deadlines": deadline_charts,
        "platforms": charts.bar_chart(
            [(_label("PLATFORMS", row.platform), row.requested) for row in data.platforms]
        ),
        "removal": charts.bar_chart(
            [(_label("PLATFORMS", row.platform), row.removal_rate or 0) for row in data.platforms],
            shown=[
                f"{row.removal_rate}%" if row.removal_rate is not None else "-"
                for row in data.platforms
            ],
            top=100,
        ),
        "filers": charts.bar_chart(
            [(_label("FILERS_FOR_STAFF", code), n) for code, n in data.filers.most_common()]
        ),
    }


@bp.get("/stats")
def stats() -> str:
    chosen = _chosen()
    data = read.overview(db.session, chosen.period)
    return render_template(
        "staff/stats.html",
        data=data,
        period=chosen.period,
        problem=PROBLEMS[chosen.problem]() if chosen.problem else None,
        charts=_charts(data),
        priorities=list(PRIORITIES),
        open_statuses=OPEN_STATUSES,
    )


def safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text


def csv_rows(data: read.Overview) -> list[tuple[str, str, str, object]]:
    """(metric, period, key, value): the aggregates of the page, codes instead of labels."""
    span = f"{data.period.start.isoformat()}/{data.period.end.isoformat()}"
    rows: list[tuple[str, str, str, object]] = [
        ("cases_filed", span, "all", data.filed),
        ("cases_with_minors", span, "all", data.minors),
        ("minor_share_percent", span, "all", _blank(data.minor_share)),
    ]
    for code, count in sorted(data.filers.items()):
        rows.append(("cases_by_filer", span, code, count))
    for harm, weekly in sorted(data.harm_weeks.items()):
        for week, count in zip(data.weeks, weekly, strict=True):
            rows.append(("cases_by_harm_week", week.isoformat(), harm, count))
    for (status, priority), count in sorted(data.open_cases.items()):
        rows.append(("open_cases", "now", f"{status}/{priority}", count))
    for kind, deadline_rows in data.deadlines.items():
        for row in deadline_rows:
            rows.append((f"first_{kind}_count", span, row.priority, row.count))
            rows.append(
                (f"first_{kind}_median_hours", span, row.priority, _blank(row.median_hours))
            )
            rows.append((f"first_{kind}_met", span, row.priority, row.met))
            rows.append((f"first_{kind}_missed", span, row.priority, row.missed))
            rows.append((f"first_{kind}_met_percent", span, row.priority, _blank(row.met_share)))
    for platform in data.platforms:
        for metric, value in (
            ("links_requested", platform.requested),
            ("links_removed", platform.removed),
            ("links_refused", platform.refused),
            ("removal_rate_percent", _blank(platform.removal_rate)),
            ("median_days_to_removal", _blank(platform.median_days)),
            ("reuploads_found", platform.reuploads),
        ):
            rows.append((metric, span, platform.platform, value))
    return rows


def _blank(value: int | None) -> object:
    return "" if value is None else value


@bp.get("/stats.csv")
def stats_csv() -> ResponseReturnValue:
    chosen = _chosen()
    if chosen.problem:
        # The page says which period it shows instead; a file would carry other dates silently.
        return render_error(
            400,
            _(
                "These dates cannot be used for a download. Please choose the period on the "
                "statistics page (YYYY-MM-DD, the start before the end, at most three years)."
            ),
        )
    data = read.overview(db.session, chosen.period)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["metric", "period", "key", "value"])
    for row in csv_rows(data):
        writer.writerow([safe_cell(cell) for cell in row])
    name = f"statistics-{chosen.period.start.isoformat()}-{chosen.period.end.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
