"""Victims filing through a worker crash and a PostgreSQL restart lose no acknowledged report."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# The issue asks for at least a minute of filing; PORTAL_STRESS_SECONDS shortens local runs.
SECONDS = os.environ.get("PORTAL_STRESS_SECONDS", "60")


@pytest.mark.stress
def test_no_acknowledged_report_is_lost(run_script: Any) -> None:
    if not shutil.which("pg_ctlcluster"):
        message = "the PostgreSQL restart needs pg_ctlcluster (Debian's postgresql-common)"
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    done = run_script("loadtest.py", "--duration", SECONDS, "--outage", "3")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "acknowledged reports LOST | 0 |" in done.stdout
