"""Load, fault and flood tests: they run the scripts under scripts/ against real services.

Selected only on request (`pytest -m stress tests/stress`, `make stress`) or with
PORTAL_RUN_STRESS=1: each takes a minute or more and restarts or floods shared services.
They need PostgreSQL and Redis (PORTAL_TEST_DATABASE_URL / PORTAL_TEST_REDIS_URL or the
local defaults); unreachable services skip them, or fail them under PORTAL_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SKIP_REASON = "stress tests run only when asked for: pytest -m stress tests/stress"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = (
        "stress" in (config.getoption("-m") or "") or os.environ.get("PORTAL_RUN_STRESS") == "1"
    )
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.stress)
            if not wanted:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _postgres_server() -> str:
    """The server part of PORTAL_TEST_DATABASE_URL (the scripts make databases of their own)."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not url:
        return os.environ.get("PORTAL_LOAD_PG", "postgresql://postgres@127.0.0.1:5432")
    parts = urlsplit(url)
    return f"postgresql://{parts.netloc}"


def _redis_url() -> str:
    return os.environ.get("PORTAL_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def _check_services(server: str, redis_url: str) -> None:
    try:
        import psycopg
        import redis

        psycopg.connect(f"{server}/postgres", connect_timeout=3).close()
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as error:
        if os.environ.get("PORTAL_REQUIRE_SERVICES") == "1":
            pytest.fail(f"stress tests need PostgreSQL and Redis: {error}")
        pytest.skip(f"stress tests need PostgreSQL and Redis: {error}")


Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_script() -> Runner:
    """Run scripts/<name> with arguments; returns the finished process (output echoed)."""
    server, redis_url = _postgres_server(), _redis_url()
    _check_services(server, redis_url)

    def run(name: str, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PORTAL_LOAD_PG": server}
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / name), "--redis", redis_url, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        print(done.stdout)
        print(done.stderr[-5000:], file=sys.stderr)
        return done

    return run
