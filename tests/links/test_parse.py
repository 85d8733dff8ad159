"""portal.links.parse: normalising and classifying the links victims report."""

from __future__ import annotations

import dataclasses
import random

import pytest

from portal.links.parse import (
    LINK_KINDS,
    MAX_LINK_LENGTH,
    PLATFORMS,
    LinkRejected,
    ParsedLink,
    parse_link,
)

# (typed by the victim, canonical url, platform, kind, source)
TELEGRAM = [
    ("https://t.me/SomeChannel", "https://t.me/somechannel", "channel", "telegram:somechannel"),
    (
        "t.me/seoul_share_group",
        "https://t.me/seoul_share_group",
        "channel",
        "telegram:seoul_share_group",
    ),
    ("http://t.me/somechannel/", "https://t.me/somechannel", "channel", "telegram:somechannel"),
    ("@SomeChannel", "https://t.me/somechannel", "channel", "telegram:somechannel"),
    ("@abcd", "https://t.me/abcd", "channel", "telegram:abcd"),
    ("@a" + "b" * 31, "https://t.me/a" + "b" * 31, "channel", "telegram:a" + "b" * 31),
    ("＠somechannel", "https://t.me/somechannel", "channel", "telegram:somechannel"),
    ("@Nudify_Bot", "https://t.me/nudify_bot", "bot", "telegram:nudify_bot"),
    ("@deepfakeBOT", "https://t.me/deepfakebot", "bot", "telegram:deepfakebot"),
    ("https://t.me/NudifyBot", "https://t.me/nudifybot", "bot", "telegram:nudifybot"),
    (
        "https://t.me/nudifybot?start=ref_123&utm_source=x",
        "https://t.me/nudifybot?start=ref_123",
        "bot",
        "telegram:nudifybot",
    ),
    (
        "https://t.me/somechannel?start=abc",
        "https://t.me/somechannel",
        "channel",
        "telegram:somechannel",
    ),
    (
        "https://t.me/somechannel/1234",
        "https://t.me/somechannel/1234",
        "message",
        "telegram:somechannel",
    ),
    (
        "t.me/SomeChannel/1234?single",
        "https://t.me/somechannel/1234",
        "message",
        "telegram:somechannel",
    ),
    (
        "https://t.me/somegroup/12/345",
        "https://t.me/somegroup/12/345",
        "message",
        "telegram:somegroup",
    ),
    (
        "https://t.me/c/1234567890/42",
        "https://t.me/c/1234567890/42",
        "message",
        "telegram:c/1234567890",
    ),
    (
        "https://t.me/joinchat/AAAAAEkk2WdoDrB4-Q8-gg",
        "https://t.me/+AAAAAEkk2WdoDrB4-Q8-gg",
        "invite",
        "telegram:+AAAAAEkk2WdoDrB4-Q8-gg",
    ),
    ("t.me/+AbCdEf_Gh12", "https://t.me/+AbCdEf_Gh12", "invite", "telegram:+AbCdEf_Gh12"),
    ("t.me/+821012345678", "https://t.me/+821012345678", "profile", "telegram:+821012345678"),
    ("https://t.me/s/somechannel", "https://t.me/somechannel", "channel", "telegram:somechannel"),
    (
        "https://t.me/s/somechannel/77",
        "https://t.me/somechannel/77",
        "message",
        "telegram:somechannel",
    ),
    (
        "https://telegram.me/somechannel",
        "https://t.me/somechannel",
        "channel",
        "telegram:somechannel",
    ),
    ("telegram.dog/SomeChannel/5", "https://t.me/somechannel/5", "message", "telegram:somechannel"),
    (
        "tg://resolve?domain=SomeChannel",
        "https://t.me/somechannel",
        "channel",
        "telegram:somechannel",
    ),
    ("tg://resolve?domain=nudify_bot", "https://t.me/nudify_bot", "bot", "telegram:nudify_bot"),
    ("https://t.me/addstickers/SomePack", "https://t.me/addstickers/SomePack", "web", None),
    ("https://t.me/somechannel/abc", "https://t.me/somechannel/abc", "web", None),
    ("https://t.me/", "https://t.me/", "web", None),
]

