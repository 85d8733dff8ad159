"""Test files: images with metadata, broken images, a decompression bomb, and PDFs: plain,
with metadata, huge pages, many pages, password-protected, and an image bomb."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

from PIL import Image


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMakerMarker"
    exif[0x0110] = "SecretPhoneModel"
    exif.get_ifd(0x8825).update({1: "N", 2: (37.0, 33.0, 12.5), 3: "E", 4: (126.0, 58.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), text: str = "") -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 255)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def decompression_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG", optimize=True)
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(
    pages: int = 3,
    size: tuple[int, int] = (300, 200),
    resolution: float = 72.0,
    **info: str,
) -> bytes:
    """A PDF made by Pillow: one coloured page per image; ``info`` sets title, author, ..."""
    images = [Image.new("RGB", size, ((60 * n) % 256, 90, 200)) for n in range(pages)]
    out = io.BytesIO()
    images[0].save(
        out, "PDF", save_all=True, append_images=images[1:], resolution=resolution, **info
    )
    return out.getvalue()


def build_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF from object bodies numbered from 1 (1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _stream(entries: bytes, body: bytes) -> bytes:
    return b"<<%s/Length %d>>\nstream\n%s\nendstream" % (entries, len(body), body)


def _page_objects(content: bytes, resources: bytes = b"") -> list[bytes]:
    return [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 500 500]/Resources<<%s>>/Contents 4 0 R>>"
        % resources,
        _stream(b"", content),
    ]


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    box = list(range(256))
    j = 0
    for i in range(256):
        j = (j + box[i] + key[i % len(key)]) % 256
        box[i], box[j] = box[j], box[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + box[i]) % 256
        box[i], box[j] = box[j], box[i]
        out.append(byte ^ box[(box[i] + box[j]) % 256])
    return bytes(out)


def encrypted_pdf(password: bytes = b"secret") -> bytes:
    """A PDF that opens only with ``password`` (standard security handler, RC4 40-bit, R2)."""
    identifier = b"portal-test-pdf!"
    padded = (password + _PAD)[:32]
    owner = _rc4(hashlib.md5(b"owner" + _PAD[:27]).digest()[:5], padded)  # noqa: S324
    permissions = -4
    key = hashlib.md5(  # noqa: S324 - what the PDF standard prescribes
        padded + owner + struct.pack("<i", permissions) + identifier
    ).digest()[:5]
    user = _rc4(key, _PAD)
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + b"\0\0").digest()[:10]  # noqa: S324
    objects = _page_objects(b"")
    objects[3] = _stream(b"", _rc4(object_key, b"0 0 1 rg 50 50 400 400 re f"))
    objects.append(
        b"<</Filter/Standard/V 1/R 2/Length 40/P %d/O<%s>/U<%s>>>"
        % (permissions, owner.hex().encode(), user.hex().encode())
    )
    trailer = b"/Encrypt 5 0 R/ID[<%s><%s>]" % (
        identifier.hex().encode(),
        identifier.hex().encode(),
    )
    return build_pdf(objects, trailer)


def pdf_image_bomb(side: int = 20000) -> bytes:
    """One page drawing a side x side grey image that inflates from a few hundred KB."""
    squeeze = zlib.compressobj(9)
    rows = b"\x80" * side * 100
    body = b"".join(squeeze.compress(rows) for _ in range(side // 100)) + squeeze.flush()
    image = _stream(
        b"/Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray"
        b"/BitsPerComponent 8/Filter/FlateDecode" % (side, side),
        body,
    )
    objects = _page_objects(b"q 500 0 0 500 0 0 cm /Im0 Do Q", b"/XObject<</Im0 5 0 R>>")
    return build_pdf([*objects, image])
