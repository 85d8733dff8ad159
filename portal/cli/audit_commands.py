"""The audit trail's commands: verify it, seal waiting entries, export a signed checkpoint."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.security import audit, checkpoints, sequencer

audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")


def _grace() -> timedelta:
    return timedelta(minutes=current_app.config["PORTAL_AUDIT_PENDING_MINUTES"])


def _verify() -> audit.ChainReport:
    legacy = current_app.config["PORTAL_AUDIT_LEGACY_ENTRIES"]
    return audit.verify(db.session, _grace(), legacy_allowed=legacy)


def _say_broken(report: audit.ChainReport) -> None:
    where = f"the entry with id {report.broken_at}" if report.broken_at else "the end of the trail"
    click.echo(
        f"audit trail BROKEN at {where}: {report.problem} "
        f"({report.checked} entries verified before it)",
        err=True,
    )
    raise SystemExit(1)


def _public_key(given: str | None) -> Ed25519PublicKey:
    text = given or current_app.config.get("PORTAL_AUDIT_PUBLIC_KEY")
    if not text:
        raise click.ClickException(
            "say whose signature to trust: --public-key or PORTAL_AUDIT_PUBLIC_KEY "
            "(printed by `python -m portal.security.keygen --signing`)"
        )
    try:
        return checkpoints.load_public_key(text)
    except checkpoints.CheckpointError as problem:
        raise click.ClickException(str(problem)) from None


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint from `audit checkpoint`: also prove nothing up to it was rewritten.",
)
@click.option("--public-key", help="The checkpoint signer's public key (base64).")
def audit_verify(checkpoint_file: Path | None, public_key: str | None) -> None:
    """Check every link of the chain; exit 1 and name the first broken entry if one is."""
    report = _verify()
    if not report.ok:
        _say_broken(report)
    if checkpoint_file is not None:
        try:
            mark = checkpoints.parse(checkpoint_file.read_text("utf-8"), _public_key(public_key))
        except (checkpoints.CheckpointError, UnicodeDecodeError) as problem:
            raise click.ClickException(f"{checkpoint_file}: {problem}") from None
        mismatch = checkpoints.matches(db.session, mark)
        if mismatch:
            click.echo(f"audit trail BROKEN against the checkpoint: {mismatch}", err=True)
            raise SystemExit(1)
        click.echo(f"checkpoint of {mark.created_at} holds: entries 1-{mark.entries} unchanged")
    click.echo(f"audit trail intact: {report.checked} entries verified")
    if report.legacy:
        click.echo(f"  of them {report.legacy} from before the keyed chain (unkeyed SHA-256)")
    if report.pending:
        click.echo(f"  {report.pending} recent entries checked, waiting to be sealed")


@audit_cli.command("seal")
@click.option("--follow", is_flag=True, help="Keep sealing until stopped.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True)
def audit_seal(follow: bool, interval: float) -> None:
    """Seal waiting entries into the chain (app processes do this every few seconds too)."""
    while True:
        sealed = sequencer.seal_all(db.session, _grace())
        if not follow:
            click.echo(f"sealed {sealed} entries")
            return
        db.session.remove()
        time.sleep(interval)


@audit_cli.command("checkpoint")
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the base64 signing key (default: PORTAL_AUDIT_SIGNING_KEY).",
)
def audit_checkpoint(key_file: Path | None) -> None:
    """Seal, verify, and print a signed checkpoint of the chain's head to keep off-site."""
    try:
        text = (
            key_file.read_text("utf-8") if key_file else os.environ.get("PORTAL_AUDIT_SIGNING_KEY")
        )
    except UnicodeDecodeError:
        raise click.ClickException(f"{key_file}: the signing key is not text") from None
    if not text:
        raise click.ClickException(
            "no signing key: pass --key-file or set PORTAL_AUDIT_SIGNING_KEY "
            "(make one with `python -m portal.security.keygen --signing`)"
        )
    try:
        private = checkpoints.load_private_key(text)
    except checkpoints.CheckpointError as problem:
        raise click.ClickException(str(problem)) from None
    trusted = current_app.config.get("PORTAL_AUDIT_PUBLIC_KEY")
    if trusted and checkpoints.public_key_of(private) != trusted.strip():
        raise click.ClickException(
            "this signing key does not belong to PORTAL_AUDIT_PUBLIC_KEY: its checkpoints "
            "would never verify (is it the public half?)"
        )
    sequencer.seal_all(db.session, _grace())
    report = _verify()
    if not report.ok:
        _say_broken(report)
    click.echo(json.dumps(checkpoints.make(report, private), indent=2))
