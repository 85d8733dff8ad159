"""The takedown desk's commands: targets for older links, and their counts."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.links import targets
from portal.takedown import backfill

targets_cli = AppGroup("targets", help="Targets: the channels and sites links point into.")


@targets_cli.command("backfill")
def targets_backfill() -> None:
    """Give links filed before targets existed their target (run once after upgrading)."""
    report = backfill.backfill(db.session, recheck_days=current_app.config["PORTAL_RECHECK_DAYS"])
    click.echo(
        f"{report.links} link(s) given a target in {len(report.target_ids)} target(s); "
        f"{report.rechecks} removed link(s) scheduled for a recheck"
    )
    if report.unreadable:
        click.echo(f"{report.unreadable} link(s) could not be read as links", err=True)


@targets_cli.command("recount")
def targets_recount() -> None:
    """Count every target's links and cases again from the links."""
    counted = targets.recount(db.session)
    db.session.commit()
    click.echo(f"recounted {counted} target(s)")
