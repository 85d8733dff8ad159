"""Several app instances share nothing but PostgreSQL and Redis, and what happens without Redis.

The two-instance tests start two real gunicorn servers; they need PORTAL_TEST_DATABASE_URL and
PORTAL_TEST_REDIS_URL (skipped without them, failed under PORTAL_REQUIRE_SERVICES=1). The
Redis-down tests run the app in a fresh interpreter each (with a redis-server of their own to
stop and start), because Flask-Limiter keeps its fallback state on its one module-level
Limiter, which every app built in a process shares.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.pages import RECEIPT
from tests.conftest import PG_URL, REDIS_URL, REQUIRE_SERVICES, _dispose, build_app
from tests.live import script_module

ROOT = Path(__file__).resolve().parents[2]
FALLBACK = "Rate limit storage unreachable - falling back to in-memory storage"


servers = script_module("servers")


def _need_services() -> None:
    missing = [
        name
        for name, value in (
            ("PORTAL_TEST_DATABASE_URL", PG_URL),
            ("PORTAL_TEST_REDIS_URL", REDIS_URL),
        )
        if not value
    ]
    reason = "two instances need a shared PostgreSQL and Redis; set " + " and ".join(missing)
    if missing and REQUIRE_SERVICES:
        pytest.fail(reason)
    if missing:
        pytest.skip(reason)
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis at PORTAL_TEST_REDIS_URL is unreachable: {error}")
        pytest.skip(f"Redis unreachable: {error}")


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    """Two single-worker gunicorn servers on one database and one Redis, same secrets."""
    _need_services()
    tmp = tmp_path_factory.mktemp("instances")
    _dispose(build_app("postgresql", tmp))  # creates the schema once, empties the tables
    env = servers.portal_env(PG_URL, REDIS_URL, tmp, PORTAL_LIMIT_RECEIPT="3 per minute")
    started = [servers.start_gunicorn(env, tmp / f"instance-{n}.log", workers=1) for n in range(2)]
    with servers.stopping(started):
        for server in started:
            servers.wait_ready(server, timeout=25)
        yield started


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def test_one_receipt_limit_across_two_instances(instances: list[Any]) -> None:
    address, jar = _address(), {}  # one person, one cookie jar, alternating instances
    answers = []
    for attempt in range(4):
        browser = servers.Browser(instances[attempt % 2].port, address, cookies=jar)
        wrong = f"1234-5678-9012-3456-{attempt:04d}"
        answer = browser.post("/status", servers.status_fields(browser, wrong))
        answers.append(servers.shown_after(browser, answer).status)
    assert answers == [200, 200, 200, 429]


def test_a_report_filed_on_one_instance_opens_on_the_other(instances: list[Any]) -> None:
    first, second = instances
    jar: dict[str, str] = {}
    on_first = servers.Browser(first.port, _address(), cookies=jar)
    on_second = servers.Browser(second.port, on_first.address, cookies=jar)
    filed = on_first.post("/report", servers.open_form(on_first))
    assert filed.status == 303, filed.body[:500]
    page = on_second.get("/report/receipt")  # no sticky sessions: the cookie is signed
    receipt = RECEIPT.search(page.body)
    assert page.status == 200 and receipt
    opened = on_first.post("/status", servers.status_fields(on_first, receipt.group(1)))
    assert opened.status == 303 and opened.location.endswith("/status/case")
    assert on_second.get("/status/case").status == 200


# -- Redis down ------------------------------------------------------------------------------
PROBE = """
import json, subprocess, sys, time
from pathlib import Path

from scripts.pages import csrf_token
from tests.conftest import build_app
from tests.helpers import report_data

spec = json.loads(sys.argv[1])
redis = None


