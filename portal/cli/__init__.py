"""Flask commands for operators: keys, audit, retention, staff accounts, evidence files,
the outbox, alerts, development data."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from portal import choices
from portal.cases import counters, drafts, retention, seed
from portal.cli.fingerprint_commands import fingerprints_cli
from portal.evidence import convert, fingerprint_seed, storage
from portal.evidence.pdf_render import PdfLimits
from portal.extensions import db
from portal.models import Case, Staff, utcnow
from portal.security import accounts, audit, crypto, keygen, keyrotation, lockout
from portal.takedown import seed as desk_seed

keys_cli = AppGroup("keys", help="Encryption keys.")
counters_cli = AppGroup("counters", help="The queue's per-status counts.")
staff_cli = AppGroup("staff", help="Staff accounts.")
dev_cli = AppGroup("dev", help="Development and benchmark data.")
files_cli = AppGroup("files", help="Evidence files.")


@files_cli.command("convert-pdfs")
@click.option("--retry", is_flag=True, help="Also try PDFs that could not be converted before.")
def files_convert_pdfs(retry: bool) -> None:
    """Render PDFs stored by earlier versions into page images (staff see them blurred)."""
    config = current_app.config
    report = convert.convert_stored_pdfs(
        db.session,
        config["PORTAL_UPLOAD_DIR"],
        PdfLimits.from_config(config),
        config["PORTAL_PIXEL_BUDGET"],
        retry=retry,
    )
    click.echo(f"converted {report.converted} PDF(s) into {report.pages} page image(s)")
    for reason, count in sorted(report.refused.items()):
        click.echo(f"could not convert {count} PDF(s): {reason}")
    if report.missing:
        click.echo(f"{report.missing} PDF(s) missing on disk", err=True)


@dev_cli.command("seed")
@click.option("--cases", type=click.IntRange(min=1), required=True, help="How many to add.")
@click.option(
    "--batch",
    type=click.IntRange(min=100),
    default=5000,
    show_default=True,
    help="Rows per bulk insert.",
)
@click.option(
    "--links-per-case",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Links per case on average (1 to twice as many; none where content was erased).",
)
@click.option(
    "--fingerprints",
    type=click.IntRange(min=0),
    default=0,
    help="Also add N image fingerprints across the cases seeded now (one in ten a near copy).",
)
@click.option("--force", is_flag=True, help="Allow it on a production database.")
def dev_seed(cases: int, batch: int, links_per_case: int, fingerprints: int, force: bool) -> None:
    """Add N realistic synthetic cases, with their links, targets and takedown requests,
    with bulk inserts (benchmarks, demos)."""
    if current_app.config["PORTAL_PRODUCTION"] and not force:
        raise click.ClickException(
            "refusing to add synthetic cases to a production database; "
            "pass --force if this is a benchmark copy"
        )
    started = time.perf_counter()
    after = db.session.scalar(select(func.max(Case.id))) or 0
    added = seed.seed_cases(db.session, cases, batch=batch)
    seeded = time.perf_counter()
    desk = desk_seed.seed_desk(db.session, after, links_per_case=links_per_case, batch=batch)
    db.session.commit()
    finished = time.perf_counter()
    click.echo(f"added {added} synthetic cases in {seeded - started:.1f} s")
    click.echo(
        f"added {desk.links} links in {desk.cases} cases, {desk.targets} new targets, "
        f"{desk.requests} takedown requests and {desk.events} link events "
        f"in {finished - seeded:.1f} s"
    )
    if fingerprints:
        matched = fingerprint_seed.seed_fingerprints(
            db.session, fingerprints, batch=batch, after=after
        )
        db.session.commit()
        click.echo(
            f"added {fingerprints} fingerprints ({matched} matches between cases) "
            f"in {time.perf_counter() - finished:.1f} s"
        )


def _read_password(confirm: bool) -> str:
    """Read the password from standard input (never a terminal prompt): one line, or two."""
    stream = sys.stdin
    first = stream.readline().rstrip("\r\n")
    if confirm:
        second = stream.readline().rstrip("\r\n")
        if first != second:
            raise click.ClickException("the two passwords on standard input differ")
    if not first:
        raise click.ClickException("no password on standard input")
    return first


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), default="staff", show_default=True)
@click.option(
    "--language", type=click.Choice(choices.LANGUAGE_CODES), default="ko", show_default=True
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password once from standard input (default: twice, to confirm).",
)
def staff_create(email: str, role: str, language: str, password_stdin: bool) -> None:
    """Create an account; prints the otpauth:// URI for the authenticator app."""
    password = _read_password(confirm=not password_stdin)
    try:
        member = accounts.create_staff(db.session, email, password, role=role, language=language)
    except accounts.AccountError as problem:
        raise click.ClickException(f"cannot create {email}: {problem.reason}") from None
    audit.record(db.session, "cli.staff_created", actor="cli", target=member.id, role=role)
    db.session.commit()
    click.echo(f"created {member.email} ({member.role})")
    click.echo(accounts.provisioning_uri(member))


