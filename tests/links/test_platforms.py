"""The platform registry: one list that the parser, the masks and the labels all read."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portal import choices
from portal.links import platforms
from portal.links.parse import parse_link
from portal.links.platforms import ALIASES, DOMAINS, LABELS, PLATFORMS, REGISTRY

# The bit order itself (Case.platform_mask) is pinned by test_parse.py's test_constants.


def test_codes_are_unique_and_every_platform_has_a_label() -> None:
    assert len(set(PLATFORMS)) == len(PLATFORMS) == len(REGISTRY)
    assert list(LABELS) == list(PLATFORMS)
    assert all(str(label) for label in LABELS.values())


@pytest.mark.parametrize("platform", [p for p in REGISTRY if p.domains], ids=lambda p: p.code)
def test_every_registered_host_is_recognised_by_the_parser(platform: platforms.Platform) -> None:
    for host in platform.hosts():
        assert parse_link(f"https://{host}/").platform == platform.code
        assert parse_link(f"https://sub.{host}/x").platform == platform.code


def test_aliases_rewrite_to_a_host_of_the_same_platform() -> None:
    for old, new in ALIASES.items():
        assert DOMAINS[old] == DOMAINS[new]
        assert parse_link(f"https://{old}/somebody").url.startswith(f"https://{new}/")


def test_no_host_belongs_to_two_platforms() -> None:
    hosts = [host for platform in REGISTRY for host in platform.hosts()]
    assert len(hosts) == len(set(hosts))


def test_every_kind_a_platform_lists_is_a_known_link_kind() -> None:
    for platform in REGISTRY:
        assert set(platform.kinds) <= set(platforms.LINK_KINDS), platform.code


def test_the_catch_all_is_other_website() -> None:
    assert parse_link("https://example.org/page").platform == "web"
    assert platforms.BY_CODE["web"].domains == ()


def test_notice_channels_are_the_six_in_their_order() -> None:
    assert list(platforms.NOTICE_CHANNELS) == [
        "report_form",
        "abuse_email",
        "kcsc",
        "hosting",
        "search_engine",
        "police",
    ]
    assert all(str(label) for label in platforms.NOTICE_CHANNELS.values())


@pytest.mark.parametrize("platform", REGISTRY, ids=lambda p: p.code)
def test_every_platform_lists_at_least_one_known_channel(platform: platforms.Platform) -> None:
    assert platform.notice_channels
    assert len(set(platform.notice_channels)) == len(platform.notice_channels)
    assert set(platform.notice_channels) <= set(platforms.NOTICE_CHANNELS)


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
CONTACTS = sorted(
    {contact for p in REGISTRY for contact in p.abuse_contacts}
    | {contact for found in platforms.CHANNEL_CONTACTS.values() for contact in found}
    | set(platforms.TARGETED_CONTACTS)
)


@pytest.mark.parametrize("contact", CONTACTS)
def test_every_contact_is_an_email_address_or_an_https_url(contact: str) -> None:
    parts = urlsplit(contact)
    is_https = parts.scheme == "https" and bool(parts.netloc) and " " not in contact
    assert is_https or EMAIL.fullmatch(contact)


def test_targeted_contacts_are_listed_somewhere_and_say_whom_they_are_for() -> None:
    listed = {contact for p in REGISTRY for contact in p.abuse_contacts}
    listed |= {contact for found in platforms.CHANNEL_CONTACTS.values() for contact in found}
    assert set(platforms.TARGETED_CONTACTS) <= listed
    assert set(platforms.TARGETED_CONTACTS.values()) <= {"minor", *choices.HARMS}


def test_telegram_takes_abuse_email_first_with_its_two_addresses() -> None:
    telegram = platforms.BY_CODE["telegram"]
    assert telegram.abuse_contacts == ("abuse@telegram.org", "stopCA@telegram.org")
    assert telegram.notice_channels == ("abuse_email", "report_form", "kcsc", "police")
    assert platforms.BY_CODE["web"].notice_channels == (
        "hosting",
        "search_engine",
        "kcsc",
        "police",
    )
