"""Field and file encryption, keyed hashes and the key ring: it holds the data, receipt and
audit keys (the export signing key is portal.security.signing's).

Text is sealed with AES-256-GCM as ``e2.<key id>.<base64url(nonce | ciphertext)>``; the
associated data is the column's purpose (``case.description``, ...) and the row it belongs
to (portal.models.sealed says which), so a ciphertext copied into another column, another
row or another case does not open. ``e1`` values, from before row binding, name only the
column. ``PORTAL_DATA_KEYS`` is ``id:key[,id:key...]``; the first
key seals new data and any listed key opens old data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app

log = logging.getLogger(__name__)

TEXT_PREFIX = "e1"  # bound to its column only (values written before row binding)
BOUND_PREFIX = "e2"  # bound to its column and its row
FILE_MAGIC = b"PEF1"
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
DEV_SECRETS_NAME = "dev-secrets.json"


class KeyRingError(ValueError):
    """The key ring setting is malformed."""


class DecryptionError(ValueError):
    """Data does not open with any key in the ring (wrong key, tampering, or removed key)."""


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bound(purpose: str, row: str) -> str:
    return f"{purpose}\x00{row}"


def generate_data_key() -> str:
    """A new ``id:key`` entry for PORTAL_DATA_KEYS."""
    return f"k{secrets.token_hex(4)}:{_b64e(AESGCM.generate_key(bit_length=256))}"


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]
    primary_id: str
    accept_unbound: bool = True  # PORTAL_UNBOUND_VALUES=open|refuse
    # One cipher per key: building it is most of the cost of opening a short value, and a
    # fingerprint search opens thousands.
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, setting: str, accept_unbound: bool = True) -> KeyRing:
        keys: dict[str, bytes] = {}
        primary = None
        for entry in (part.strip() for part in setting.split(",")):
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            if not sep or not KEY_ID_PATTERN.match(key_id):
                raise KeyRingError("each PORTAL_DATA_KEYS entry must look like id:base64key")
            try:
                raw = _b64d(encoded)
            except (binascii.Error, ValueError):
                raise KeyRingError(f"key {key_id!r} is not valid base64") from None
            if len(raw) != 32:
                raise KeyRingError(f"key {key_id!r} must be 32 bytes (256 bits)")
            if key_id in keys:
                raise KeyRingError(f"key id {key_id!r} appears twice")
            keys[key_id] = raw
            primary = primary or key_id
        if primary is None:
            raise KeyRingError("PORTAL_DATA_KEYS holds no key")
        return cls(keys=keys, primary_id=primary, accept_unbound=accept_unbound)

    def _open_key(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            try:
                cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
            except KeyError:
                raise DecryptionError(f"no key with id {key_id!r} in the ring") from None
        return cipher

    def encrypt_text(self, plaintext: str, purpose: str, row: str | None = None) -> str:
        """Seal text for a column (``purpose``) and, when given, the row it belongs to."""
        prefix, aad = (
            (TEXT_PREFIX, purpose) if row is None else (BOUND_PREFIX, _bound(purpose, row))
        )
        nonce = os.urandom(12)
        sealed = self._open_key(self.primary_id).encrypt(
            nonce, plaintext.encode("utf-8"), aad.encode("utf-8")
        )
        return f"{prefix}.{self.primary_id}.{_b64e(nonce + sealed)}"

    def decrypt_text(
        self, token: str, purpose: str, row: str | None = None, *, unbound: bool | None = None
    ) -> str:
        """Open a value sealed by ``encrypt_text`` for this column (and row).

        A row-bound value opens only with the row it was sealed for. An older value bound
        to its column alone opens while ``unbound`` allows it (until `keys rotate` has
        re-sealed everything and PORTAL_UNBOUND_VALUES=refuse).
        """
        prefix, _, rest = token.partition(".")
        key_id, _, body = rest.partition(".")
        if prefix == BOUND_PREFIX and row is not None and body:
            aad = _bound(purpose, row)
        elif prefix == TEXT_PREFIX and body and (row is None or self._unbound_ok(unbound)):
            aad = purpose
        else:
            raise DecryptionError("not an encrypted value for this row")
        try:
            raw = _b64d(body)
            opened = self._open_key(key_id).decrypt(raw[:12], raw[12:], aad.encode("utf-8"))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError("value does not open with its key") from exc
        return opened.decode("utf-8")

    def _unbound_ok(self, unbound: bool | None) -> bool:
        return self.accept_unbound if unbound is None else unbound

    def is_bound(self, token: str) -> bool:
        return token.startswith(BOUND_PREFIX + ".")

    def text_key_id(self, token: str) -> str | None:
        parts = token.split(".", 2)
        return parts[1] if len(parts) == 3 and parts[0] in (TEXT_PREFIX, BOUND_PREFIX) else None

    def encrypt_bytes(self, data: bytes, purpose: str) -> bytes:
        nonce = os.urandom(12)
        kid = self.primary_id.encode("ascii")
        sealed = self._open_key(self.primary_id).encrypt(nonce, data, purpose.encode("ascii"))
        return FILE_MAGIC + bytes([len(kid)]) + kid + nonce + sealed

    def bytes_key_id(self, blob: bytes) -> str | None:
        if not blob.startswith(FILE_MAGIC) or len(blob) < 6:
            return None
        size = blob[4]
        return blob[5 : 5 + size].decode("ascii", "replace")

    def decrypt_bytes(self, blob: bytes, purpose: str) -> bytes:
        key_id = self.bytes_key_id(blob)
        if key_id is None:
            raise DecryptionError("not an encrypted file")
        start = 5 + len(key_id)
        nonce, sealed = blob[start : start + 12], blob[start + 12 :]
        try:
            return self._open_key(key_id).decrypt(nonce, sealed, purpose.encode("ascii"))
        except InvalidTag as exc:
            raise DecryptionError("file does not open with its key") from exc


@dataclass(frozen=True)
class Secrets:
    ring: KeyRing
    receipt_key: bytes
    lookup_key: bytes  # keyed hashes of links and client addresses
    audit_key: bytes  # the audit trail's entry and chain HMACs; never in the database


def _derive(master: str, label: str) -> bytes:
    return hmac.new(master.encode("utf-8"), label.encode("ascii"), hashlib.sha256).digest()


def ensure_dev_secrets(instance_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Create the local development secrets once, atomically, and return them.

    Every worker and CLI command reads the same file; the first process to need it
    writes a temporary file and links it into place, so nobody sees half a file.
    """
    directory = Path(instance_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / DEV_SECRETS_NAME
    if not target.exists():
        fresh = {
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_RECEIPT_KEY": secrets.token_urlsafe(48),
            "PORTAL_DATA_KEYS": generate_data_key(),
            "PORTAL_AUDIT_KEY": secrets.token_urlsafe(48),
        }
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".dev-secrets-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(fresh, handle)
            os.chmod(tmp_name, 0o600)
            try:
                os.link(tmp_name, target)
                log.warning(
                    "development mode: created local keys in %s; never use them in production",
                    target,
                )
            except FileExistsError:
                pass  # another process won the race; use its file
        finally:
            os.unlink(tmp_name)
    return json.loads(target.read_text(encoding="utf-8"))


_DEV_FILLED = ("SECRET_KEY", "PORTAL_RECEIPT_KEY", "PORTAL_DATA_KEYS", "PORTAL_AUDIT_KEY")


def init_app(app: Flask) -> None:
    """Resolve secrets (generating local ones in development) and install the key ring."""
    config = app.config
    if not config.get("PORTAL_PRODUCTION") and not all(config.get(n) for n in _DEV_FILLED):
        local = ensure_dev_secrets(config["PORTAL_INSTANCE_DIR"])
        # Files written before the audit key existed: derive it, identically in every process.
        local.setdefault(
            "PORTAL_AUDIT_KEY", _b64e(_derive(local["PORTAL_SECRET_KEY"], "dev-audit"))
        )
        local["SECRET_KEY"] = local["PORTAL_SECRET_KEY"]
        for name in _DEV_FILLED:
            config[name] = config.get(name) or local[name]
    app.extensions["portal_secrets"] = Secrets(
        ring=KeyRing.parse(
            config["PORTAL_DATA_KEYS"], accept_unbound=config["PORTAL_UNBOUND_VALUES"] == "open"
        ),
        receipt_key=_derive(config["PORTAL_RECEIPT_KEY"], "receipt"),
        lookup_key=_derive(config["SECRET_KEY"], "lookup"),
        audit_key=_derive(config["PORTAL_AUDIT_KEY"], "audit"),
    )
    # The keys live in the ring now; nothing else should read them from config.
    for name in ("PORTAL_DATA_KEYS", "PORTAL_RECEIPT_KEY", "PORTAL_AUDIT_KEY"):
        config[name] = "(loaded)"


def _secrets() -> Secrets:
    return current_app.extensions["portal_secrets"]


def ring() -> KeyRing:
    return _secrets().ring


def receipt_digest(normalised_receipt: str) -> str:
    return hmac.new(
        _secrets().receipt_key, normalised_receipt.encode("ascii"), hashlib.sha256
    ).hexdigest()


def receipt_binding(normalised_receipt: str, case_id: int, case_ref: str) -> str:
    """Ties a receipt to its case's row and number: a receipt hash moved to another row, or a
    row given another case's number, is refused."""
    message = f"case-receipt\x00{case_id}\x00{case_ref}\x00{normalised_receipt}".encode()
    return hmac.new(_secrets().receipt_key, message, hashlib.sha256).hexdigest()


def lookup_digest(purpose: str, value: str) -> str:
    """Keyed hash for finding equal values (links, client addresses) without storing them."""
    message = purpose.encode("ascii") + b"\x00" + value.encode("utf-8")
    return hmac.new(_secrets().lookup_key, message, hashlib.sha256).hexdigest()


def lookup_numbers(purpose: str, values: list[str]) -> list[int]:
    """Keyed hashes as signed 64-bit numbers, for indexed columns searched by equality."""
    keyed = hmac.new(_secrets().lookup_key, purpose.encode("ascii") + b"\x00", hashlib.sha256)
    found = []
    for value in values:
        one = keyed.copy()
        one.update(value.encode("utf-8"))
        found.append(int.from_bytes(one.digest()[:8], "big", signed=True))
    return found


def audit_mac(message: bytes) -> str:
    """The audit trail's HMAC: whoever can write the database but lacks the key cannot
    forge or re-chain an entry."""
    return hmac.new(_secrets().audit_key, message, hashlib.sha256).hexdigest()


def digests_equal(left: str, right: str) -> bool:
    # UTF-8, not ASCII: a value planted in the database must compare unequal, not crash.
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
