"""The outbox's commands: send what is due (once, or as a service), list what needs a person."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup

from portal.cli.alert_commands import quiet_pass
from portal.extensions import db
from portal.mail import outbox
from portal.mail.transport import Transport, transport_from_config
from portal.models import OUTBOX_STATES

outbox_cli = AppGroup("outbox", help="E-mail waiting to be sent (no content is shown).")


def _one_pass(transport: Transport, batch: int) -> outbox.SendReport:
    config = current_app.config
    return outbox.send_due(
        db.session,
        transport,
        batch=batch,
        max_attempts=config["PORTAL_OUTBOX_MAX_ATTEMPTS"],
        lease=outbox.lease_for(config["PORTAL_SMTP_TIMEOUT_SECONDS"]),
    )


def _alerts_and_pass(transport: Transport, batch: int, with_alerts: bool) -> outbox.SendReport:
    if with_alerts:
        quiet_pass(batch)
    return _one_pass(transport, batch)


def _say(report: outbox.SendReport) -> None:
    click.echo(
        f"sent {report.sent}, retry {report.retry}, failed {report.failed}, "
        f"uncertain {report.uncertain}"
    )


def follow(
    run_pass: Callable[[], outbox.SendReport], interval: float, stop: threading.Event
) -> None:
    """Run passes every ``interval`` seconds until ``stop`` is set; report only busy passes."""
    while not stop.is_set():
        report = run_pass()
        if report.sent or report.retry or report.failed or report.uncertain:
            _say(report)
        db.session.remove()
        stop.wait(interval)


@outbox_cli.command("send")
@click.option("--batch", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--follow", "keep_going", is_flag=True, help="Keep sending until SIGTERM.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=10.0, show_default=True)
@click.option(
    "--alerts/--no-alerts",
    "with_alerts",
    default=True,
    show_default=True,
    help="With --follow, also queue overdue alerts before each pass (as `alerts run`).",
)
def outbox_send(batch: int, keep_going: bool, interval: float, with_alerts: bool) -> None:
    """Send due messages: one pass, or with --follow one pass every --interval seconds."""
    transport = transport_from_config(current_app.config)
    if transport is None:
        click.echo(
            "PORTAL_SMTP_URL is not set: the portal sends no e-mail (staff download .eml "
            "files instead); nothing was touched",
            err=True,
        )
        raise SystemExit(1)
    if not keep_going:
        _say(_one_pass(transport, batch))
        return
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()  # the message being sent is finished and recorded first

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        click.echo(f"sending every {interval:g} s until SIGTERM")
        follow(lambda: _alerts_and_pass(transport, batch, with_alerts), interval, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("stopped")


@outbox_cli.command("list")
def outbox_list() -> None:
    """Messages per state, and the failed and uncertain ones a person should look at."""
    counts = outbox.state_counts(db.session)
    click.echo(", ".join(f"{state} {counts.get(state, 0)}" for state in OUTBOX_STATES))
    for item in outbox.needing_attention(db.session):
        click.echo(
            f"{item.id}\t{item.state}\t{item.kind}\t{item.ref}\t"
            f"attempts {item.attempts}\t{item.last_error or '-'}"
        )