def redis_start():
    global redis
    redis = subprocess.Popen(
        ["redis-server", "--port", str(spec["port"]), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(spec["port"]), "ping"],
                          capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def redis_stop():
    redis.terminate()
    redis.wait(5)


def file(client):
    form = client.get("/report")
    if form.status_code != 200:
        return form.status_code
    data = report_data(csrf_token=csrf_token(form.get_data(as_text=True)))
    answer = client.post("/report", data=data)
    if answer.status_code == 303 and answer.headers["Location"].endswith("/report"):
        return client.get("/report").status_code  # the kept form, shown again by a GET
    return answer.status_code


# Errors become the 500 page a victim would see, as in production.
app = build_app("sqlite", Path(spec["tmp"]), PROPAGATE_EXCEPTIONS=False, **spec["config"])
client = app.test_client()
answers = []
for step in spec["steps"]:
    if step == "home":
        answers.append(client.get("/").status_code)
    elif step == "check":
        page = client.get("/status")
        token = csrf_token(page.get_data(as_text=True))
        check = client.post("/status", data={"receipt": "1" * 20, "csrf_token": token},
                            follow_redirects=True)
        answers.append(check.status_code)
    elif step == "file":
        answers.append(file(client))
    elif step == "redis-stop":
        redis_stop()
    elif step == "redis-start":
        redis_start()
    elif step == "file-as-redis-dies":
        import portal.public.report_views as views

        real = views.file_case

        def dying(*args, **kwargs):
            redis_stop()
            return real(*args, **kwargs)

        views.file_case = dying
        answers.append(file(client))
        views.file_case = real
    elif step == "cases":
        from sqlalchemy import func, select
        from portal.extensions import db
        from portal.models import Case

        with app.app_context():
            answers.append(db.session.scalar(select(func.count()).select_from(Case)))
    elif step == "keys":
        size = subprocess.run(["redis-cli", "-p", str(spec["port"]), "dbsize"],
                              capture_output=True, text=True).stdout
        answers.append(int(size.strip()))
    elif step.startswith("sleep"):
        time.sleep(float(step.split()[1]))
if redis is not None and redis.poll() is None:
    redis_stop()
print(json.dumps(answers))
"""


def _probe(tmp_path: Path, steps: list[str], port: int, **config: Any) -> tuple[list[int], str]:
    """Run the steps against a fresh app in its own interpreter; (status codes, log)."""
    spec = {"tmp": str(tmp_path), "port": port, "steps": steps, "config": config}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import logging; logging.basicConfig(level=logging.INFO)\n" + PROBE,
            json.dumps(spec),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


needs_redis_server = pytest.mark.skipif(
    not shutil.which("redis-server"), reason="needs redis-server to stop and start (apt install)"
)


def _dead_redis() -> tuple[str, int]:
    port = servers.free_port()  # nothing listens there
    return f"redis://127.0.0.1:{port}/0", port


def test_redis_down_pages_and_filing_keep_working(tmp_path: Path) -> None:
    """The policy: pages and filing work on per-process limits while Redis is down, logged."""
    uri, port = _dead_redis()
    answers, log = _probe(
        tmp_path,
        ["home", "file", "file"],
        port,
        RATELIMIT_STORAGE_URI=uri,
        PORTAL_LIMIT_FILING="1 per hour",
    )
    assert answers == [200, 303, 429]
    assert FALLBACK in log


@needs_redis_server
def test_redis_dying_during_a_filing_still_shows_the_receipt(tmp_path: Path) -> None:
    """Redis counts the filing, then dies while the report is being stored."""
    port = servers.free_port()
    steps = ["redis-start", "file-as-redis-dies", "cases"]
    answers, log = _probe(
        tmp_path, steps, port, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0"
    )
    assert answers == [303, 1]  # stored once, and the victim is sent on to the receipt
    assert "Traceback" not in log


@needs_redis_server
def test_limits_go_back_to_redis_when_it_returns(tmp_path: Path) -> None:
    port = servers.free_port()
    # Flask-Limiter retries a dead store after 1 s, then 2 s, 4 s, ...: the outage costs one
    # failed check, so 2.5 s after Redis returns the next request finds it again.
    # A receipt check uses the shared limits (page views use per-process ones).
    steps = ["redis-start", "check", "redis-stop", "check", "redis-start", "sleep 2.5", "check"]
    answers, log = _probe(
        tmp_path,
        [*steps, "keys"],
        port,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
    )
    assert answers[:3] == [200, 200, 200]
    assert answers[3] > 0, "limits are not counted in Redis again"  # Redis restarted empty
    assert FALLBACK in log
    assert "Rate limit storage recovered" in log
