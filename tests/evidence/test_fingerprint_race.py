"""Two reports of the same image stored at the same moment still find each other: the second
search waits for the first one's commit instead of missing its uncommitted fingerprint."""

from __future__ import annotations

import threading

from flask import Flask

from portal.evidence import fingerprints
from portal.evidence.pdq import PDQ
from portal.extensions import db
from tests import factories

IMAGE = int("0f" * 32, 16)


def _pdq(value: int) -> PDQ:
    return PDQ(hex=f"{value:064x}", quality=90)


def test_matching_reports_stored_at_once_are_linked(app: Flask) -> None:
    with app.app_context():
        first = factories.filed_case(db.session).case.id
        second = factories.filed_case(db.session).case.id
        db.session.commit()
    stored_first = threading.Event()
    let_first_commit = threading.Event()
    found: list[int] = []
    failures: list[BaseException] = []

    def first_report() -> None:
        try:
            with app.app_context():
                fingerprints.add(db.session, first, [_pdq(IMAGE)])
                stored_first.set()  # flushed, not committed
                let_first_commit.wait(10)
                db.session.commit()
        except BaseException as failure:  # pragma: no cover - reported below
            failures.append(failure)
            stored_first.set()

    def second_report() -> None:
        try:
            with app.app_context():
                made = fingerprints.add(db.session, second, [_pdq(IMAGE ^ 0b111)])
                found.extend(match.match_case_id for match in made)
                db.session.commit()
        except BaseException as failure:  # pragma: no cover - reported below
            failures.append(failure)

    one = threading.Thread(target=first_report)
    one.start()
    assert stored_first.wait(10)
    two = threading.Thread(target=second_report)
    two.start()
    two.join(0.5)
    assert two.is_alive(), "the second search must wait for the first report's commit"
    let_first_commit.set()
    one.join(10)
    two.join(10)
    assert not failures
    assert found == [first]
    with app.app_context():
        assert [r.case_id for r in fingerprints.related(db.session, [first])[first]] == [second]
