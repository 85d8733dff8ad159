"""Image fingerprints from the command line: rewrite their keyed search columns."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.evidence import fingerprints
from portal.extensions import db

fingerprints_cli = AppGroup("fingerprints", help="Image fingerprints (PDQ) and their matching.")


@fingerprints_cli.command("reindex")
def fingerprints_reindex() -> None:
    """Rewrite every fingerprint's keyed band columns; run it after PORTAL_SECRET_KEY changes,
    or fingerprints stored before the change match nothing."""
    done = fingerprints.reindex(db.session)
    click.echo(f"rewrote the search columns of {done} fingerprint(s)")
