"""What the statistics pages read: sums of the daily counts over a period, medians from
their histograms, and the live count of open cases."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.choices import OPEN_STATUSES, PRIORITIES, PRIORITY_RANK
from portal.extensions import Session
from portal.models import Case, StatCount

DEADLINE_KINDS = ("response", "request")
LINK_METRICS = ("requested", "removed", "refused", "reupload")


@dataclass(frozen=True)
class Period:
    """Days in Korea, both ends included."""

    start: date
    end: date

    def weeks(self) -> list[date]:
        """The Mondays of the weeks the period touches."""
        first = self.start - timedelta(days=self.start.weekday())
        return [first + timedelta(weeks=n) for n in range((self.end - first).days // 7 + 1)]


def sums(session: Session, metrics: tuple[str, ...], period: Period) -> dict[str, Counter[str]]:
    """Each metric's total per key over the period."""
    found: dict[str, Counter[str]] = {metric: Counter() for metric in metrics}
    rows = session.execute(
        select(StatCount.metric, StatCount.key, func.sum(StatCount.count))
        .where(
            StatCount.metric.in_(metrics),
            StatCount.day >= period.start,
            StatCount.day <= period.end,
        )
        .group_by(StatCount.metric, StatCount.key)
    )
    for metric, key, value in rows:
        found[metric][key] += int(value or 0)
    return found


def daily(session: Session, metric: str, period: Period) -> list[tuple[date, str, int]]:
    rows = session.execute(
        select(StatCount.day, StatCount.key, func.sum(StatCount.count))
        .where(
            StatCount.metric == metric, StatCount.day >= period.start, StatCount.day <= period.end
        )
        .group_by(StatCount.day, StatCount.key)
    )
    return [(day, key, int(value or 0)) for day, key, value in rows]


def median(histogram: Counter[int]) -> int | None:
    """The middle value (the upper one of an even count, as requests.response_counts)."""
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen > total // 2:
            return value
    return None  # pragma: no cover (the loop always reaches the middle)


def split_histogram(counts: Counter[str]) -> dict[str, Counter[int]]:
    """``{"urgent:5": 3}`` as ``{"urgent": {5: 3}}``."""
    found: dict[str, Counter[int]] = {}
    for key, value in counts.items():
        group, _sep, bucket = key.rpartition(":")
        found.setdefault(group, Counter())[int(bucket)] += value
    return found


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class DeadlineRow:
    priority: str
    count: int
    median_hours: int | None
    met: int
    missed: int

    @property
    def met_share(self) -> int | None:
        return percent(self.met, self.met + self.missed)


@dataclass(frozen=True)
class PlatformRow:
    platform: str
    requested: int
    removed: int
    refused: int
    reuploads: int
    median_days: int | None

    @property
    def removal_rate(self) -> int | None:
        return percent(self.removed, self.requested)


@dataclass
class Overview:
    period: Period
    weeks: list[date] = field(default_factory=list)
    harm_weeks: dict[str, list[int]] = field(default_factory=dict)
    open_cases: dict[tuple[str, str], int] = field(default_factory=dict)
    deadlines: dict[str, list[DeadlineRow]] = field(default_factory=dict)
    platforms: list[PlatformRow] = field(default_factory=list)
    filed: int = 0
    minors: int = 0
    filers: Counter[str] = field(default_factory=Counter)
    harms: Counter[str] = field(default_factory=Counter)

    @property
    def minor_share(self) -> int | None:
        return percent(self.minors, self.filed)


def open_cases(session: Session) -> dict[tuple[str, str], int]:
    """Open cases by status and priority, live (read from the queue's index alone)."""
    priority_of = {rank: priority for priority, rank in PRIORITY_RANK.items()}
    rows = session.execute(
        select(Case.status, Case.priority_rank, func.count())
        .where(Case.status.in_(OPEN_STATUSES))
        .group_by(Case.status, Case.priority_rank)
    )
    return {(status, priority_of.get(rank, "normal")): int(n) for status, rank, n in rows}


def _harm_weeks(session: Session, period: Period, weeks: list[date]) -> dict[str, list[int]]:
    index = {week: n for n, week in enumerate(weeks)}
    found: dict[str, list[int]] = {}
    for day, harm, value in daily(session, "filed_harm", period):
        week = day - timedelta(days=day.weekday())
        found.setdefault(harm, [0] * len(weeks))[index[week]] += value
    return found


def _deadlines(totals: dict[str, Counter[str]]) -> dict[str, list[DeadlineRow]]:
    found = {}
    for kind in DEADLINE_KINDS:
        hours = split_histogram(totals[f"{kind}_hours"])
        verdicts = totals[f"{kind}_met"]
        found[kind] = [
            DeadlineRow(
                priority=priority,
                count=sum(hours.get(priority, Counter()).values()),
                median_hours=median(hours.get(priority, Counter())),
                met=verdicts[f"{priority}:met"],
                missed=verdicts[f"{priority}:missed"],
            )
            for priority in PRIORITIES
        ]
    return found


def platform_rows(totals: dict[str, Counter[str]]) -> list[PlatformRow]:
    days = split_histogram(totals["removal_days"])
    platforms = set().union(*(totals[metric] for metric in LINK_METRICS))
    rows = [
        PlatformRow(
            platform=platform,
            requested=totals["requested"][platform],
            removed=totals["removed"][platform],
            refused=totals["refused"][platform],
            reuploads=totals["reupload"][platform],
            median_days=median(days.get(platform, Counter())),
        )
        for platform in platforms
    ]
    return sorted(rows, key=lambda row: (-row.requested, row.platform))


def overview(session: Session, period: Period) -> Overview:
    """Everything the staff statistics page and its CSV show, for one period."""
    metrics = (
        "filed",
        "filed_minor",
        "filed_filer",
        "filed_harm",
        "removal_days",
        *LINK_METRICS,
        *(f"{kind}_{part}" for kind in DEADLINE_KINDS for part in ("hours", "met")),
    )
    totals = sums(session, metrics, period)
    weeks = period.weeks()
    return Overview(
        period=period,
        weeks=weeks,
        harm_weeks=_harm_weeks(session, period, weeks),
        open_cases=open_cases(session),
        deadlines=_deadlines(totals),
        platforms=platform_rows(totals),
        filed=totals["filed"]["all"],
        minors=totals["filed_minor"]["all"],
        filers=totals["filed_filer"],
        harms=totals["filed_harm"],
    )
