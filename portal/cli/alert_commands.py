"""`flask --app portal alerts run`: one e-mail per missed deadline (cron every 5 minutes)."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from portal.cases import alerts
from portal.extensions import db
from portal.models import utcnow

log = logging.getLogger(__name__)

alerts_cli = AppGroup("alerts", help="Alert e-mails to staff (case number and link only).")


def _say(report: alerts.OverdueReport) -> None:
    click.echo(
        f"queued {report.queued} overdue alert(s) ({report.to_assignee} to the assignee), "
        f"{report.no_address} without a usable address, {report.taken} taken by another run"
    )


def overdue_pass(batch: int) -> alerts.OverdueReport:
    return alerts.run_overdue(
        db.session, utcnow(), alerts.AlertSettings.from_config(current_app.config), batch=batch
    )


def quiet_pass(batch: int) -> None:
    """The outbox worker's share: a broken alert pass never stops mail from going out."""
    try:
        report = overdue_pass(batch)
    except Exception as error:
        db.session.rollback()
        log.warning("overdue alerts failed this pass: %s", type(error).__name__)
        return
    if report.queued or report.no_address:
        _say(report)


@alerts_cli.command("run")
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True)
def alerts_run(batch: int) -> None:
    """Queue one e-mail per missed deadline (the outbox worker sends it); safe to run at once
    on several machines: each deadline is claimed with a compare-and-set."""
    settings = alerts.AlertSettings.from_config(current_app.config)
    if not settings.can_send:
        click.echo(
            "PORTAL_SMTP_URL (or PORTAL_MAIL_FROM) is not set: the portal sends no e-mail, "
            "so no alert was queued; nothing was touched",
            err=True,
        )
        raise SystemExit(1)
    _say(overdue_pass(batch))
