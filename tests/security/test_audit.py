"""The audit trail: keyed entries and links that reveal an edited, deleted or reordered entry,
even to someone who can rewrite the database but does not hold PORTAL_AUDIT_KEY."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.models import AuditEntry, AuditHead, utcnow
from portal.security import audit, sequencer
from tests.security.audit_helpers import rechain, write_entries


def _verify(app, **kwargs):
    with app.app_context():
        return audit.verify(db.session, **kwargs)


def test_intact_chain_verifies(app):
    write_entries(app)
    report = _verify(app)
    assert report.ok and report.checked == 5 and report.pending == 0
    with app.app_context():
        seqs = db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.id)).all()
    assert seqs == [1, 2, 3, 4, 5]


def test_recent_unsealed_entries_are_pending_and_then_sealed_in_order(app):
    write_entries(app, 3)
    write_entries(app, 2, seal=False)
    report = _verify(app)
    assert report.ok and report.checked == 3 and report.pending == 2
    with app.app_context():
        assert sequencer.seal_all(db.session) == 2
    report = _verify(app)
    assert report.ok and report.checked == 5 and report.pending == 0


def test_an_entry_left_unsealed_too_long_fails_verification(app):
    write_entries(app, 2, seal=False)
    report = _verify(app, pending_grace=timedelta(seconds=0))
    assert not report.ok and "sequencer" in report.problem


def test_edited_entry_is_detected(app):
    write_entries(app)
    with app.app_context():
        db.session.execute(
            update(AuditEntry).where(AuditEntry.id == 3).values(actor="someone else")
        )
        db.session.commit()
    report = _verify(app)
    assert not report.ok and report.broken_at == 3 and report.checked == 2


def test_an_edited_entry_waiting_for_its_seal_is_detected(app):
    write_entries(app, 2, seal=False)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.id == 2).values(detail="{}"))
        db.session.commit()
    report = _verify(app)
    assert not report.ok and report.broken_at == 2


def test_deleted_entry_is_detected(app):
    write_entries(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == 2))
        db.session.commit()
    report = _verify(app)
    assert not report.ok and report.broken_at == 3 and "missing" in report.problem


def test_deleting_and_rechaining_with_plain_sha256_is_detected(app):
    """The attack the old trail let through: delete an entry and re-chain the rest."""
    write_entries(app)

    def sha256_link(prev, seq, mac):
        return hashlib.sha256(json.dumps([prev, seq, mac]).encode()).hexdigest()

    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == 2))
        db.session.commit()
        rechain(db.session, sha256_link)
    report = _verify(app)
    assert not report.ok and report.broken_at == 1 and report.problem == "chain link was changed"


def test_rechaining_under_a_guessed_key_is_detected(app):
    write_entries(app)

    def wrong_key_link(prev, seq, mac):
        message = json.dumps(["audit-link-v2", prev, seq, mac], separators=(",", ":"))
        return hmac.new(b"guess", message.encode(), hashlib.sha256).hexdigest()

    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == 4))
        db.session.commit()
        rechain(db.session, wrong_key_link)
    assert not _verify(app).ok


def test_a_forged_entry_without_the_key_is_detected_sealed_or_not(app):
    write_entries(app, 2)
    with app.app_context():
        db.session.add(
            AuditEntry(
                created_at=utcnow(),
                actor="admin@example.org",
                action="case.viewed",
                case_ref="REF-X",
                detail="{}",
                nonce="0" * 32,
                entry_mac="f" * 64,
            )
        )
        db.session.commit()
    unsealed = _verify(app)
    assert not unsealed.ok and unsealed.broken_at == 3
    with app.app_context():
        sequencer.seal_all(db.session)
    sealed = _verify(app)
    assert not sealed.ok and sealed.broken_at == 3 and sealed.checked == 2


def test_deleted_last_entry_is_detected(app):
    write_entries(app)
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == 5))
        db.session.commit()
    report = _verify(app)
    assert not report.ok and "end of the trail" in report.problem


def test_reordered_entries_are_detected(app):
    write_entries(app)
    with app.app_context():
        for old, new in ((2, 1000), (3, 2), (1000, 3)):
            db.session.execute(update(AuditEntry).where(AuditEntry.seq == old).values(seq=new))
        db.session.commit()
    report = _verify(app)
    assert not report.ok and report.broken_at == 3


def _legacy_rows(session, count):
    """Entries as the unkeyed trail before PORTAL_AUDIT_KEY wrote them (and 0007 numbered)."""
    prev = audit.GENESIS
    for n in range(1, count + 1):
        created_at = utcnow()
        fields = [prev, created_at.isoformat(), None, "system", "old.event", None, "{}"]
        digest = hashlib.sha256(
            json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode()
        ).hexdigest()
        session.add(
            AuditEntry(
                created_at=created_at,
                actor="system",
                action="old.event",
                detail="{}",
                seq=n,
                prev_hash=prev,
                entry_hash=digest,
            )
        )
        prev = digest
    session.execute(update(AuditHead).values(entries=count, last_hash=prev))
    session.commit()


def test_legacy_entries_stay_verified_and_the_keyed_chain_continues_them(app):
    with app.app_context():
        _legacy_rows(db.session, 3)
    write_entries(app, 2)
    report = _verify(app, legacy_allowed=3)
    assert report.ok and report.checked == 5 and report.legacy == 3
    refused = _verify(app, legacy_allowed=2)  # more old-style entries than there ever were
    assert not refused.ok and "unkeyed scheme" in refused.problem
    with app.app_context():
        first_keyed = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == 4)).one()
        last_legacy = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
        assert first_keyed.prev_hash == last_legacy.entry_hash


def test_an_edited_legacy_entry_is_detected(app):
    with app.app_context():
        _legacy_rows(db.session, 3)
    write_entries(app, 1)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="x"))
        db.session.commit()
    report = _verify(app, legacy_allowed=3)
    assert not report.ok and report.checked == 1


def test_an_unkeyed_entry_slipped_into_the_keyed_chain_is_detected(app):
    write_entries(app, 2)
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        fields = [head.last_hash, "x", None, "system", "old.event", None, "{}"]
        db.session.add(
            AuditEntry(
                created_at=utcnow(),
                actor="system",
                action="old.event",
                detail="{}",
                seq=3,
                prev_hash=head.last_hash,
                entry_hash=hashlib.sha256(json.dumps(fields).encode()).hexdigest(),
            )
        )
        db.session.commit()
    report = _verify(app)
    assert not report.ok and report.checked == 2


def test_a_sealer_with_a_stale_view_of_the_head_seals_nothing(app, monkeypatch):
    write_entries(app, 40, seal=False)
    with app.app_context():
        assert sequencer.seal(db.session, limit=10) == 10
        db.session.commit()
        # As if it had read the head before the first sealer moved it.
        stale = AuditHead(id=1, entries=0, last_hash=audit.GENESIS)
        monkeypatch.setattr(sequencer, "_head", lambda session: stale)
        assert sequencer.seal(db.session) == 0
        monkeypatch.undo()
        assert audit.unsealed_count(db.session) == 30
        assert sequencer.seal_all(db.session) == 30
        numbers = db.session.scalars(select(AuditEntry.seq)).all()
    assert sorted(numbers) == list(range(1, 41))
    assert _verify(app).ok


def test_the_app_seals_new_entries_in_the_background(make_app):
    app = make_app(PORTAL_AUDIT_SEAL_SECONDS=1)
    write_entries(app, 3, seal=False)
    assert app.test_client().get("/healthz").status_code == 200  # starts the sealer
    with app.app_context():
        for _ in range(100):
            waiting = db.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))
            )
            if not waiting:
                break
            db.session.rollback()
            time.sleep(0.1)
        assert waiting == 0
    assert _verify(app).ok


def test_cli_verify_exits_1_when_broken(app):
    write_entries(app)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "5 entries" in ok.output
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.id == 4).values(detail="{}"))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "the entry with id 4" in broken.output


def test_deleting_an_old_entry_and_resetting_the_rest_to_waiting_is_not_resealed(app, monkeypatch):
    """Hostile F3: delete entry k, set later entries back to waiting, move the head back to
    k-1 (keeping its MAC impossible), and hope the sequencer re-chains the rest."""
    an_hour_ago = utcnow() - timedelta(hours=1)
    monkeypatch.setattr(audit, "utcnow", lambda: an_hour_ago)
    monkeypatch.setattr(sequencer, "utcnow", lambda: an_hour_ago)
    write_entries(app, 6)  # written and sealed an hour ago
    monkeypatch.undo()
    with app.app_context():
        kept = db.session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 2))
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq > 3)
            .values(seq=None, prev_hash=None, entry_hash=None)
        )
        db.session.execute(update(AuditHead).values(entries=2, last_hash=kept))
        db.session.commit()
        assert sequencer.seal_all(db.session) == 0  # too old to be sealed now
    report = _verify(app)
    assert not report.ok and report.problem == "the chain head was changed"


def test_a_wiped_trail_is_not_restarted_and_fails_verification(app):
    from tests.helpers import file_report

    file_report(app.test_client(), "en")
    write_entries(app, 2)
    with app.app_context():
        db.session.execute(delete(AuditEntry))
        db.session.execute(delete(AuditHead))
        db.session.commit()
        audit.record(db.session, "case.viewed", actor="tester")
        db.session.commit()
        assert sequencer.seal_all(db.session) == 0
        assert db.session.get(AuditHead, 1) is None
    report = _verify(app)
    assert not report.ok and report.problem == "the chain head is missing"


def test_an_entry_numbered_outside_the_chain_is_reported(app):
    write_entries(app, 2)
    with app.app_context():
        db.session.add(
            AuditEntry(
                created_at=utcnow(),
                actor="worker1@example.org",
                action="file.downloaded",
                detail="{}",
                nonce="a" * 32,
                entry_mac="b" * 64,
                seq=-1,
            )
        )
        db.session.commit()
    report = _verify(app)
    assert not report.ok and report.problem == "an entry is outside the chain"


def test_a_row_numbered_past_the_head_stops_sealing_without_a_crash(app):
    write_entries(app, 2)
    with app.app_context():
        db.session.add(AuditEntry(created_at=utcnow(), actor="x", action="y", detail="{}", seq=3))
        db.session.commit()
    write_entries(app, 1, seal=False)
    with app.app_context():
        assert sequencer.seal_all(db.session) == 0
    assert not _verify(app).ok


def test_the_sequencer_leaves_a_forged_waiting_entry_unsealed_and_seals_the_rest(app):
    write_entries(app, 1, seal=False)
    with app.app_context():
        db.session.add(
            AuditEntry(
                created_at=utcnow(),
                actor="x",
                action="y",
                detail="{}",
                nonce="c" * 32,
                entry_mac="d" * 64,
            )
        )
        db.session.commit()
    write_entries(app, 1, seal=False)
    with app.app_context():
        assert sequencer.seal_all(db.session) == 2
        forged = db.session.scalar(select(AuditEntry).where(AuditEntry.entry_mac == "d" * 64))
        assert forged.seq is None
    report = _verify(app)
    assert not report.ok and report.broken_at == forged.id


def test_a_non_ascii_value_planted_in_a_digest_is_reported_not_a_crash(app):
    write_entries(app, 2)
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(entry_mac="é" * 32))
        db.session.commit()
    assert not _verify(app).ok


def test_the_sequencer_does_not_build_on_a_head_moved_without_the_key(app):
    write_entries(app, 4)
    with app.app_context():
        second = db.session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == 2))
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq > 2))
        db.session.execute(update(AuditHead).values(entries=2, last_hash=second))
        db.session.commit()
    write_entries(app, 1, seal=False)
    with app.app_context():
        assert sequencer.seal_all(db.session) == 0
        db.session.execute(update(AuditHead).values(head_mac=None))
        db.session.commit()
        assert sequencer.seal_all(db.session) == 0  # and not once its HMAC is removed
    assert not _verify(app).ok
