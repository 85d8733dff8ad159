"""Fingerprints are compared after the victim's page is sent, so a filing takes the same
time whether or not its image was reported before; and two reports of the same image stored
at the same moment still find each other, once."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from portal.evidence import fingerprint_matching, fingerprints
from portal.evidence.pdq import PDQ
from portal.extensions import db
from portal.models import Fingerprint, FingerprintMatch
from tests import factories
from tests.helpers import open_form, report_data

IMAGE = int("0f" * 32, 16)


def _pdq(value: int) -> PDQ:
    return PDQ(hex=f"{value:064x}", quality=90)


def _pairs(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(FingerprintMatch)) or 0


def test_a_filing_is_compared_only_once_its_page_has_been_sent(app: Flask) -> None:
    with app.app_context():
        earlier = factories.filed_case(db.session).case.id
        fingerprints.add(db.session, earlier, [_pdq(IMAGE)])
        db.session.commit()
    client = app.test_client()
    token, key = open_form(client, "en")
    data = report_data(fingerprint=[_pdq(IMAGE ^ 0b101).field])
    data.update(csrf_token=token, submission_key=key)
    response = client.post("/report", data=data)
    assert response.status_code == 303
    with app.app_context():
        waiting = db.session.scalars(select(Fingerprint).where(Fingerprint.case_id != earlier))
        assert [row.matched_at for row in waiting] == [None]  # stored, not compared yet
    assert _pairs(app) == 0
    response.close()  # the server has sent the page
    assert _pairs(app) == 1
    with app.app_context():
        assert fingerprint_matching.waiting_count(db.session) == 0
        related = fingerprints.related(db.session, [earlier])[earlier]
        assert [item.distance for item in related] == [2]


def test_two_reports_stored_before_either_is_compared_find_each_other_once(app: Flask) -> None:
    with app.app_context():
        first = factories.filed_case(db.session).case.id
        second = factories.filed_case(db.session).case.id
        fingerprints.store(db.session, first, [_pdq(IMAGE)])
        fingerprints.store(db.session, second, [_pdq(IMAGE ^ 0b111)])
        db.session.commit()
        made = fingerprint_matching.match_waiting(db.session)
        db.session.commit()
        assert [(m.case_id, m.match_case_id, m.distance) for m in made] == [(second, first, 3)]
        assert fingerprint_matching.match_waiting(db.session) == []
        assert [r.case_id for r in fingerprints.related(db.session, [first])[first]] == [second]


def test_two_comparisons_running_at_once_store_the_pair_once(app: Flask) -> None:
    with app.app_context():
        first = factories.filed_case(db.session).case.id
        second = factories.filed_case(db.session).case.id
        ids = fingerprints.store(db.session, first, [_pdq(IMAGE)])
        ids += fingerprints.store(db.session, second, [_pdq(IMAGE ^ 1)])
        db.session.commit()
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def compare(fingerprint_id: int) -> None:
        try:
            with app.app_context():
                start.wait(10)
                fingerprint_matching.match_waiting(db.session, ids=[fingerprint_id])
                db.session.commit()
        except BaseException as failure:  # pragma: no cover - reported below
            failures.append(failure)

    workers = [threading.Thread(target=compare, args=(one,)) for one in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(20)
    assert not failures
    assert _pairs(app) == 1
    with app.app_context():
        assert fingerprint_matching.waiting_count(db.session) == 0
