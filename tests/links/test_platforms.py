"""The platform registry: one list that the parser, the masks and the labels all read."""

from __future__ import annotations

import pytest

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
