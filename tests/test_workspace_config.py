"""The alert settings: who hears about urgent and overdue cases, and where their links go."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config

BASE = {"PORTAL_ENV": "development"}


def _config(**env: str):
    return load_config({**BASE, **env})


def test_unset_means_nobody_and_a_path_only_link():
    config = _config()
    assert config["PORTAL_NOTIFY_URGENT_TO"] == {"*": ()}
    assert config["PORTAL_STAFF_URL"] is None


def test_a_list_for_every_team_and_one_per_team_instead():
    config = _config(
        PORTAL_NOTIFY_URGENT_TO=" urgent@example.org , lead@example.org ,",
        PORTAL_NOTIFY_URGENT_TO_LEGAL="legal@example.org",
        PORTAL_NOTIFY_URGENT_TO_COUNSELING="",
    )
    assert config["PORTAL_NOTIFY_URGENT_TO"] == {
        "*": ("urgent@example.org", "lead@example.org"),
        "legal": ("legal@example.org",),
        "counseling": (),
    }


@pytest.mark.parametrize(
    "value", ["not-an-address", "a@localhost", "Name <a@example.org>", "a@example.org b@x.org"]
)
def test_a_bad_address_stops_the_start(value):
    with pytest.raises(ConfigError, match="PORTAL_NOTIFY_URGENT_TO must be e-mail addresses"):
        _config(PORTAL_NOTIFY_URGENT_TO=value)


def test_a_bad_team_address_names_its_setting():
    with pytest.raises(ConfigError, match="PORTAL_NOTIFY_URGENT_TO_TAKEDOWN must be"):
        _config(PORTAL_NOTIFY_URGENT_TO_TAKEDOWN="nobody")


def test_an_unknown_team_lists_the_real_ones():
    with pytest.raises(ConfigError, match="PORTAL_NOTIFY_URGENT_TO_POLICE: no such team") as caught:
        _config(PORTAL_NOTIFY_URGENT_TO_POLICE="police@example.org")
    assert "PORTAL_NOTIFY_URGENT_TO_TAKEDOWN" in str(caught.value)


def test_the_staff_url_loses_its_trailing_slash():
    assert _config(PORTAL_STAFF_URL="https://staff.example.org/")["PORTAL_STAFF_URL"] == (
        "https://staff.example.org"
    )
    assert _config(PORTAL_STAFF_URL="  ")["PORTAL_STAFF_URL"] is None


@pytest.mark.parametrize(
    "value", ["staff.example.org", "ftp://staff.example.org", "https://", "https://s.org/?a=1"]
)
def test_a_staff_url_that_is_not_a_web_address_stops_the_start(value):
    with pytest.raises(ConfigError, match="PORTAL_STAFF_URL must be where staff open the portal"):
        _config(PORTAL_STAFF_URL=value)


def test_fingerprint_settings_have_safe_defaults_and_bounds():
    config = _config()
    assert config["PORTAL_FINGERPRINT_MATCH_DISTANCE"] == 31
    assert config["PORTAL_FINGERPRINT_MAX"] == 20
    assert config["PORTAL_FINGERPRINT_MIN_QUALITY"] == 50
    assert (
        _config(PORTAL_FINGERPRINT_MATCH_DISTANCE="20")["PORTAL_FINGERPRINT_MATCH_DISTANCE"] == 20
    )
    with pytest.raises(ConfigError, match="at most 31"):
        _config(PORTAL_FINGERPRINT_MATCH_DISTANCE="40")
    with pytest.raises(ConfigError, match="from 0 to 100"):
        _config(PORTAL_FINGERPRINT_MIN_QUALITY="101")
    with pytest.raises(ConfigError, match="at least 1"):
        _config(PORTAL_FINGERPRINT_MAX="0")
