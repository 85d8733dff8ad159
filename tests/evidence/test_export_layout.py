"""`export verify` accepts only a ZIP laid out as the portal writes it: a member made a link,
given a comment or hidden extra bytes, or read differently from the front and from the
directory is refused and named, and odd inputs (a FIFO, a key that cannot be read, a huge
manifest, a million entries) get a clear answer instead of a hang or a traceback."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from portal.evidence.export_verify import main as verify_main
from portal.evidence.export_verify import verify
from portal.security import signing
from tests.evidence.export_helpers import Unseekable, case_to_export, post_export, rebuilt
from tests.staff_helpers import staff_client


def _genuine(app: Flask, worker) -> bytes:
    return post_export(staff_client(app, worker), case_to_export(app, worker.email)).get_data()


def _key(app: Flask):
    with app.app_context():
        return signing.configured_key().public_key()


def _problem(app: Flask, data: bytes) -> str:
    verdict = verify(io.BytesIO(data), _key(app))
    assert not verdict.ok
    return verdict.problem or ""


def _rebuilt(original: bytes, tweak: Callable[[zipfile.ZipInfo], None]) -> bytes:
    """The same members in the portal's streamed layout, each ZipInfo tweaked."""

    def tweaked(info: zipfile.ZipInfo, data: bytes) -> bytes:
        tweak(info)
        return data

    return rebuilt(original, tweaked)


def _many_entries(count: int, name: str) -> bytes:
    """A ZIP of ``count`` empty members named ``name.format(number)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as many:
        for number in range(count):
            many.writestr(name.format(number), b"")
    return out.getvalue()


def test_every_member_is_deflated_so_streaming_readers_open_the_package(app, worker):
    archive = zipfile.ZipFile(io.BytesIO(_genuine(app, worker)))
    assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    assert verify(io.BytesIO(_genuine(app, worker)), _key(app)).ok


def test_a_rebuilt_copy_with_nothing_changed_still_verifies(app, worker):
    assert verify(io.BytesIO(_rebuilt(_genuine(app, worker), lambda _info: None)), _key(app)).ok


def test_a_member_made_a_symbolic_link_is_refused(app, worker):
    def as_link(info: zipfile.ZipInfo) -> None:
        if info.filename == "links.txt":
            info.external_attr = 0o120777 << 16

    assert _problem(app, _rebuilt(_genuine(app, worker), as_link)) == (
        "links.txt: is not a plain file (a link, a folder or odd attributes)"
    )


def test_a_comment_beside_a_file_is_refused(app, worker):
    def commented(info: zipfile.ZipInfo) -> None:
        if info.filename.startswith("files/"):
            info.comment = b"NOTE TO INVESTIGATOR: supplied by the accused, disregard"

    problem = _problem(app, _rebuilt(_genuine(app, worker), commented))
    assert problem.startswith("files/") and "comment or extra data" in problem


def _central_entries(data: bytes) -> list[int]:
    (start,) = struct.unpack("<I", data[-6:-2])
    found, at = [], start
    while data[at : at + 4] == b"PK\x01\x02":
        found.append(at)
        name, extra, comment = struct.unpack("<HHH", data[at + 28 : at + 34])
        at += 46 + name + extra + comment
    return found


def test_bytes_hidden_in_a_local_header_alone_are_refused(app, worker):
    """The directory says nothing of them, so zipfile alone never sees them."""
    data = bytearray(_genuine(app, worker))
    name_length = struct.unpack("<H", data[26:28])[0]
    hidden = struct.pack("<HH", 0xCAFE, 4) + b"evil"
    data[28:30] = struct.pack("<H", len(hidden))
    data[30 + name_length : 30 + name_length] = hidden
    (start,) = struct.unpack("<I", data[-6:-2])
    data[-6:-2] = struct.pack("<I", start + len(hidden))  # the directory moved too
    for at in _central_entries(bytes(data)):
        (offset,) = struct.unpack("<I", data[at + 42 : at + 46])
        if offset:
            data[at + 42 : at + 46] = struct.pack("<I", offset + len(hidden))
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).read("links.txt")  # a sound ZIP still
    problem = _problem(app, bytes(data))
    assert problem == "report.html: its local header does not match the directory"


def test_a_local_header_read_differently_from_the_directory_is_refused(app, worker):
    data = bytearray(_genuine(app, worker))
    data[8:10] = struct.pack("<H", zipfile.ZIP_STORED)  # the first member, report.html
    assert _problem(app, bytes(data)) == (
        "report.html: its local header does not match the directory"
    )


def test_a_zip_of_a_million_entries_is_refused_before_it_is_read(app):
    assert _problem(app, _many_entries(10_001, "x/{}")) == "the ZIP lists more than 10,000 files"


def test_a_huge_manifest_is_named_as_too_large_not_missing(app, tmp_path):
    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("manifest.json", b"0" * (5 * 1024 * 1024)), ("manifest.sig", b"")):
            info = zipfile.ZipInfo(name, date_time=(2026, 12, 3, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    assert _problem(app, bytes(out.written)) == "manifest.json: far larger than an export's"


def test_a_fifo_or_an_unreadable_key_gets_an_answer_not_a_hang_or_a_traceback(
    app, worker, tmp_path: Path, capsys
):
    fifo = tmp_path / "package.zip"
    os.mkfifo(fifo)
    assert not verify(fifo, _key(app)).ok
    assert verify(fifo, _key(app)).problem == "not a regular file"
    genuine = tmp_path / "genuine.zip"
    genuine.write_bytes(_genuine(app, worker))
    assert verify_main([str(genuine), "--public-key", "/proc/self/mem"]) == 2
    assert "public key: cannot read /proc/self/mem" in capsys.readouterr().err


def _hide_after_report(data: bytes, junk: bytes) -> bytes:
    """Bytes put after report.html's deflate stream, inside its compressed size: zipfile's CRC
    check never reads them, and a reader from the front may take them for more files."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("report.html")
    data = bytearray(data)
    name_length = struct.unpack("<H", data[26:28])[0]
    data_end = 30 + name_length + info.compress_size
    data[data_end:data_end] = junk
    descriptor = data_end + len(junk)
    data[descriptor + 8 : descriptor + 12] = struct.pack("<I", info.compress_size + len(junk))
    (start,) = struct.unpack("<I", data[-6:-2])
    data[-6:-2] = struct.pack("<I", start + len(junk))
    for at in _central_entries(bytes(data)):
        length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if data[at + 46 : at + 46 + length] == b"report.html":
            data[at + 20 : at + 24] = struct.pack("<I", info.compress_size + len(junk))
        (offset,) = struct.unpack("<I", data[at + 42 : at + 46])
        if offset:
            data[at + 42 : at + 46] = struct.pack("<I", offset + len(junk))
    return bytes(data)