def _find(email: str) -> Staff:
    member = accounts.find_staff(db.session, email)
    if member is None:
        raise click.ClickException(f"no account {email}")
    return member


@staff_cli.command("disable")
@click.argument("email")
def staff_disable(email: str) -> None:
    """Disable an account and end its sessions."""
    member = _find(email)
    accounts.disable(member)
    audit.record(db.session, "cli.staff_disabled", actor="cli", target=member.id)
    db.session.commit()
    click.echo(f"disabled {member.email}")


@staff_cli.command("enable")
@click.argument("email")
def staff_enable(email: str) -> None:
    """Enable a disabled account and clear any lockout."""
    member = _find(email)
    accounts.enable(db.session, member)
    audit.record(db.session, "cli.staff_enabled", actor="cli", target=member.id)
    db.session.commit()
    click.echo(f"enabled {member.email}")


@staff_cli.command("reset-2fa")
@click.argument("email")
def staff_reset_2fa(email: str) -> None:
    """Give an account a new TOTP secret; prints the new otpauth:// URI."""
    member = _find(email)
    uri = accounts.reset_2fa(member)
    audit.record(db.session, "cli.staff_2fa_reset", actor="cli", target=member.id)
    db.session.commit()
    click.echo(uri)


@staff_cli.command("list")
def staff_list() -> None:
    """List accounts: email, role, language, enabled, last sign-in."""
    for member in db.session.scalars(select(Staff).order_by(Staff.email)):
        state = "enabled" if member.enabled else "disabled"
        last = member.last_login_at.isoformat(timespec="minutes") if member.last_login_at else "-"
        click.echo(f"{member.email}\t{member.role}\t{member.language}\t{state}\t{last}")


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="List what would be erased; change nothing.")
def purge_command(dry_run: bool) -> None:
    """Erase closed cases past PORTAL_RETENTION_DAYS and withdrawn ones (not on legal hold)."""
    config = current_app.config
    report = retention.purge(
        db.session,
        retention_days=config["PORTAL_RETENTION_DAYS"],
        upload_dir=config["PORTAL_UPLOAD_DIR"],
        dry_run=dry_run,
    )
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb} {len(report.purged)} case(s)")
    for case_ref in report.purged:
        click.echo(f"  {case_ref}")
    click.echo(f"kept {report.held} due case(s) on legal hold")
    if not dry_run:
        click.echo(f"removed {report.orphan_files} orphaned file(s)")
        forgotten = lockout.forget_old(db.session, utcnow())
        expired = drafts.purge_expired(db.session, utcnow())
        db.session.commit()
        click.echo(f"forgot {forgotten} old sign-in failure count(s)")
        click.echo(f"removed {expired} expired form draft(s)")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every value and file under the first key of PORTAL_DATA_KEYS."""
    report = keyrotation.rotate_values(db.session)
    report.files = storage.reseal_all(db.session, current_app.config["PORTAL_UPLOAD_DIR"])
    for column, count in sorted(report.values.items()):
        click.echo(f"{column}: {count} re-encrypted")
    click.echo(f"files: {report.files} re-encrypted")
    if report.unopened:
        for where in report.unopened:
            click.echo(f"does not open (moved, planted, or under a removed key): {where}")
        click.echo(
            f"total: {report.total}; {len(report.unopened)} value(s) left as they are: "
            "do not remove an old key or set PORTAL_UNBOUND_VALUES=refuse until you know why"
        )
        raise SystemExit(1)
    click.echo(f"total: {report.total}; every value now uses key {crypto.ring().primary_id}")


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new data key entry for PORTAL_DATA_KEYS (put it first to make it primary)."""
    click.echo(crypto.generate_data_key())


@keys_cli.command("generate-signing")
@click.option(
    "--audit",
    is_flag=True,
    help="A pair for audit checkpoints instead (keep that private key off the servers).",
)
def keys_generate_signing(audit: bool) -> None:
    """Print an Ed25519 key for signing police exports (PORTAL_SIGNING_KEY) and its public half."""
    pair = keygen.signing_pair() if audit else keygen.export_signing_pair()
    for name, value in pair.items():
        click.echo(f"{name}={value}")


@counters_cli.command("recount")
def counters_recount() -> None:
    """Rebuild the per-status counts from the cases table."""
    result = counters.recount(db.session)
    db.session.commit()
    click.echo(", ".join(f"{status}={count}" for status, count in result.items()))


def init_app(app: Flask) -> None:
    from portal.cli.alert_commands import alerts_cli
    from portal.cli.audit_commands import audit_cli
    from portal.cli.export_commands import export_cli
    from portal.cli.outbox_commands import outbox_cli
    from portal.cli.stats_commands import stats_cli
    from portal.cli.takedown_commands import rechecks_cli, targets_cli

    groups = (keys_cli, audit_cli, counters_cli, staff_cli, dev_cli, files_cli)
    for group in (*groups, targets_cli, rechecks_cli, outbox_cli, alerts_cli, stats_cli):
        app.cli.add_command(group)
    app.cli.add_command(export_cli)
    app.cli.add_command(fingerprints_cli)
    app.cli.add_command(purge_command)
