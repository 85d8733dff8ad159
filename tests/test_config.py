"""Where the portal finds its folders: a checkout's top level, or the copies a wheel carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import (
    ConfigError,
    default_instance_dir,
    installed,
    load_config,
    resource_dir,
)

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_uses_its_top_level_folders() -> None:
    assert not installed()
    assert resource_dir() == ROOT
    config = load_config({"PORTAL_ENV": "development"})
    assert config["BABEL_TRANSLATION_DIRECTORIES"] == str(ROOT / "translations")
    assert config["PORTAL_INSTANCE_DIR"] == str(ROOT / "instance")
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{ROOT / 'instance' / 'portal.db'}"


def test_a_checkout_keeps_instance_beside_the_package(tmp_path: Path) -> None:
    package = tmp_path / "portal"
    package.mkdir()
    assert resource_dir(package) == tmp_path
    assert default_instance_dir(package) == tmp_path / "instance"


def test_an_installed_wheel_uses_its_copies_and_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "site-packages" / "portal"
    (package / "_resources").mkdir(parents=True)
    workdir = tmp_path / "srv"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    assert installed(package)
    assert resource_dir(package) == package / "_resources"
    assert default_instance_dir(package) == workdir / "instance"


PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "s" * 32,
    "PORTAL_RECEIPT_KEY": "r" * 32,
    "PORTAL_DATA_KEYS": "k1:" + "A" * 43 + "=",
    "PORTAL_AUDIT_KEY": "a" * 32,
    "PORTAL_PRIVACY_OFFICER": "홍길동, privacy@example.org",
}


def test_the_outbox_sends_nothing_unless_told_where() -> None:
    config = load_config({"PORTAL_ENV": "development"})
    assert config["PORTAL_SMTP_URL"] is None
    assert config["PORTAL_MAIL_FROM"] == "portal@localhost"
    assert config["PORTAL_OUTBOX_MAX_ATTEMPTS"] == 8
    assert config["PORTAL_SMTP_TIMEOUT_SECONDS"] == 20.0
    production = load_config(PRODUCTION)
    assert production["PORTAL_SMTP_URL"] is None and production["PORTAL_MAIL_FROM"] is None


def test_outbox_settings_are_read() -> None:
    config = load_config(
        {
            **PRODUCTION,
            "PORTAL_SMTP_URL": "smtps://portal:p%40ss@mail.example.org:465",
            "PORTAL_MAIL_FROM": "신고지원 <takedown@example.org>",
            "PORTAL_OUTBOX_MAX_ATTEMPTS": "5",
            "PORTAL_SMTP_TIMEOUT_SECONDS": "7.5",
        }
    )
    assert config["PORTAL_SMTP_URL"] == "smtps://portal:p%40ss@mail.example.org:465"
    assert config["PORTAL_MAIL_FROM"] == "신고지원 <takedown@example.org>"
    assert (config["PORTAL_OUTBOX_MAX_ATTEMPTS"], config["PORTAL_SMTP_TIMEOUT_SECONDS"]) == (5, 7.5)


def test_production_with_smtp_needs_a_from_address() -> None:
    with pytest.raises(ConfigError, match="PORTAL_MAIL_FROM is not"):
        load_config({**PRODUCTION, "PORTAL_SMTP_URL": "smtp://mail.example.org:587"})


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "mail.example.org:587",
        "smtp://",
        "smtp://mail.example.org:port",
        "smtp://mail.example.org:99999",
        "smtps://portal@mail.example.org",
        "smtp://mail.example.org/inbox",
    ],
)
def test_a_bad_smtp_url_stops_the_start_with_an_example(url: str) -> None:
    with pytest.raises(ConfigError) as stopped:
        load_config({"PORTAL_ENV": "development", "PORTAL_SMTP_URL": url})
    assert "e.g. smtps://" in str(stopped.value)


def test_the_smtp_password_is_never_repeated_in_an_error() -> None:
    with pytest.raises(ConfigError) as stopped:
        load_config({"PORTAL_ENV": "development", "PORTAL_SMTP_URL": "smtpx://u:hunter2@h"})
    assert "hunter2" not in str(stopped.value)


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("PORTAL_MAIL_FROM", "no-at-sign", "one address"),
        ("PORTAL_MAIL_FROM", "a@example.org\nBcc: x@example.org", "one address"),
        ("PORTAL_OUTBOX_MAX_ATTEMPTS", "0", "at least 1"),
        ("PORTAL_SMTP_TIMEOUT_SECONDS", "0", "more than 0"),
        ("PORTAL_SMTP_TIMEOUT_SECONDS", "soon", "number of seconds"),
    ],
)
def test_bad_outbox_settings_are_refused(name: str, value: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        load_config({"PORTAL_ENV": "development", name: value})


def test_the_desk_settings_have_safe_defaults_and_say_what_is_wrong():
    config = load_config({"PORTAL_ENV": "development"})
    assert config["PORTAL_RECHECK_DAYS"] == (7, 30, 90)
    assert config["PORTAL_ESCALATE_AFTER_DAYS"] == {"*": 7}
    assert config["PORTAL_AUTO_RECHECK"] is False
    tuned = load_config(
        {
            "PORTAL_ENV": "development",
            "PORTAL_RECHECK_DAYS": "3,14",
            "PORTAL_ESCALATE_AFTER_DAYS": "10",
            "PORTAL_ESCALATE_AFTER_DAYS_TELEGRAM": "3",
            "PORTAL_AUTO_RECHECK": "yes",
        }
    )
    assert tuned["PORTAL_RECHECK_DAYS"] == (3, 14)
    assert tuned["PORTAL_ESCALATE_AFTER_DAYS"] == {"*": 10, "telegram": 3}
    assert tuned["PORTAL_AUTO_RECHECK"] is True
    for wrong in ("90,30", "0,7", "weekly", "7,7"):
        with pytest.raises(ConfigError, match="PORTAL_RECHECK_DAYS"):
            load_config({"PORTAL_ENV": "development", "PORTAL_RECHECK_DAYS": wrong})
    with pytest.raises(ConfigError, match="PORTAL_ESCALATE_AFTER_DAYS_X"):
        load_config({"PORTAL_ENV": "development", "PORTAL_ESCALATE_AFTER_DAYS_X": "soon"})


def test_a_per_platform_setting_for_no_platform_stops_the_start(make_app):
    with pytest.raises(ConfigError, match="PORTAL_ESCALATE_AFTER_DAYS_TELEGRM: no such platform"):
        make_app(PORTAL_ESCALATE_AFTER_DAYS={"*": 7, "telegrm": 3})
    app = make_app(PORTAL_ESCALATE_AFTER_DAYS={"*": 7, "telegram": 3})
    assert app.config["PORTAL_ESCALATE_AFTER_DAYS"]["telegram"] == 3