OTHER_PLATFORMS = [
    ("x", "https://x.com/SomeUser", "https://x.com/someuser", "profile", "x:someuser"),
    ("x", "twitter.com/SomeUser", "https://x.com/someuser", "profile", "x:someuser"),
    ("x", "https://mobile.twitter.com/someuser", "https://x.com/someuser", "profile", "x:someuser"),
    (
        "x",
        "https://twitter.com/SomeUser/status/1790000000000000001/photo/1?s=20&t=AbC",
        "https://x.com/someuser/status/1790000000000000001",
        "post",
        "x:someuser",
    ),
    ("x", "https://x.com/i/web/status/123", "https://x.com/i/web/status/123", "post", None),
    ("x", "https://x.com/explore", "https://x.com/explore", "web", None),
    (
        "instagram",
        "https://www.instagram.com/Some.User/?igsh=abc",
        "https://instagram.com/some.user",
        "profile",
        "instagram:some.user",
    ),
    (
        "instagram",
        "instagram.com/p/CxYz123AbC/",
        "https://instagram.com/p/CxYz123AbC",
        "post",
        None,
    ),
    (
        "instagram",
        "instagram.com/reel/CxYz123AbC",
        "https://instagram.com/reel/CxYz123AbC",
        "post",
        None,
    ),
    (
        "instagram",
        "instagram.com/Some.User/p/CxYz123AbC",
        "https://instagram.com/some.user/p/CxYz123AbC",
        "post",
        "instagram:some.user",
    ),
    (
        "facebook",
        "https://m.facebook.com/Some.Person?fbclid=IwAR0",
        "https://facebook.com/some.person",
        "profile",
        "facebook:some.person",
    ),
    (
        "facebook",
        "fb.com/groups/12345/posts/678",
        "https://facebook.com/groups/12345/posts/678",
        "post",
        None,
    ),
    ("facebook", "https://fb.me/e/AbCd", "https://fb.me/e/AbCd", "post", None),
    ("facebook", "https://fb.watch/AbCd/", "https://fb.watch/AbCd", "post", None),
    (
        "youtube",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&t=30",
        "https://youtube.com/watch?v=dQw4w9WgXcQ&t=30",
        "post",
        None,
    ),
    (
        "youtube",
        "https://youtu.be/dQw4w9WgXcQ?si=AbCd",
        "https://youtube.com/watch?v=dQw4w9WgXcQ",
        "post",
        None,
    ),
    (
        "youtube",
        "m.youtube.com/@SomeHandle",
        "https://youtube.com/@somehandle",
        "profile",
        "youtube:@somehandle",
    ),
    ("youtube", "youtube.com/shorts/AbCdEfGh", "https://youtube.com/shorts/AbCdEfGh", "post", None),
    (
        "tiktok",
        "https://www.tiktok.com/@Some.User?lang=ko",
        "https://tiktok.com/@some.user?lang=ko",
        "profile",
        "tiktok:@some.user",
    ),
    (
        "tiktok",
        "https://www.tiktok.com/@some.user/video/7300000000000000000?_r=1&_t=8abc&share_id=9",
        "https://tiktok.com/@some.user/video/7300000000000000000",
        "post",
        "tiktok:@some.user",
    ),
    ("tiktok", "https://vm.tiktok.com/ZMabc123/", "https://vm.tiktok.com/ZMabc123", "post", None),
    (
        "kakao",
        "https://open.kakao.com/o/gAbCdEf1",
        "https://open.kakao.com/o/gAbCdEf1",
        "invite",
        "kakao:o/gAbCdEf1",
    ),
    ("kakao", "pf.kakao.com/_xAbCd", "https://pf.kakao.com/_xAbCd", "channel", "kakao:pf/_xabcd"),
    (
        "kakao",
        "story.kakao.com/someone/AbC123",
        "https://story.kakao.com/someone/AbC123",
        "post",
        "kakao:story/someone",
    ),
    (
        "naver",
        "https://blog.naver.com/SomeBlog/223344556677",
        "https://blog.naver.com/SomeBlog/223344556677",
        "post",
        "naver:blog/someblog",
    ),
    (
        "naver",
        "m.blog.naver.com/PostView.naver?blogId=someblog&logNo=22",
        "https://blog.naver.com/PostView.naver?blogId=someblog&logNo=22",
        "post",
        "naver:blog/someblog",
    ),
    (
        "naver",
        "cafe.naver.com/somecafe",
        "https://cafe.naver.com/somecafe",
        "channel",
        "naver:cafe/somecafe",
    ),
    ("naver", "https://naver.me/AbCd1234", "https://naver.me/AbCd1234", "web", None),
    (
        "naver",
        "https://cafe.naver.com/ca-fe/cafes/123/articles/456",
        "https://cafe.naver.com/ca-fe/cafes/123/articles/456",
        "web",
        None,
    ),
    (
        "daum",
        "https://m.cafe.daum.net/somecafe/AbCd/123",
        "https://cafe.daum.net/somecafe/AbCd/123",
        "post",
        "daum:cafe/somecafe",
    ),
    (
        "daum",
        "blog.daum.net/someone",
        "https://blog.daum.net/someone",
        "profile",
        "daum:blog/someone",
    ),
    (
        "discord",
        "discord.gg/AbCdEf",
        "https://discord.gg/AbCdEf",
        "invite",
        "discord:invite/AbCdEf",
    ),
    (
        "discord",
        "https://discord.com/invite/AbCdEf",
        "https://discord.gg/AbCdEf",
        "invite",
        "discord:invite/AbCdEf",
    ),
    (
        "reddit",
        "https://www.reddit.com/r/SomeSub/",
        "https://reddit.com/r/SomeSub",
        "channel",
        "reddit:r/somesub",
    ),
    (
        "reddit",
        "https://old.reddit.com/r/SomeSub/comments/abc123/some_title/",
        "https://reddit.com/r/SomeSub/comments/abc123/some_title",
        "post",
        "reddit:r/somesub",
    ),
    (
        "reddit",
        "reddit.com/user/SomeOne",
        "https://reddit.com/user/SomeOne",
        "profile",
        "reddit:u/someone",
    ),
    (
        "google_drive",
        "https://drive.google.com/file/d/1AbCdEf/view?usp=sharing",
        "https://drive.google.com/file/d/1AbCdEf/view?usp=sharing",
        "post",
        None,
    ),
    (
        "dcinside",
        "https://gall.dcinside.com/board/view/?id=SomeGallery&no=123",
        "https://gall.dcinside.com/board/view?id=SomeGallery&no=123",
        "post",
        "dcinside:somegallery",
    ),
    (
        "dcinside",
        "https://m.dcinside.com/board/somegallery/123",
        "https://m.dcinside.com/board/somegallery/123",
        "post",
        "dcinside:somegallery",
    ),
    ("dcinside", "www.dcinside.com", "https://dcinside.com/", "web", None),
]

