"""One address flooding the forms is limited; everyone else files as usual."""

from __future__ import annotations

import os
from typing import Any

import pytest

SECONDS = os.environ.get("PORTAL_STRESS_SECONDS", "15")


@pytest.mark.stress
def test_a_flood_from_one_address_does_not_block_others(run_script: Any) -> None:
    done = run_script("flood.py", "--duration", SECONDS, "--baseline", "5")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
