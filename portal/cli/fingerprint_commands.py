"""Image fingerprints from the command line: compare the waiting ones, rewrite search columns."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.evidence import fingerprint_matching, fingerprints
from portal.extensions import db

fingerprints_cli = AppGroup("fingerprints", help="Image fingerprints (PDQ) and their matching.")


@fingerprints_cli.command("reindex")
def fingerprints_reindex() -> None:
    """Rewrite every fingerprint's keyed band columns; run it after PORTAL_SECRET_KEY changes,
    or fingerprints stored before the change match nothing."""
    done = fingerprints.reindex(db.session)
    click.echo(f"rewrote the search columns of {done} fingerprint(s)")


@fingerprints_cli.command("match")
def fingerprints_match() -> None:
    """Compare every fingerprint still waiting with all the others. Reports and /status
    compare theirs after the response; this picks up any a stopped process left waiting."""
    threshold = current_app.config["PORTAL_FINGERPRINT_MATCH_DISTANCE"]
    compared = pairs = 0
    while True:
        waiting = fingerprint_matching.waiting_count(db.session)
        if not waiting:
            break
        pairs += len(fingerprint_matching.match_waiting(db.session, threshold))
        db.session.commit()
        left = fingerprint_matching.waiting_count(db.session)
        compared += waiting - left
        if left >= waiting:  # nothing moved: another worker holds them
            break
    click.echo(f"compared {compared} fingerprint(s), {pairs} new matching pair(s)")
