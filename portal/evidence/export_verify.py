"""Checking a police export anywhere: the manifest's signature, then every file's size and hash.

No database, no settings: ``python -m portal.evidence.export_verify FILE.zip --public-key KEY``
runs on an investigator's computer with only this package installed, and
``flask --app portal export verify`` calls the same code. The first problem found is named
(the file that differs, or the manifest whose signature fails) and nothing else is trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.evidence.export import FORMAT, MANIFEST, SIGNATURE
from portal.security.signing import SigningKeyError, parse_public, verifies

# A manifest or signature bigger than this is not one of ours.
MAX_MANIFEST = 4 * 1024 * 1024
READ = 1024 * 1024
MAX_KEY_FILE = 16 * 1024
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problem: str | None = None
    files: int = 0
    case: str | None = None


class _TooLarge(Exception):
    pass


def _small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_MANIFEST:
        raise _TooLarge(name)
    with archive.open(info) as handle:
        return handle.read(MAX_MANIFEST + 1)[:MAX_MANIFEST]


def _hash_member(archive: zipfile.ZipFile, name: str, size: int) -> tuple[int, str]:
    """Size and SHA-256 of a member, reading at most one byte past what the manifest says."""
    digest = hashlib.sha256()
    seen = 0
    with archive.open(name) as handle:
        while seen <= size:
            block = handle.read(min(READ, size + 1 - seen))
            if not block:
                break
            digest.update(block)
            seen += len(block)
    return seen, digest.hexdigest()


def _listed(document: Any) -> list[dict[str, Any]] | None:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    files = document.get("files")
    if not isinstance(files, list):
        return None
    for item in files:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("size"), int)
            and isinstance(item.get("sha256"), str)
        ):
            return None
    return files


# What the portal writes for every member: a regular file readable by all, streamed (a data
# descriptor follows the bytes), maybe a UTF-8 name. Anything else was made by another tool.
FILE_MODE = 0o644 << 16
STREAMED = 0x08
UTF8_NAME = 0x800
# A genuine export holds a few dozen members; refusing more before zipfile reads the
# directory keeps a crafted one from taking the memory of a million entries.
MAX_ENTRIES = 10_000


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


def _dos_time(day: int, when: int) -> tuple[int, int, int, int, int, int]:
    return (
        (day >> 9) + 1980,
        (day >> 5) & 0xF,
        day & 0x1F,
        when >> 11,
        (when >> 5) & 0x3F,
        (when & 0x1F) * 2,
    )


def _layout_problem(archive: zipfile.ZipFile) -> str | None:
    """An export is its members back to back from byte 0, then the directory, then the end
    record, and nothing else: a forged ZIP put in front of or inside a genuine one, which
    tools reading from the front would extract, is refused, and so is any member whose
    headers say more than the portal writes (a link, a comment, hidden extra bytes)."""
    handle = archive.fp
    if handle is None or archive.comment:
        return "the ZIP has a comment or cannot be read"
    expected = 0
    for info in sorted(archive.infolist(), key=lambda item: item.header_offset):
        if info.header_offset != expected:
            return f"{info.filename}: not where an export puts it (bytes added before or between)"
        odd = _member_problem(info)
        if odd:
            return f"{info.filename}: {odd}"
        end = _entry_end(handle, info)
        if end is None:
            return f"{info.filename}: its local header does not match the directory"
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


def _too_many_entries(handle: IO[bytes]) -> bool:
    handle.seek(0, 2)
    size = handle.tell()
    if size < 22:
        return False  # zipfile says what is wrong with it
    handle.seek(size - 22)
    record = handle.read(22)
    handle.seek(0)
    return record[:4] == b"PK\x05\x06" and struct.unpack("<H", record[10:12])[0] > MAX_ENTRIES


def _check(archive: zipfile.ZipFile, public: Ed25519PublicKey) -> Verdict:
    laid_out = _layout_problem(archive)
    if laid_out:
        return Verdict(False, laid_out)
    names = archive.namelist()
    if len(set(names)) != len(names):
        return Verdict(False, "the ZIP holds two files with the same name")
    try:
        manifest = _small(archive, MANIFEST)
        signature = _small(archive, SIGNATURE)
    except _TooLarge as large:
        return Verdict(False, f"{large}: far larger than an export's")
    except DAMAGED:
        return Verdict(False, f"{MANIFEST}: damaged")
    if manifest is None:
        return Verdict(False, f"{MANIFEST}: missing")
    if signature is None:
        return Verdict(False, f"{SIGNATURE}: missing")
    if not verifies(public, signature, manifest):
        return Verdict(False, f"{MANIFEST}: the signature does not match (altered, or another key)")
    try:
        document = json.loads(manifest.decode("utf-8"))
    except ValueError:
        return Verdict(False, f"{MANIFEST}: not readable")
    files = _listed(document)
    if files is None:
        return Verdict(False, f"{MANIFEST}: not an export manifest")
    for item in files:
        name = item["name"]
        if name not in names:
            return Verdict(False, f"{name}: missing")
        try:
            size, digest = _hash_member(archive, name, item["size"])
        except DAMAGED:
            return Verdict(False, f"{name}: damaged (its bytes no longer match the ZIP's CRC)")
        if size != item["size"] or digest != item["sha256"]:
            return Verdict(False, f"{name}: differs from the manifest (SHA-256 or size)")
    unlisted = sorted(set(names) - {item["name"] for item in files} - {MANIFEST, SIGNATURE})
    if unlisted:
        return Verdict(False, f"{unlisted[0]}: not in the manifest")
    return Verdict(True, files=len(files), case=str(document.get("case") or ""))


def verify(source: str | Path | IO[bytes], public: Ed25519PublicKey) -> Verdict:
    """Check one export; a damaged member is named (its CRC no longer matches)."""
    if isinstance(source, str | Path) and not Path(source).is_file():
        return Verdict(False, "not a regular file")
    try:
        with contextlib.ExitStack() as stack:
            handle = (
                stack.enter_context(open(source, "rb"))
                if isinstance(source, str | Path)
                else source
            )
            if _too_many_entries(handle):
                return Verdict(False, f"the ZIP lists more than {MAX_ENTRIES:,} files")
            archive = stack.enter_context(zipfile.ZipFile(handle))
            return _check(archive, public)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as problem:
        return Verdict(False, f"not a readable ZIP file ({problem.__class__.__name__})")


def read_public_key(value: str) -> Ed25519PublicKey:
    """A key given on the command line: the base64 line, PEM text, or a file holding either."""
    path = Path(value)
    if len(value) < 4096 and path.is_file():
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_KEY_FILE + 1)
        except OSError as problem:
            raise SigningKeyError(f"cannot read {value}: {problem.strerror}") from None
        if len(raw) > MAX_KEY_FILE:
            raise SigningKeyError(f"{value} is far larger than a public key")
        value = raw.decode("utf-8", "replace")
    return parse_public(value)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] != "--public-key":
        print(
            "usage: python -m portal.evidence.export_verify FILE.zip --public-key KEY",
            file=sys.stderr,
        )
        return 2
    try:
        public = read_public_key(argv[2])
    except (SigningKeyError, ValueError) as problem:
        print(f"public key: {problem}", file=sys.stderr)
        return 2
    verdict = verify(argv[0], public)
    if verdict.ok:
        print(f"ok: {verdict.files} files of case {verdict.case} match the signed manifest")
        return 0
    print(f"FAILED: {verdict.problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
