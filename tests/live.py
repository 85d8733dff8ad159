"""The portal served over real HTTP in this process, for races that need parallel requests."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from flask import Flask
from werkzeug.serving import make_server

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def script_module(name: str) -> ModuleType:
    """A module of scripts/ (a folder of scripts, not a package), e.g. ``servers``."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    return importlib.import_module(name)


@contextmanager
def serving(app: Flask) -> Iterator[int]:
    """Serve ``app`` on a free loopback port, one thread per request; yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()
        thread.join(timeout=10)


def at_once(jobs: list, timeout: float = 60) -> list:
    """Run each job in its own thread, all released together; returns their results."""
    barrier = threading.Barrier(len(jobs), timeout=timeout)
    results: list = [None] * len(jobs)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = jobs[index]()
        except Exception as error:  # the caller asserts on it
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a request hung"
    return results
