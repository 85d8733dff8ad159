"""What the browser tests share: the tools they need, a request log, page weight, axe, pictures."""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp

from scripts.pages import OTPAUTH_URI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Quick exit goes here; the browser never reaches it: every context fulfils it locally.
EXIT_URL = "https://exit.invalid/"
EXIT_PAGE = "<!doctype html><html lang=en><title>Weather</title><p>Sunny.</p></html>"

PHONE = "Pixel 7"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}

# Page weight budget for every public page, with everything it loads.
BUDGET_RAW = 60 * 1024
BUDGET_GZIP = 20 * 1024


def env(name: str) -> str:
    """A variable from the environment the test run was started with.

    tests/conftest.py removes PORTAL_* variables at import (so a developer's shell cannot
    change the app under test); the browser tests still need to see their own switches.
    """
    if name in os.environ:
        return os.environ[name]
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return ""
    for entry in raw.split(b"\0"):
        key, _, value = entry.partition(b"=")
        if key.decode(errors="replace") == name:
            return value.decode(errors="replace")
    return ""


def missing_tools() -> list[str]:
    """What is missing to run the browser tests, each with the command that installs it."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    if not AXE.exists():
        missing.append(f"{AXE.relative_to(ROOT)} is missing: run `npm ci` in {ROOT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python is missing: run `make install-test`")
    return missing


@dataclass
class Portal:
    """The running server: where it listens and what the tests set up on it."""

    url: str
    db_path: Path
    staff_email: str
    staff_password: str
    staff_secret: str
    log_path: Path

    def at(self, path: str) -> str:
        return self.url + path

    def fresh_code(self) -> str:
        """A TOTP code for a 30 s step the account has not used (it refuses replays)."""
        with sqlite3.connect(self.db_path) as conn:
            row = conn.execute(
                "SELECT totp_last_step FROM staff WHERE email = ?", (self.staff_email,)
            ).fetchone()
        last = row[0] if row and row[0] is not None else -1
        now = time.time()
        step = int(now) // 30
        # The server takes the previous, current and next step; the previous one only while
        # it cannot expire before the code arrives.
        candidates = ([step - 1] if now % 30 < 20 else []) + [step, step + 1]
        for candidate in candidates:
            if candidate > last:
                return pyotp.TOTP(self.staff_secret).at(candidate * 30)
        time.sleep(30 - now % 30 + 0.5)
        return self.fresh_code()


def otpauth_secret(output: str) -> str:
    match = OTPAUTH_URI.search(output)
    assert match, f"no otpauth:// URI in: {output!r}"
    return parse_qs(urlsplit(match.group(0)).query)["secret"][0]


@dataclass
class RequestLog:
    """Every request a browser context makes; anything off the portal's origin is blocked."""

    origin: str
    requests: list[tuple[str, str]] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        return url.startswith(self.origin + "/") or url.startswith(("data:", "blob:", "about:"))

    def check(self, allow_exit: bool = False) -> None:
        bad = [
            url
            for url in self.offsite
            if not (allow_exit and url.startswith(EXIT_URL)) and not self.allowed(url)
        ]
        assert not bad, "requests left the portal's origin:\n" + "\n".join(bad)
        assert not self.page_errors, "errors in pages:\n" + "\n".join(self.page_errors)


def watch(context: Any, origin: str) -> RequestLog:
    """Record every request of a context, fulfil the quick-exit target, refuse everything else."""
    log = RequestLog(origin)

    def on_request(request: Any) -> None:
        log.requests.append((request.method, request.url))
        if not log.allowed(request.url):
            log.offsite.append(request.url)

    def route(route: Any) -> None:
        url = route.request.url
        if log.allowed(url):
            route.continue_()
        elif url.startswith(EXIT_URL):
            route.fulfill(status=200, content_type="text/html", body=EXIT_PAGE)
        else:
            route.abort("blockedbyclient")

    def on_console(message: Any) -> None:
        # A script error, or anything the Content-Security-Policy refused.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            log.page_errors.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def on_error(error: Any) -> None:
        log.page_errors.append(f"{error.page.url if error.page else '?'}: {error.error}")

    context.on("request", on_request)
    context.on("console", on_console)
    context.on("weberror", on_error)
    context.route("**/*", route)
    return log


# -- page weight ------------------------------------------------------------------------------
WEIGHTS: dict[tuple[str, str], Weight] = {}  # (page, lang) -> weight, for the run's summary


@dataclass
class Weight:
    raw: int
    gzipped: int
    files: list[tuple[str, int, int]]

    def __str__(self) -> str:
        return f"{self.raw / 1024:.1f} KB / {self.gzipped / 1024:.1f} KB gzip"


@contextmanager
def weighing(page: Any) -> Iterator[list[Any]]:
    """Collect the responses of a page load (routing is on, so the cache never hides one)."""
    responses: list[Any] = []

    def keep(response: Any) -> None:
        responses.append(response)

    page.on("response", keep)
    try:
        yield responses
        page.wait_for_load_state("load")
    finally:
        page.remove_listener("response", keep)


def weight_of(responses: list[Any]) -> Weight:
    files = []
    for response in responses:
        if 300 <= response.status < 400:
            continue
        try:
            body = response.body()
        except Exception:  # noqa: S112  (a body the browser dropped: nothing to weigh)
            continue
        files.append((response.url, len(body), len(gzip.compress(body, 9))))
    return Weight(sum(f[1] for f in files), sum(f[2] for f in files), files)


# -- pictures ---------------------------------------------------------------------------------
def screenshot(page: Any, name: str) -> Path:
    """Save a full-page picture under artifacts/screenshots/ (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", scale="css")
    return path


@functools.cache
def korean_font_installed() -> bool:
    try:
        found = subprocess.run(
            ["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False
        )
    except OSError:
        return False
    return bool(found.stdout.strip())


def docs_picture(page: Any, name: str, width: int) -> None:
    """A small picture of the top of the page for the README, under docs/screenshots/.

    Written when missing, or for every picture when PORTAL_E2E_UPDATE_DOCS=1: case numbers,
    codes and dates change on every run, so rewriting them each time would only churn git.
    """
    path = DOCS / f"{name}.png"
    if path.exists() and env("PORTAL_E2E_UPDATE_DOCS") != "1":
        return
    if page.get_attribute("html", "lang") == "ko" and not korean_font_installed():
        return  # boxes instead of Hangul; `apt-get install -y fonts-noto-cjk` first
    from PIL import Image

    DOCS.mkdir(parents=True, exist_ok=True)
    scratch = ARTIFACTS / f"docs-{name}.png"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(scratch), full_page=False, animations="disabled", scale="css")
    with Image.open(scratch) as shot:
        image = shot.convert("RGB")
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
        image = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        image.save(path, optimize=True)


def clean_artifacts() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def soft(failures: list[str], label: str, check: Callable[[], None]) -> None:
    """Run one check and keep going, so one run shows every problem of a tour."""
    try:
        check()
    except AssertionError as error:
        failures.append(f"{label}: " + str(error).split("\nassert ")[0])


def weights_table() -> str:
    lines = [f"{'page':<24} {'lang':<4} {'raw KB':>8} {'gzip KB':>8}"]
    for (name, lang), weight in sorted(WEIGHTS.items()):
        raw, packed = weight.raw / 1024, weight.gzipped / 1024
        lines.append(f"{name:<24} {lang:<4} {raw:>8.1f} {packed:>8.1f}")
    return "\n".join(lines) + "\n"
