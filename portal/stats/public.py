"""The public transparency page's figures: totals per year and month, and the median days
to removal per platform group, with every number under ten held back.

A count under ten could point at one victim; so could a rate or a median computed from
fewer than ten. Those come back as None, which the page shows as "fewer than 10". Where a
held-back count could be worked out by subtraction (a year's total minus its other months,
or minus its other platform groups), one more count is withheld (WITHHELD, "not shown").
Only finished months and finished years are counted, so the page never changes the moment
one report arrives, and a year's total never grows between two looks at the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.extensions import Session
from portal.models import StatCount
from portal.stats.read import Period, median, split_histogram, sums

THRESHOLD = 10
# A count left out so that a smaller one cannot be worked out from the rest.
WITHHELD = -1
TOTALS = ("filed", "requested", "removed")
# Platforms by kind, for a public page that names no single small platform.
PLATFORM_GROUPS: dict[str, tuple[str, ...]] = {
    "messengers": ("telegram", "kakao", "discord"),
    "social": ("x", "instagram", "facebook", "youtube", "tiktok", "reddit"),
    "portals": ("naver", "daum", "dcinside"),
    "websites": ("google_drive", "web"),
}


def shown(count: int) -> int | None:
    """The count, or None when it is under the threshold."""
    return count if count >= THRESHOLD else None


@dataclass(frozen=True)
class Totals:
    label: str  # "2026" or "2026-11"
    filed: int | None
    requested: int | None
    removed: int | None


@dataclass(frozen=True)
class GroupMedian:
    group: str
    removed: int | None
    median_days: int | None


@dataclass(frozen=True)
class Transparency:
    years: list[Totals]
    months: list[Totals]
    groups: dict[str, list[GroupMedian]]  # year -> per group


def group_of(platform: str) -> str:
    for group, platforms in PLATFORM_GROUPS.items():
        if platform in platforms:
            return group
    return "websites"


def _bucketed(session: Session, length: int) -> dict[str, Counter[str]]:
    """Totals per metric and per year (``length`` 4) or month (7) of the day."""
    found: dict[str, Counter[str]] = {}
    rows = session.execute(
        select(StatCount.metric, StatCount.day, func.sum(StatCount.count))
        .where(StatCount.metric.in_(TOTALS))
        .group_by(StatCount.metric, StatCount.day)
    )
    for metric, day, value in rows:
        label = str(day)[:length]
        found.setdefault(label, Counter())[metric] += int(value or 0)
    return found


def _totals(label: str, counts: Counter[str]) -> Totals:
    return Totals(
        label=label,
        filed=shown(counts["filed"]),
        requested=shown(counts["requested"]),
        removed=shown(counts["removed"]),
    )


def group_medians(session: Session, year: int, before: date | None = None) -> list[GroupMedian]:
    """Each platform group's removals in ``year`` (up to the day before ``before``)."""
    end = date(year, 12, 31)
    if before is not None:
        end = min(end, before - timedelta(days=1))
    days = split_histogram(
        sums(session, ("removal_days",), Period(date(year, 1, 1), end))["removal_days"]
    )
    grouped: dict[str, Counter[int]] = {group: Counter() for group in PLATFORM_GROUPS}
    for platform, histogram in days.items():
        grouped[group_of(platform)].update(histogram)
    result = []
    for group, histogram in grouped.items():
        removed = sum(histogram.values())
        enough = removed >= THRESHOLD
        result.append(GroupMedian(group, shown(removed), median(histogram) if enough else None))
    return result


def _withheld(cells: list[tuple[int | None, int]], total: int | None) -> set[int]:
    """Of (shown value, true value) cells adding up to a shown ``total``, the ones to withhold
    too, smallest first, until the total minus the shown cells (what the held-back ones add
    up to) is nothing or at least the threshold: then no small count can be worked out."""
    if total is None:
        return set()
    withheld: set[int] = set()
    hidden = total - sum(value for value, _true in cells if value is not None)
    others = sorted((true, n) for n, (value, true) in enumerate(cells) if value is not None)
    while 0 < hidden < THRESHOLD and others:
        true, n = others.pop(0)
        withheld.add(n)
        hidden += true
    return withheld


def _complement_months(
    years: list[Totals], months: list[Totals], counts: dict[str, Counter[str]]
) -> list[Totals]:
    """Months as shown, with more withheld where a year would give a held-back one away (only
    when every finished month of that year is on the page: else their sum stays unknown)."""
    shown_months = {row.label: row for row in months}
    withheld: dict[str, set[str]] = {}
    for year in years:
        labels = sorted(label for label in counts if label.startswith(year.label + "-"))
        if not labels or any(label not in shown_months for label in labels):
            continue  # months off the page keep their sum unknown
        for metric in TOTALS:
            cells = [
                (getattr(shown_months[label], metric), counts[label][metric]) for label in labels
            ]
            for n in _withheld(cells, getattr(year, metric)):
                withheld.setdefault(labels[n], set()).add(metric)
    return [_withholding(row, withheld.get(row.label, set())) for row in months]


def _withholding(row: Totals, metrics: set[str]) -> Totals:
    def cell(metric: str, value: int | None) -> int | None:
        return WITHHELD if metric in metrics else value

    return Totals(
        label=row.label,
        filed=cell("filed", row.filed),
        requested=cell("requested", row.requested),
        removed=cell("removed", row.removed),
    )


def _complement_groups(rows: list[GroupMedian], removed_total: int | None) -> list[GroupMedian]:
    cells = [(row.removed, row.removed or 0) for row in rows]
    withheld = _withheld(cells, removed_total)
    return [
        GroupMedian(row.group, WITHHELD, row.median_days) if n in withheld else row
        for n, row in enumerate(rows)
    ]


def transparency(session: Session, today: date, months: int = 12) -> Transparency:
    """Every year with finished months, the last ``months`` finished months, and each year's
    group medians; nothing of the month still running."""
    running = f"{today.year:04d}-{today.month:02d}"
    by_month = {label: counts for label, counts in _bucketed(session, 7).items() if label < running}
    by_year: dict[str, Counter[str]] = {}
    for label, counts in by_month.items():
        by_year.setdefault(label[:4], Counter()).update(counts)
    wanted = []
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    for _n in range(months):
        wanted.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    # Finished years only: a running year's total grows by a month at a time, and two
    # snapshots of the page a month apart would give that month away however it is shown.
    finished = [label for label in by_year if label < f"{today.year:04d}"]
    years = [_totals(label, by_year[label]) for label in sorted(finished, reverse=True)]
    month_rows = [_totals(label, by_month.get(label, Counter())) for label in wanted]
    return Transparency(
        years=years,
        months=_complement_months(years, month_rows, by_month),
        groups={
            row.label: _complement_groups(group_medians(session, int(row.label)), row.removed)
            for row in years
        },
    )
