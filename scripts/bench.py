"""Benchmark table: the portal under gunicorn next to a bare Flask app, the queue at scale,
the takedown desk at scale, and the statistics page at the same sizes.

Both servers run with the same gunicorn settings (--workers, default 4) in the same run; the
portal on a fresh PostgreSQL database with its limits in Redis. Limits stay on: every request
comes from a fresh X-Forwarded-For address (PORTAL_PROXY_HOPS=1), as real clients would. The load
generator is plain Python (raw sockets, one connection per request, since gunicorn's sync
workers close each one) in --generators processes, so on a small machine it shares the CPU
with the servers: compare rows with each other, not with other machines.

Each growth step seeds cases with `dev seed`'s functions: links (--links-per-case on
average), targets (one hot Telegram channel above 10,000 links once there are enough) and
takedown requests come with them, and so do their daily statistics counts. The desk table
and the statistics table (GET /staff/stats and /staff/stats.csv for the default 26 weeks and
for the last three years) are measured at the --desk-sizes steps.

    .venv/bin/python scripts/bench.py                        # queue at 10k and 100k, desk at 100k
    .venv/bin/python scripts/bench.py --sizes 10000,100000,1000000 --desk-sizes 100000,1000000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import socket
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pages
import servers
from servers import Browser

BARE_APP = """
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
"""
ADDRESS = b"@ADDR@"
SESSION_COOKIE = re.compile(rb"Set-Cookie: portal_session=([^;\r\n]+)", re.I)
STAFF_EMAIL = "bench-admin@example.org"
STAFF_PASSWORD = "a long benchmark passphrase 1234"  # noqa: S105 (throwaway database)
QUEUE_VIEWS = {
    "open cases (default)": "",
    "priority=urgent": "?priority=urgent",
    "status=closed": "?status=closed",
    "harm=sextortion&platform=telegram": "?harm=sextortion&platform=telegram",
    "minor=yes&team=legal": "?minor=yes&team=legal",
}
TARGETS = {"GET /report": 0.60, "POST /report": 0.25}
QUEUE_P99_MS = 50.0
DESK_P99_MS = 100.0
BULK_REQUEST_MS = 2000.0
STATS_P99_MS = 500.0
BULK_LINKS = 1000
QUEUE_GROWTH = 1.5
RSS_MB = 100.0


# -- the load generator (runs in its own processes) -------------------------------------------
@dataclass
class Job:
    port: int
    seconds: float
    threads: int
    first_address: int
    template: bytes | None = None
    requests: list[bytes] | None = None
    keep_cookies: bool = False


@dataclass
class Result:
    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    cookies: list[str] = field(default_factory=list)

    def merge(self, other: Result) -> None:
        self.count += other.count
        self.seconds = max(self.seconds, other.seconds)
        self.latencies += other.latencies
        self.statuses.update(other.statuses)
        self.cookies += other.cookies


def _address(number: int) -> bytes:
    return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}".encode()


def _exchange(port: int, raw: bytes) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(raw)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    reply = b"".join(chunks)
    return int(reply[9:12] or 0), reply, time.perf_counter() - started


def run_job(job: Job) -> Result:
    """Send requests from job.threads threads until the time or the prepared requests run out."""
    result, lock = Result(), threading.Lock()
    numbers = iter(range(job.first_address, job.first_address + 10**6))
    queue = iter(job.requests or [])
    deadline = time.monotonic() + job.seconds

    def next_request() -> bytes | None:
        with lock:
            if job.template is not None:
                return job.template.replace(ADDRESS, _address(next(numbers)))
            return next(queue, None)

    def worker() -> None:
        while time.monotonic() < deadline and (raw := next_request()) is not None:
            try:
                status, reply, seconds = _exchange(job.port, raw)
            except OSError:
                status, reply, seconds = 0, b"", 0.0
            cookie = SESSION_COOKIE.search(reply) if job.keep_cookies else None
            with lock:
                result.count += 1
                result.latencies.append(seconds)
                result.statuses[status] += 1
                if cookie:
                    result.cookies.append(cookie.group(1).decode())

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(job.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - started
    return result


def raw_request(method: str, path: str, cookie: str = "", body: str = "") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        "Accept-Language: ko",
        f"X-Forwarded-For: {ADDRESS.decode()}",
    ]
    if cookie:
        lines.append(f"Cookie: portal_session={cookie}")
    if body:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


class Generator:
    """Spreads one measurement over the generator processes and merges what they saw."""

    def __init__(self, processes: int, concurrency: int) -> None:
        self.processes = processes
        self.concurrency = concurrency
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)
        self.addresses = 1

    def _addresses(self) -> int:
        """The first of a million addresses for one job (10.0.0.0/8 is reused after 16)."""
        first = self.addresses
        self.addresses += 1 << 20
        return first

    def run(
        self,
        port: int,
        seconds: float,
        template: bytes | None = None,
        requests: list[bytes] | None = None,
        concurrency: int | None = None,
        keep_cookies: bool = False,
    ) -> Result:
        threads = concurrency or self.concurrency
        processes = min(self.processes, threads)
        jobs = []
        for index in range(processes):
            share = threads // processes + (1 if index < threads % processes else 0)
            # Every request gets an address of its own, so no client limit is ever reached.
            chunk = None if requests is None else requests[index::processes]
            first = self._addresses()
            if chunk is not None:
                chunk = [raw.replace(ADDRESS, _address(first + i)) for i, raw in enumerate(chunk)]
            jobs.append(Job(port, seconds, share, first, template, chunk, keep_cookies))
        merged = Result()
        for part in self.pool.map(run_job, jobs):
            merged.merge(part)
        return merged

    def close(self) -> None:
        self.pool.shutdown()


# -- preparing victims and staff ----------------------------------------------------------------
def prepare_forms(port: int, count: int) -> list[bytes]:
    """Open the report form `count` times (untimed); one ready POST /report for each."""
    addresses = servers.Addresses(start=15 << 20)

    def one(number: int) -> bytes:
        browser = Browser(port, addresses.next())
        fields = servers.open_form(browser, number)
        return raw_request("POST", "/report", browser.cookies["portal_session"], urlencode(fields))

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def collect_receipts(port: int, cookies: list[str]) -> list[str]:
    addresses = servers.Addresses(start=14 << 20)

    def one(cookie: str) -> str | None:
        browser = Browser(port, addresses.next(), cookies={"portal_session": cookie})
        found = pages.RECEIPT.search(browser.get("/report/receipt").body)
        return found.group(1) if found else None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return [receipt for receipt in pool.map(one, cookies) if receipt]


def status_requests(port: int, receipts: list[str], uses: int = 4) -> list[bytes]:
    """POST /status with real receipts, each at most `uses` times (its own limit is 5/min)."""
    browser = Browser(port, "10.250.0.1")
    token = pages.csrf_token(browser.get("/status").body)
    cookie = browser.cookies["portal_session"]
    return [
        raw_request("POST", "/status", cookie, urlencode({"receipt": r, "csrf_token": token}))
        for _ in range(uses)
        for r in receipts
    ]


class Staff:
    """The benchmark's admin account: signs in through both steps with a fresh TOTP code."""

    def __init__(self, app: Any) -> None:
        from portal.extensions import db
        from portal.security import accounts

        with app.app_context():
            member = accounts.create_staff(db.session, STAFF_EMAIL, STAFF_PASSWORD, role="admin")
            db.session.commit()
            self.id, self.secret = member.id, member.totp_secret
        self.last_step = 0

    def _code(self) -> str:
        import pyotp

        while (step := max(int(time.time()) // 30 - 1, self.last_step + 1)) > time.time() // 30:
            time.sleep(1)
        self.last_step = step
        return pyotp.TOTP(self.secret).at(step * 30)

    def sign_in(self, port: int) -> str:
        browser = Browser(port, "10.251.0.1")
        token = pages.csrf_token(browser.get("/staff/login").body)
        fields = {"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token}
        first = browser.post("/staff/login", list(fields.items()))
        code = browser.post("/staff/login/code", [("code", self._code()), ("csrf_token", token)])
        if first.status != 303 or code.status != 303:
            raise RuntimeError(f"staff sign-in failed: {first.status}, {code.status}")
        return browser.cookies["portal_session"]


# -- measurements -------------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    result: Result

    @property
    def rps(self) -> float:
        return self.result.count / self.result.seconds if self.result.seconds else 0.0

    def p(self, q: float) -> float:
        return servers.percentile(self.result.latencies, q) * 1000


def measure(label: str, run: Callable[[float], Result], seconds: float, warmup: float = 1.0) -> Row:
    run(warmup)
    row = Row(label, run(seconds))
    statuses = dict(sorted(row.result.statuses.items()))
    print(f"  {label}: {row.rps:.0f}/s, p50 {row.p(50):.1f} ms, p99 {row.p(99):.1f} ms {statuses}")
    return row


@dataclass
class Bench:
    args: argparse.Namespace
    generator: Generator
    portal: servers.Server
    bare: servers.Server
    app: Any
    staff: Staff
    links: int = 0

    def page(
        self, port: int, path: str, cookie: str = "", concurrency: int | None = None
    ) -> Callable[[float], Result]:
        template = raw_request("GET", path, cookie)
        return lambda seconds: self.generator.run(
            port, seconds, template=template, concurrency=concurrency
        )

    def prepared(self, requests: list[bytes]) -> Callable[[float], Result]:
        return lambda seconds: self.generator.run(self.portal.port, seconds, requests=requests)

    def filings(self) -> tuple[Row, list[str]]:
        """POST /report with forms opened beforehand; returns the row and the receipts shown."""
        port, warm = self.portal.port, 40
        forms = prepare_forms(port, self.args.filings + warm)
        self.generator.run(port, 5, requests=forms[:warm])
        filed = self.generator.run(
            port, self.args.seconds, requests=forms[warm:], keep_cookies=True
        )
        row = Row("POST /report", filed)
        statuses = dict(sorted(filed.statuses.items()))
        print(
            f"  POST /report: {row.rps:.0f}/s, p50 {row.p(50):.1f} ms, p99 {row.p(99):.1f} ms "
            f"{statuses}"
        )
        if filed.count >= self.args.filings:
            print("  (every prepared form was sent before the time ran out: raise --filings)")
        return row, collect_receipts(port, filed.cookies)

    def throughput(self) -> list[Row]:
        seconds, port = self.args.seconds, self.portal.port
        rows = [
            measure("bare Flask hello", self.page(self.bare.port, "/"), seconds),
            measure("GET /report", self.page(port, "/report"), seconds),
        ]
        filed, receipts = self.filings()
        rows.append(filed)
        rows.append(
            measure("POST /status", self.prepared(status_requests(port, receipts)), seconds)
        )
        cookie = self.staff.sign_in(port)
        rows.append(measure("GET /staff/ (queue)", self.page(port, "/staff/", cookie), seconds))
        return rows

    def queue(self, size: int) -> list[Row]:
        cookie = self.staff.sign_in(self.portal.port)
        views = {**QUEUE_VIEWS, "open cases, page 51 (cursor)": "?after=" + self.deep_cursor()}
        return [
            measure(
                f"{size:,} | {name}",
                self.page(self.portal.port, "/staff/" + query, cookie, self.args.queue_concurrency),
                self.args.queue_seconds,
            )
            for name, query in views.items()
        ]

    def deep_cursor(self, pages: int = 50) -> str:
        from portal.cases.inbox import QueueFilter, fetch_page
        from portal.extensions import db

        with self.app.app_context():
            cursor = None
            for _ in range(pages):
                _, following = fetch_page(db.session, QueueFilter(), self.staff.id, cursor)
                cursor = following or cursor
            db.session.remove()
        return cursor.encode() if cursor else ""

    def grow_to(self, size: int) -> None:
        """Seed synthetic cases up to `size`, then VACUUM ANALYZE as autovacuum would."""
        from sqlalchemy import func, select

        from portal.cases.seed import seed_cases
        from portal.extensions import db
        from portal.models import Case, Link
        from portal.takedown.seed import seed_desk

        with self.app.app_context():
            have = db.session.scalar(select(func.count()).select_from(Case)) or 0
            after = db.session.scalar(select(func.max(Case.id))) or 0
            started = time.perf_counter()
            seed_cases(db.session, max(size - have, 0))
            seeded = time.perf_counter()
            desk = seed_desk(db.session, after, links_per_case=self.args.links_per_case)
            db.session.commit()
            finished = time.perf_counter()
            with db.engine.connect() as connection:
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                for table in (
                    "cases",
                    "links",
                    "targets",
                    "takedown_requests",
                    "link_events",
                    "stat_counts",
                ):
                    autocommit.exec_driver_sql(f"VACUUM ANALYZE {table}")
            self.links = db.session.scalar(select(func.count()).select_from(Link)) or 0
            db.session.remove()
        added = max(size - have, 0)
        print(
            f"  seeded {added:,} cases in {seeded - started:.1f} s, then {desk.links:,} links, "
            f"{desk.requests:,} requests and {desk.events:,} link events in "
            f"{finished - seeded:.1f} s ({desk.links / max(finished - seeded, 1e-9):,.0f} "
            f"links/s; now {max(size, have):,} cases, {self.links:,} links)",
            flush=True,
        )

    def hot_target(self) -> tuple[int, int, str]:
        """The hot channel's id, its link count, and one of its links (decrypted)."""
        from sqlalchemy import select

        from portal.extensions import db
        from portal.links.targets import target_hash
        from portal.models import Link, Target
        from portal.takedown.seed_pool import HOT_CHANNEL

        with self.app.app_context():
            hot = db.session.scalars(
                select(Target).where(Target.key_hash == target_hash("telegram:" + HOT_CHANNEL))
            ).one()
            link = db.session.scalars(
                select(Link).where(Link.target_id == hot.id, Link.kind == "message").limit(1)
            ).one()
            found = hot.id, hot.link_count, link.url
            db.session.remove()
        return found

    def desk(self, size: int) -> tuple[list[Row], Bulk]:
        from portal.takedown.seed_pool import HOT_CHANNEL

        cookie = self.staff.sign_in(self.portal.port)
        hot, hot_links, url = self.hot_target()
        views = {
            "target list": "/staff/targets/",
            f"target page (hot channel, {hot_links:,} links)": f"/staff/targets/{hot}",
            "rechecks due": "/staff/rechecks",
            f"search @{HOT_CHANNEL}": "/staff/search?" + urlencode({"q": "@" + HOT_CHANNEL}),
            "search an exact link": "/staff/search?" + urlencode({"q": url}),
        }
        rows = [
            measure(
                f"{size:,} | {self.links:,} | {name}",
                self.page(self.portal.port, path, cookie, self.args.queue_concurrency),
                self.args.queue_seconds,
            )
            for name, path in views.items()
        ]
        return rows, self.bulk_request(size, hot)

    def stats(self, size: int) -> list[Row]:
        """The statistics page and its CSV: the default 26 weeks, and three years."""
        cookie = self.staff.sign_in(self.portal.port)
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
        three_years = urlencode({"from": f"{int(today[:4]) - 3}{today[4:]}", "to": today})
        views = {
            "statistics page (26 weeks)": "/staff/stats",
            "statistics CSV (26 weeks)": "/staff/stats.csv",
            "statistics page (3 years)": "/staff/stats?" + three_years,
            "statistics CSV (3 years)": "/staff/stats.csv?" + three_years,
        }
        return [
            measure(
                f"{size:,} | {name}",
                self.page(self.portal.port, path, cookie, self.args.queue_concurrency),
                self.args.queue_seconds,
            )
            for name, path in views.items()
        ]

    def bulk_request(self, size: int, target_id: int) -> Bulk:
        """One request over BULK_LINKS open links of the hot channel, in-process, committed."""
        from portal.extensions import db
        from portal.models import Staff as StaffRow
        from portal.models import Target, utcnow
        from portal.takedown import desk, requests

        with self.app.app_context():
            actor = db.session.get(StaffRow, self.staff.id)
            target = db.session.get(Target, target_id)
            ids = desk.open_link_ids(db.session, target_id)[:BULK_LINKS]
            started = time.perf_counter()
            made = requests.record_request(
                db.session,
                actor,
                ids,
                requests.Sent("report_form", utcnow()),
                note=lambda count: f"Removal requested for {count} links in this case.",
                target=target,
            )
            db.session.commit()
            elapsed = time.perf_counter() - started
            bulk = Bulk(size, made.link_count, elapsed * 1000)
            db.session.remove()
        print(f"  bulk request over {bulk.links:,} links: {bulk.ms:.0f} ms", flush=True)
        return bulk

    def memory(self) -> list[Memory]:
        return [
            Memory.of(name, pid)
            for name, server in (("portal", self.portal), ("bare Flask", self.bare))
            for pid in server.workers()
        ]


@dataclass(frozen=True)
class Bulk:
    """One takedown request recorded over many links, timed from the call to the commit."""

    cases: int
    links: int
    ms: float


@dataclass(frozen=True)
class Memory:
    """A worker's resident memory: all of it (RSS), its peak, and what it alone holds."""

    server: str
    rss: float
    peak: float
    private: float

    @classmethod
    def of(cls, server: str, pid: int) -> Memory:
        status = _kilobytes(Path(f"/proc/{pid}/status"), ("VmRSS", "VmHWM"))
        rollup = _kilobytes(Path(f"/proc/{pid}/smaps_rollup"), ("Private_Clean", "Private_Dirty"))
        private = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
        return cls(
            server, status.get("VmRSS", 0) / 1024, status.get("VmHWM", 0) / 1024, private / 1024
        )


def _kilobytes(path: Path, names: tuple[str, ...]) -> dict[str, int]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return {}
    return {
        line.split(":")[0]: int(line.split()[1]) for line in lines if line.split(":")[0] in names
    }


# -- output -------------------------------------------------------------------------------------
def print_throughput(rows: list[Row]) -> None:
    bare = rows[0].rps or 1.0
    print("\n| endpoint | requests/s | p50 ms | p99 ms | vs bare Flask |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.label} | {row.rps:.0f} | {row.p(50):.1f} | {row.p(99):.1f} | "
            f"{row.rps / bare:.0%} |"
        )


def print_queue(rows: list[Row]) -> None:
    print("\n| cases | queue view | requests/s | p50 ms | p99 ms |")
    print("|---:|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row.label} | {row.rps:.0f} | {row.p(50):.1f} | {row.p(99):.1f} |")


def print_desk(bare: Row, rows: list[Row], bulks: list[Bulk]) -> None:
    print("\n| cases | links | desk view | requests/s | p50 ms | p99 ms |")
    print("|---:|---:|---|---:|---:|---:|")
    print(
        f"| | | bare Flask hello (ceiling) | {bare.rps:.0f} | {bare.p(50):.1f} | {bare.p(99):.1f} |"
    )
    for row in rows:
        print(f"| {row.label} | {row.rps:.0f} | {row.p(50):.1f} | {row.p(99):.1f} |")
    for bulk in bulks:
        print(
            f"\nOne request over {bulk.links:,} open links of the hot channel at {bulk.cases:,} "
            f"cases (record_request in-process, to the commit): {bulk.ms:.0f} ms"
        )


def print_stats(rows: list[Row]) -> None:
    print("\n| cases | statistics view | requests/s | p50 ms | p99 ms |")
    print("|---:|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row.label} | {row.rps:.0f} | {row.p(50):.1f} | {row.p(99):.1f} |")


def stats_verdicts(rows: Sequence[Row]) -> list[str]:
    lines = []
    for row in rows:
        p99 = row.p(99)
        verdict = "met" if p99 < STATS_P99_MS else "MISSED"
        lines.append(
            f"{row.label.split(' | ')[-1]} at {row.label.split(' | ')[0]} cases p99 {p99:.1f} ms "
            f"(target < {STATS_P99_MS:.0f}): {verdict}"
        )
    return lines


def explain_stats(app: Any) -> None:
    """EXPLAIN ANALYZE what the statistics page runs for the default period."""
    from portal.extensions import db
    from portal.models import utcnow
    from portal.stats import periods, read
    from portal.stats.record import day_of

    def run() -> None:
        read.overview(db.session, periods.default_period(day_of(utcnow())))

    explain(app, run)


def print_memory(rows: list[Memory]) -> None:
    print("\n| gunicorn worker | RSS MB | peak RSS MB | private MB |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row.server} | {row.rss:.1f} | {row.peak:.1f} | {row.private:.1f} |")


def check_targets(
    throughput: list[Row],
    queue: list[Row],
    memory: list[Memory],
    desk_rows: Sequence[Row] = (),
    bulks: Sequence[Bulk] = (),
) -> list[str]:
    """Each target as a line: met or missed."""
    bare = throughput[0].rps or 1.0
    lines = []
    for row in throughput:
        if row.label in TARGETS:
            share = row.rps / bare
            verdict = "met" if share >= TARGETS[row.label] else "MISSED"
            lines.append(
                f"{row.label} at {share:.0%} of bare (target {TARGETS[row.label]:.0%}): {verdict}"
            )
    default = [row for row in queue if "default" in row.label]
    if default:
        small, large = default[0], default[-1]
        p99 = large.p(99)
        lines.append(
            f"queue p99 at the largest size {p99:.1f} ms (target < {QUEUE_P99_MS:.0f}): "
            + ("met" if p99 < QUEUE_P99_MS else "MISSED")
        )
        growth = p99 / (small.p(99) or 1.0)
        lines.append(
            f"queue p99 growth from the smallest size {growth:.2f}x (target <= {QUEUE_GROWTH}x): "
            + ("met" if growth <= QUEUE_GROWTH else "MISSED")
        )
    for row in desk_rows:
        p99 = row.p(99)
        verdict = "met" if p99 < DESK_P99_MS else "MISSED"
        name = row.label.split(" | ")[-1]
        lines.append(f"desk {name} p99 {p99:.1f} ms (target < {DESK_P99_MS:.0f}): {verdict}")
    for bulk in bulks:
        verdict = "met" if bulk.ms < BULK_REQUEST_MS else "MISSED"
        lines.append(
            f"one request over {bulk.links:,} links {bulk.ms:.0f} ms "
            f"(target < {BULK_REQUEST_MS:.0f}): {verdict}"
        )
    worst = max((row.rss for row in memory if row.server == "portal"), default=0.0)
    lines.append(
        f"largest portal worker RSS {worst:.1f} MB (target < {RSS_MB:.0f}): "
        + ("met" if worst < RSS_MB else "MISSED")
    )
    return lines


def explain_queue(app: Any, staff_id: int, query: str) -> None:
    """EXPLAIN ANALYZE every statement the queue page runs for this view."""
    from portal.cases import counters
    from portal.cases.inbox import Cursor, QueueFilter, fetch_page, purge_due_soon
    from portal.extensions import db

    args = dict(pair.split("=", 1) for pair in query.lstrip("?").split("&") if "=" in pair)

    def run() -> None:
        fetch_page(
            db.session, QueueFilter.from_args(args), staff_id, Cursor.decode(args.get("after"))
        )
        counters.counts(db.session)
        purge_due_soon(db.session, app.config["PORTAL_RETENTION_DAYS"])

    explain(app, run)


def explain_desk(app: Any, target_id: int, url: str) -> None:
    """EXPLAIN ANALYZE what the desk's pages run: the target list, the hot channel's page,
    the rechecks due and both searches."""
    from portal.extensions import db
    from portal.models import Target, utcnow
    from portal.takedown import desk, rechecks
    from portal.takedown.seed_pool import HOT_CHANNEL

    def run() -> None:
        session = db.session
        desk.target_page(session, "open")
        target = session.get(Target, target_id)
        desk.target_links(session, target_id, only_open=True)
        desk.state_counts(session, target_id)
        desk.target_requests(session, target_id)
        desk.platform_requests(session, target.platform if target else "telegram")
        rechecks.due_page(session, utcnow(), rechecks.DueFilter())
        desk.search(session, "@" + HOT_CHANNEL)
        desk.search(session, url)

    explain(app, run)


def explain(app: Any, run: Callable[[], None]) -> None:
    """Run ``run`` and print EXPLAIN (ANALYZE, BUFFERS) for every statement it sent."""
    from sqlalchemy import event

    from portal.extensions import db

    captured: list[tuple[str, Any]] = []
    with app.app_context():

        def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            run()
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        connection = db.session.connection()
        for statement, parameters in captured:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("\n" + textwrap.indent(statement.strip(), "    "))
            for (line,) in plan:
                print("      " + line)
        db.session.remove()


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# -- the run ------------------------------------------------------------------------------------
def start_servers(
    env: dict[str, str], tmp: Path, workers: int
) -> tuple[servers.Server, servers.Server]:
    (tmp / "bare_hello.py").write_text(BARE_APP)
    bare = servers.start_gunicorn(
        env, tmp / "bare.log", workers=workers, app="bare_hello:app", cwd=tmp
    )
    portal = servers.start_gunicorn(env, tmp / "portal.log", workers=workers)
    servers.wait_ready(bare, path="/", workers=workers)
    servers.wait_ready(portal, workers=workers)
    return portal, bare


def benchmark(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> int:
    app = servers.app_for(env)
    staff = Staff(app)
    portal, bare = start_servers(env, tmp, args.workers)
    generator = Generator(args.generators, args.concurrency)
    with servers.stopping([portal, bare]):
        bench = Bench(args, generator, portal, bare, app, staff)
        try:
            print(
                f"portal :{portal.port}, bare Flask :{bare.port}, {args.workers} workers each; "
                f"load average {load_average()}"
            )
            steps = sorted(set(args.sizes) | set(args.desk_sizes))
            bench.grow_to(steps[0])
            throughput = bench.throughput()
            queue: list[Row] = []
            desk_rows: list[Row] = []
            bulks: list[Bulk] = []
            stats_rows: list[Row] = []
            for size in steps:
                bench.grow_to(size)
                if size in args.sizes:
                    queue += bench.queue(size)
                if size in args.desk_sizes:
                    rows, bulk = bench.desk(size)
                    desk_rows += rows
                    bulks.append(bulk)
                    stats_rows += bench.stats(size)
            memory = bench.memory()
        finally:
            generator.close()
    print(
        f"\nload average at the end: {load_average()} on {os.cpu_count()} CPUs "
        "(other work on the machine skews every row)"
    )
    print_throughput(throughput)
    print_queue(queue)
    if desk_rows:
        print_desk(throughput[0], desk_rows, bulks)
    if stats_rows:
        print_stats(stats_rows)
    print_memory(memory)
    verdicts = check_targets(throughput, queue, memory, desk_rows, bulks)
    verdicts += stats_verdicts(stats_rows)
    print("\n" + "\n".join(f"- {line}" for line in verdicts))
    if args.explain or any("queue" in line and "MISSED" in line for line in verdicts):
        print(f"\nProfile: the queue page's statements at {steps[-1]:,} cases")
        for query in ("", "?harm=sextortion&platform=telegram"):
            explain_queue(app, staff.id, query)
    if desk_rows and (
        args.explain or any("desk" in line and "MISSED" in line for line in verdicts)
    ):
        print(f"\nProfile: the desk pages' statements at {steps[-1]:,} cases")
        hot, _, url = bench.hot_target()
        explain_desk(app, hot, url)
    if stats_rows and (
        args.explain or any("statistics" in line and "MISSED" in line for line in verdicts)
    ):
        print(f"\nProfile: the statistics page's statements at {steps[-1]:,} cases")
        explain_stats(app)
    return 0


def run(args: argparse.Namespace) -> int:
    with servers.fresh_portal("portal_bench", args.redis) as scratch:
        code = benchmark(args, scratch.env, scratch.directory)
        return servers.keep_logs_if_failed(scratch.directory, code)


def sizes(text: str, allow_none: bool = False) -> list[int]:
    values = sorted(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    if not values and allow_none:
        return []
    if not values or values[0] < 100:
        raise argparse.ArgumentTypeError("sizes are case counts of at least 100, e.g. 10000,100000")
    return values


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=sizes,
        default=sizes("10000,100000"),
        help="case counts for the queue table (10000,100000; the README's run adds 1000000)",
    )
    parser.add_argument(
        "--desk-sizes",
        type=lambda text: sizes(text, allow_none=True),
        default=sizes("100000"),
        help="case counts for the takedown desk table (100000; '' for none)",
    )
    parser.add_argument(
        "--links-per-case",
        type=int,
        default=10,
        help="links per case still holding content, on average (10)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--seconds", type=float, default=8, help="seconds per endpoint (8)")
    parser.add_argument("--queue-seconds", type=float, default=5, help="seconds per queue view (5)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections at once (8)")
    parser.add_argument(
        "--queue-concurrency",
        type=int,
        default=2,
        help="connections at once for the queue-at-scale table (2)",
    )
    parser.add_argument("--generators", type=int, default=2, help="load generator processes (2)")
    parser.add_argument("--filings", type=int, default=1500, help="forms prepared for POST /report")
    parser.add_argument("--explain", action="store_true", help="always print the queue profile")
    parser.add_argument("--redis", default=servers.REDIS_URL, help="Redis URL for the limits")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run(parse()))
