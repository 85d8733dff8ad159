"""Whether a ZIP is laid out exactly as the portal writes a police export, byte for byte.

Two tools reading the same file must see the same files: one reading from the front (Java's
ZipInputStream, streaming unzippers) and one reading the central directory (zipfile, unzip).
So an export is its members back to back from byte 0, each a plain file with nothing in its
headers beyond what the portal writes and a deflate stream that ends exactly where the
member does, then one central directory, then one end record, and nothing else: no ZIP64
records, no second directory, no comment. The end record is read before zipfile parses
anything, so a crafted file cannot make it build a million entries.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import IO

# What the portal writes for every member: a regular file readable by all, streamed (a data
# descriptor follows the bytes), maybe a UTF-8 name. Anything else was made by another tool.
FILE_MODE = 0o644 << 16
STREAMED = 0x08
READ = 1024 * 1024
UTF8_NAME = 0x800
# A genuine export holds a few dozen members; refusing more before zipfile reads the
# directory keeps a crafted one from taking the memory of a million entries.
MAX_ENTRIES = 10_000
MAX_DIRECTORY = MAX_ENTRIES * 320
# Far more than five 10 MB files and their PDF pages; a larger claim is not an export.
MAX_UNPACKED = 1024 * 1024 * 1024
END = 22


def _member_problem(info: zipfile.ZipInfo) -> str | None:
    """What the central directory says of a member that the portal never writes."""
    if info.comment or info.extra:
        return "carries a comment or extra data the portal never writes"
    if info.external_attr != FILE_MODE or info.internal_attr or info.volume:
        return "is not a plain file (a link, a folder or odd attributes)"
    if info.flag_bits & ~UTF8_NAME != STREAMED:
        return "has header flags the portal never writes"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "uses a compression the portal never writes"
    return None


def _entry_end(handle: IO[bytes], info: zipfile.ZipInfo) -> int | None:
    """Where a member's bytes end (local header, name, data, descriptor), or None when its
    local header or data descriptor says anything the central directory does not: tools
    reading from the front must see the very same files as tools reading the directory."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        return None
    (_version, flags, method, when, day, crc, packed, size, name_length, extra_length) = (
        struct.unpack("<HHHHHIIIHH", header[4:30])
    )
    if (flags, method, extra_length, crc, packed, size) != (
        info.flag_bits,
        info.compress_type,
        0,
        0,
        0,
        0,
    ) or _dos_time(day, when) != info.date_time:
        return None
    if handle.read(name_length) != info.filename.encode("utf-8"):
        return None
    end = info.header_offset + 30 + name_length + info.compress_size
    handle.seek(end)
    descriptor = handle.read(16)
    if descriptor[:4] != b"PK\x07\x08" or struct.unpack("<III", descriptor[4:16]) != (
        info.CRC,
        info.compress_size,
        info.file_size,
    ):
        return None
    return end + 16


def _data_ends_with_member(handle: IO[bytes], info: zipfile.ZipInfo, start: int) -> bool:
    """The member's data is exactly its deflate stream (or, stored, exactly its bytes):
    nothing a streaming reader would take for the next file hides after the stream's end."""
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size == info.file_size
    handle.seek(start)
    inflate = zlib.decompressobj(-15)
    left, produced = info.compress_size, 0
    while left:
        block = handle.read(min(READ, left))
        if not block:
            return False
        left -= len(block)
        try:
            produced += len(inflate.decompress(block, info.file_size + 1 - produced))
            while inflate.unconsumed_tail and produced <= info.file_size:
                produced += len(
                    inflate.decompress(inflate.unconsumed_tail, info.file_size + 1 - produced)
                )
        except zlib.error:
            return False
        if produced > info.file_size or (inflate.eof and (left or inflate.unused_data)):
            return False
    return inflate.eof and not inflate.unused_data and produced == info.file_size


def _dos_time(day: int, when: int) -> tuple[int, int, int, int, int, int]:
    return (
        (day >> 9) + 1980,
        (day >> 5) & 0xF,
        day & 0x1F,
        when >> 11,
        (when >> 5) & 0x3F,
        (when & 0x1F) * 2,
    )


def layout_problem(archive: zipfile.ZipFile) -> str | None:
    """An export is its members back to back from byte 0, then the directory, then the end
    record, and nothing else: a forged ZIP put in front of or inside a genuine one, which
    tools reading from the front would extract, is refused, and so is any member whose
    headers say more than the portal writes (a link, a comment, hidden extra bytes)."""
    handle = archive.fp
    if handle is None or archive.comment:
        return "the ZIP has a comment or cannot be read"
    expected = unpacked = 0
    for info in sorted(archive.infolist(), key=lambda item: item.header_offset):
        if info.header_offset != expected:
            return f"{info.filename}: not where an export puts it (bytes added before or between)"
        odd = _member_problem(info)
        if odd:
            return f"{info.filename}: {odd}"
        end = _entry_end(handle, info)
        if end is None:
            return f"{info.filename}: its local header does not match the directory"
        unpacked += info.file_size
        if unpacked > MAX_UNPACKED:
            return "the ZIP says it holds far more than an export"
        if not _data_ends_with_member(handle, info, end - 16 - info.compress_size):
            return f"{info.filename}: bytes hidden after its compressed data"
        expected = end
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(size - 22)
    record = handle.read(22)
    count = len(archive.infolist())
    if (
        expected != archive.start_dir
        or record[:4] != b"PK\x05\x06"
        or struct.unpack("<HHHH", record[4:12]) != (0, 0, count, count)
    ):
        return "the ZIP holds bytes outside its files (added between or after them)"
    return None


def end_record_problem(handle: IO[bytes]) -> str | None:
    """What is wrong with the end of the file, read before zipfile parses anything."""
    handle.seek(0, 2)
    size = handle.tell()
    if size < END:
        return None  # zipfile says what is wrong with it
    handle.seek(size - END - 20)
    before = handle.read(20) if size >= END + 20 else b""
    record = handle.read(END)
    handle.seek(0)
    if record[:4] != b"PK\x05\x06":
        return None  # no end record where an export has it: zipfile names the problem
    _disk, _start, _here, entries, directory, offset, comment = struct.unpack(
        "<HHHHIIH", record[4:22]
    )
    if entries > MAX_ENTRIES:
        return f"the ZIP lists more than {MAX_ENTRIES:,} files"
    if before[:4] == b"PK\x06\x07" or comment or directory > MAX_DIRECTORY:
        return "the ZIP's directory is not laid out as an export's (ZIP64, a comment, or too big)"
    if offset + directory != size - END:
        return "the ZIP holds bytes outside its files (added between or after them)"
    return None
