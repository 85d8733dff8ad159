"""Chart geometry and the period rules: arithmetic a reader can check by hand."""

from __future__ import annotations

from collections import Counter
from datetime import date

from portal.stats import charts, periods, read


def test_nice_ceilings():
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 240, 999, 1001)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        500,
        1000,
        2000,
    ]


def test_bars_scale_to_the_largest_and_stack_in_rows():
    chart = charts.bar_chart([("a", 50), ("b", 100), ("c", 0)], width=460, label_width=100, row=30)
    assert chart.plot_width == 300
    assert [bar.width for bar in chart.bars] == [150.0, 300.0, 0.0]
    assert [bar.y for bar in chart.bars] == [5, 35, 65]
    assert chart.height == 90
    assert [bar.shown for bar in chart.bars] == ["50", "100", "0"]
    assert [bar.series for bar in chart.bars] == [0, 1, 2]


def test_percent_bars_scale_to_a_hundred_with_their_own_text():
    chart = charts.bar_chart([("x", 25)], shown=["25%"], width=460, label_width=100, top=100)
    assert chart.bars[0].width == 75.0 and chart.bars[0].shown == "25%"


def test_an_empty_bar_chart_has_no_bars_and_divides_by_nothing():
    assert charts.bar_chart([]).bars == []
    assert charts.bar_chart([("a", 0)]).bars[0].width == 0


def test_stacked_columns_add_up_and_thin_their_labels():
    chart = charts.column_chart(
        ["w1", "w2", "w3", "w4"],
        [[2, 0, 1, 0], [2, 5, 0, 0]],
        width=66 + 4 * 20,
        plot_height=100,
        left=56,
        label_room=44,
    )
    assert [t.value for t in chart.ticks] == [0, 1, 2, 3, 4, 5]
    assert [t.y for t in chart.ticks] == [110.0, 90.0, 70.0, 50.0, 30.0, 10.0]
    first, second, third, fourth = chart.columns
    assert [s.height for s in first.segments] == [40.0, 40.0]
    assert [s.y for s in first.segments] == [70.0, 30.0]  # bottom up from the baseline at 110
    assert second.segments[0].series == 1 and second.segments[0].height == 100.0
    assert fourth.segments == [] and fourth.total == 0
    assert [c.show_label for c in chart.columns] == [True, False, False, True]  # 20 units each
    assert first.x < second.x < third.x


def test_medians_of_histograms():
    assert read.median(Counter()) is None
    assert read.median(Counter({3: 1})) == 3
    assert read.median(Counter({1: 2, 5: 1})) == 1
    assert read.median(Counter({1: 1, 4: 1})) == 4  # the upper middle of an even count
    assert read.split_histogram(Counter({"urgent:5": 2, "web:10": 1})) == {
        "urgent": Counter({5: 2}),
        "web": Counter({10: 1}),
    }


def test_the_default_period_is_26_whole_weeks():
    today = date(2026, 12, 2)  # a Wednesday
    chosen = periods.choose(None, None, today)
    assert chosen.problem is None
    assert chosen.period == read.Period(date(2026, 6, 8), today)
    assert len(chosen.period.weeks()) == 26 and chosen.period.weeks()[0].weekday() == 0


def test_ranges_either_end_and_the_refusals():
    today = date(2026, 12, 2)
    assert periods.choose("2026-11-01", "", today).period == read.Period(date(2026, 11, 1), today)
    assert periods.choose("", "2026-11-30", today).period.end == date(2026, 11, 30)
    assert periods.choose("2026-1-1", None, today).problem == "bad_date"
    assert periods.choose("2026-02-30", None, today).problem == "bad_date"
    assert periods.choose("2026-11-02", "2026-11-01", today).problem == "reversed"
    assert periods.choose("2026-11-02", "2027-11-01", today).problem == "out_of_range"
    cut = periods.choose("2019-01-01", "2026-12-01", today)
    assert cut.problem == "too_long" and cut.period.end == date(2026, 12, 1)
    assert (cut.period.end - cut.period.start).days == periods.LONGEST_DAYS - 1
