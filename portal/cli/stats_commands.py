"""The statistics' command: count the daily statistics again from the live tables."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.stats import rebuild

stats_cli = AppGroup("stats", help="The statistics' daily counts (no case data).")


@stats_cli.command("rebuild")
def stats_rebuild() -> None:
    """Recount every statistic from what the tables still hold (after an upgrade from a
    version without statistics). Safe to run again: it replaces the counts. Links and
    requests of cases purged before the counts existed are gone, and so is that history."""
    rows = rebuild.rebuild(db.session)
    db.session.commit()
    click.echo(f"statistics rebuilt: {rows} daily count rows")
