"""The export signing key (PORTAL_SIGNING_KEY): Ed25519 signatures an investigator can check.

Unlike the audit checkpoint key, which stays off the servers, this key must be on them: the
portal signs each police export as it is made. Development derives a fixed key from the
local secret key, the same in every process; production has none unless an operator sets
one, and then refuses exports instead of signing with a key nobody can vouch for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from flask import current_app

SETTING = "PORTAL_SIGNING_KEY"
# Both halves are 32 bytes of base64; the private one carries this prefix, so the public key
# (handed to investigators) pasted into the setting is refused instead of signing for anyone.
PRIVATE_PREFIX = "private-ed25519:"


class SigningKeyError(ValueError):
    """A key is malformed, or no key is configured where one is needed."""


def _raw(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyError(f"{what} is not valid base64") from None
    if len(raw) != 32:
        raise SigningKeyError(f"{what} must be 32 bytes (base64 of an Ed25519 key)")
    return raw


def generate() -> tuple[str, str]:
    """A new (private, public) pair, base64 of the raw 32-byte keys."""
    private = Ed25519PrivateKey.generate()
    raw = base64.b64encode(private.private_bytes_raw()).decode("ascii")
    return PRIVATE_PREFIX + raw, public_b64(private)


def parse_private(text: str) -> Ed25519PrivateKey:
    """The key as ``keys generate-signing`` prints it (``private-ed25519:`` and base64), alone or
    as its ``PORTAL_SIGNING_KEY=`` line."""
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name == SETTING:
            text = value
            break
    text = text.strip()
    if not text.startswith(PRIVATE_PREFIX):
        raise SigningKeyError(
            f"{SETTING} must start with {PRIVATE_PREFIX} (a bare key may be the public one)"
        )
    return Ed25519PrivateKey.from_private_bytes(_raw(text.removeprefix(PRIVATE_PREFIX), SETTING))


def parse_public(text: str) -> Ed25519PublicKey:
    """A public key as ``export public-key`` prints it: PEM, or the bare base64 line."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnsupportedAlgorithm):
            raise SigningKeyError("the public key is not a readable PEM key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise SigningKeyError("the public key is not an Ed25519 key")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw(text, "the public key"))


def public_b64(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_pem(private: Ed25519PrivateKey) -> str:
    pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def fingerprint(private_or_public: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, grouped for reading aloud over the phone."""
    public = (
        private_or_public.public_key()
        if isinstance(private_or_public, Ed25519PrivateKey)
        else private_or_public
    )
    digest = hashlib.sha256(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def is_development_key() -> bool:
    """Whether exports are signed with the key derived for development (not evidence)."""
    return not (current_app.config.get(SETTING) or "").strip()


def configured_key() -> Ed25519PrivateKey:
    """The app's signing key; raises SigningKeyError when production has none."""
    config = current_app.config
    text = (config.get(SETTING) or "").strip()
    if text:
        return parse_private(text)
    if config.get("PORTAL_PRODUCTION"):
        raise SigningKeyError(f"{SETTING} is not set: exports are signed, so none can be made")
    seed = hmac.new(
        str(config["SECRET_KEY"]).encode("utf-8"), b"dev-export-signing", hashlib.sha256
    ).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def sign(private: Ed25519PrivateKey, data: bytes) -> bytes:
    return private.sign(data)


def verifies(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
