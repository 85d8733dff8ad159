"""Evidence files on disk: sealed under random names, and tied to the transaction that
refers to them.

A file written during a transaction (or a savepoint) is removed again if it does not
commit, and a file erased by one is removed only once it commits (``remove_after_commit``).
So neither a failed filing nor a failed erasure ever leaves a file without its row, or a
row without its file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event, orm, select
from sqlalchemy.orm import SessionTransaction

from portal.evidence.files import CleanFile
from portal.extensions import Session
from portal.models import EvidenceFile
from portal.security import crypto

log = logging.getLogger(__name__)
_PENDING = "evidence_files_pending"
# A file being written is ".<name>.tmp" until it is whole.
PARTIAL_SUFFIX = ".tmp"


@dataclass
class _Pending:
    """What one transaction did on disk, settled when it ends."""

    written: list[tuple[str, str]] = field(default_factory=list)
    to_remove: list[tuple[str, str]] = field(default_factory=list)
    committed: bool = False


def _plain(session: Session) -> orm.Session:
    return session() if isinstance(session, orm.scoped_session) else session


def _innermost(session: orm.Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _pending(session: orm.Session, transaction: SessionTransaction) -> _Pending:
    table: dict[SessionTransaction, _Pending] = session.info.setdefault(_PENDING, {})
    return table.setdefault(transaction, _Pending())


def _in_transaction(session: Session) -> tuple[orm.Session, SessionTransaction]:
    plain = _plain(session)
    plain.connection()  # make sure a transaction has begun: the file belongs to it
    transaction = _innermost(plain)
    if transaction is None:  # pragma: no cover - connection() always begins one
        raise RuntimeError("no transaction to tie the file to")
    return plain, transaction


def _purpose(stored_name: str) -> str:
    return f"file:{stored_name}"


def store(session: Session, upload_dir: str, clean: CleanFile) -> str:
    """Encrypt and write a file under a random name; returns the name.

    The file stays only if the transaction (or savepoint) it was written in commits.
    """
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    sealed = crypto.ring().encrypt_bytes(clean.data, _purpose(stored_name))
    plain, transaction = _in_transaction(session)
    _pending(plain, transaction).written.append((upload_dir, stored_name))
    _write_atomically(directory / stored_name, sealed)
    return stored_name


def remove_after_commit(session: Session, upload_dir: str, names: list[str]) -> None:
    """Remove these files once the current transaction commits; keep them if it does not."""
    plain, transaction = _in_transaction(session)
    _pending(plain, transaction).to_remove.extend((upload_dir, name) for name in names)


@event.listens_for(orm.Session, "after_commit")
def _mark_committed(session: orm.Session) -> None:
    transaction = _innermost(session)
    pending = session.info.get(_PENDING, {}).get(transaction)
    if pending is not None:
        pending.committed = True


@event.listens_for(orm.Session, "after_transaction_end")
def _settle(session: orm.Session, transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING, {}).pop(transaction, None)
    if pending is None:
        return
    if not pending.committed:
        for upload_dir, name in pending.written:
            _remove_settling(upload_dir, name)
        return
    if transaction.parent is not None:
        # A savepoint released: its files now stand or fall with the enclosing transaction.
        outer = _pending(session, transaction.parent)
        outer.written.extend(pending.written)
        outer.to_remove.extend(pending.to_remove)
        return
    for upload_dir, name in pending.to_remove:
        _remove_settling(upload_dir, name)


def _remove_settling(upload_dir: str, name: str) -> None:
    # Inside the end of a transaction nothing may raise, or the rollback that called it
    # fails too; a file that could not go is one no row names, which purge sweeps later.
    try:
        remove(upload_dir, name)
    except OSError as error:
        log.error("could not remove evidence file %s: %s", name, error.strerror)


def _write_atomically(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}{PARTIAL_SUFFIX}")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        # A full or broken disk: no partial ciphertext stays behind (sweep_orphan_files
        # removes one a killed process left).
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def load(upload_dir: str, stored_name: str) -> bytes:
    blob = (Path(upload_dir) / stored_name).read_bytes()
    return crypto.ring().decrypt_bytes(blob, _purpose(stored_name))


def remove(upload_dir: str, stored_name: str) -> None:
    (Path(upload_dir) / stored_name).unlink(missing_ok=True)


def reencrypt(upload_dir: str, stored_name: str) -> bool:
    """Seal a file again under the primary key; False when it already was."""
    path = Path(upload_dir) / stored_name
    blob = path.read_bytes()
    keys = crypto.ring()
    if keys.bytes_key_id(blob) == keys.primary_id:
        return False
    plain = keys.decrypt_bytes(blob, _purpose(stored_name))
    if not path.exists():
        raise FileNotFoundError(path)  # removed while we worked: do not bring it back
    _write_atomically(path, keys.encrypt_bytes(plain, _purpose(stored_name)))
    return True


def reseal_all(session: Session, upload_dir: str) -> int:
    """Re-encrypt every evidence file under the primary key; returns how many changed."""
    names = session.scalars(select(EvidenceFile.stored_name).order_by(EvidenceFile.id)).all()
    resealed = 0
    for name in names:
        try:
            resealed += reencrypt(upload_dir, name)
        except FileNotFoundError:
            continue  # erased by a purge or withdrawal meanwhile
    return resealed