WEB = [
    ("HTTPS://EXAMPLE.COM/Path/File.html", "https://example.com/Path/File.html"),
    ("example.com", "https://example.com/"),
    ("example.com/a/b/", "https://example.com/a/b"),
    ("//example.com/x", "https://example.com/x"),
    ("http://example.com:80/page#section", "http://example.com/page"),
    ("https://example.com:443/#top", "https://example.com/"),
    ("http://example.com:8080/x", "http://example.com:8080/x"),
    ("https://user:secret@example.com/x", "https://example.com/x"),
    ("https://example.com./x", "https://example.com/x"),
    ("www.example.com/x", "https://example.com/x"),
    ("https://m.example.co.kr/x", "https://example.co.kr/x"),
    ("https://mobile.example.com/x", "https://example.com/x"),
    ("https://www.www.example.com/", "https://example.com/"),
    ("https://m.me/somepage", "https://m.me/somepage"),
    (
        "https://example.com/a?utm_source=tw&id=7&fbclid=x&UTM_Medium=y&gclid=1&ref=abc&keep=1",
        "https://example.com/a?id=7&keep=1",
    ),
    (
        "https://example.com/?si=1&igshid=2&igsh=3&mc_cid=4&mc_eid=5&_ga=6&dclid=7&msclkid=8&q=9",
        "https://example.com/?q=9",
    ),
    (
        "https://example.com/search?s=term&t=10&feature=a&_r=1",
        "https://example.com/search?s=term&t=10&feature=a&_r=1",
    ),
    ("https://example.com/a?&&b=1&", "https://example.com/a?b=1"),
    ("https://example.com/a%2fb/%7euser/%e2%82%ac", "https://example.com/a%2Fb/~user/%E2%82%AC"),
    ("https://example.com/100%", "https://example.com/100%25"),
    ("https://example.com/기사/1", "https://example.com/%EA%B8%B0%EC%82%AC/1"),
    ("https://evil.example\\@good.example", "https://evil.example/@good.example"),
    ("ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ａ", "https://example.com/a"),
    ("http://테스트.한국/경로", "http://xn--9t4b11yi5a.xn--3e0b707e/%EA%B2%BD%EB%A1%9C"),
    ("https://bücher.de", "https://xn--bcher-kva.de/"),
    ("http://192.168.0.1/x", "http://192.168.0.1/x"),
    ("https://t.me:8443/somechannel", "https://t.me:8443/somechannel"),
    ("\u200bhttps://example.com/x\ufeff ", "https://example.com/x"),
]

