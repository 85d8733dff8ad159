"""`targets backfill`: links filed before targets existed get theirs, once, with counts."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from portal.extensions import db
from portal.links.targets import target_hash
from portal.models import Link, Target, TargetState, utcnow
from tests import factories
from tests.takedown.desk_helpers import assert_states_match_the_links


def test_older_links_get_their_targets_and_removed_ones_a_recheck(app):
    with app.app_context():
        for number in range(3):
            factories.filed_case(
                db.session, links=[f"t.me/oldchan/{number}", "https://a.example.com/x"]
            )
        db.session.commit()
        # As a database upgraded from before targets existed looks.
        db.session.execute(update(Link).values(target_id=None))
        db.session.execute(delete(TargetState))
        db.session.execute(delete(Target))
        first = db.session.scalar(select(Link.id).order_by(Link.id))
        db.session.execute(
            update(Link)
            .where(Link.id == first)
            .values(takedown_status="removed", takedown_updated_at=utcnow())
        )
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["targets", "backfill"])
    assert result.exit_code == 0, result.output
    assert "6 link(s) given a target in 2 target(s); 1 removed link(s) scheduled" in result.output

    with app.app_context():
        assert db.session.scalar(select(Link.id).where(Link.target_id.is_(None))) is None
        channel = db.session.scalar(
            select(Target).where(Target.key_hash == target_hash("telegram:oldchan"))
        )
        assert (channel.link_count, channel.open_links, channel.case_count) == (3, 2, 3)
        assert db.session.get(Link, first).recheck_due_at is not None

    again = app.test_cli_runner().invoke(args=["targets", "backfill"])
    assert "0 link(s) given a target in 0 target(s); 0 removed" in again.output
    recount = app.test_cli_runner().invoke(args=["targets", "recount"])
    assert "recounted 2 target(s)" in recount.output
    assert_states_match_the_links(app)
