"""Flood test: one address hammers POST /report and POST /status while others file normally.

gunicorn (4 workers) on a fresh PostgreSQL database with limits in Redis. Normal clients file
a report and open it on /status, each filing from a new address, first alone (baseline) and
then during the flood. Prints the flooder's 429s and the normal clients' successes and p50/p99
latency in both phases.

Exit status 1 when a normal client was refused (429) or the flooder was never limited.

    .venv/bin/python scripts/flood.py --duration 20
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pages
import servers
from servers import Browser


@dataclass
class Phase:
    name: str
    filings: int = 0
    refused: int = 0
    failures: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if status == 429:
                self.refused += 1


@dataclass
class Flooder:
    port: int
    address: str = "10.66.66.66"
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def prepare(self) -> tuple[Browser, list[tuple[str, str]]]:
        browser = Browser(self.port, self.address, timeout=30)
        return browser, servers.open_form(browser)

    def hammer(self, stop: threading.Event) -> None:
        browser, form = self.prepare()
        token = dict(form)["csrf_token"]
        while not stop.is_set():
            fresh = [(k, v) for k, v in form if k != "submission_key"]
            fresh.append(("submission_key", secrets.token_urlsafe(24)))
            wrong = "-".join(f"{secrets.randbelow(10**4):04d}" for _ in range(5))
            for path, fields in (
                ("/report", fresh),
                ("/status", [("receipt", wrong), ("csrf_token", token)]),
            ):
                try:
                    status = servers.shown_after(browser, browser.post(path, fields)).status
                except servers.DROPPED:
                    status = 0
                with self.lock:
                    self.statuses[status] += 1


def normal_client(port: int, addresses: servers.Addresses, phase: Phase, until: float) -> None:
    """File, read the receipt, open it on /status; a new address for every filing."""
    while time.monotonic() < until:
        browser = Browser(port, addresses.next(), timeout=30)
        try:
            form_page = browser.get("/report")
            phase.record(form_page.seconds, form_page.status)
            sent = browser.post("/report", servers.open_form_from(form_page.body))
            phase.record(sent.seconds, sent.status)
            page = browser.get("/report/receipt")
            phase.record(page.seconds, page.status)
            receipt = pages.RECEIPT.search(page.body)
            entry = browser.get("/status")
            phase.record(entry.seconds, entry.status)
            opened = browser.post(
                "/status",
                [
                    ("receipt", receipt.group(1) if receipt else ""),
                    ("csrf_token", pages.csrf_token(entry.body)),
                ],
            )
            phase.record(opened.seconds, opened.status)
            ok = sent.status == 303 and receipt is not None and opened.status == 303
        except (*servers.DROPPED, ValueError):
            ok = False
        with phase.lock:
            if ok:
                phase.filings += 1
            else:
                phase.failures += 1


def run_phase(port: int, phase: Phase, seconds: float, clients: int) -> None:
    addresses = servers.Addresses(start=secrets.randbelow(1 << 20) + 1)
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=normal_client, args=(port, addresses, phase, until))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def flood(port: int, args: argparse.Namespace) -> tuple[Phase, Phase, Flooder, float]:
    baseline, during = Phase("alone"), Phase("during the flood")
    run_phase(port, baseline, args.baseline, args.clients)
    flooder, stop = Flooder(port), threading.Event()
    hammers = [
        threading.Thread(target=flooder.hammer, args=(stop,)) for _ in range(args.flood_threads)
    ]
    started = time.monotonic()
    for thread in hammers:
        thread.start()
    time.sleep(1)  # let the flood build up before measuring the others
    run_phase(port, during, args.duration, args.clients)
    stop.set()
    for thread in hammers:
        thread.join()
    return baseline, during, flooder, time.monotonic() - started


def report(baseline: Phase, during: Phase, flooder: Flooder, flood_seconds: float) -> int:
    sent = sum(flooder.statuses.values())
    limited = flooder.statuses[429]
    print(
        f"\nflooder: {sent} requests in {flood_seconds:.0f} s ({sent / flood_seconds:.0f}/s), "
        f"{limited} answered 429; by status {dict(sorted(flooder.statuses.items()))}"
    )
    print("\n| normal clients | filings opened | refused (429) | failed | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for phase in (baseline, during):
        print(
            f"| {phase.name} | {phase.filings} | {phase.refused} | {phase.failures} | "
            f"{servers.ms(servers.percentile(phase.latencies, 50))} | "
            f"{servers.ms(servers.percentile(phase.latencies, 99))} |"
        )
    problems = []
    if baseline.refused or during.refused:
        problems.append("a normal client was refused")
    if not limited:
        problems.append("the flooder was never limited")
    if not during.filings:
        problems.append("no normal filing got through during the flood")
    print("\nFAIL: " + "; ".join(problems) if problems else "\nOK")
    return 1 if problems else 0


def run(args: argparse.Namespace) -> int:
    with servers.fresh_portal("portal_flood", args.redis) as scratch:
        log = scratch.directory / "gunicorn.log"
        server = servers.start_gunicorn(scratch.env, log, workers=args.workers)
        with servers.stopping([server]):
            servers.wait_ready(server, workers=args.workers)
            print(f"gunicorn on :{server.port}, {args.workers} workers, {scratch.database.name}")
            code = report(*flood(server.port, args))
        return servers.keep_logs_if_failed(scratch.directory, code)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds of flood (20)")
    parser.add_argument("--baseline", type=float, default=5, help="seconds without flood (5)")
    parser.add_argument("--clients", type=int, default=4, help="normal clients (4)")
    parser.add_argument("--flood-threads", type=int, default=4, help="flooder connections (4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--redis", default=servers.REDIS_URL, help="Redis URL for the limits")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(run(parse()))
