"""`dev seed --fingerprints N` and `fingerprints reindex` from the command line."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.evidence import fingerprints
from portal.evidence.pdq import PDQ
from portal.extensions import db
from portal.models import Fingerprint, FingerprintMatch


def test_seeding_fingerprints_makes_findable_rows_and_real_matches(app):
    result = app.test_cli_runner().invoke(
        args=["dev", "seed", "--cases", "30", "--fingerprints", "400", "--batch", "100"]
    )
    assert result.exit_code == 0, result.output
    assert "added 400 fingerprints" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Fingerprint)) == 400
        match = db.session.scalars(select(FingerprintMatch)).first()
        assert match is not None and match.case_id != match.match_case_id
        # The recorded match is what searching finds: same pair, same distance.
        row = db.session.get(Fingerprint, match.fingerprint_id)
        found = fingerprints.find(db.session, PDQ(row.pdq, row.quality), exclude_case=row.case_id)
        assert (match.match_id, match.distance) in {(f.fingerprint_id, f.distance) for f in found}


def test_reindex_rewrites_every_row(app):
    # 30 cases: some always still hold content (seeding erases the content of some).
    app.test_cli_runner().invoke(args=["dev", "seed", "--cases", "30", "--fingerprints", "12"])
    result = app.test_cli_runner().invoke(args=["fingerprints", "reindex"])
    assert result.exit_code == 0
    assert "rewrote the search columns of 12 fingerprint(s)" in result.output


def test_seeded_fingerprints_never_go_to_a_real_report(app):
    from sqlalchemy import func, select

    from portal.models import Fingerprint
    from tests import factories

    with app.app_context():
        real = factories.filed_case(db.session).case.id
        db.session.commit()
    seeded = app.test_cli_runner().invoke(
        args=["dev", "seed", "--cases", "30", "--fingerprints", "50"]
    )
    assert "added 50 fingerprints" in seeded.output
    with app.app_context():
        on_real = select(func.count()).where(Fingerprint.case_id == real)
        assert db.session.scalar(on_real) == 0
