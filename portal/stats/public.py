"""The public transparency page's figures: totals per year and month, and the median days
to removal per platform group, with every number under ten held back.

A count under ten could point at one victim; so could a rate or a median computed from
fewer than ten. Those come back as None, which the page shows as "fewer than 10".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from portal.extensions import Session
from portal.models import StatCount
from portal.stats.read import Period, median, split_histogram, sums

THRESHOLD = 10
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


def group_medians(session: Session, year: int) -> list[GroupMedian]:
    days = split_histogram(
        sums(session, ("removal_days",), Period(date(year, 1, 1), date(year, 12, 31)))[
            "removal_days"
        ]
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


def transparency(session: Session, today: date, months: int = 12) -> Transparency:
    """Every year with counts, the last ``months`` months, and each year's group medians."""
    by_month = _bucketed(session, 7)
    by_year: dict[str, Counter[str]] = {}
    for label, counts in by_month.items():
        by_year.setdefault(label[:4], Counter()).update(counts)
    wanted = []
    year, month = today.year, today.month
    for _n in range(months):
        wanted.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    years = sorted(by_year, reverse=True)
    return Transparency(
        years=[_totals(label, by_year[label]) for label in years],
        months=[_totals(label, by_month.get(label, Counter())) for label in wanted],
        groups={label: group_medians(session, int(label)) for label in years},
    )
