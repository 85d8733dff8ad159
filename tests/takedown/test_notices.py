"""Takedown notices: what a platform, the commission or the police reads, channel by channel.

Every test asserts the sentences a reader would notice, as the notice prints them.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import pytest

from portal.links.platforms import NOTICE_CHANNELS, REGISTRY
from portal.takedown import notices
from portal.takedown.notices import (
    LANGUAGES,
    Notice,
    NoticeLink,
    Org,
    VictimDetails,
    render_notice,
    template_dir,
)

TODAY = datetime.date(2026, 12, 3)
LINKS = [
    NoticeLink("https://t.me/badchannel/812", datetime.date(2026, 11, 28), "message"),
    NoticeLink("https://t.me/undressbot", datetime.date(2026, 11, 30), "bot"),
    NoticeLink("https://example.org/gallery/17", datetime.date(2026, 12, 1), "web"),
]
ORG = Org(
    name="한빛 디지털성범죄 피해지원센터",
    email="takedown@hanbit.example",
    phone="02-000-1234",
    address="서울특별시 중구 세종대로 110",
)
VICTIM = VictimDetails(name="김서연", contact="010-9876-5432")
CASES = list(itertools.product(NOTICE_CHANNELS, LANGUAGES))
IDS = [f"{channel}-{language}" for channel, language in CASES]

CONSENT = {
    "ko": "아래 링크에 올라온 사진·영상은 그 안에 나오는 사람의 동의 없이 만들어지거나 "
    "유포된 것입니다.",
    "en": "The images and videos at the links below were made or shared without the consent "
    "of the person shown in them.",
}
LINK_LINES = {
    "ko": [
        "   유형: 채널 게시물 / 최초 접수일: 2026-11-28",
        "   유형: 봇 / 최초 접수일: 2026-11-30",
    ],
    "en": [
        "   Type: post in a channel / first reported to us: 2026-11-28",
        "   Type: bot / first reported to us: 2026-11-30",
    ],
}
SIGNATURE = {
    "ko": "2026년 12월 3일\n한빛 디지털성범죄 피해지원센터\n이메일: takedown@hanbit.example\n"
    "전화: 02-000-1234\n주소: 서울특별시 중구 세종대로 110\n",
    "en": "3 December 2026\n한빛 디지털성범죄 피해지원센터\nEmail: takedown@hanbit.example\n"
    "Phone: 02-000-1234\nAddress: 서울특별시 중구 세종대로 110\n",
}
DEEPFAKE = {
    "ko": [
        "- 「성폭력범죄의 처벌 등에 관한 특례법」",
        "  · 제14조의2(허위영상물 등의 반포등): 사람의 얼굴·신체·음성을 본인의 의사에 반하여",
        "2024년 10월 개정으로 이러한 허위영상물을 소지·구입·저장하거나 시청하는 행위도 처벌합니다.",
    ],
    "en": [
        "- Act on Special Cases Concerning the Punishment of Sexual Crimes "
        "(성폭력범죄의 처벌 등에 관한 특례법):",
        "  · Article 14-2 (distribution of false video material, such as sexual deepfakes):",
        "Since the amendment of October 2024, possessing, buying, storing or viewing such "
        "material is a crime as well.",
    ],
}
YOUTH_ACT = {
    "ko": "- 「아동·청소년의 성보호에 관한 법률」 제11조: 아동·청소년성착취물을 제작·배포·소지·"
    "시청하는 행위를 처벌합니다.",
    "en": "- Act on the Protection of Children and Youth against Sex Offenses "
    "(아동·청소년의 성보호에 관한 법률), Article 11: producing, distributing, possessing or "
    "viewing child sexual abuse material (아동·청소년성착취물) is a crime.",
}
MINOR_FIRST = {
    "ko": "이 사진·영상에는 아동·청소년이 나옵니다. 아동·청소년성착취물이므로 가장 먼저 처리해 "
    "주시기 바랍니다.",
    "en": "A minor is shown in this material. It is child sexual abuse material: please deal "
    "with it first.",
}
VICTIM_LINES = {
    "ko": "■ 피해자 (본인의 동의를 받아 적습니다)\n- 이름: 김서연\n- 연락처: 010-9876-5432\n",
    "en": "THE VICTIM (given with their consent)\n- Name: 김서연\n- Contact: 010-9876-5432\n",
}
NO_VICTIM = {
    "ko": "피해자를 보호하기 위해 인적 사항은 적지 않았습니다. 확인이 필요하시면 저희 기관으로 "
    "연락해 주시기 바랍니다.",
    "en": "To protect the victim, we have not included their personal details. If you need to "
    "confirm anything, please contact us.",
}
SUPPORT_BASIS = {
    "ko": "- 「성폭력방지 및 피해자보호 등에 관한 법률」 제7조의3:",
    "en": "- Act on the Prevention of Sexual Violence and Protection of Victims "
    "(성폭력방지 및 피해자보호 등에 관한 법률), Article 7-3:",
}
DUTIES = {
    "ko": [
        "- 「전기통신사업법」 제22조의5:",
        "- 「정보통신망 이용촉진 및 정보보호 등에 관한 법률」 제44조의7:",
    ],
    "en": [
        "- Telecommunications Business Act (전기통신사업법), Article 22-5:",
        "- Act on Promotion of Information and Communications Network Utilization and "
        "Information Protection (정보통신망 이용촉진 및 정보보호 등에 관한 법률), Article 44-7:",
    ],
}


def _platform_for(channel: str) -> str:
    """The first platform whose notices go through this channel."""
    return next(p.code for p in REGISTRY if channel in p.notice_channels)


def notice(
    channel: str = "abuse_email",
    language: str = "ko",
    *,
    platform: str | None = None,
    links: list[NoticeLink] = LINKS,
    org: Org = ORG,
    harms: set[str] | None = None,
    minor: bool = False,
    victim: VictimDetails | None = None,
) -> Notice:
    return render_notice(
        channel,
        platform or _platform_for(channel),
        language,
        links,
        org,
        harms={"distribution"} if harms is None else harms,
        minor_involved=minor,
        victim=victim,
        today=TODAY,
    )


def test_there_is_a_template_for_every_channel_in_both_languages() -> None:
    names = {path.name for path in template_dir().glob("*.txt")}
    assert {f"{channel}.{language}.txt" for channel, language in CASES} <= names


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_every_notice_lists_the_links_with_their_dates_and_ends_with_the_org(
    channel: str, language: str
) -> None:
    found = notice(channel, language)
    assert found.subject.strip() and "\n" not in found.subject
    assert found.body.strip()
    for link in LINKS:
        assert f". {link.url}\n" in found.body
        assert link.first_reported.isoformat() in found.body
    for line in LINK_LINES[language]:
        assert line + "\n" in found.body
    assert CONSENT[language] in found.body
    assert SUPPORT_BASIS[language] in found.body
    assert found.body.endswith(SIGNATURE[language])
    assert ORG.name in found.subject


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_a_deepfake_cites_article_14_2_as_amended_in_october_2024(
    channel: str, language: str
) -> None:
    body = notice(channel, language, harms={"deepfake"}).body
    for sentence in DEEPFAKE[language]:
        assert sentence in body
    assert "제14조(" not in body and "Article 14 (" not in body
    assert "제14조의3" not in body and "Article 14-3" not in body


def test_each_harm_cites_its_own_article() -> None:
    filming = notice(harms={"covert_filming"}).body
    assert (
        "  · 제14조(카메라 등을 이용한 촬영): 사람의 신체를 본인의 의사에 반하여 촬영하거나"
        in filming
    )
    assert "제14조의2" not in filming
    threat = notice(language="en", harms={"sextortion"}).body
    assert "  · Article 14-3 (threats and coercion using filmed material):" in threat
    assert "Article 14-2" not in threat and "Article 14 (" not in threat
    webcam = notice(harms={"webcam_blackmail"}).body
    assert webcam.index("  · 제14조(") < webcam.index("  · 제14조의3(")


def test_a_harm_with_no_offence_rests_on_the_network_act_and_cites_no_crime() -> None:
    body = notice(harms={"harassment"}).body
    assert "처벌 규정" not in body and "성폭력범죄의 처벌" not in body
    assert "제22조의5" not in body
    assert DUTIES["ko"][1] in body
    assert SUPPORT_BASIS["ko"] in body


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_a_minor_brings_the_youth_act_and_no_detail_of_the_person(
    channel: str, language: str
) -> None:
    found = notice(channel, language, harms={"deepfake"}, minor=True, victim=VICTIM)
    assert YOUTH_ACT[language] in found.body
    assert MINOR_FIRST[language] in found.body
    assert found.subject.startswith("[긴급] " if language == "ko" else "URGENT: ")
    for detail in ("김서연", "010-9876-5432", "이름:", "연락처:", "Name:", "Contact:"):
        assert detail not in found.body and detail not in found.subject
    assert NO_VICTIM[language] in found.body


def test_a_minor_notice_gives_no_age() -> None:
    body = notice(minor=True, victim=VICTIM).body + notice(language="en", minor=True).body
    assert "세" not in body.replace("세종대로", "")
    assert "years old" not in body and "under 19" not in body and "aged" not in body


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_an_adults_name_and_contact_appear_when_staff_pass_them(
    channel: str, language: str
) -> None:
    body = notice(channel, language, victim=VICTIM).body
    assert VICTIM_LINES[language] in body
    assert NO_VICTIM[language] not in body


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_without_victim_details_the_notice_names_nobody(channel: str, language: str) -> None:
    body = notice(channel, language).body
    assert "김서연" not in body and "010-9876-5432" not in body
    assert NO_VICTIM[language] in body
    assert "피해자 (본인의" not in body and "THE VICTIM" not in body


def test_only_the_details_given_are_printed() -> None:
    body = notice(victim=VictimDetails(name="김서연")).body
    assert "■ 피해자 (본인의 동의를 받아 적습니다)\n- 이름: 김서연\n\n" in body
    assert "연락처:" not in body
    assert NO_VICTIM["ko"] in notice(victim=VictimDetails()).body


def test_telegram_with_a_minor_goes_to_the_child_safety_address_first() -> None:
    minor = notice("abuse_email", platform="telegram", minor=True)
    assert minor.suggested_to == ("stopCA@telegram.org", "abuse@telegram.org")
    adult = notice("abuse_email", platform="telegram")
    assert adult.suggested_to == ("abuse@telegram.org",)


def test_each_channel_suggests_its_own_recipients() -> None:
    assert notice("report_form", platform="naver").suggested_to == (
        "https://help.naver.com/",
        "https://right.naver.com/",
    )
    assert notice("kcsc").suggested_to == ("https://www.kocsc.or.kr/",)
    assert notice("police").suggested_to == ("https://ecrm.police.go.kr/",)
    assert notice("hosting").suggested_to == ()
    deepfake = notice("search_engine", harms={"deepfake"}).suggested_to
    assert deepfake == (
        "https://support.google.com/websearch/answer/9116649",
        "https://support.google.com/websearch/answer/6302812",
    )
    assert notice("search_engine").suggested_to == (
        "https://support.google.com/websearch/answer/6302812",
    )


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_a_line_break_in_the_org_name_cannot_split_the_subject(channel: str, language: str) -> None:
    hostile = Org("Evil Org\r\nBcc: everyone@example.org", "a@b.example", "1\n2", "x\u2028y")
    found = notice(channel, language, org=hostile)
    assert "\r" not in found.subject and "\n" not in found.subject
    assert "\u2028" not in found.subject
    assert "(Evil Org Bcc: everyone@example.org)" in found.subject
    assert "\nEvil Org Bcc: everyone@example.org\n" in found.body
    assert "\r" not in found.body and "\u2028" not in found.body


def test_a_line_break_in_a_link_stays_inside_its_line() -> None:
    body = notice(links=[NoticeLink("https://x.com/a\nb", TODAY, "post")]).body
    assert "1. https://x.com/a b\n" in body


def test_the_police_note_asks_for_no_removal_and_cites_no_platform_duty() -> None:
    body = notice("police", harms={"distribution"}).body
    assert "담당 수사관님께" in body
    assert "삭제 전에 증거를 보전하셔야 한다면 아래 연락처로 알려 주시기 바랍니다." in body
    assert DUTIES["ko"][0] not in body and DUTIES["ko"][1] not in body
    assert "  · 제14조(카메라 등을 이용한 촬영):" in body


@pytest.mark.parametrize("channel", ["report_form", "abuse_email", "kcsc", "hosting"])
def test_notices_to_a_service_cite_its_duty_to_remove(channel: str) -> None:
    for language in LANGUAGES:
        body = notice(channel, language).body
        for line in DUTIES[language]:
            assert line in body


def test_the_commission_is_asked_for_a_correction_request() -> None:
    body = notice("kcsc", platform="telegram").body
    assert body.startswith("방송미디어통신심의위원회 귀중\n")
    assert "이 정보는 텔레그램에서 유통되고 있습니다." in body
    assert "1. 심의를 거쳐 위 정보의 삭제 또는 접속차단 등 시정요구를 해 주시기 바랍니다." in body
    assert "유통되고 있습니다" not in notice("kcsc", platform="web").body


def test_subjects_say_what_the_material_is() -> None:
    assert notice("abuse_email", harms={"deepfake"}).subject == (
        "[삭제 요청] 허위영상물(딥페이크) 링크 3건 (한빛 디지털성범죄 피해지원센터)"
    )
    assert notice("abuse_email", language="en", minor=True).subject == (
        "URGENT: Removal request: child sexual abuse material, 3 links "
        "(한빛 디지털성범죄 피해지원센터)"
    )
    single = notice("report_form", language="en", links=LINKS[:1])
    assert single.subject == (
        "Removal request: non-consensual intimate images, 1 link (한빛 디지털성범죄 피해지원센터)"
    )


@pytest.mark.parametrize("platform", [p.code for p in REGISTRY])
def test_every_platform_is_named_in_both_languages(platform: str) -> None:
    for channel, language in CASES:
        assert notice(channel, language, platform=platform).body


def test_a_thousand_links_render() -> None:
    many = [
        NoticeLink(f"https://t.me/c/100/{n}", datetime.date(2026, 1, 1), "message")
        for n in range(1000)
    ]
    found = notice("abuse_email", links=many)
    assert "■ 삭제 요청 링크 (1000건)" in found.body
    assert "1000. https://t.me/c/100/999\n" in found.body
    assert found.body.count("최초 접수일: 2026-01-01") == 1000


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"channel": "fax", "platform": "telegram"}, "unknown notice channel"),
        ({"platform": "myspace"}, "unknown platform"),
        ({"language": "ja"}, "notices are written in ko or en"),
        ({"links": []}, "at least one link"),
        ({"links": [NoticeLink("https://x.com/a", TODAY, "video")]}, "unknown link kinds"),
        ({"harms": {"defamation"}}, "unknown harm codes"),
        ({"org": Org("\r\n", "", "", "")}, "needs a name"),
    ],
)
def test_what_cannot_make_a_notice_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        notice(**changes)  # type: ignore[arg-type]


def test_a_template_that_writes_nothing_is_a_bug_not_a_blank_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "police.ko.txt").write_text("{% set subject %}{% endset %}\n", encoding="utf-8")
    monkeypatch.setattr(notices, "template_dir", lambda: tmp_path)
    with pytest.raises(RuntimeError, match=r"police\.ko\.txt left the subject or the body empty"):
        notice("police")
