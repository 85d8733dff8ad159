"""Render a PDF to page PNGs in a child process with memory, CPU and wall-clock limits.

The child (pdf_child.py) gets the PDF on stdin, an empty environment, no inherited file
descriptors and its own session; it caps itself before reading, and this side kills it at
the deadline or when it writes more than a page budget allows. Its output is parsed
strictly and trusted for nothing more than bytes to decode again (files.py does that with
Pillow, PNG only).
"""

from __future__ import annotations

import math
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from portal.evidence import pdf_child

# What the child's environment holds: no PORTAL_* key, no secret, no path of ours.
CHILD_ENV = {"LC_ALL": "C"}
_CHUNK = 64 * 1024


class RenderFailed(Exception):
    """``reason``: broken, pdf_encrypted, pdf_too_complex or over_pixel_budget."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PdfLimits:
    """How much one PDF may cost; ``seconds`` is wall-clock time for the whole render."""

    max_pages: int = 20
    max_side: int = 2000
    seconds: float = 10.0
    memory_bytes: int = 512 * 1024 * 1024

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PdfLimits:
        return cls(
            max_pages=config["PORTAL_PDF_MAX_PAGES"],
            max_side=config["PORTAL_PDF_MAX_SIDE"],
            seconds=config["PORTAL_PDF_SECONDS"],
            memory_bytes=config["PORTAL_PDF_MEMORY_BYTES"],
        )

    def with_seconds(self, seconds: float) -> PdfLimits:
        return replace(self, seconds=seconds)


@dataclass(frozen=True)
class RenderedPdf:
    page_count: int
    pages: list[bytes]


def child_command(limits: PdfLimits, pixel_budget: int) -> list[str]:
    """``python -I`` runs the child by path: no portal import, no cwd or user site on sys.path."""
    return [
        sys.executable,
        "-I",
        str(Path(pdf_child.__file__).resolve()),
        str(limits.memory_bytes),
        str(max(1, math.ceil(limits.seconds))),
        str(limits.max_pages),
        str(limits.max_side),
        str(pixel_budget),
    ]


def run_child(argv: list[str], data: bytes, seconds: float, max_output: int) -> bytes:
    """Feed ``data`` to a child, collect its stdout; kill it at the deadline or the cap.

    Returns the output of a child that exited 0; raises RenderFailed otherwise.
    """
    deadline = time.monotonic() + max(seconds, 0.0)
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and file, fixed arguments
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=CHILD_ENV,
        close_fds=True,
        cwd="/",
        start_new_session=True,
    )
    try:
        output = _exchange(child, data, deadline, max_output)
        returncode = child.wait(timeout=max(0.0, deadline - time.monotonic()))
    except (subprocess.TimeoutExpired, _Overrun):
        raise RenderFailed("pdf_too_complex") from None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None and not stream.closed:
                stream.close()
    if returncode != 0:  # killed by its own limits (SIGXCPU, SIGKILL) or crashed
        raise RenderFailed("pdf_too_complex")
    return output


class _Overrun(Exception):
    """The child wrote too much."""


def _exchange(child: subprocess.Popen, data: bytes, deadline: float, max_output: int) -> bytes:
    if child.stdin is None or child.stdout is None:  # pragma: no cover - PIPE above
        raise RuntimeError("the renderer was started without pipes")
    stdin, stdout = child.stdin.fileno(), child.stdout.fileno()
    os.set_blocking(stdin, False)
    os.set_blocking(stdout, False)
    output = bytearray()
    sent = 0
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        selector.register(stdin, selectors.EVENT_WRITE)
        writing = True
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(child.args, 0)
            for key, _events in selector.select(timeout=left):
                if key.fd == stdin:
                    try:
                        sent += os.write(stdin, data[sent : sent + _CHUNK])
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        sent = len(data)  # it stopped reading: its exit status tells why
                    if sent >= len(data) and writing:
                        selector.unregister(stdin)
                        child.stdin.close()
                        writing = False
                    continue
                try:
                    chunk = os.read(stdout, _CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    if writing:
                        selector.unregister(stdin)
                        child.stdin.close()
                    return bytes(output)
                output += chunk
                if len(output) > max_output:
                    raise _Overrun


def parse_output(output: bytes, max_pages: int) -> RenderedPdf:
    """Read the child's frames strictly; anything unexpected is a failed render."""
    if not output.startswith(pdf_child.MAGIC):
        raise RenderFailed("pdf_too_complex")
    position = len(pdf_child.MAGIC)
    page_count: int | None = None
    pages: list[bytes] = []
    while True:
        if position + pdf_child.FRAME.size > len(output):
            raise RenderFailed("pdf_too_complex")
        kind, length = pdf_child.FRAME.unpack_from(output, position)
        position += pdf_child.FRAME.size
        payload = output[position : position + length]
        position += length
        if len(payload) != length:
            raise RenderFailed("pdf_too_complex")
        if kind == b"E":
            reason = payload.decode("ascii", "replace")
            raise RenderFailed(reason if reason in pdf_child.REASONS else "pdf_too_complex")
        if kind == b"N" and page_count is None and length == pdf_child.PAGE_COUNT.size:
            (page_count,) = pdf_child.PAGE_COUNT.unpack(payload)
        elif kind == b"P" and page_count is not None and len(pages) < min(max_pages, page_count):
            pages.append(payload)
        elif kind == b"D" and pages and position == len(output):
            return RenderedPdf(page_count or 0, pages)
        else:
            raise RenderFailed("pdf_too_complex")


def render(data: bytes, limits: PdfLimits, pixel_budget: int) -> RenderedPdf:
    """Page PNGs of the first ``limits.max_pages`` pages that fit ``pixel_budget``."""
    # PNG is at most a little more than raw RGB, plus the frames.
    max_output = pixel_budget * 4 + (limits.max_pages + 4) * 1024 + 1024 * 1024
    output = run_child(child_command(limits, pixel_budget), data, limits.seconds, max_output)
    return parse_output(output, limits.max_pages)
