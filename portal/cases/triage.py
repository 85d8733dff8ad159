"""Team and priority rules applied to every new case."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from portal.choices import MINOR_AGE_BANDS

# Which team takes a case, by the first kind of help asked for in this order: a takedown
# is the most time-critical, legal help next; counseling also covers medical support.
TEAM_FOR_HELP = (
    ("takedown", "takedown"),
    ("legal", "legal"),
    ("counseling", "counseling"),
    ("medical", "counseling"),
)

# Harm types that mean the content is already out there and spreading.
SPREADING_HARMS = frozenset({"distribution", "deepfake", "webcam_blackmail"})


@dataclass(frozen=True)
class Routing:
    team: str
    priority: str


def is_minor_involved(age_band: str | None, minor_in_content: str | None) -> bool:
    """A victim under 19 now, or content that shows (or may show) someone under 19."""
    return age_band in MINOR_AGE_BANDS or minor_in_content in {"yes", "unsure"}


def team_for(help_wanted: Collection[str]) -> str:
    for help_kind, team in TEAM_FOR_HELP:
        if help_kind in help_wanted:
            return team
    return "counseling"


def priority_for(
    *,
    minor_involved: bool,
    threatened_now: bool,
    personal_info_exposed: bool,
    harms: Collection[str],
    has_links: bool,
) -> str:
    if minor_involved or threatened_now or personal_info_exposed:
        return "urgent"
    if has_links or SPREADING_HARMS.intersection(harms):
        return "high"
    return "normal"


def route(
    *,
    help_wanted: Collection[str],
    minor_involved: bool,
    threatened_now: bool,
    personal_info_exposed: bool,
    harms: Collection[str],
    has_links: bool,
) -> Routing:
    return Routing(
        team=team_for(help_wanted),
        priority=priority_for(
            minor_involved=minor_involved,
            threatened_now=threatened_now,
            personal_info_exposed=personal_info_exposed,
            harms=harms,
            has_links=has_links,
        ),
    )
