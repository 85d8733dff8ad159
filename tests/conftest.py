"""Fixtures: an app per test on SQLite, and on PostgreSQL + Redis when CI provides them.

``PORTAL_TEST_DATABASE_URL`` (a PostgreSQL URL) and ``PORTAL_TEST_REDIS_URL`` add a second
backend to every test that uses ``app``; when ``PORTAL_REQUIRE_SERVICES=1`` (CI) an
unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

# Tests run in development mode (plain http on loopback, local keys) and ignore whatever
# PORTAL_* settings the developer's shell holds.
for _name in [name for name in os.environ if name.startswith("PORTAL_") and "TEST" not in name]:
    if _name not in {"PORTAL_REQUIRE_SERVICES", "PORTAL_REQUIRE_E2E", "PORTAL_E2E_UPDATE_DOCS"}:
        del os.environ[_name]
os.environ["PORTAL_ENV"] = "development"

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.cases.counters import SHARDS  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.security.crypto import generate_data_key  # noqa: E402
from tests.races import race_settings  # noqa: E402

# The loopback SMTP server (aiosmtpd) for the outbox, notice and alert tests.
pytest_plugins = ["tests.smtp_fixtures"]

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "")
REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

TEST_DATA_KEY = generate_data_key()
STATUSES = ("new", "triage", "in_progress", "waiting", "monitoring", "closed", "withdrawn")
_pg_schema_ready = False


def _seed_fixed_rows() -> None:
    db.session.execute(
        text("INSERT INTO status_counts (status, shard, cases) VALUES (:s, :n, 0)"),
        [{"s": status, "n": shard} for status in STATUSES for shard in range(SHARDS)],
    )
    db.session.execute(
        text("INSERT INTO audit_head (id, last_hash, entries) VALUES (1, :h, 0)"), {"h": "0" * 64}
    )
    db.session.commit()


def _prepare_postgres(app: Flask) -> None:
    global _pg_schema_ready
    from flask_migrate import upgrade

    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception as error:
            if REQUIRE_SERVICES:
                pytest.fail(f"PostgreSQL at PORTAL_TEST_DATABASE_URL is unreachable: {error}")
            pytest.skip(f"PostgreSQL unreachable: {error}")
        if not _pg_schema_ready:
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
            upgrade()
            _pg_schema_ready = True
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        _seed_fixed_rows()


def build_app(backend: str, tmp_path: Any, fresh: bool = True, **overrides: Any) -> Flask:
    """An app on a clean database, or (fresh=False) on the one an earlier app of the test made."""
    config: dict[str, Any] = {
        "TESTING": True,
        "PORTAL_INSTANCE_DIR": str(tmp_path),
        "PORTAL_UPLOAD_DIR": str(tmp_path / "uploads"),
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        "PORTAL_RECEIPT_KEY": "test-receipt-key",
        "PORTAL_DATA_KEYS": TEST_DATA_KEY,
        "PORTAL_AUDIT_KEY": "test-audit-key",
        # Tests seal audit entries when they mean to (sequencer.seal_all), not in a thread.
        "PORTAL_AUDIT_SEAL_SECONDS": 0,
        "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex[:12],
        "SERVER_NAME": None,
    }
    if backend == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = PG_URL
        if REDIS_URL:
            config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'portal.db'}"
    config.update(overrides)
    app = create_app(config)
    if not fresh:
        return app
    if backend == "postgresql":
        _prepare_postgres(app)
    else:
        with app.app_context():
            db.create_all()
            _seed_fixed_rows()
    return app


def _dispose(app: Flask) -> None:
    sequencer_thread = app.extensions.get("portal_audit_sequencer")
    if sequencer_thread is not None:
        sequencer_thread.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_app(backend: str, tmp_path: Any) -> Iterator[Any]:
    """Build an app with extra settings; every app built is cleaned up after the test."""
    built: list[Flask] = []

    def factory(fresh: bool = True, **overrides: Any) -> Flask:
        app = build_app(backend, tmp_path, fresh=fresh, **overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        _dispose(app)


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def race_app(make_app: Any, backend: str) -> Flask:
    """An app whose threads may race (SQLite writers wait for the lock)."""
    return make_app(**race_settings(backend))
