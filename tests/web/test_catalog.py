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
