"""The queue's orders and their keyset cursors.

Every order is one column (or, for priority, rank then filing time) and then the id, so each
page is an index range: the cursor holds the order, the last row's values and its id. Cases
without a pending deadline have no ``due_at``; in the deadline order they come after every
dated case, ordered by id, and the cursor says which of the two parts it is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, tuple_

from portal.cases import paging
from portal.models import Case

SORT_KEYS = ("priority", "deadline", "filed", "activity")
# The direction a column header starts with: most urgent, soonest due, oldest, latest.
DEFAULT_DESCENDING = {"priority": False, "deadline": False, "filed": False, "activity": True}
MAX_ID = 2**62
_NONE = "-"

Value = int | datetime | None


@dataclass(frozen=True)
class Sort:
    key: str = "priority"
    descending: bool = False

    @classmethod
    def from_args(cls, key: str | None, direction: str | None) -> Sort:
        """The order a query string asks for; the default order for anything unknown."""
        key = (key or "").strip()
        if key not in SORT_KEYS:
            return cls()
        if direction in ("asc", "desc"):
            return cls(key, direction == "desc")
        return cls(key, DEFAULT_DESCENDING[key])

    @property
    def is_default(self) -> bool:
        return self == Sort()

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"

    def toggled(self, key: str) -> Sort:
        """The order a click on ``key``'s header gives: the other way when already sorted by it."""
        if key == self.key:
            return Sort(key, not self.descending)
        return Sort(key, DEFAULT_DESCENDING[key])

    def as_args(self) -> dict[str, str]:
        if self.is_default:
            return {}
        return {"sort": self.key, "dir": self.direction}


def sort_columns(key: str) -> list[Any]:
    """The columns of an order, id last (the tie-breaker every cursor ends with)."""
    if key == "priority":
        return [Case.priority_rank, Case.created_at, Case.id]
    if key == "deadline":
        return [Case.due_at, Case.id]
    if key == "filed":
        return [Case.created_at, Case.id]
    return [Case.last_activity_at, Case.id]


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row with these values, in this order."""

    sort: Sort
    values: tuple[Value, ...]
    case_id: int

    def encode(self) -> str:
        pieces = [self.sort.key, self.sort.direction]
        for value in self.values:
            if value is None:
                pieces.append(_NONE)
            elif isinstance(value, datetime):
                pieces.append(value.isoformat())
            else:
                pieces.append(str(int(value)))
        pieces.append(str(self.case_id))
        return paging.join(pieces)

    @classmethod
    def decode(cls, token: str | None) -> Cursor | None:
        """A cursor we made, or None for anything else (a tampered one starts at page 1)."""
        pieces = paging.split(token)
        if (
            pieces is None
            or len(pieces) < 4
            or pieces[0] not in SORT_KEYS
            or pieces[1] not in ("asc", "desc")
        ):
            return None
        sort = Sort(pieces[0], pieces[1] == "desc")
        expected = len(sort_columns(sort.key)) - 1
        raw_values, raw_id = pieces[2:-1], pieces[-1]
        case_id = paging.number(raw_id)
        if len(raw_values) != expected or case_id is None or not 0 < case_id < MAX_ID:
            return None
        values = _values(sort.key, raw_values)
        return None if values is None else cls(sort, values, case_id)


def _values(key: str, pieces: list[str]) -> tuple[Value, ...] | None:
    if key == "priority":
        rank, created = paging.number(pieces[0]), paging.aware_moment(pieces[1])
        if rank is None or rank > 2 or created is None:
            return None
        return (rank, created)
    if key == "deadline" and pieces[0] == _NONE:
        return (None,)
    moment = paging.aware_moment(pieces[0])
    return None if moment is None else (moment,)


def cursor_after(sort: Sort, row: Any) -> Cursor:
    """The cursor that continues after ``row`` (a result row holding the order's columns)."""
    values = tuple(getattr(row, column.key) for column in sort_columns(sort.key)[:-1])
    return Cursor(sort, values, row.id)


def after_condition(cursor: Cursor) -> ColumnElement[bool]:
    """Rows after the cursor in its order (for the deadline order: within the cursor's part)."""
    columns = sort_columns(cursor.sort.key)
    if cursor.sort.key == "deadline" and cursor.values[0] is None:
        later = Case.id < cursor.case_id if cursor.sort.descending else Case.id > cursor.case_id
        return and_(Case.due_at.is_(None), later)
    mine = tuple_(*columns)
    theirs = tuple_(*cursor.values, cursor.case_id)
    return mine < theirs if cursor.sort.descending else mine > theirs


def order_by(sort: Sort) -> list[Any]:
    columns = sort_columns(sort.key)
    return [column.desc() for column in columns] if sort.descending else columns
