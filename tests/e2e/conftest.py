"""Browser tests: one gunicorn server on a fresh SQLite database and one Chromium per run.

They need Debian's Chromium (`apt-get install -y chromium`) and axe-core (`npm ci`). Where
either is missing they skip and say so, unless PORTAL_REQUIRE_E2E=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.security.signing import generate
from tests.e2e.support import (
    ARTIFACTS,
    CHROMIUM,
    DESKTOP,
    EXIT_URL,
    LAUNCH_ARGS,
    PHONE,
    ROOT,
    WEIGHTS,
    Portal,
    RequestLog,
    clean_artifacts,
    env,
    missing_tools,
    otpauth_secret,
    watch,
    weights_table,
)

BIN = Path(sys.executable).parent
# Exports are signed with a configured key, as in production (a derived development key
# marks the report as not evidence).
SIGNING_KEY, SIGNING_PUBLIC_KEY = generate()
STAFF_EMAIL = "e2e-admin@example.org"
STAFF_PASSWORD = "e2e correct horse battery staple"

# Raised only as far as one run needs (all requests come from 127.0.0.1).
LIMITS = {
    "PORTAL_LIMIT_DEFAULT": "2000 per minute",
    "PORTAL_LIMIT_FILING": "40 per hour",
    "PORTAL_LIMIT_RECEIPT": "60 per minute",
    "PORTAL_LIMIT_RECEIPT_TARGET": "30 per minute",
    "PORTAL_LIMIT_MESSAGE": "30 per hour",
    "PORTAL_LIMIT_LOGIN": "60 per minute",
    "PORTAL_LIMIT_LOGIN_ACCOUNT": "30 per minute",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    e2e_items = [item for item in items if here in Path(str(item.path)).parents]
    missing = missing_tools()
    if not missing or env("PORTAL_REQUIRE_E2E") == "1":
        return
    skip = pytest.mark.skip(reason="browser tests skipped: " + "; ".join(missing))
    for item in e2e_items:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if WEIGHTS:
        table = weights_table()
        ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS.parent / "page-weights.txt").write_text(table, encoding="utf-8")
        terminalreporter.write_sep("-", "public page weights (with everything they load)")
        terminalreporter.write(table)


def _free_socket() -> socket.socket:
    """A listening loopback socket on a free port, handed to gunicorn (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within 30 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    missing = missing_tools()
    if missing:
        pytest.fail("browser tests need: " + "; ".join(missing))
    if not (BIN / "gunicorn").exists():
        pytest.fail(f"no gunicorn next to {sys.executable}: run `make install-test`")
    if not (ROOT / "translations" / "ko" / "LC_MESSAGES" / "messages.mo").exists():
        pytest.fail("the catalogs are not compiled: run `make i18n-compile`")
    tmp = tmp_path_factory.mktemp("e2e")
    db_path = tmp / "e2e.db"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update(
        PORTAL_ENV="development",
        PORTAL_INSTANCE_DIR=str(tmp),
        PORTAL_DATABASE_URL=f"sqlite:///{db_path}",
        PORTAL_EXIT_URL=EXIT_URL,
        PORTAL_PUBLIC_STATS="true",
        PORTAL_SIGNING_KEY=SIGNING_KEY,
        **LIMITS,
    )
    flask = [str(BIN / "flask"), "--app", "portal"]
    run = {"cwd": ROOT, "env": environment, "capture_output": True, "text": True, "timeout": 60}
    done = subprocess.run([*flask, "db", "upgrade"], check=False, **run)
    assert done.returncode == 0, done.stderr
    created = subprocess.run(
        [
            *flask,
            "staff",
            "create",
            STAFF_EMAIL,
            "--role",
            "admin",
            "--language",
            "en",
            "--password-stdin",
        ],
        input=STAFF_PASSWORD + "\n",
        check=False,
        **run,
    )
    assert created.returncode == 0, created.stderr
    secret = otpauth_secret(created.stdout)

    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    log_path = tmp / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                *("--bind", f"fd://{sock.fileno()}", "--workers", "2"),
                *("--threads", "4", "--graceful-timeout", "2", "wsgi:app"),
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
    sock.close()
    try:
        _wait_until_up(url, process, log_path)
        yield Portal(url, db_path, STAFF_EMAIL, STAFF_PASSWORD, secret, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line]
    assert not errors, f"the server logged errors; see {log_path}"


@pytest.fixture(scope="session")
def playwright_api() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="session")
def browser(playwright_api: Any, portal: Portal) -> Iterator[Any]:
    clean_artifacts()
    browser = playwright_api.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(
    browser: Any, playwright_api: Any, portal: Portal
) -> Iterator[Callable[..., tuple[Any, RequestLog]]]:
    """Open a browser context ("phone" or "desktop") whose every request is recorded.

    At the end of the test no request may have left the portal's origin, except the
    deliberate quick-exit navigation when the test allows it (allow_exit=True).
    """
    opened: list[tuple[Any, RequestLog, bool]] = []

    def factory(
        device: str = "phone", lang: str = "ko", allow_exit: bool = False, **options: Any
    ) -> tuple[Any, RequestLog]:
        profile = dict(playwright_api.devices[PHONE]) if device == "phone" else dict(DESKTOP)
        profile.pop("default_browser_type", None)
        accept = "ko-KR,ko;q=0.9" if lang == "ko" else "en-US,en;q=0.9"
        profile.update(locale="ko-KR" if lang == "ko" else "en-US")
        profile.update(extra_http_headers={"Accept-Language": accept}, **options)
        context = browser.new_context(**profile)
        context.set_default_timeout(10_000)
        log = watch(context, portal.url)
        opened.append((context, log, allow_exit))
        return context, log

    yield factory
    for context, log, allow_exit in opened:
        context.close()
        log.check(allow_exit=allow_exit)
