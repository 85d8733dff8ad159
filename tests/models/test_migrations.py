"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from portal.cases import counters
from portal.extensions import db
from portal.models import Case
from portal.security import audit, sequencer
from tests.conftest import PG_URL, build_app


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_sqlite_upgrade_matches_the_models(make_app, tmp_path):
    app = make_app(fresh=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/migrated.db")
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {"cases", "links", "messages", "notes", "staff", "audit_log", "evidence_files"} <= tables
    assert _differences(app) == []


def test_sqlite_downgrade_and_upgrade_again(make_app, tmp_path):
    app = make_app(fresh=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/cycle.db")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert "cases" not in inspect(db.engine).get_table_names()
        upgrade()
    assert _differences(app) == []


@pytest.mark.skipif(not PG_URL, reason="set PORTAL_TEST_DATABASE_URL (CI does) to check PostgreSQL")
def test_postgresql_schema_matches_the_models(tmp_path):
    app = build_app("postgresql", tmp_path)
    try:
        assert _differences(app) == []
    finally:
        with app.app_context():
            db.engine.dispose()


def _legacy_trail(connection, count: int) -> None:
    """Audit entries and counts as the code before 0007 wrote them."""
    prev = "0" * 64
    for n in range(count):
        created = datetime(2026, 11, 30, 12, 0, n, tzinfo=UTC)
        fields = [prev, created.isoformat(), None, "system", "old.event", f"REF-{n}", "{}"]
        digest = hashlib.sha256(
            json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()
        ).hexdigest()
        connection.execute(
            text(
                "INSERT INTO audit_log (created_at, actor, action, case_ref, detail, prev_hash,"
                " entry_hash) VALUES (:c, 'system', 'old.event', :r, '{}', :p, :h)"
            ),
            {"c": created, "r": f"REF-{n}", "p": prev, "h": digest},
        )
        prev = digest
    connection.execute(
        text("UPDATE audit_head SET last_hash = :h, entries = :n"), {"h": prev, "n": count}
    )
    connection.execute(text("UPDATE status_counts SET cases = 7 WHERE status = 'new'"))


def test_0007_keeps_the_old_trail_verifiable_and_the_counts(make_app, tmp_path):
    app = make_app(fresh=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.db")
    with app.app_context():
        upgrade(revision="0006_drafts_and_receipt_shown")
        with db.engine.begin() as connection:
            _legacy_trail(connection, 4)
        upgrade()
        report = audit.verify(db.session, legacy_allowed=4)
        assert report.ok and report.checked == 4 and report.legacy == 4
        audit.record(db.session, "new.event", actor="system")
        db.session.commit()
        sequencer.seal_all(db.session)
        report = audit.verify(db.session, legacy_allowed=4)
        assert report.ok and report.checked == 5 and report.legacy == 4
        assert counters.counts(db.session)["new"] == 7
        rows = db.session.execute(text("SELECT COUNT(*) FROM status_counts")).scalar_one()
        assert rows == 7 * counters.SHARDS
        with pytest.raises(SystemExit):  # Flask-Migrate reports the RuntimeError and exits
            downgrade(revision="0006_drafts_and_receipt_shown")
        db.session.rollback()
        assert audit.verify(db.session, legacy_allowed=4).checked == 5  # nothing was lost


def test_0009_moves_14_to_17_into_the_under_19_band_and_keeps_older_answers(make_app, tmp_path):
    app = make_app(fresh=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/bands.db")
    with app.app_context():
        upgrade(revision="0008_pdf_pages")
        with db.engine.begin() as connection:
            for n, (band, shown, minor) in enumerate(
                [("14to17", "no", True), ("adult", "no", False), ("adult", "yes", True)]
            ):
                connection.execute(
                    text(
                        "INSERT INTO cases (case_ref, created_at, last_activity_at, language,"
                        " status, priority, priority_rank, team, filer, age_band,"
                        " minor_in_content, minor_involved, harm_mask, help_mask, platform_mask,"
                        " threatened_now, personal_info_exposed, consent_nonconsensual,"
                        " consent_processing, consent_takedown, preserve_evidence,"
                        " guardian_consent, contact_method, phone_call_ok, voicemail_ok,"
                        " victim_unread, legal_hold)"
                        " VALUES (:ref, :now, :now, 'ko', 'new', 'normal', 2, 'takedown', 'self',"
                        " :band, :shown, :minor, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 'none', 0, 0, 0, 0)"
                    ),
                    {
                        "ref": f"OLD-{n}",
                        "now": datetime(2026, 11, 1, tzinfo=UTC),
                        "band": band,
                        "shown": shown,
                        "minor": minor,
                    },
                )
        upgrade()
        rows = db.session.execute(
            text("SELECT age_band, minor_in_content, minor_involved FROM cases ORDER BY case_ref")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("14to18", "no", 1),
        ("adult", "no", 0),
        ("adult", "yes", 1),
    ]


def test_0012_gives_existing_cases_their_deadlines_from_what_they_hold(make_app, tmp_path):
    app = make_app(fresh=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/due.db")
    filed = datetime(2026, 11, 1, tzinfo=UTC)
    with app.app_context():
        upgrade(revision="0011_outbox")
        with db.engine.begin() as connection:
            for ref, status, priority in [
                ("ANSWERED", "in_progress", "normal"),
                ("URGENT", "new", "urgent"),
                ("CLOSED", "closed", "high"),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO cases (case_ref, created_at, last_activity_at, language,"
                        " status, priority, priority_rank, team, filer, minor_involved,"
                        " harm_mask, help_mask, platform_mask, threatened_now,"
                        " personal_info_exposed, consent_nonconsensual, consent_processing,"
                        " consent_takedown, preserve_evidence, guardian_consent, contact_method,"
                        " phone_call_ok, voicemail_ok, victim_unread, legal_hold)"
                        " VALUES (:ref, :at, :at, 'ko', :status, :priority, 2, 'takedown',"
                        " 'self', 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 'none', 0, 0, 0, 0)"
                    ),
                    {"ref": ref, "at": filed, "status": status, "priority": priority},
                )
            connection.execute(
                text(
                    "INSERT INTO messages (case_id, sender, body, created_at) SELECT id,"
                    " 'staff', 'x', :at FROM cases WHERE case_ref = 'ANSWERED'"
                ),
                {"at": filed + timedelta(hours=3)},
            )
        upgrade()
        cases = {case.case_ref: case for case in db.session.scalars(select(Case))}
    answered, urgent, closed = cases["ANSWERED"], cases["URGENT"], cases["CLOSED"]
    assert answered.first_response_at == filed + timedelta(hours=3)
    assert answered.response_due_at == filed + timedelta(hours=72)
    assert answered.due_at is None  # replied, and no takedown was asked for
    assert urgent.due_at == filed + timedelta(hours=4)
    assert closed.response_due_at == filed + timedelta(hours=24)
    assert closed.due_at is None
