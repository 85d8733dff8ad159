"""Key ring, local development keys, and the production start-up rules."""

from __future__ import annotations

import json
import multiprocessing
import os

import pytest

from portal.config import ConfigError, load_config
from portal.security.crypto import (
    DecryptionError,
    KeyRing,
    KeyRingError,
    ensure_dev_secrets,
    generate_data_key,
)


def test_text_round_trip_and_purpose_binding():
    ring = KeyRing.parse(generate_data_key())
    sealed = ring.encrypt_text("비밀 secret", "case.description")
    assert "비밀" not in sealed and sealed.startswith("e1.")
    assert ring.decrypt_text(sealed, "case.description") == "비밀 secret"
    with pytest.raises(DecryptionError):
        ring.decrypt_text(sealed, "case.contact_email")


def test_old_keys_still_open_and_new_writes_use_the_first():
    old, new = generate_data_key(), generate_data_key()
    sealed_old = KeyRing.parse(old).encrypt_text("x", "p")
    ring = KeyRing.parse(f"{new},{old}")
    assert ring.decrypt_text(sealed_old, "p") == "x"
    assert ring.text_key_id(ring.encrypt_text("y", "p")) == new.split(":")[0]
    with pytest.raises(DecryptionError):
        KeyRing.parse(new).decrypt_text(sealed_old, "p")


def test_tampering_is_detected():
    ring = KeyRing.parse(generate_data_key())
    sealed = ring.encrypt_text("hello", "p")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        ring.decrypt_text(flipped, "p")
    blob = ring.encrypt_bytes(b"file", "f")
    assert ring.decrypt_bytes(blob, "f") == b"file"
    with pytest.raises(DecryptionError):
        ring.decrypt_bytes(blob[:-1] + bytes([blob[-1] ^ 1]), "f")


@pytest.mark.parametrize("setting", ["", "nocolon", "k1:short", "bad id!:" + "A" * 43, "k1:%%%"])
def test_malformed_key_ring_is_refused(setting):
    with pytest.raises(KeyRingError):
        KeyRing.parse(setting)


def test_production_refuses_to_start_without_a_privacy_officer():
    secrets = {
        "PORTAL_SECRET_KEY": "s" * 48,
        "PORTAL_RECEIPT_KEY": "r" * 48,
        "PORTAL_DATA_KEYS": generate_data_key(),
        "PORTAL_AUDIT_KEY": "a" * 48,
    }
    with pytest.raises(ConfigError, match="PORTAL_PRIVACY_OFFICER"):
        load_config({"PORTAL_ENV": "production", **secrets})


def test_missing_secrets_are_named_first_with_the_way_to_try_it_locally():
    with pytest.raises(ConfigError, match="PORTAL_ENV=development"):
        load_config({"PORTAL_ENV": "production"})


def test_production_refuses_to_start_without_secrets():
    with pytest.raises(ConfigError) as caught:
        load_config({"PORTAL_ENV": "production", "PORTAL_PRIVACY_OFFICER": "Officer, a@b.org"})
    message = str(caught.value)
    for name in ("PORTAL_SECRET_KEY", "PORTAL_RECEIPT_KEY", "PORTAL_DATA_KEYS", "PORTAL_AUDIT_KEY"):
        assert name in message


def test_production_is_the_default_and_sets_secure_cookies():
    config = load_config(
        {
            "PORTAL_SECRET_KEY": "s",
            "PORTAL_RECEIPT_KEY": "r",
            "PORTAL_DATA_KEYS": generate_data_key(),
            "PORTAL_AUDIT_KEY": "a" * 40,
            "PORTAL_PRIVACY_OFFICER": "Officer, privacy@example.org",
        }
    )
    assert config["PORTAL_PRODUCTION"] is True
    assert config["SESSION_COOKIE_SECURE"] is True and config["PORTAL_HSTS"] is True


def test_development_keeps_limits_and_csrf_on():
    config = load_config({"PORTAL_ENV": "development"})
    assert config["RATELIMIT_ENABLED"] is True
    assert config.get("WTF_CSRF_ENABLED", True) is True
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORTAL_ENV", "staging"),
        ("PORTAL_PROXY_HOPS", "two"),
        ("PORTAL_RATELIMIT_ENABLED", "maybe"),
        ("PORTAL_RETENTION_DAYS", "0"),
    ],
)
def test_bad_settings_are_clear_errors(name, value):
    with pytest.raises(ConfigError) as caught:
        load_config({"PORTAL_ENV": "development", name: value})
    assert name in str(caught.value) or value in str(caught.value)


def _read_secrets(directory: str, queue) -> None:
    queue.put(ensure_dev_secrets(directory)["PORTAL_DATA_KEYS"])


def test_dev_secrets_are_created_once_across_processes(tmp_path):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_read_secrets, args=(str(tmp_path), queue)) for _ in range(6)]
    for worker in workers:
        worker.start()
    results = {queue.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(timeout=60)
    assert len(results) == 1
    stored = json.loads((tmp_path / "dev-secrets.json").read_text())
    assert stored["PORTAL_DATA_KEYS"] in results
    assert oct(os.stat(tmp_path / "dev-secrets.json").st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["dev-secrets.json"]
