"""The PDF renderer's child process: what it inherits, the limits it runs under, and a
parent that believes nothing it writes."""

from __future__ import annotations

import ast
import io
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.evidence import pdf_child, pdf_render
from portal.evidence.pdf_render import PdfLimits, RenderFailed, parse_output, render, run_child
from tests import files

BUDGET = 40_000_000
DUMP = (
    "import os, sys; "
    "sys.stdout.write(repr((dict(os.environ), sorted(os.listdir('/proc/self/fd')), os.getcwd())))"
)


def _frames(*frames: tuple[bytes, bytes]) -> bytes:
    return pdf_child.MAGIC + b"".join(
        pdf_child.FRAME.pack(kind, len(payload)) + payload for kind, payload in frames
    )


def _count(number: int) -> tuple[bytes, bytes]:
    return b"N", pdf_child.PAGE_COUNT.pack(number)


def test_the_child_inherits_no_secret_no_descriptor_and_no_directory(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "secret-key-marker")
    monkeypatch.setenv("PORTAL_DATA_KEYS", "k1:data-key-marker")
    read_end, write_end = os.pipe()
    spare = os.dup2(write_end, 57)
    os.set_inheritable(spare, True)
    try:
        output = run_child([sys.executable, "-I", "-c", DUMP], b"", 10, 1_000_000)
    finally:
        for fd in (read_end, write_end, spare):
            os.close(fd)
    environment, descriptors, cwd = ast.literal_eval(output.decode())
    assert environment == pdf_render.CHILD_ENV
    assert not [name for name in environment if name.startswith("PORTAL_")]
    assert "57" not in descriptors
    assert set(descriptors) <= {"0", "1", "2", "3"}  # 3: the listing itself
    assert cwd == "/"


def test_the_real_child_limits_itself_before_it_reads_anything():
    limits = PdfLimits(seconds=7, memory_bytes=300 * 1024 * 1024)
    child = subprocess.Popen(
        pdf_render.child_command(limits, BUDGET),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=pdf_render.CHILD_ENV,
    )
    try:
        deadline = time.monotonic() + 10
        table = ""
        while time.monotonic() < deadline and "314572800" not in table:
            table = Path(f"/proc/{child.pid}/limits").read_text()
            time.sleep(0.02)
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    rows = {line[:26].strip(): line[26:].split() for line in table.splitlines()[1:]}
    assert rows["Max address space"][:2] == ["314572800", "314572800"]
    assert rows["Max cpu time"][:2] == ["7", "8"]
    assert rows["Max file size"][:2] == ["0", "0"]
    assert rows["Max core file size"][:2] == ["0", "0"]


def test_a_child_that_hangs_is_killed_at_the_deadline():
    started = time.monotonic()
    with pytest.raises(RenderFailed) as failed:
        run_child([sys.executable, "-I", "-c", "import time; time.sleep(60)"], b"", 0.5, 1000)
    assert failed.value.reason == "pdf_too_complex"
    assert time.monotonic() - started < 5


def test_a_child_that_writes_without_end_is_cut_off():
    endless = "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)"
    with pytest.raises(RenderFailed) as failed:
        run_child([sys.executable, "-I", "-c", endless], b"", 10, 1_000_000)
    assert failed.value.reason == "pdf_too_complex"


def test_a_child_that_fails_is_a_refusal_not_an_error():
    with pytest.raises(RenderFailed) as failed:
        run_child([sys.executable, "-I", "-c", "import os; os.abort()"], b"%PDF-", 10, 1000)
    assert failed.value.reason == "pdf_too_complex"


def test_a_child_that_stops_reading_does_not_hang_the_parent():
    output = run_child(
        [sys.executable, "-I", "-c", "print('bye')"], b"%PDF-" + b"x" * 5_000_000, 10, 1000
    )
    assert output == b"bye\n"


