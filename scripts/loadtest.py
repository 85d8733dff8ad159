"""Load and fault test: victims file reports while a worker dies and PostgreSQL restarts.

gunicorn (4 workers) serves the portal on a fresh PostgreSQL database with limits in Redis.
Simulated victims, each from an address of their own, file reports for --duration seconds
and retry like a person would (a 503 during the outage is expected). Meanwhile one worker is
killed with SIGKILL and PostgreSQL is stopped and started again. Afterwards every receipt that
was shown to a victim must open its case on /status.

Exit status 1 when an acknowledged report is lost, when a 5xx came outside the outage, when
a simulated victim crashed, or when nothing was filed at all.

    .venv/bin/python scripts/loadtest.py --duration 60
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pages
import servers
from servers import Browser, Response

T = TypeVar("T")
GRACE = 2.0  # seconds after /readyz recovers during which a 5xx still counts as the outage


@dataclass
class Tally:
    """What the victims saw; shared by their threads."""

    shown: list[tuple[str, str]] = field(default_factory=list)
    already_filed: int = 0
    receipt_gone: int = 0
    gave_up: int = 0
    crashed: int = 0
    limited: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    dropped: list[float] = field(default_factory=list)
    server_errors: list[tuple[float, int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str]] = field(default_factory=list)
    outages: list[tuple[float, float]] = field(default_factory=list)

    def note(self, what: str) -> float:
        now = time.monotonic()
        self.events.append((now - self.started, what))
        print(f"  t={now - self.started:5.1f}s  {what}", flush=True)
        return now

    def in_outage(self, moment: float) -> bool:
        return any(start <= moment <= end for start, end in self.outages)


class Victim:
    """One person filing one report, with the patience of someone who needs it filed."""

    def __init__(self, port: int, address: str, tally: Tally, give_up_at: float) -> None:
        self.browser = Browser(port, address, timeout=20)
        self.tally = tally
        self.give_up_at = give_up_at

    def _send(self, method: str, path: str, fields: list[tuple[str, str]] | None) -> Response:
        try:
            answer = self.browser.request(method, path, fields)
        except servers.DROPPED:  # a killed worker drops the connection
            with self.tally.lock:
                self.tally.dropped.append(time.monotonic())
            raise
        with self.tally.lock:
            self.tally.statuses[answer.status] += 1
            if answer.status >= 500:
                self.tally.server_errors.append((time.monotonic(), answer.status, path))
        return answer

    def _patiently(self, attempt: Callable[[], T | None]) -> T | None:
        """Try again after a failure until it works or the victim gives up."""
        pause = 0.3
        while time.monotonic() < self.give_up_at:
            try:
                result = attempt()
            except (*servers.DROPPED, RuntimeError):
                result = None
            if result is not None:
                return result
            time.sleep(pause)
            pause = min(pause * 1.5, 2.0)
        self.tally.add(gave_up=1)
        return None

    def _form(self, number: int) -> list[tuple[str, str]] | None:
        page = self._send("GET", "/report", None)
        if page.status != 200:
            return None
        return servers.open_form_from(page.body, number)

    def _submit(self, fields: list[tuple[str, str]]) -> str | None:
        answer = self._send("POST", "/report", fields)
        location = answer.headers.get("location", "")
        if answer.status == 303 and location.endswith("/report/receipt"):
            return "filed"
        if answer.status == 303 and location.endswith("/report/sent"):
            return "already"  # the first send went through but its answer was lost
        if answer.status == 303 and location.endswith("/report"):
            shown = self._send("GET", "/report", None)
            return "limited" if shown.status == 429 else None
        return None

    def _receipt(self) -> tuple[str, str] | str | None:
        page = self._send("GET", "/report/receipt", None)
        if page.status != 200:
            return None
        ref, receipt = pages.CASE_REF.search(page.body), pages.RECEIPT.search(page.body)
        if not (ref and receipt):
            return "gone"
        return ref.group(1), receipt.group(1)

    def file(self, number: int) -> None:
        fields = self._patiently(lambda: self._form(number))
        outcome = self._patiently(lambda: self._submit(fields)) if fields else None
        if outcome == "limited":
            self.tally.add(limited=1)
        elif outcome == "already":
            self.tally.add(already_filed=1)
        if outcome != "filed":
            return
        shown = self._patiently(self._receipt)
        if shown == "gone":
            self.tally.add(receipt_gone=1)
        elif isinstance(shown, tuple):
            with self.tally.lock:
                self.tally.shown.append(shown)


def victims(port: int, tally: Tally, deadline: float, count: int) -> list[threading.Thread]:
    addresses = servers.Addresses()
    numbers = iter(range(10**9))
    numbers_lock = threading.Lock()

    def run() -> None:
        while time.monotonic() < deadline:
            with numbers_lock:
                number = next(numbers)
            try:
                Victim(port, addresses.next(), tally, deadline + 60).file(number)
            except Exception as error:
                print(f"  victim {number} crashed: {error!r}", flush=True)
                tally.add(crashed=1)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def kill_a_worker(server: servers.Server, timeline: Timeline) -> None:
    workers = server.workers()
    if not workers:
        timeline.note("no worker to kill")
        return
    victim_pid = workers[0]
    os.kill(victim_pid, signal.SIGKILL)
    timeline.note(f"SIGKILL worker {victim_pid} ({len(workers)} workers)")


def restart_postgres(
    server: servers.Server, cluster: tuple[str, str], outage: float, timeline: Timeline
) -> None:
    start = timeline.note(f"stopping PostgreSQL {'/'.join(cluster)}")
    try:
        servers.pg_ctl("stop", cluster)
        timeline.note("PostgreSQL stopped")
        time.sleep(outage)
    finally:
        servers.pg_ctl("start", cluster)
    servers.wait_for_postgres()
    timeline.note("PostgreSQL started")
    servers.wait_ready(server, timeout=60)
    end = timeline.note("/readyz answers 200 again")
    timeline.outages.append((start, end + GRACE))


def chaos(
    server: servers.Server, args: argparse.Namespace, timeline: Timeline, cluster: tuple[str, str]
) -> None:
    time.sleep(args.duration * 0.25)
    kill_a_worker(server, timeline)
    time.sleep(max(0.0, args.duration * 0.5 - (time.monotonic() - timeline.started)))
    if args.no_restart:
        timeline.note("PostgreSQL restart skipped (--no-restart)")
        return
    restart_postgres(server, cluster, args.outage, timeline)


def verify(port: int, shown: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The shown receipts that do not open their case (each checked from a fresh address)."""
    addresses = servers.Addresses(start=1 << 20)

    def opens(item: tuple[str, str]) -> bool:
        for _ in range(3):
            try:
                return servers.receipt_opens(port, addresses.next(), item[1])
            except (*servers.DROPPED, RuntimeError):
                time.sleep(0.5)
        return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(opens, shown))
    return [item for item, ok in zip(shown, results, strict=True) if not ok]


