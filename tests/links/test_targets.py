"""Which target a link belongs to, and target rows that stay right when filings race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.cases import retention
from portal.extensions import db
from portal.links import targets
from portal.links.parse import parse_link
from portal.models import Target
from tests import factories
from tests.races import race_settings


@pytest.mark.parametrize(
    ("typed", "key", "kind", "label"),
    [
        ("https://t.me/DeepFakeChan/123", "telegram:deepfakechan", "channel", "@deepfakechan"),
        ("t.me/s/deepfakechan", "telegram:deepfakechan", "channel", "@deepfakechan"),
        ("@NudifyBot", "telegram:nudifybot", "bot", "@nudifybot"),
        ("https://t.me/+AbCdEf123", "telegram:+AbCdEf123", "invite", "t.me/+AbCdEf123"),
        ("https://t.me/c/1234567/89", "telegram:c/1234567", "channel", "t.me/c/1234567"),
        ("https://twitter.com/SomeOne/status/1", "x:someone", "account", "@someone"),
        ("instagram.com/some.one", "instagram:some.one", "account", "@some.one"),
        (
            "https://blog.naver.com/fakeblog/2233",
            "naver:blog/fakeblog",
            "blog",
            "blog.naver.com/fakeblog",
        ),
        ("https://cafe.daum.net/somecafe", "daum:cafe/somecafe", "cafe", "cafe.daum.net/somecafe"),
        ("https://discord.gg/abc123", "discord:invite/abc123", "server", "discord.gg/abc123"),
        ("https://www.tiktok.com/@some_one/video/1", "tiktok:@some_one", "account", "@some_one"),
        ("https://img.leak-site.co.kr/a/b.jpg", "site:leak-site.co.kr", "site", "leak-site.co.kr"),
        ("https://leak-site.co.kr/", "site:leak-site.co.kr", "site", "leak-site.co.kr"),
        # Private suffixes count: two blogs on one hosting suffix are two sites.
        ("https://alice.github.io/x", "site:alice.github.io", "site", "alice.github.io"),
        ("https://www.instagram.com/p/Cabc/", "site:instagram.com", "site", "instagram.com"),
        ("http://203.0.113.9/x", "site:203.0.113.9", "site", "203.0.113.9"),
    ],
)
def test_each_link_belongs_to_the_place_it_points_into(typed, key, kind, label):
    identity = targets.identify(parse_link(typed))
    assert (identity.key, identity.kind, identity.label) == (key, kind, label)


def test_a_domain_needs_no_network():
    # The bundled suffix list answers; a fetch would fail on this machine and in CI.
    assert targets.registrable_domain("a.b.example.or.kr") == "example.or.kr"


def test_filing_counts_links_and_cases_per_target_and_erasing_takes_them_away(app):
    with app.app_context():
        first = factories.filed_case(
            db.session, links=["t.me/hotchan/1", "t.me/hotchan/2", "https://x.com/a"]
        ).case
        factories.filed_case(db.session, links=["t.me/hotchan/3"])
        db.session.commit()
        hot = db.session.scalar(
            select(Target).where(Target.key_hash == targets.target_hash("telegram:hotchan"))
        )
        assert (hot.link_count, hot.open_links, hot.case_count) == (3, 3, 2)
        retention.erase_content(db.session, first)
        db.session.commit()
        db.session.refresh(hot)
        assert (hot.link_count, hot.open_links, hot.case_count) == (1, 1, 1)
        hot.link_count = 99
        db.session.commit()
        assert targets.recount(db.session) == 2
        db.session.commit()
        db.session.refresh(hot)
        assert (hot.link_count, hot.open_links, hot.case_count) == (1, 1, 1)


def test_filings_racing_into_a_new_channel_make_one_target_and_count_every_link(make_app, backend):
    app = make_app(**race_settings(backend))
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def file_one() -> None:
        try:
            with app.app_context():
                start.wait()
                factories.filed_case(db.session, links=["t.me/brandnewchan/1"])
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=file_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        key_hash = targets.target_hash("telegram:brandnewchan")
        rows = db.session.scalars(select(Target).where(Target.key_hash == key_hash)).all()
        assert len(rows) == 1
        assert (rows[0].link_count, rows[0].case_count) == (8, 8)
        assert db.session.scalar(select(func.count()).select_from(Target)) == 1
