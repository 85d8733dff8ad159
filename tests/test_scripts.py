"""The load and benchmark scripts file the same report the tests file, so a change to the form
cannot leave them sending answers it no longer offers."""

from __future__ import annotations

from tests.helpers import report_data
from tests.live import script_module

servers = script_module("servers")

# Free text and per-filing values differ on purpose (numbered links and descriptions).
FREE = {"links-0-url", "description", "csrf_token", "submission_key"}


def test_the_scripts_report_gives_the_tests_answers() -> None:
    sent: dict[str, list[str]] = {}
    for name, value in servers.report_fields("token", "key", number=7):
        sent.setdefault(name, []).append(value)
    expected = {
        name: value if isinstance(value, list) else [value]
        for name, value in report_data().items()
        if name not in FREE and not name.startswith("links-2-")
    }
    assert {name: values for name, values in sent.items() if name not in FREE} == expected
