"""Signed checkpoints of the audit chain's head, for an operator to keep off-site.

A checkpoint names the number of sealed entries and the chain hash after the last of them,
signed with Ed25519. Whoever later holds the database, and even PORTAL_AUDIT_KEY, cannot
rewrite anything up to that entry without the chain hash at that position changing, and the
copy kept elsewhere says what it must be. The signing key belongs to the operator, not to
the app servers: commands read it from a file or the environment, never from the database.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from portal.extensions import Session
from portal.models import AuditEntry, utcnow
from portal.security.audit import GENESIS, ChainReport

FORMAT = "portal-audit-checkpoint-v1"


class CheckpointError(ValueError):
    """A key or checkpoint file is malformed, or a signature does not hold."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str, size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointError(f"{what} is not valid base64") from None
    if size is not None and len(raw) != size:
        raise CheckpointError(f"{what} must be {size} bytes")
    return raw


def generate_signing_key() -> tuple[str, str]:
    """A new (private, public) pair, base64."""
    private = Ed25519PrivateKey.generate()
    return _b64(private.private_bytes_raw()), public_key_of(private)


def load_private_key(text: str) -> Ed25519PrivateKey:
    """The key as keygen prints it: the bare base64, or the ``PORTAL_AUDIT_SIGNING_KEY=`` line
    (a file holding both lines of ``keygen --signing`` works as it is)."""
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name == "PORTAL_AUDIT_SIGNING_KEY":
            text = value
            break
    return Ed25519PrivateKey.from_private_bytes(_unb64(text, "the signing key", 32))


def load_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(_unb64(text, "the public key", 32))


def public_key_of(private: Ed25519PrivateKey) -> str:
    return _b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def _signed_bytes(entries: int, head: str, created_at: str) -> bytes:
    return json.dumps([FORMAT, entries, head, created_at], separators=(",", ":")).encode("ascii")


def make(report: ChainReport, private: Ed25519PrivateKey) -> dict[str, Any]:
    """A checkpoint of a chain that has just verified intact."""
    if not report.ok:
        raise CheckpointError("the audit trail does not verify; no checkpoint was made")
    created_at = utcnow().isoformat()
    signature = private.sign(_signed_bytes(report.head_seq, report.head_hash, created_at))
    return {
        "format": FORMAT,
        "entries": report.head_seq,
        "head": report.head_hash,
        "created_at": created_at,
        "public_key": public_key_of(private),
        "signature": _b64(signature),
    }


@dataclass(frozen=True)
class Checkpoint:
    entries: int
    head: str
    created_at: str


def parse(text: str, public: Ed25519PublicKey) -> Checkpoint:
    """Read a checkpoint and check its signature against the operator's public key."""
    try:
        document = json.loads(text)
        entries, head, created_at = document["entries"], document["head"], document["created_at"]
        signature = _unb64(document["signature"], "the signature", 64)
    except (ValueError, KeyError, TypeError, RecursionError):
        raise CheckpointError("this is not a portal audit checkpoint") from None
    if document.get("format") != FORMAT or not isinstance(entries, int) or entries < 0:
        raise CheckpointError("this is not a portal audit checkpoint")
    if not (isinstance(head, str) and isinstance(created_at, str)):
        raise CheckpointError("this is not a portal audit checkpoint")
    try:
        public.verify(signature, _signed_bytes(entries, head, created_at))
    except InvalidSignature:
        raise CheckpointError("the checkpoint's signature does not match the public key") from None
    return Checkpoint(entries, head, created_at)


def matches(session: Session, checkpoint: Checkpoint) -> str | None:
    """None when the chain still holds the checkpoint's head at its position, else why not."""
    if checkpoint.entries == 0:
        return None if checkpoint.head == GENESIS else "the checkpoint's head is malformed"
    stored = session.execute(
        select(AuditEntry.entry_hash).where(AuditEntry.seq == checkpoint.entries)
    ).scalar_one_or_none()
    if stored is None:
        return f"entry number {checkpoint.entries} from the checkpoint is gone"
    if stored != checkpoint.head:
        return f"the trail up to entry number {checkpoint.entries} was rewritten"
    return None
