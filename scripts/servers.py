"""Shared helpers for loadtest.py, flood.py and bench.py: a throwaway database, gunicorn,
and simulated people speaking plain HTTP (stdlib only: the scripts need nothing extra).

Servers run in production mode with fresh secrets, PostgreSQL and Redis, and trust one proxy
hop, so each simulated person can come from an address of its own via X-Forwarded-For: rate
limits stay on, as they are in production.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from pages import csrf_token, submission_key

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("PORTAL_LOAD_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("PORTAL_LOAD_REDIS", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- PostgreSQL ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Database:
    name: str
    server: str = PG_SERVER

    @property
    def url(self) -> str:
        """The SQLAlchemy URL the portal uses."""
        return self.server.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + self.name

    @property
    def dsn(self) -> str:
        return f"{self.server}/{self.name}"


def _admin(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def create_database(prefix: str, server: str = PG_SERVER) -> Database:
    """A database of this run's own: ``<prefix>_<pid>``."""
    database = Database(f"{prefix}_{os.getpid()}", server)
    _admin(server, f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")
    _admin(server, f"CREATE DATABASE {database.name}")
    return database


def drop_database(database: Database) -> None:
    _admin(database.server, f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")


def pg_cluster() -> tuple[str, str]:
    """(version, name) of the local cluster on port 5432, as pg_lsclusters lists it."""
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        version, name, port, *_ = line.split()
        if port == "5432":
            return version, name
    raise RuntimeError("no PostgreSQL cluster on port 5432 in pg_lsclusters")


def pg_ctl(action: str, cluster: tuple[str, str]) -> None:
    """Stop or start the cluster (the outage the load test survives)."""
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def ensure_postgres_running(cluster: tuple[str, str]) -> None:
    """After a fault test: start the cluster again if it is still down."""
    try:
        wait_for_postgres(timeout=3)
    except Exception:
        pg_ctl("start", cluster)
        wait_for_postgres()


def wait_for_postgres(server: str = PG_SERVER, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(f"{server}/postgres", connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- settings and schema ---------------------------------------------------------------------
def portal_env(
    database_url: str, redis_url: str, instance_dir: Path, **extra: str
) -> dict[str, str]:
    """Production settings with fresh secrets; every process of one run shares them."""
    from portal.security.crypto import generate_data_key

    env = {name: value for name, value in os.environ.items() if not name.startswith("PORTAL_")}
    env.update(
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=secrets.token_urlsafe(48),
        PORTAL_RECEIPT_KEY=secrets.token_urlsafe(48),
        PORTAL_DATA_KEYS=generate_data_key(),
        PORTAL_AUDIT_KEY=secrets.token_urlsafe(48),
        PORTAL_PRIVACY_OFFICER="테스트 보호책임자, privacy@example.org",
        PORTAL_DATABASE_URL=database_url,
        PORTAL_RATELIMIT_STORAGE_URI=redis_url,
        PORTAL_PROXY_HOPS="1",
        PORTAL_INSTANCE_DIR=str(instance_dir),
        PORTAL_UPLOAD_DIR=str(instance_dir / "uploads"),
        # As deploy/systemd/portal.service: return Argon2's 19 MiB to the system after use.
        MALLOC_MMAP_THRESHOLD_="131072",
    )
    env.update(extra)
    return env


def upgrade_schema(env: Mapping[str, str]) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "portal", "db", "upgrade"],
        env=dict(env),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def app_for(env: Mapping[str, str]) -> Any:
    """The portal app in this process, configured exactly like the servers."""
    os.environ.update(env)
    from portal import create_app

    return create_app()


# -- gunicorn --------------------------------------------------------------------------------
@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        return children(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_gunicorn(
    env: Mapping[str, str],
    log_path: Path,
    *,
    workers: int = 4,
    app: str = "wsgi:app",
    cwd: Path = ROOT,
    port: int | None = None,
    extra: Sequence[str] = (),
    gunicorn: Sequence[str] = (),
) -> Server:
    """gunicorn with deploy/gunicorn.conf.py (what production runs), on a free loopback port.

    ``gunicorn`` is the command that starts it, this environment's by default.
    """
    port = port or free_port()
    command = [
        *(gunicorn or [str(BIN / "gunicorn")]),
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "10",
        "--error-logfile",
        str(log_path),
        "--access-logfile",
        str(log_path.with_suffix(".access.log")),
        *extra,
        app,
    ]
    log = log_path.open("ab")
    process = subprocess.Popen(command, env=dict(env), cwd=cwd, stdout=log, stderr=log)
    log.close()
    return Server(process, port, log_path)


def wait_ready(
    server: Server, path: str = "/readyz", timeout: float = 60, workers: int = 0
) -> None:
    """Until the path answers 200 (and, if given, that many workers are up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log_tail()}")
        with contextlib.suppress(*DROPPED):
            if Browser(server.port).get(path).status == 200 and len(server.workers()) >= workers:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s:\n{server.log_tail()}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            # The command name may hold spaces; the parent id is the 2nd field after ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


# A worker killed mid-answer shows up as either kind of error.
DROPPED = (OSError, http.client.HTTPException)


# -- simulated people ------------------------------------------------------------------------
class Addresses:
    """Unique client addresses (10.0.0.0/8), handed out across threads."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            number = next(self._counter)
        return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """One person: a cookie jar and an address, speaking HTTP/1.1 to 127.0.0.1:port."""

    port: int
    address: str | None = None
    timeout: float = 30
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, fields: Sequence[tuple[str, str]] | None = None
    ) -> Response:
        headers = {"Accept-Language": "ko"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(list(fields)).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            text = reply.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self._remember(reply.msg.get_all("Set-Cookie") or [])
        found = {name.lower(): value for name, value in reply.getheaders()}
        return Response(reply.status, found, text, time.perf_counter() - started)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: Sequence[tuple[str, str]]) -> Response:
        return self.request("POST", path, fields)

    def _remember(self, set_cookies: Iterable[str]) -> None:
        for line in set_cookies:
            pair, _, attributes = line.partition(";")
            name, _, value = pair.strip().partition("=")
            expired = "max-age=0" in attributes.lower() or "expires=thu, 01 jan 1970" in (
                attributes.lower()
            )
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


# Pages a POST redirects to that show a kept form or an outcome (no secret in the POST's answer).
SHOWN_AFTER = ("/report", "/report/sent", "/status")


def shown_after(browser: Browser, answer: Response) -> Response:
    """The page a POST leads to when it is a kept form or an outcome, else the answer itself."""
    target = urlsplit(answer.headers.get("location", ""))
    if answer.status == 303 and target.path.endswith(SHOWN_AFTER):
        return browser.get(target.path + (f"?{target.query}" if target.query else ""))
    return answer


def report_fields(csrf: str, key: str, number: int = 0) -> list[tuple[str, str]]:
    """A complete, valid report, as tests/helpers.py report_data() sends it."""
    return [
        ("filer", "self"),
        ("age_band", "19plus"),
        ("minor_in_content", "no19"),
        ("harms", "deepfake"),
        ("harms", "distribution"),
        ("links-0-url", f"https://t.me/badchannel/{number}"),
        ("links-0-note", "posted on 20 November"),
        ("links-1-url", "@nudifybot"),
        ("links-1-note", ""),
        ("help_wanted", "takedown"),
        ("help_wanted", "counseling"),
        ("description", f"A bot made fake images from my profile photo ({number})."),
        ("contact_method", "none"),
        ("consent_nonconsensual", "y"),
        ("consent_processing", "y"),
        ("consent_sensitive", "y"),
        ("consent_takedown", "y"),
        ("csrf_token", csrf),
        ("submission_key", key),
    ]


def open_form_from(html: str, number: int = 0) -> list[tuple[str, str]]:
    """Fill in the report form the page holds."""
    return report_fields(csrf_token(html), submission_key(html), number)


def open_form(browser: Browser, number: int = 0) -> list[tuple[str, str]]:
    """GET /report and fill it in; raises on anything but the form."""
    page = browser.get("/report")
    if page.status != 200:
        raise RuntimeError(f"GET /report answered {page.status}")
    return open_form_from(page.body, number)


def status_fields(browser: Browser, receipt: str) -> list[tuple[str, str]]:
    page = browser.get("/status")
    if page.status != 200:
        raise RuntimeError(f"GET /status answered {page.status}")
    return [("receipt", receipt), ("csrf_token", csrf_token(page.body))]


def receipt_opens(port: int, address: str, receipt: str) -> bool:
    """Does this receipt open its case on /status (303 to /status/case)?"""
    browser = Browser(port, address)
    answer = browser.post("/status", status_fields(browser, receipt))
    return answer.status == 303 and answer.location.endswith("/status/case")


# -- numbers ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (any order); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def keep_logs_if_failed(directory: Path, code: int) -> int:
    """Remove a run's scratch directory when it passed; keep its logs when it did not."""
    if code == 0:
        shutil.rmtree(directory, ignore_errors=True)
    else:
        print(f"server logs kept in {directory}")
    return code


@contextlib.contextmanager
def stopping(servers: list[Server]) -> Iterator[list[Server]]:
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()


@dataclass
class Scratch:
    database: Database
    directory: Path
    env: dict[str, str]


@contextlib.contextmanager
def fresh_portal(prefix: str, redis_url: str) -> Iterator[Scratch]:
    """A database of its own (dropped afterwards), a scratch directory and the portal's
    environment, with the schema upgraded: what every script starts from."""
    database = create_database(prefix)
    directory = Path(tempfile.mkdtemp(prefix=prefix.replace("_", "-") + "-"))
    try:
        env = portal_env(database.url, redis_url, directory)
        upgrade_schema(env)
        yield Scratch(database, directory, dict(env))
    finally:
        drop_database(database)
