"""Flask commands for operators: keys, audit, retention, staff accounts, development data."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from . import audit, counters, crypto
from .extensions import db

keys_cli = AppGroup("keys", help="Encryption keys.")
audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")
counters_cli = AppGroup("counters", help="The queue's per-status counts.")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new data key entry for PORTAL_DATA_KEYS (put it first to make it primary)."""
    click.echo(crypto.generate_data_key())


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check every link of the chain; exit 1 and name the first broken entry if one is."""
    report = audit.verify(db.session)
    if report.ok:
        click.echo(f"audit trail intact: {report.checked} entries verified")
        return
    where = f"entry {report.broken_at}" if report.broken_at else "the end of the trail"
    click.echo(
        f"audit trail BROKEN at {where}: {report.problem} "
        f"({report.checked} entries verified before it)",
        err=True,
    )
    raise SystemExit(1)


@counters_cli.command("recount")
def counters_recount() -> None:
    """Rebuild the per-status counts from the cases table."""
    result = counters.recount(db.session)
    db.session.commit()
    click.echo(", ".join(f"{status}={count}" for status, count in result.items()))


def init_app(app: Flask) -> None:
    for group in (keys_cli, audit_cli, counters_cli):
        app.cli.add_command(group)
