"""The catalogs: complete, no fuzzy or empty Korean entry, never stale against the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def _extracted_ids(tmp_path: Path) -> set:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_korean_catalog_has_no_empty_or_fuzzy_entry():
    problems = []
    for message in _catalog("ko"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            problems.append(message.id)
    assert problems == []


def test_english_catalog_is_complete():
    empty = [m.id for m in _catalog("en") if m.id and (m.fuzzy or not m.string)]
    assert empty == []


def test_catalogs_match_the_code(tmp_path):
    in_code = _extracted_ids(tmp_path)
    for lang in ("ko", "en"):
        in_catalog = {message.id for message in _catalog(lang) if message.id}
        missing = sorted(map(str, in_code - in_catalog))
        obsolete = sorted(map(str, in_catalog - in_code))
        assert missing == [], f"{lang}: run `make i18n-update` and translate: {missing[:5]}"
        assert obsolete == [], f"{lang}: stale entries: {obsolete[:5]}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]")
    for message in _catalog("ko"):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(pattern.findall(source[-1]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in strings:
            assert set(pattern.findall(translated)) == wanted, message.id


def _production(tmp_path, **overrides):
    from portal import create_app
    from portal.security.crypto import generate_data_key

    config = {
        "PORTAL_PRODUCTION": True,
        "SECRET_KEY": "s" * 40,
        "PORTAL_RECEIPT_KEY": "r" * 40,
        "PORTAL_DATA_KEYS": generate_data_key(),
        "PORTAL_AUDIT_KEY": "a" * 40,
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
        "PORTAL_MIGRATIONS": False,
    }
    config.update(overrides)
    return create_app(config)


def test_production_refuses_to_start_without_the_korean_catalog(tmp_path):
    import pytest

    from portal.config import ConfigError

    empty = tmp_path / "translations"
    empty.mkdir()
    with pytest.raises(ConfigError, match=r"ko, en.*make i18n-compile"):
        _production(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(empty))


def test_production_starts_with_the_compiled_catalogs(tmp_path):
    app = _production(tmp_path)
    assert app.config["PORTAL_PRODUCTION"] is True
