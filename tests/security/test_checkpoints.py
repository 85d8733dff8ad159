"""Signed checkpoints: a copy of the chain's head kept off-site catches a rewrite even by
someone who holds PORTAL_AUDIT_KEY."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.models import AuditEntry, AuditHead
from portal.security import audit, sequencer
from tests.security.audit_helpers import rechain, write_entries


@pytest.fixture
def signing(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["keys", "generate-signing", "--audit"])
    assert result.exit_code == 0
    lines = dict(line.split("=", 1) for line in result.output.split())
    key_file = tmp_path / "signing.key"
    key_file.write_text(result.output)  # both lines, as `keygen --signing > signing.key` writes
    return key_file, lines["PORTAL_AUDIT_PUBLIC_KEY"]


def _checkpoint(app, key_file, tmp_path):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--key-file", key_file])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    saved = tmp_path / "checkpoint.json"
    saved.write_text(result.output)
    return document, saved


def _verify_against(app, saved, public_key):
    return app.test_cli_runner().invoke(
        args=["audit", "verify", "--checkpoint", saved, "--public-key", public_key]
    )


def test_a_checkpoint_seals_first_and_verifies_while_nothing_changed(app, signing, tmp_path):
    key_file, public_key = signing
    write_entries(app, 4, seal=False)
    document, saved = _checkpoint(app, key_file, tmp_path)
    assert document["entries"] == 4 and document["public_key"] == public_key
    write_entries(app, 2)  # the trail grows after the checkpoint: still fine
    result = _verify_against(app, saved, public_key)
    assert result.exit_code == 0, result.output
    assert "entries 1-4 unchanged" in result.output and "6 entries verified" in result.output


def test_a_rewrite_with_the_audit_key_passes_alone_but_not_against_the_checkpoint(
    app, signing, tmp_path
):
    key_file, public_key = signing
    write_entries(app, 5)
    _document, saved = _checkpoint(app, key_file, tmp_path)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
        db.session.commit()
        rechain(db.session, audit.link_mac, audit.head_mac)  # the attacker holds the key
        assert audit.verify(db.session).ok
    result = _verify_against(app, saved, public_key)
    assert result.exit_code == 1
    assert "BROKEN against the checkpoint" in result.output


def test_cutting_off_the_newest_entries_is_caught_by_the_checkpoint(app, signing, tmp_path):
    key_file, public_key = signing
    write_entries(app, 5)
    _document, saved = _checkpoint(app, key_file, tmp_path)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
        third = db.session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 3))
        db.session.execute(update(AuditHead).values(entries=3, last_hash=third))
        db.session.commit()
        # Without the key the head's own HMAC gives it away; with it, only the checkpoint.
        assert audit.verify(db.session).problem == "the chain head was changed"
        db.session.execute(update(AuditHead).values(head_mac=audit.head_mac(3, third)))
        db.session.commit()
        assert audit.verify(db.session).ok
    result = _verify_against(app, saved, public_key)
    assert result.exit_code == 1 and "entry number 5" in result.output


def test_a_checkpoint_signed_by_someone_else_is_refused(app, signing, tmp_path):
    key_file, _public_key = signing
    write_entries(app, 2)
    _document, saved = _checkpoint(app, key_file, tmp_path)
    other = app.test_cli_runner().invoke(args=["keys", "generate-signing", "--audit"]).output
    other_public = dict(line.split("=", 1) for line in other.split())["PORTAL_AUDIT_PUBLIC_KEY"]
    result = _verify_against(app, saved, other_public)
    assert result.exit_code != 0 and "signature does not match" in result.output


def test_an_edited_checkpoint_is_refused(app, signing, tmp_path):
    key_file, public_key = signing
    write_entries(app, 3)
    document, saved = _checkpoint(app, key_file, tmp_path)
    document["entries"] = 2
    saved.write_text(json.dumps(document))
    result = _verify_against(app, saved, public_key)
    assert result.exit_code != 0 and "signature does not match" in result.output


@pytest.mark.parametrize(
    "content", ["not json", "{}", '{"format": "x"}', "[1, 2]", "\u00ff" * 10, ""]
)
def test_a_malformed_checkpoint_file_is_a_clear_error(app, signing, tmp_path, content):
    _key_file, public_key = signing
    saved = tmp_path / "bad.json"
    saved.write_text(content)
    result = _verify_against(app, saved, public_key)
    assert result.exit_code != 0
    assert "not a portal audit checkpoint" in result.output
    assert "Traceback" not in result.output


def test_verifying_a_checkpoint_needs_a_trusted_public_key(app, signing, tmp_path):
    key_file, _public_key = signing
    write_entries(app, 1)
    _document, saved = _checkpoint(app, key_file, tmp_path)
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--checkpoint", saved])
    assert result.exit_code != 0 and "--public-key" in result.output


def test_the_configured_public_key_is_trusted(make_app, tmp_path):
    app = make_app()
    runner = app.test_cli_runner()
    pair = dict(
        line.split("=", 1)
        for line in runner.invoke(args=["keys", "generate-signing", "--audit"]).output.split()
    )
    key_file = tmp_path / "k"
    key_file.write_text(pair["PORTAL_AUDIT_SIGNING_KEY"])
    write_entries(app, 2)
    _document, saved = _checkpoint(app, key_file, tmp_path)
    trusting = make_app(fresh=False, PORTAL_AUDIT_PUBLIC_KEY=pair["PORTAL_AUDIT_PUBLIC_KEY"])
    result = trusting.test_cli_runner().invoke(args=["audit", "verify", "--checkpoint", saved])
    assert result.exit_code == 0 and "unchanged" in result.output


def test_a_checkpoint_needs_a_signing_key(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code != 0 and "signing key" in result.output
    bad = tmp_path / "bad.key"
    bad.write_text("short")
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--key-file", bad])
    assert result.exit_code != 0 and "signing key" in result.output


def test_no_checkpoint_of_a_broken_trail(app, signing, tmp_path):
    key_file, _public_key = signing
    write_entries(app, 3)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="x"))
        db.session.commit()
        assert sequencer.seal_all(db.session) == 0
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--key-file", key_file])
    assert result.exit_code == 1 and "BROKEN" in result.output and "signature" not in result.output


def test_the_public_half_given_as_the_signing_key_is_refused(make_app, tmp_path):
    app = make_app()
    pair = dict(
        line.split("=", 1)
        for line in app.test_cli_runner()
        .invoke(args=["keys", "generate-signing", "--audit"])
        .output.split()
    )
    trusting = make_app(fresh=False, PORTAL_AUDIT_PUBLIC_KEY=pair["PORTAL_AUDIT_PUBLIC_KEY"])
    wrong = tmp_path / "public.key"
    wrong.write_text(pair["PORTAL_AUDIT_PUBLIC_KEY"])
    result = trusting.test_cli_runner().invoke(args=["audit", "checkpoint", "--key-file", wrong])
    assert result.exit_code != 0 and "does not belong" in result.output


def test_hostile_checkpoint_and_key_files_give_clear_errors(app, signing, tmp_path):
    _key_file, public_key = signing
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100000 + "]" * 100000)
    result = _verify_against(app, nested, public_key)
    assert result.exit_code != 0 and "not a portal audit checkpoint" in result.output
    binary = tmp_path / "binary.key"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint", "--key-file", binary])
    assert result.exit_code != 0 and "not text" in result.output