VALID_CASES = [(text, url, "telegram", kind, source) for text, url, kind, source in TELEGRAM]
VALID_CASES += [
    (text, url, platform, kind, source) for platform, text, url, kind, source in OTHER_PLATFORMS
]
VALID_CASES += [(text, url, "web", "web", None) for text, url in WEB]

JUNK = [
    ("", "empty"),
    ("   ", "empty"),
    ("\u3000\u200b", "empty"),
    ("https://example.com/" + "a" * MAX_LINK_LENGTH, "too_long"),
    (" " * 5000 + "x" * (MAX_LINK_LENGTH + 1), "too_long"),
    ("https://example.com/" + "가" * 300, "too_long"),
    ("asdf asdf", "not_a_link"),
    ("https://t.me/some channel", "not_a_link"),
    ("hello", "not_a_link"),
    ("localhost", "not_a_link"),
    ("http://localhost:8080/", "not_a_link"),
    ("http://", "not_a_link"),
    ("https://", "not_a_link"),
    ("https://[::1", "not_a_link"),
    ("https://[::1]/", "not_a_link"),
    ("https://%zz", "not_a_link"),
    ("https://exa\x00mple.com", "not_a_link"),
    ("https://example.com/\x00", "not_a_link"),
    ("https://example.com/\u202egnp.exe", "not_a_link"),
    ("https://exa_mple.com", "not_a_link"),
    ("https://-example.com", "not_a_link"),
    ("https://example..com", "not_a_link"),
    ("https://example.123", "not_a_link"),
    ("https://01.2.3.4/", "not_a_link"),
    ("https://256.1.1.1/", "not_a_link"),
    ("https://example.com:99999/", "not_a_link"),
    ("https://example.com:abc/", "not_a_link"),
    ("@ab", "not_a_link"),
    ("@abc", "not_a_link"),
    ("@1abc", "not_a_link"),
    ("@some-channel", "not_a_link"),
    ("@a" + "b" * 32, "not_a_link"),
    ("javascript:alert(1)", "unsupported_scheme"),
    ("JavaScript:alert(1)", "unsupported_scheme"),
    ("data:text/html,x", "unsupported_scheme"),
    ("mailto:a@b.c", "unsupported_scheme"),
    ("file:///etc/passwd", "unsupported_scheme"),
    ("ftp://example.com/x", "unsupported_scheme"),
    ("tg://msg?text=hi", "unsupported_scheme"),
    ("tg://resolve?domain=ab", "unsupported_scheme"),
]


