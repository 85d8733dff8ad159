"""The police export as a ZIP built while it is sent: members, their manifest, its signature.

Two passes over the members: the first hashes each (one file in memory at a time) so the
manifest, its signature and the audit entry exist before a byte goes out; the second
streams them through ``zipfile`` into chunks for the response, checking each hash again, so
a file changed between the passes breaks the download instead of shipping unsigned bytes.
Nothing is written to disk: the evidence files are decrypted into memory one at a time.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.evidence import storage

FORMAT = "portal-evidence-export-v1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CHUNK = 64 * 1024
# Already compressed: deflated at the fastest level only, since it saves nothing.
STORED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


class ExportChanged(RuntimeError):
    """A member's bytes differ between hashing and sending; the download is cut off."""


@dataclass(frozen=True)
class Member:
    name: str
    load: Callable[[], bytes]
    compress: bool


@dataclass(frozen=True)
class Listed:
    name: str
    size: int
    sha256: str


def text_member(name: str, text: str) -> Member:
    data = text.encode("utf-8")
    return Member(name=name, load=lambda: data, compress=True)


def file_member(name: str, upload_dir: str, stored_name: str, media_type: str) -> Member:
    return Member(
        name=name,
        load=lambda: storage.load(upload_dir, stored_name),
        compress=media_type not in STORED_TYPES,
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def listing(member: Member) -> Listed:
    """A member's name, size and SHA-256 (its bytes are dropped again at once)."""
    data = member.load()
    return Listed(member.name, len(data), _digest(data))


def manifest(
    members: list[Member],
    *,
    case_ref: str,
    exported_at: datetime,
    exporter: str,
    version: str,
    public_key: str,
    hashed: dict[str, Listed] | None = None,
    checks: dict[str, str] | None = None,
) -> tuple[bytes, list[Listed]]:
    """Pass one: every member's size and SHA-256 (``hashed`` ones are taken as they are),
    and the manifest's exact bytes. ``checks`` says what the portal found when it made the
    package (whether the signing key is a development one, whether the audit trail held)."""
    names = [member.name for member in members]
    if len(set(names)) != len(names) or {MANIFEST, SIGNATURE} & set(names):
        raise ValueError("member names must be unique and not the manifest's")
    listed = [(hashed or {}).get(member.name) or listing(member) for member in members]
    document = {
        "format": FORMAT,
        "case": case_ref,
        "exported_at": exported_at.astimezone(UTC).isoformat(timespec="seconds"),
        "exported_by": exporter,
        "portal_version": version,
        "signature": {"algorithm": "Ed25519", "public_key": public_key, "file": SIGNATURE},
        "checks": checks or {},
        "files": [{"name": item.name, "size": item.size, "sha256": item.sha256} for item in listed],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    return text.encode("utf-8"), listed


class _Chunks(io.RawIOBase):
    """A write-only, unseekable file whose written bytes are taken out in chunks."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._offset = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _info(name: str, when: datetime, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.astimezone(UTC).timetuple()[:6])
    # Every member deflated, images at the fastest level: a streamed ZIP puts a data
    # descriptor after each member, and streaming readers (Java's ZipInputStream, which
    # forensic tools are built on) accept one only after deflated data.
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 6 if compress else 1  # type: ignore[attr-defined]
    info.external_attr = 0o644 << 16
    return info


def stream(
    members: list[Member],
    listed: list[Listed],
    manifest_bytes: bytes,
    signature: bytes,
    when: datetime,
) -> Iterator[bytes]:
    """Pass two: the ZIP, chunk by chunk (at most about one member's size held at once)."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w") as archive:
        for member, expected in zip(members, listed, strict=True):
            data = member.load()
            if len(data) != expected.size or _digest(data) != expected.sha256:
                raise ExportChanged(member.name)
            with archive.open(_info(member.name, when, member.compress), "w") as out:
                for start in range(0, len(data), CHUNK):
                    out.write(data[start : start + CHUNK])
                    if chunk := sink.take():
                        yield chunk
            del data
        archive.writestr(_info(MANIFEST, when, True), manifest_bytes)
        archive.writestr(_info(SIGNATURE, when, False), signature)
    if chunk := sink.take():
        yield chunk