@pytest.mark.parametrize(
    "output",
    [
        b"",
        b"not our format",
        _frames(_count(1), (b"P", b"png"))[:-1],  # cut short
        _frames(_count(1), (b"P", b"png")),  # no end frame
        _frames(_count(1), (b"P", b"a"), (b"P", b"b"), (b"D", b"")),  # more pages than it has
        _frames(_count(1), (b"P", b"png"), (b"D", b""), (b"P", b"png")),  # after the end
        _frames((b"P", b"png"), _count(1), (b"D", b"")),  # a page before the count
        _frames(_count(2), (b"D", b"")),  # no page at all
        _frames(_count(1), (b"E", b"../../etc/passwd")),  # a reason we never give
        _frames(_count(1), (b"X", b""), (b"D", b"")),
    ],
)
def test_whatever_the_child_writes_is_read_strictly(output):
    with pytest.raises(RenderFailed) as failed:
        parse_output(output, max_pages=20)
    assert failed.value.reason == "pdf_too_complex"


def test_more_pages_than_asked_for_are_refused():
    output = _frames(_count(5), (b"P", b"a"), (b"P", b"b"), (b"D", b""))
    with pytest.raises(RenderFailed):
        parse_output(output, max_pages=1)
    assert len(parse_output(output, max_pages=2).pages) == 2


def test_pages_come_back_as_png_within_the_caps():
    rendered = render(files.pdf(pages=3, size=(300, 200)), PdfLimits(), BUDGET)
    assert rendered.page_count == 3
    assert [page[:8] for page in rendered.pages] == [b"\x89PNG\r\n\x1a\n"] * 3


@pytest.mark.parametrize(
    ("data", "limits", "reason"),
    [
        (files.encrypted_pdf(), PdfLimits(), "pdf_encrypted"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 20, PdfLimits(), "broken"),
        (files.pdf()[:200], PdfLimits(), "broken"),
        (files.PDF, PdfLimits(), "broken"),
        (files.pdf(), PdfLimits(seconds=0.01), "pdf_too_complex"),
        (files.pdf(), PdfLimits(memory_bytes=16 * 1024 * 1024), "pdf_too_complex"),
    ],
    ids=["encrypted", "garbage", "truncated", "no-pages", "time", "memory"],
)
def test_hostile_or_broken_pdfs_are_refused_with_a_reason(data, limits, reason):
    with pytest.raises(RenderFailed) as failed:
        render(data, limits, BUDGET)
    assert failed.value.reason == reason


def test_a_first_page_over_the_budget_is_refused():
    with pytest.raises(RenderFailed) as failed:
        render(files.pdf(pages=1, size=(1000, 1000)), PdfLimits(), 1_000_000)
    assert failed.value.reason == "over_pixel_budget"


def _render_here(data: bytes, max_pages: int = 20, budget: int = BUDGET):
    """The child's drawing code run in this process (coverage does not follow the child)."""
    out = io.BytesIO()
    pdf_child._render(data, out, max_pages, 2000, budget)
    pdf_child.write_frame(out, b"D")
    return parse_output(pdf_child.MAGIC + out.getvalue(), max_pages)


def test_the_childs_drawing_code_keeps_to_pages_and_budget():
    assert len(_render_here(files.pdf(pages=3), max_pages=2).pages) == 2
    two_of_four = _render_here(files.pdf(pages=4, size=(500, 500)), budget=2_500_000)
    assert (two_of_four.page_count, len(two_of_four.pages)) == (4, 2)
    for data, reason in (
        (files.encrypted_pdf(), "pdf_encrypted"),
        (b"%PDF-1.7 nothing", "broken"),
        (files.PDF, "broken"),
        (files.pdf(size=(2000, 2000)), "over_pixel_budget"),
    ):
        with pytest.raises(pdf_child.Refused) as refused:
            _render_here(data, budget=1_000_000)
        assert refused.value.args[0] == reason


@pytest.mark.parametrize("size", [(0, 100), (100, -1), (math.nan, 10), (math.inf, 10)])
def test_a_page_without_a_real_size_is_refused(size):
    with pytest.raises(ValueError, match="size"):
        pdf_child.page_scale(*size, max_side=2000)


def test_a_page_is_scaled_to_fit_the_longest_side():
    assert pdf_child.page_scale(595, 842, 2000) == 2.0
    assert pdf_child.page_scale(14400, 7200, 2000) == 2000 / 14400
