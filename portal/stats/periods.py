"""The period a statistics page shows: the last 26 weeks unless a valid range is asked for.

A range that cannot be used is never an error page: the default is shown instead, with a
reason the page turns into a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.stats.read import Period

DEFAULT_WEEKS = 26
# Longer ranges are cut to this many days (the weekly chart stays readable).
LONGEST_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Chosen:
    period: Period
    problem: str | None = None  # bad_date, reversed, too_long, out_of_range


def default_period(today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The last ``weeks`` whole weeks (Monday to Sunday), this one included."""
    monday = today - timedelta(days=today.weekday())
    return Period(start=monday - timedelta(weeks=weeks - 1), end=today)


def _day(text: str | None) -> date | None:
    text = (text or "").strip()
    if len(text) != 10:
        raise ValueError(text)
    return date.fromisoformat(text)


def choose(start_text: str | None, end_text: str | None, today: date) -> Chosen:
    """The period from the query string's ``from`` and ``to`` (YYYY-MM-DD; either may be
    left out), or the default with the reason why not."""
    fallback = default_period(today)
    if not (start_text or "").strip() and not (end_text or "").strip():
        return Chosen(fallback)
    try:
        start = _day(start_text) if (start_text or "").strip() else fallback.start
        end = _day(end_text) if (end_text or "").strip() else today
    except ValueError:
        return Chosen(fallback, "bad_date")
    if start is None or end is None:  # pragma: no cover (_day raises instead)
        return Chosen(fallback, "bad_date")
    if start < EARLIEST or end > today + timedelta(days=1):
        return Chosen(fallback, "out_of_range")
    if start > end:
        return Chosen(fallback, "reversed")
    if (end - start).days >= LONGEST_DAYS:
        return Chosen(Period(end - timedelta(days=LONGEST_DAYS - 1), end), "too_long")
    return Chosen(Period(start, end))
