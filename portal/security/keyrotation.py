"""Re-encrypting every sealed database value under the primary key, in batches, online.

New writes already use the first key of PORTAL_DATA_KEYS and bind each value to its row;
this moves old values over (another key, or sealed before row binding) so the old key can
be removed afterwards and PORTAL_UNBOUND_VALUES set to refuse (evidence files:
portal.evidence.storage.reseal_all).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Text, select, type_coerce, update

from portal.extensions import Model, Session, rows_changed, table_of
from portal.models import (
    Case,
    Draft,
    Fingerprint,
    Link,
    Message,
    Note,
    OutboxMessage,
    Staff,
    TakedownRequest,
    Target,
)
from portal.models.sealed import EncryptedText, row_identity
from portal.security import crypto

ENCRYPTED_COLUMNS = (
    (Case, ("description", "contact_email", "contact_phone", "contact_times")),
    (Link, ("url", "note")),
    (Message, ("body",)),
    (Note, ("body",)),
    (Staff, ("totp_secret",)),
    (Draft, ("payload",)),
    (OutboxMessage, ("message", "recipients")),
    (Target, ("label",)),
    (TakedownRequest, ("answer",)),
    (Fingerprint, ("pdq",)),
)


@dataclass
class RotationReport:
    values: dict[str, int] = field(default_factory=dict)
    files: int = 0
    unopened: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.values.values()) + self.files


def _column_type(model: type[Model], column: str) -> EncryptedText:
    column_type = table_of(model).c[column].type
    if not isinstance(column_type, EncryptedText):
        raise TypeError(f"{model.__name__}.{column} is not an encrypted column")
    return column_type


def _row_attribute(model: type[Model], columns: tuple[str, ...]) -> str:
    (row,) = {_column_type(model, name).row for name in columns}
    return row


def rotate_values(session: Session, batch: int = 500) -> RotationReport:
    """Re-seal values that are not under the primary key; commits per batch."""
    ring = crypto.ring()
    report = RotationReport()
    for model, columns in ENCRYPTED_COLUMNS:
        table = table_of(model)
        raw = [type_coerce(table.c[name], Text).label(name) for name in columns]
        row_attribute = _row_attribute(model, columns)
        last_id = 0
        while True:
            rows = session.execute(
                select(table.c.id, table.c[row_attribute].label("row_identity"), *raw)
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                last_id = row.id
                for name in columns:
                    sealed = getattr(row, name)
                    if sealed is None or (
                        ring.text_key_id(sealed) == ring.primary_id and ring.is_bound(sealed)
                    ):
                        continue
                    purpose = _column_type(model, name).purpose
                    identity = row_identity(row_attribute, row.row_identity)
                    try:
                        plain = ring.decrypt_text(sealed, purpose, identity, unbound=True)
                    except crypto.DecryptionError:
                        # Planted, moved or under a removed key: report it, go on.
                        report.unopened.append(f"{table.name}.{name} id {row.id}")
                        continue
                    fresh = ring.encrypt_text(plain, purpose, identity)
                    # Compare-and-set: a value erased or rewritten since we read it (a
                    # withdrawal, a purge, a 2FA reset) is left alone, never brought back.
                    done = rows_changed(
                        session.execute(
                            update(table)
                            .where(table.c.id == row.id, type_coerce(table.c[name], Text) == sealed)
                            .values({name: type_coerce(fresh, Text)})
                        )
                    )
                    if done:
                        key = f"{table.name}.{name}"
                        report.values[key] = report.values.get(key, 0) + 1
            session.commit()
    return report
