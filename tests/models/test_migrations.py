"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db
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
