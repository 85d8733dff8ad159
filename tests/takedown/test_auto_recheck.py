"""Automatic rechecks against real local web servers: gone is recorded, a page that answers
again is left for a person, and the command's own guard never reaches a private address."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import AuditEntry, Link, Note, utcnow
from portal.takedown import auto_recheck
from portal.takedown.probe import check_link
from tests import factories
from tests.takedown.servers import Server, local_policy, serving


def _due_links(app, server: Server) -> dict[str, int]:
    with app.app_context():
        gone = factories.filed_case(db.session, links=[server.url("/status/404")]).case
        back = factories.filed_case(db.session, links=[server.url("/ok")]).case
        db.session.commit()
        ids = {"gone": gone.links[0].id, "back": back.links[0].id}
        db.session.execute(
            update(Link)
            .where(Link.id.in_(ids.values()))
            .values(
                takedown_status="removed",
                recheck_due_at=utcnow() - timedelta(days=1),
                takedown_updated_at=utcnow() - timedelta(days=8),
            )
        )
        db.session.commit()
        return ids


def test_gone_is_recorded_and_a_page_that_answers_is_left_for_a_person(app):
    with serving() as server:
        ids = _due_links(app, server)
        with app.app_context():
            answers = auto_recheck.run(
                db.session,
                utcnow(),
                lambda url: check_link(url, policy=local_policy(server.port), timeout=3),
                note_gone=lambda n: f"gone: {n}",
                note_present=lambda n: f"answers again: {n}",
            )
            db.session.commit()
        assert dict(answers) == {"gone": 1, "present": 1}
        with app.app_context():
            again = auto_recheck.run(
                db.session,
                utcnow(),
                lambda url: check_link(url, policy=local_policy(server.port), timeout=3),
                note_gone=lambda n: f"gone: {n}",
                note_present=lambda n: f"answers again: {n}",
            )
            db.session.commit()
        assert dict(again) == {}  # the flagged page is asked once, not on every run
        assert {seen.path for seen in server.seen} == {"/status/404", "/ok"}
    with app.app_context():
        gone, back = db.session.get(Link, ids["gone"]), db.session.get(Link, ids["back"])
        assert gone.takedown_status == "removed" and gone.recheck_round == 1
        assert gone.recheck_due_at > utcnow()
        # Not marked re-uploaded by a machine: still due, for a person to look at.
        assert back.takedown_status == "removed" and back.recheck_due_at < utcnow()
        notes = {note.case_id: note.body for note in db.session.scalars(select(Note))}
        assert notes == {gone.case_id: "gone: 1", back.case_id: "answers again: 1"}
        actors = db.session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action.like("takedown.recheck%"))
        ).all()
        assert actors == ["recheck", "recheck"]


def test_the_command_is_off_unless_asked_and_keeps_to_public_addresses(app):
    result = app.test_cli_runner().invoke(args=["rechecks", "run"])
    assert result.exit_code == 1
    assert "automatic rechecks are off" in result.output

    app.config["PORTAL_AUTO_RECHECK"] = True
    with serving() as server:
        ids = _due_links(app, server)
        result = app.test_cli_runner().invoke(args=["rechecks", "run"])
        assert result.exit_code == 0, result.output
        # The production policy refuses loopback: nothing was fetched, nothing changed.
        assert "gone=0, present=0, unknown=2" in result.output
        assert "bad_port: 2" in result.output  # the test servers are not on 80 or 443
        assert server.seen == []
    with app.app_context():
        for link_id in ids.values():
            assert db.session.get(Link, link_id).recheck_round == 0
        recorded = db.session.scalars(select(AuditEntry.detail)).all()
        assert not any("recheck" in json.loads(detail) for detail in recorded)
