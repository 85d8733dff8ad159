"""Fingerprint matching at scale: one PDQ fingerprint against N stored, on PostgreSQL.

Seeds a database of its own (dropped afterwards) with cases and N fingerprints through the
portal's `dev seed`, then times ``portal.evidence.fingerprints.find`` for probes that match
nothing (a new image) and probes that are near copies of stored ones (a re-upload), and
``add`` (store one fingerprint and record its matches), printing a table. Speed is reported,
never asserted: other work on the machine skews every row.

    .venv/bin/python scripts/bench_fingerprints.py --fingerprints 1000000
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts import servers

BIN = Path(sys.executable).parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _near(value: int, rng: random.Random, bits: int) -> int:
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return value


def _seed(env: dict[str, str], cases: int, prints: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "flask"), "--app", "portal", "dev", "seed", "--cases", str(cases),
         "--links-per-case", "1", "--fingerprints", str(prints), "--force"],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=None,
    )  # fmt: skip
    return time.perf_counter() - started


def measure(env: dict[str, str], probes: int) -> list[tuple[str, list[float], list[int]]]:
    app = servers.app_for(env)
    from sqlalchemy import select

    from portal.evidence import fingerprints
    from portal.evidence.pdq import PDQ
    from portal.extensions import db
    from portal.models import Case, Fingerprint

    rng = random.Random(42)
    rows: list[tuple[str, list[float], list[int]]] = []
    with app.app_context():
        stored = [
            (row.pdq, row.case_id)
            for row in db.session.scalars(
                select(Fingerprint).order_by(Fingerprint.id.desc()).limit(probes)
            )
        ]
        case_ids = list(db.session.scalars(select(Case.id).limit(probes)))
        kinds = {
            "new image (no match)": [PDQ(f"{rng.getrandbits(256):064x}", 90) for _ in stored],
            "re-upload (near copy, 1-24 bits)": [
                PDQ(f"{_near(int(hex_value, 16), rng, rng.randint(1, 24)):064x}", 90)
                for hex_value, _case in stored
            ],
        }
        for label, prints in kinds.items():
            for pdq in prints[:20]:  # warm the caches, as a running server has them
                fingerprints.find(db.session, pdq)
            times, found = [], []
            for pdq in prints:
                started = time.perf_counter()
                matches = fingerprints.find(db.session, pdq)
                times.append((time.perf_counter() - started) * 1000)
                found.append(len(matches))
            rows.append((label, times, found))
        times, found = [], []
        for pdq, case_id in zip(kinds["re-upload (near copy, 1-24 bits)"], case_ids, strict=False):
            started = time.perf_counter()
            made = fingerprints.add(db.session, case_id, [pdq])
            db.session.commit()
            times.append((time.perf_counter() - started) * 1000)
            found.append(len(made))
        rows.append(("store one and record its matches (commit)", times, found))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fingerprints", type=int, default=100_000, help="stored (100000)")
    parser.add_argument("--cases", type=int, default=10_000, help="cases they spread over")
    parser.add_argument("--probes", type=int, default=500, help="searches per row (500)")
    parser.add_argument("--redis", default=servers.REDIS_URL)
    args = parser.parse_args(argv)
    with servers.fresh_portal("portal_bench_pdq", args.redis) as scratch:
        env = dict(scratch.env)
        seeded = _seed(env, args.cases, args.fingerprints)
        print(
            f"seeded {args.cases:,} cases and {args.fingerprints:,} fingerprints in {seeded:.0f} s"
        )
        rows = measure(env, args.probes)
    print(f"\n| one fingerprint against {args.fingerprints:,} stored | p50 ms | p95 ms | p99 ms "
          "| max ms | matches found (mean) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    for label, times, found in rows:
        print(
            f"| {label} | {statistics.median(times):.1f} | {_percentile(times, 0.95):.1f} "
            f"| {_percentile(times, 0.99):.1f} | {max(times):.1f} | {statistics.mean(found):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
