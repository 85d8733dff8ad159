"""Stored codes and bit orders never change meaning: vocabularies are only appended to."""

from __future__ import annotations

import pytest

from portal import choices
from portal.choices import codes_of, mask_of
from portal.links.platforms import NOTICE_CHANNELS

# Codes are stored in rows (and HARMS and HELP also give the bit order of their masks),
# so each vocabulary may grow at the end but never lose, rename or reorder a code.
PINNED = {
    "FILERS": ("self", "guardian", "friend", "organisation"),
    "AGE_BANDS": ("under14", "14to17", "adult", "undisclosed", "14to18", "19plus"),
    "MINOR_IN_CONTENT": ("yes", "no", "unsure", "no19"),
    "HARMS": (
        "deepfake",
        "covert_filming",
        "distribution",
        "sextortion",
        "fear_of_distribution",
        "webcam_blackmail",
        "harassment",
        "other",
    ),
    "HELP": ("takedown", "counseling", "legal", "medical"),
    "CONTACT_METHODS": ("none", "email", "phone"),
    "STATUSES": ("new", "triage", "in_progress", "waiting", "monitoring", "closed", "withdrawn"),
    "PRIORITIES": ("urgent", "high", "normal"),
    "TAKEDOWN_STATUSES": (
        "reported",
        "requested",
        "kcsc_request",
        "removed",
        "refused",
        "reappeared",
        "partly_removed",
        "unreachable",
    ),
    "REQUEST_CHANNELS": (
        "report_form",
        "abuse_email",
        "kcsc",
        "hosting",
        "search_engine",
        "police",
    ),
    "REQUEST_OUTCOMES": ("removed", "partly_removed", "refused", "unreachable", "no_answer"),
    "TARGET_KINDS": ("channel", "bot", "invite", "account", "blog", "cafe", "server", "site"),
    "TEAMS": ("takedown", "counseling", "legal"),
    "LINK_KINDS": ("channel", "bot", "message", "invite", "profile", "post", "web"),
    "LANGUAGES": ("ko", "en"),
    "OUTBOX_STATES": ("pending", "sending", "sent", "failed", "uncertain"),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_vocabulary_is_only_ever_appended_to(name: str) -> None:
    codes = tuple(getattr(choices, name))
    assert codes[: len(PINNED[name])] == PINNED[name]


def test_open_statuses_are_statuses_and_priority_ranks_cover_every_priority() -> None:
    assert set(choices.OPEN_STATUSES) < set(choices.STATUSES)
    assert set(choices.PRIORITY_RANK) == set(choices.PRIORITIES)


def test_victim_status_words_exist_for_every_status() -> None:
    assert set(choices.VICTIM_STATUS) == set(choices.STATUSES)


@pytest.mark.parametrize("vocabulary", [choices.HARMS, choices.HELP])
def test_masks_round_trip_in_vocabulary_order(vocabulary: dict) -> None:
    codes = list(vocabulary)
    assert mask_of([codes[0]], vocabulary) == 1
    assert mask_of([codes[-1]], vocabulary) == 1 << (len(codes) - 1)
    every = mask_of(codes, vocabulary)
    assert codes_of(every, vocabulary) == codes
    assert codes_of(mask_of(codes[1::2], vocabulary), vocabulary) == codes[1::2]


def test_a_notice_channel_is_a_request_channel():
    assert tuple(NOTICE_CHANNELS) == tuple(choices.REQUEST_CHANNELS)
