"""Police exports from the command line: check one, or print the key that checks them."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.evidence import export_verify
from portal.security import signing

export_cli = AppGroup("export", help="Signed evidence packages for the police.")


@export_cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    "public_key",
    help="The key to check against (base64, PEM, or a file); default: this portal's own.",
)
def export_verify_command(path: str, public_key: str | None) -> None:
    """Check the signature and every file's SHA-256; exit 1 naming the first that differs."""
    try:
        public = (
            export_verify.read_public_key(public_key)
            if public_key
            else signing.configured_key().public_key()
        )
    except (signing.SigningKeyError, ValueError) as problem:
        raise click.ClickException(f"public key: {problem}") from None
    verdict = export_verify.verify(path, public)
    if not verdict.ok:
        click.echo(f"FAILED: {verdict.problem}", err=True)
        raise SystemExit(1)
    click.echo(f"ok: {verdict.files} files of case {verdict.case} match the signed manifest")
    for warning in verdict.warnings:
        click.echo(f"WARNING: {warning}")


@export_cli.command("public-key")
def export_public_key() -> None:
    """Print the public key (PEM and base64) and its fingerprint, to hand to an investigator."""
    try:
        key = signing.configured_key()
    except signing.SigningKeyError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(signing.public_pem(key), nl=False)
    click.echo(f"base64: {signing.public_b64(key)}")
    click.echo(f"fingerprint (SHA-256): {signing.fingerprint(key)}")
