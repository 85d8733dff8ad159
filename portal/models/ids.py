"""Ids for rows written in bulk, reserved ahead so each row is complete before it is written.

On PostgreSQL they come from the table's own sequence (``nextval`` for a block at once), so
ordinary inserts afterwards never collide; on SQLite (one writer) after the highest id.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Table, func, select, text

from portal.extensions import Session

_BLOCK = 5000


class Ids:
    """Ids for new rows of one table, reserved a block at a time."""

    def __init__(self, session: Session, table: Table) -> None:
        self.session = session
        self.table = table
        self.block: Iterator[int] = iter(())
        self.high = 0

    def _reserve(self) -> Iterator[int]:
        if self.session.get_bind().dialect.name == "postgresql":
            reserved = self.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": self.table.name, "n": _BLOCK},
            ).all()
            return iter(reserved)
        first = max(self.session.scalar(select(func.max(self.table.c.id))) or 0, self.high) + 1
        self.high = first + _BLOCK - 1
        return iter(range(first, self.high + 1))

    def next(self) -> int:
        found = next(self.block, None)
        if found is None:
            self.block = self._reserve()
            found = next(self.block)
        return found
