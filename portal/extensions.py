"""Flask extensions, created once here and bound to the app in create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, cast

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, MetaData, Result, Table, orm

# Stable constraint names so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Sessions are bound by our own per-account token and timeouts (staff/guards.py), not by
# the client address, which changes when a staff member's phone changes networks.
login_manager.session_protection = None

# What domain functions take: a plain SQLAlchemy session, or Flask-SQLAlchemy's db.session.
Session: TypeAlias = orm.Session | orm.scoped_session[Any]

if TYPE_CHECKING:

    class Model(orm.DeclarativeBase):
        """db.Model as a type checker sees it (Flask-SQLAlchemy builds it at run time)."""

else:
    Model = db.Model


def rows_changed(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (``execute`` is typed as returning any Result)."""
    return cast("CursorResult[Any]", result).rowcount


def table_of(model: type[Model]) -> Table:
    """A model's table, typed as one (declarative bases type ``__table__`` loosely)."""
    return cast(Table, model.__table__)
