"""`python -m portal.security.keygen`: every production secret, before any configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from portal.config import REQUIRED_SECRETS, load_config
from portal.security import checkpoints
from portal.security.crypto import KeyRing

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PORTAL_")}
    env["PORTAL_ENV"] = "production"  # nothing else set: the flask commands would refuse
    return subprocess.run(
        [sys.executable, "-m", "portal.security.keygen", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def _lines(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines())


def test_it_prints_every_secret_production_needs_and_production_starts_with_them():
    result = _run()
    assert result.returncode == 0, result.stderr
    values = _lines(result.stdout)
    assert set(values) == set(REQUIRED_SECRETS)
    KeyRing.parse(values["PORTAL_DATA_KEYS"])
    config = load_config(
        {"PORTAL_ENV": "production", "PORTAL_PRIVACY_OFFICER": "Officer, a@b.org", **values}
    )
    assert config["PORTAL_PRODUCTION"] is True
    again = _lines(_run().stdout)
    assert all(again[name] != values[name] for name in values)


def test_signing_prints_a_pair_that_signs_and_verifies():
    values = _lines(_run("--signing").stdout)
    private = checkpoints.load_private_key(values["PORTAL_AUDIT_SIGNING_KEY"])
    public = checkpoints.load_public_key(values["PORTAL_AUDIT_PUBLIC_KEY"])
    public.verify(private.sign(b"checkpoint"), b"checkpoint")


def test_anything_else_is_a_usage_error():
    result = _run("--bogus")
    assert result.returncode == 2 and "usage" in result.stderr and not result.stdout