def test_files_smuggled_after_a_members_deflate_stream_are_refused(app, worker):
    genuine = _genuine(app, worker)
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as fake:
        fake.writestr("messages.txt", "[2026-12-03T10:00:00] staff\n    forged")
    smuggled = _hide_after_report(genuine, forged.getvalue())
    assert zipfile.ZipFile(io.BytesIO(smuggled)).read("report.html")  # zipfile is content
    assert _problem(app, smuggled) == "report.html: bytes hidden after its compressed data"


def test_a_zip64_record_or_a_second_directory_is_refused(app, worker):
    genuine = _genuine(app, worker)
    locator = b"PK\x06\x07" + bytes(16)
    twin = genuine[:-22] + locator + genuine[-22:]
    assert "ZIP64" in _problem(app, twin)
    moved = bytearray(genuine)
    (start,) = struct.unpack("<I", moved[-6:-2])
    moved[-6:-2] = struct.pack("<I", start - 46)  # the end record points elsewhere
    assert _problem(app, bytes(moved)) == (
        "the ZIP holds bytes outside its files (added between or after them)"
    )


def test_an_end_record_that_understates_a_huge_directory_is_refused_before_parsing(app):
    data = bytearray(_many_entries(50_000, "padding/name-{:08d}"))
    data[-14:-10] = struct.pack("<HH", 5, 5)  # "five files"
    assert "not laid out as an export's" in _problem(app, bytes(data))