def report(tally: Tally, lost: list[tuple[str, str]], timeline: Timeline, stored: int) -> int:
    outside = [error for error in tally.server_errors if not timeline.in_outage(error[0])]
    during = len(tally.server_errors) - len(outside)
    rows = [
        ("receipts shown to victims", len(tally.shown)),
        ("receipts that open their case", len(tally.shown) - len(lost)),
        ("acknowledged reports LOST", len(lost)),
        ("cases in the database", stored),
        ("filed, answer lost, resend said 'already sent'", tally.already_filed),
        ("filed but receipt page empty", tally.receipt_gone),
        ("victims who gave up", tally.gave_up),
        ("victims whose script crashed", tally.crashed),
        ("refused by a rate limit (429)", tally.limited),
        ("dropped connections (killed worker)", len(tally.dropped)),
        ("5xx during the outage", during),
        ("5xx outside the outage", len(outside)),
    ]
    print("\n| result | count |\n|---|---:|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    print("\nresponses by status:", dict(sorted(tally.statuses.items())))
    for moment, status, path in outside[:10]:
        print(f"  unexpected {status} on {path} at t={moment - timeline.started:.1f}s")
    for ref, _ in lost[:10]:
        print(f"  LOST: case {ref}")
    failed = bool(lost) or bool(outside) or bool(tally.crashed) or not tally.shown
    print("\nFAIL" if failed else "\nOK: every acknowledged report survived")
    return 1 if failed else 0


def count_cases(database: servers.Database) -> int:
    import psycopg

    with psycopg.connect(database.dsn) as connection:
        row = connection.execute("SELECT count(*) FROM cases").fetchone()
    return int(row[0]) if row else 0


def run(args: argparse.Namespace) -> int:
    cluster = servers.pg_cluster()
    with servers.fresh_portal("portal_load", args.redis) as scratch:
        try:
            log = scratch.directory / "gunicorn.log"
            server = servers.start_gunicorn(scratch.env, log, workers=args.workers)
            with servers.stopping([server]):
                servers.wait_ready(server, workers=args.workers)
                print(
                    f"gunicorn on :{server.port}, {args.workers} workers, {scratch.database.name}"
                )
                timeline = Timeline()
                tally = Tally()
                deadline = timeline.started + args.duration
                threads = victims(server.port, tally, deadline, args.victims)
                chaos(server, args, timeline, cluster)
                for thread in threads:
                    thread.join()
                timeline.note(f"filing over; workers now {len(server.workers())}")
                lost = verify(server.port, tally.shown)
                timeline.note("receipts checked")
                code = report(tally, lost, timeline, count_cases(scratch.database))
            return servers.keep_logs_if_failed(scratch.directory, code)
        finally:
            # The database can only be dropped once PostgreSQL is back up.
            servers.ensure_postgres_running(cluster)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of filing (60)")
    parser.add_argument("--victims", type=int, default=16, help="parallel victims (16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--outage", type=float, default=3, help="seconds PostgreSQL stays down")
    parser.add_argument("--redis", default=servers.REDIS_URL, help="Redis URL for the limits")
    parser.add_argument(
        "--no-restart", action="store_true", help="kill a worker but leave PostgreSQL running"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run(parse()))
