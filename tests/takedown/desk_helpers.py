"""Checks the takedown desk tests share."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Link, TargetState


def assert_states_match_the_links(app: Flask) -> None:
    """The kept count per target and state equals counting the links now."""
    with app.app_context():
        kept = {
            (row.target_id, row.state): row.links
            for row in db.session.scalars(select(TargetState))
            if row.links
        }
        counted = dict(
            ((target, state), count)
            for target, state, count in db.session.execute(
                select(Link.target_id, Link.takedown_status, func.count()).group_by(
                    Link.target_id, Link.takedown_status
                )
            )
        )
        assert kept == counted
