"""Encrypted columns bound to their row: a ciphertext moved elsewhere does not open.

A column type alone never sees the row it is written to, so the binding happens in ORM
events. Before a row is inserted or updated, each new plaintext becomes a ``BoundText``
that carries the row's identity; the column type seals it with that identity as
associated data. When a row is loaded, each value arrives as a ``SealedToken`` and is
opened with the identity of the row it came in.

The identity is a column that is known before the INSERT (an autoincrement id is not) and
rarely changes; when it does, every sealed value of the row is sealed again for it. It is a
case's reference number, which the receipt's check HMAC also covers (portal.cases.receipts);
the case id for what hangs off a case; a staff member's e-mail; a draft's token hash.
Moving victim A's message into case B, or A's description into B's row, leaves a value that
no longer opens.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Text, event
from sqlalchemy.orm import Mapper, attributes
from sqlalchemy.types import TypeDecorator

from portal.extensions import Model
from portal.security import crypto


class BoundText(str):
    """Plaintext on its way to the database, with the row it will be sealed for."""

    row: str

    def __new__(cls, value: str, row: str) -> BoundText:
        text = super().__new__(cls, value)
        text.row = row
        return text


class SealedToken(str):
    """A ciphertext as read from the database, before the load event opens it."""


class EncryptedText(TypeDecorator[str]):
    """A text column sealed under the key ring, bound to its column and its row.

    ``row`` names the attribute that identifies the row (see the module docstring).
    """

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str, row: str) -> None:
        super().__init__()
        self.purpose = purpose
        self.row = row

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, SealedToken):
            return str(value)  # never opened (nothing changed it); write it back as it was
        if not isinstance(value, BoundText):
            raise TypeError(f"{self.purpose}: a value must be bound to its row before writing")
        return crypto.ring().encrypt_text(value, self.purpose, value.row)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else SealedToken(value)


def row_identity(attribute: str, value: object) -> str:
    if value is None or value == "":
        raise ValueError(f"the row has no {attribute} to bind its sealed values to")
    return f"{attribute}={value}"


@cache
def sealed_columns(mapper: Mapper[Any]) -> tuple[tuple[str, EncryptedText], ...]:
    found = []
    for prop in mapper.column_attrs:
        column_type = prop.columns[0].type
        if isinstance(column_type, EncryptedText):
            found.append((prop.key, column_type))
    return tuple(found)


def _bind(mapper: Mapper[Any], connection: object, target: Any) -> None:
    state = attributes.instance_state(target)
    for key, column_type in sealed_columns(mapper):
        value = state.dict.get(key)
        moved = attributes.get_history(target, column_type.row).deleted
        if moved and value is not None:
            # The row's identity changed (an e-mail corrected, say): every value it holds
            # must be sealed again for the new identity, changed or not.
            if isinstance(value, SealedToken):
                raise ValueError(f"{column_type.purpose} was never opened; cannot re-seal it")
            row = row_identity(column_type.row, getattr(target, column_type.row))
            state.dict[key] = BoundText(str(value), row)
            attributes.flag_modified(target, key)
        elif isinstance(value, str) and not isinstance(value, BoundText | SealedToken):
            row = row_identity(column_type.row, getattr(target, column_type.row))
            # Same text, so the attribute's history is untouched; only the write changes.
            state.dict[key] = BoundText(value, row)


def _open(target: Any, *_context: object) -> None:
    state = attributes.instance_state(target)
    for key, column_type in sealed_columns(state.mapper):
        value = state.dict.get(key)
        if isinstance(value, SealedToken):
            row = row_identity(column_type.row, state.dict.get(column_type.row))
            plain = crypto.ring().decrypt_text(value, column_type.purpose, row)
            attributes.set_committed_value(target, key, plain)


event.listen(Model, "before_insert", _bind, propagate=True)
event.listen(Model, "before_update", _bind, propagate=True)
event.listen(Model, "load", _open, propagate=True)
event.listen(Model, "refresh", _open, propagate=True)
