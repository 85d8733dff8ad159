"""Sign-in lockouts per account and client, counted atomically in SQL, with backoff.

A lock on the whole account would let anyone who knows a staff e-mail keep that person out;
here failures count per (account, client), where the client is the network the attempts
come from or, for a browser that signed in before, its trusted-device token. Each count is
one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, so parallel attempts cannot lose
one; each further lockout of the same pair lasts twice as long as the one before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import Session, rows_changed
from portal.models import LoginThrottle

# Past this many doublings a lockout stops growing (15 min * 2**6 = 16 h).
MAX_DOUBLINGS = 6
# Failure counts nobody added to for this long are forgotten (the purge job).
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lockout: timedelta


def is_locked(session: Session, staff_id: int, client: str, now: datetime) -> bool:
    until = session.scalar(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.staff_id == staff_id, LoginThrottle.client == client
        )
    )
    return until is not None and until > now


def record_failure(
    session: Session, staff_id: int, client: str, now: datetime, policy: LoginPolicy
) -> bool:
    """Count one failed attempt; True when it starts a lockout for this account and client."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    counted = (
        insert(LoginThrottle)
        .values(staff_id=staff_id, client=client, failures=1, lockouts=0, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.staff_id, LoginThrottle.client],
            set_={"failures": LoginThrottle.failures + 1, "last_failure_at": now},
        )
        .returning(LoginThrottle.failures, LoginThrottle.lockouts)
    )
    failures, lockouts = session.execute(counted).one()
    if failures < policy.max_failures:
        return False
    until = now + policy.lockout * 2 ** min(lockouts, MAX_DOUBLINGS)
    # Only the attempt that reset the count starts the lockout, however many raced here.
    started = session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.staff_id == staff_id,
            LoginThrottle.client == client,
            LoginThrottle.failures >= policy.max_failures,
        )
        .values(failures=0, lockouts=LoginThrottle.lockouts + 1, locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(started) == 1


def clear(session: Session, staff_id: int, client: str | None = None) -> None:
    """Forget failures: of one client after it signs in, or of every client (an admin)."""
    statement = delete(LoginThrottle).where(LoginThrottle.staff_id == staff_id)
    if client is not None:
        statement = statement.where(LoginThrottle.client == client)
    session.execute(statement.execution_options(synchronize_session=False))


def forget_old(session: Session, now: datetime) -> int:
    """Drop counts that are neither recent nor holding a lockout; returns how many."""
    cutoff = now - FORGET_AFTER
    forgotten = session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.last_failure_at < cutoff)
        .where((LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until < now))
        .execution_options(synchronize_session=False)
    )
    return rows_changed(forgotten)
