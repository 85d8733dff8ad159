"""The takedown desk's commands: targets for older links and their counts, automatic
rechecks."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, ngettext

from portal.extensions import db
from portal.links import targets
from portal.models import utcnow
from portal.takedown import auto_recheck, backfill, probe

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


rechecks_cli = AppGroup("rechecks", help="Rechecks of removed links for re-uploads.")


@rechecks_cli.command("run")
@click.option("--limit", type=click.IntRange(min=1), default=200, help="Most links per run.")
def rechecks_run(limit: int) -> None:
    """Ask each due website link's host whether the page still exists (PORTAL_AUTO_RECHECK)."""
    config = current_app.config
    if not config["PORTAL_AUTO_RECHECK"]:
        click.echo("automatic rechecks are off: set PORTAL_AUTO_RECHECK=true to run them", err=True)
        raise SystemExit(1)
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):
        answers = auto_recheck.run(
            db.session,
            utcnow(),
            probe.check_link,
            note_gone=lambda count: ngettext(
                "Automatic recheck: %(num)d link is still gone.",
                "Automatic recheck: %(num)d links are still gone.",
                count,
            ),
            note_present=lambda count: ngettext(
                "Automatic recheck: %(num)d link answers again. Please look at it yourself.",
                "Automatic recheck: %(num)d links answer again. Please look at them yourself.",
                count,
            ),
            recheck_days=config["PORTAL_RECHECK_DAYS"],
            limit=limit,
        )
    db.session.commit()
    click.echo(
        ", ".join(f"{answer}={answers[answer]}" for answer in ("gone", "present", "unknown"))
    )
    for key in sorted(key for key in answers if key.startswith("unknown:")):
        click.echo(f"  {key.removeprefix('unknown:')}: {answers[key]}")
