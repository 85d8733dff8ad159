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
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from portal.evidence import export_layout
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
    # What the signed manifest says the portal found when it made the package.
    warnings: tuple[str, ...] = ()


def _warnings(document: dict[str, Any]) -> tuple[str, ...]:
    checks = document.get("checks")
    checks = checks if isinstance(checks, dict) else {}
    found = []
    if checks.get("signing_key") == "development":
        found.append("signed with a development key: this package is NOT evidence")
    trail = checks.get("audit_trail")
    if trail not in (None, "ok"):
        found.append(
            f"the portal's audit trail failed its check ({trail}): "
            "the custody log may be incomplete or altered"
        )
    return tuple(found)


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


def _check(archive: zipfile.ZipFile, public: Ed25519PublicKey) -> Verdict:
    laid_out = export_layout.layout_problem(archive)
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
    return Verdict(
        True, files=len(files), case=str(document.get("case") or ""), warnings=_warnings(document)
    )


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
            refused = export_layout.end_record_problem(handle)
            if refused:
                return Verdict(False, refused)
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
        for warning in verdict.warnings:
            print(f"WARNING: {warning}")
        return 0
    print(f"FAILED: {verdict.problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
