"""Triage at intake: each new case gets a team and a priority by plain rules."""

from __future__ import annotations

import pytest

from portal.cases.triage import is_minor_involved, route

ROUTES = [
    # help, minor, threatened, exposed, harms, links -> team, priority
    (["takedown"], False, False, False, ["deepfake"], True, "takedown", "high"),
    (["counseling"], False, False, False, ["fear_of_distribution"], False, "counseling", "normal"),
    (["medical"], False, False, False, ["covert_filming"], False, "counseling", "normal"),
    (["legal", "counseling"], False, False, False, ["sextortion"], False, "legal", "normal"),
    (["counseling", "takedown"], False, False, False, ["harassment"], False, "takedown", "normal"),
    (["takedown"], True, False, False, ["deepfake"], True, "takedown", "urgent"),
    (["legal"], False, True, False, ["sextortion"], False, "legal", "urgent"),
    (["counseling"], False, False, True, ["other"], False, "counseling", "urgent"),
    (["counseling"], False, False, False, ["distribution"], False, "counseling", "high"),
    (["counseling"], False, False, False, ["other"], True, "counseling", "high"),
]


@pytest.mark.parametrize(
    ("help_wanted", "minor", "threatened", "exposed", "harms", "links", "team", "priority"), ROUTES
)
def test_route(help_wanted, minor, threatened, exposed, harms, links, team, priority):
    result = route(
        help_wanted=help_wanted,
        minor_involved=minor,
        threatened_now=threatened,
        personal_info_exposed=exposed,
        harms=harms,
        has_links=links,
    )
    assert (result.team, result.priority) == (team, priority)


@pytest.mark.parametrize(
    ("age_band", "in_content", "expected"),
    [
        ("under14", None, True),
        ("14to18", "no19", True),  # an 18-year-old is a minor under 청소년성보호법
        ("19plus", "yes", True),
        ("19plus", "unsure", True),
        ("19plus", "no19", False),
        ("undisclosed", None, False),
        (None, None, False),
        # Answers given before the line moved to 19 keep what they meant.
        ("14to17", "no", True),
        ("adult", "no", False),
        ("adult", "yes", True),
    ],
)
def test_minor_involved(age_band, in_content, expected):
    assert is_minor_involved(age_band, in_content) is expected
