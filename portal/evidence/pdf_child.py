"""The PDF renderer's child process: PDF on stdin, page PNGs on stdout, under hard limits.

The parent (pdf_render.py) runs this file by its path with ``python -I``, an empty
environment and no inherited file descriptors, so it imports nothing of the portal, no
key and no setting. Before it reads a byte it caps its own address space, CPU seconds,
file writes and core dumps (in the child itself rather than in a ``preexec_fn``, which is
unsafe in a threaded parent); the parent also kills it at a wall-clock deadline. PDFium
runs without forms and, in the wheels used, without a JavaScript engine.

Output: ``MAGIC``, then frames of one kind byte and a 4-byte big-endian length: ``N`` (the
document's page count, 4 bytes), then one ``P`` (a PNG) per rendered page, then ``D``
(done, empty) or ``E`` (a refusal reason in ASCII).
"""

from __future__ import annotations

import io
import math
import resource
import struct
import sys
from typing import BinaryIO

MAGIC = b"PORTAL-PDF-PAGES/1\n"
FRAME = struct.Struct(">cI")
PAGE_COUNT = struct.Struct(">I")
# At 2 pixels per point (144 dpi) an A4 page is 1191 x 1684: readable screenshots, no more.
MAX_SCALE = 2.0
# Reasons the child can give; anything else (a kill, a crash) the parent decides itself.
REASONS = ("broken", "pdf_encrypted", "pdf_too_complex", "over_pixel_budget")


def limit_self(memory_bytes: int, cpu_seconds: int) -> None:  # pragma: no cover - child only
    """Cap this process before it reads anything it was sent."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def write_frame(out: BinaryIO, kind: bytes, payload: bytes = b"") -> None:
    out.write(FRAME.pack(kind, len(payload)))
    out.write(payload)


def page_scale(width: float, height: float, max_side: int) -> float:
    """Pixels per point so the page's longer side is at most ``max_side`` pixels."""
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        raise ValueError("a page without a size")
    return min(MAX_SCALE, max_side / max(width, height))


def page_pixels(width: float, height: float, scale: float) -> int:
    """An upper bound of what PDFium draws for the page at this scale."""
    return (math.ceil(width * scale) + 1) * (math.ceil(height * scale) + 1)


class Refused(Exception):
    """The document cannot be shown; ``args[0]`` is one of ``REASONS``."""


def _render(data: bytes, out: BinaryIO, max_pages: int, max_side: int, budget: int) -> None:
    import pypdfium2 as pdfium  # after the limits, so loading PDFium is bounded too

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        password = error.err_code == pdfium.raw.FPDF_ERR_PASSWORD
        raise Refused("pdf_encrypted" if password else "broken") from None
    total = len(document)
    if total < 1:
        raise Refused("broken")
    write_frame(out, b"N", PAGE_COUNT.pack(total))
    spent = 0
    for index in range(min(total, max_pages)):
        page = document[index]
        try:
            width, height = page.get_size()
            scale = page_scale(width, height, max_side)
        except ValueError:
            raise Refused("broken") from None
        spent += page_pixels(width, height, scale)
        if spent > budget:
            if index == 0:
                raise Refused("over_pixel_budget")
            break  # the pages after this one are left out, as past max_pages
        try:
            bitmap = page.render(scale=scale, may_draw_forms=False, rev_byteorder=True)
        except pdfium.PdfiumError:
            raise Refused("broken") from None
        image = bitmap.to_pil()
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "PNG", compress_level=1)
        write_frame(out, b"P", buffer.getvalue())
        del image, bitmap
        page.close()


def main(argv: list[str]) -> int:  # pragma: no cover - runs in the child, coverage does not
    memory_bytes, cpu_seconds, max_pages, max_side, budget = (int(value) for value in argv)
    limit_self(memory_bytes, cpu_seconds)
    out = sys.stdout.buffer
    data = sys.stdin.buffer.read()
    out.write(MAGIC)
    try:
        _render(data, out, max_pages, max_side, budget)
    except Refused as refused:
        write_frame(out, b"E", str(refused.args[0]).encode("ascii"))
    except MemoryError:
        write_frame(out, b"E", b"pdf_too_complex")
    except Exception:  # anything else PDFium or Pillow raise about this document
        write_frame(out, b"E", b"broken")
    else:
        write_frame(out, b"D")
    out.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
