"""The public figures cannot be worked back to a small count: a year's total minus its other
months, or minus its other platform groups, gives nothing under ten away, and the month
still running is not counted."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import StatCount
from portal.stats import public


def _count(metric: str, day: date, value: int, key: str = "all") -> None:
    db.session.add(StatCount(metric=metric, day=day, key=key, shard=0, count=value))


def test_a_year_minus_its_shown_months_does_not_give_a_hidden_month_away(app):
    with app.app_context():
        _count("filed", date(2026, 3, 10), 3)
        _count("filed", date(2026, 4, 10), 40)
        _count("filed", date(2026, 5, 10), 25)
        _count("filed", date(2027, 1, 2), 7)  # the month (and year) running
        db.session.commit()
        figures = public.transparency(db.session, date(2027, 1, 15))
    (year,) = figures.years  # 2027 is not finished: no total for it yet
    assert (year.label, year.filed) == ("2026", 68)
    filed = {row.label: row.filed for row in figures.months}
    assert "2027-01" not in filed
    assert filed["2026-03"] is None  # fewer than 10
    assert filed["2026-04"] == 40
    assert filed["2026-05"] == public.WITHHELD  # else 68 - 40 - 25 = 3 gives March away


def test_months_off_the_page_keep_the_hidden_one_unknown(app):
    with app.app_context():
        _count("filed", date(2026, 1, 10), 30)  # off the twelve-month window
        _count("filed", date(2026, 12, 10), 4)
        _count("filed", date(2026, 11, 10), 50)
        db.session.commit()
        figures = public.transparency(db.session, date(2027, 3, 15))
    filed = {row.label: row.filed for row in figures.months}
    assert filed["2026-12"] is None
    assert public.WITHHELD not in filed.values()  # 84 - 50 leaves May and December together


def test_a_years_removals_minus_its_other_groups_do_not_give_a_group_away(app):
    with app.app_context():
        for day, platform, value in (
            (date(2026, 3, 1), "telegram", 30),
            (date(2026, 3, 1), "x", 12),
            (date(2026, 3, 1), "naver", 2),
        ):
            _count("removed", day, value, key=platform)
            _count("removal_days", day, value, key=f"{platform}:3")
        db.session.commit()
        figures = public.transparency(db.session, date(2027, 1, 15))
    removed = {row.group: row.removed for row in figures.groups["2026"]}
    assert figures.years[0].removed == 44
    assert removed["portals"] is None and removed["messengers"] == 30
    assert removed["social"] == public.WITHHELD  # else 44 - 30 - 12 = 2 gives portals away
