"""Evidence files: decide the type from the content, re-encode images without metadata,
turn PDFs into page images, and draw the blurred previews staff see first (keeping them on
disk: storage.py).

Only JPEG, PNG, WebP and PDF are accepted. Images are decoded and written again by Pillow,
which drops EXIF (GPS, camera, time), XMP and text chunks; a file that does not decode, or
decodes to more than the pixel cap (a decompression bomb), is refused. A PDF is rendered in
a limited child process (pdf_render.py); each page it returns is decoded again here as a PNG
and re-encoded, so what staff see carries nothing of the PDF but its pixels. The PDF itself
is kept, sealed, only for an evidence export.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from portal.evidence.pdf_render import PdfLimits, RenderFailed, render
from portal.models.files import PDF
from portal.security import crypto

MAX_PIXELS = 25_000_000
PREVIEW_SIZE = 320

# Magic numbers: the file's own first bytes decide its type, never its name.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", PDF),
)
_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


class UploadRefused(ValueError):
    """``reason``: too_large, unsupported_type, broken, too_many_pixels, over_pixel_budget,
    empty, pdf_encrypted (needs a password), pdf_too_complex (over a renderer limit)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    media_type: str
    data: bytes
    original_sha256: str
    width: int | None = None
    height: int | None = None
    # A PDF: its page images (PNG, metadata-free) and how many pages the document has.
    pages: tuple[CleanFile, ...] = ()
    page_count: int | None = None
    page_number: int | None = None

    @property
    def stored_sha256(self) -> str:
        return crypto.sha256_hex(self.data)

    @property
    def pixels(self) -> int:
        """What decoding this file cost, counted against the request's pixel budget."""
        if self.pages:
            return sum(page.pixels for page in self.pages)
        return (self.width or 0) * (self.height or 0)


def sniff_type(data: bytes) -> str | None:
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _open_image(
    data: bytes, pixel_budget: int | None = None, formats: tuple[str, ...] | None = None
) -> Image.Image:
    """Decode an image, refusing it from its header alone when it is too big to decode."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UploadRefused("too_many_pixels")
            if pixel_budget is not None and width * height > pixel_budget:
                raise UploadRefused("over_pixel_budget")
            image.load()
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused("too_many_pixels") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise UploadRefused("broken") from None
    return image


def _reencode(image: Image.Image, media_type: str, png_level: int = 6) -> bytes:
    upright = ImageOps.exif_transpose(image)  # keep the picture's orientation, drop the tag
    if media_type == "image/jpeg" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    pixels = Image.new(upright.mode, upright.size)
    pixels.paste(upright)
    palette = upright.getpalette() if upright.mode == "P" else None
    if palette:
        pixels.putpalette(palette)
    out = io.BytesIO()
    options: dict[str, object] = (
        {"quality": 90} if media_type != "image/png" else {"compress_level": png_level}
    )
    pixels.save(out, _PIL_FORMAT[media_type], **options)
    return out.getvalue()


def clean_pdf(data: bytes, limits: PdfLimits, pixel_budget: int) -> CleanFile:
    """Render a PDF's pages in the child, then decode and re-encode each page here."""
    original_sha256 = crypto.sha256_hex(data)
    try:
        rendered = render(data, limits, pixel_budget)
    except RenderFailed as failed:
        raise UploadRefused(failed.reason) from None
    pages = []
    remaining = pixel_budget
    for number, png in enumerate(rendered.pages, start=1):
        image = _open_image(png, remaining, formats=("PNG",))
        if max(image.size) > limits.max_side + 1:
            raise UploadRefused("pdf_too_complex")  # not what the child was asked for
        try:
            # Fast deflate: pages are drawn pixels, up to the whole budget of a request.
            cleaned = _reencode(image, "image/png", png_level=1)
        except (OSError, ValueError):
            raise UploadRefused("broken") from None
        pages.append(
            CleanFile(
                "image/png", cleaned, original_sha256, image.width, image.height, page_number=number
            )
        )
        remaining -= image.width * image.height
    return CleanFile(PDF, data, original_sha256, pages=tuple(pages), page_count=rendered.page_count)


def clean_upload(
    data: bytes,
    max_bytes: int,
    pixel_budget: int | None = None,
    pdf_limits: PdfLimits | None = None,
) -> CleanFile:
    """Check and sanitise one uploaded file, or raise UploadRefused.

    ``pixel_budget`` is what the request may still decode (PDF pages count too), so several
    large images in one request cannot keep a worker busy for seconds.
    """
    if not data:
        raise UploadRefused("empty")
    if len(data) > max_bytes:
        raise UploadRefused("too_large")
    media_type = sniff_type(data)
    if media_type is None:
        raise UploadRefused("unsupported_type")
    original_sha256 = crypto.sha256_hex(data)
    if media_type == PDF:
        budget = MAX_PIXELS if pixel_budget is None else pixel_budget
        return clean_pdf(data, pdf_limits or PdfLimits(), budget)
    image = _open_image(data, pixel_budget)
    try:
        cleaned = _reencode(image, media_type)
    except (OSError, ValueError) as error:
        raise UploadRefused("broken") from error
    return CleanFile(media_type, cleaned, original_sha256, image.width, image.height)


def blurred_preview(data: bytes) -> bytes:
    """A small, heavily blurred JPEG, so staff are not shown the image until they choose to."""
    image = _open_image(data)
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    image = image.filter(ImageFilter.GaussianBlur(radius=max(image.size) / 12))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return out.getvalue()