@pytest.mark.parametrize(("text", "url", "platform", "kind", "source"), VALID_CASES)
def test_parse_link(text: str, url: str, platform: str, kind: str, source: str | None) -> None:
    link = parse_link(text)
    assert (link.url, link.platform, link.kind, link.source) == (url, platform, kind, source)


@pytest.mark.parametrize("text", [case[0] for case in VALID_CASES])
def test_normalisation_is_idempotent(text: str) -> None:
    link = parse_link(text)
    assert parse_link(link.url) == link


@pytest.mark.parametrize(("text", "reason"), JUNK)
def test_rejects_junk(text: str, reason: str) -> None:
    with pytest.raises(LinkRejected) as caught:
        parse_link(text)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("@SomeChannel", "@somechannel"),
        ("https://t.me/nudifybot?start=x", "@nudifybot"),
        ("https://t.me/somechannel/123", "t.me/somechannel/123"),
        ("https://t.me/c/123456/789", "t.me/c/123456/789"),
        ("https://t.me/+AbCdEf", "t.me/+AbCdEf"),
        ("https://www.example.com/", "example.com"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube.com/watch?v=dQw4w9WgXcQ"),
        ("https://example.com/기사", "example.com/기사"),
        ("https://example.com/%E2%80%AEtxt", "example.com/%E2%80%AEtxt"),
        ("https://example.com/" + "a" * 100, "example.com/" + "a" * 47 + "…"),
    ],
)
def test_label(text: str, label: str) -> None:
    assert parse_link(text).label == label


def test_constants() -> None:
    assert PLATFORMS == (
        "telegram",
        "x",
        "instagram",
        "facebook",
        "youtube",
        "tiktok",
        "kakao",
        "naver",
        "daum",
        "discord",
        "reddit",
        "google_drive",
        "dcinside",
        "web",
    )
    assert LINK_KINDS == ("channel", "bot", "message", "invite", "profile", "post", "web")
    assert MAX_LINK_LENGTH == 2000


def test_parsed_link_is_frozen() -> None:
    link = parse_link("@somechannel")
    assert isinstance(link, ParsedLink)
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.url = "https://example.com/"  # type: ignore[misc]


def test_hostile_input_only_ever_raises_link_rejected() -> None:
    rng = random.Random(20240901)
    alphabet = [
        *"abcxyz019.-_:/?#@%&=+[]\\~ ",
        "t.me/",
        "https://",
        "tg://",
        "www.",
        "%2",
        "%zz",
        "\x00",
        "\u202e",
        "\u200b",
        "\ufdfa",
        "가",
        "ａ",
        "。",
        "\ud800",
        "@",
        "xn--",
        "é",
    ]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        try:
            link = parse_link(text)
        except LinkRejected as exc:  # most random texts are refused: pytest.raises cannot fit
            assert exc.reason in {"empty", "too_long", "not_a_link", "unsupported_scheme"}  # noqa: PT017
            continue
        assert link.platform in PLATFORMS and link.kind in LINK_KINDS
        assert link.url.startswith(("https://", "http://"))
        assert len(link.label) <= 60
        assert parse_link(link.url).url == link.url


def test_every_result_uses_known_platforms_and_kinds() -> None:
    for text, *_ in VALID_CASES:
        link = parse_link(text)
        assert link.platform in PLATFORMS
        assert link.kind in LINK_KINDS
        assert len(link.label) <= 60
