"""Takedown notices: what a platform, the commission or the police reads, channel by channel.

Every test asserts the sentences a reader would notice, as the notice prints them.
"""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import pytest

from portal.choices import LANGUAGE_CODES
from portal.links.platforms import NOTICE_CHANNELS, REGISTRY
from portal.takedown import notice_rules, notices
from portal.takedown.notices import (
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
CASES = list(itertools.product(NOTICE_CHANNELS, LANGUAGE_CODES))
IDS = [f"{channel}-{language}" for channel, language in CASES]

CONSENT = {
    "ko": "아래 링크의 사진·영상은 당사자의 동의 없이 촬영·제작되었거나 유포된 것입니다.",
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
        "  · 제14조의2(허위영상물 등의 반포등): 사람의 얼굴·신체·음성을 대상으로 한 "
        "촬영물·영상물·음성물을 대상자의 의사에 반하여 성적 욕망 또는 수치심을 유발할 수 있는 "
        "형태로 편집·합성·가공하거나(이른바 딥페이크)",
        "2024년 10월 개정으로 이러한 허위영상물을 소지·구입·저장하거나 시청하는 행위도 처벌합니다.",
    ],
    "en": [
        "- Act on Special Cases Concerning the Punishment of Sexual Crimes "
        "(성폭력범죄의 처벌 등에 관한 특례법):",
        "  · Article 14-2 (distribution of false video material, such as sexual deepfakes): "
        "editing, synthesising or altering images, video or audio of a person's face, body or "
        "voice, against that person's will, into a form that may cause sexual desire or shame,",
        "Since the amendment of October 2024, possessing, buying, storing or viewing such "
        "material is a crime as well.",
    ],
}
FILMING = {
    "ko": "  · 제14조(카메라 등을 이용한 촬영): 성적 욕망 또는 수치심을 유발할 수 있는 사람의 "
    "신체를 촬영대상자의 의사에 반하여 촬영하거나 그 촬영물을 유포하는 행위를 처벌합니다. "
    "촬영 당시 동의가 있었더라도(스스로 촬영한 경우를 포함합니다) 사후에 촬영대상자의 의사에 "
    "반하여 유포하면 처벌되며, 이러한 촬영물을 소지·구입·저장하거나 시청하는 행위도 "
    "처벌합니다(같은 조 제4항).",
    "en": "  · Article 14 (filming with cameras or similar devices): filming a person's body in a "
    "way that may cause sexual desire or shame, against their will, and distributing such "
    "footage, are crimes. Footage made with the person's consent, or filmed by the person "
    "themselves, is covered too once it is distributed against their will. Possessing, buying, "
    "storing or viewing such footage is also a crime (paragraph 4).",
}
THREAT = {
    "ko": "  · 제14조의3(촬영물 등을 이용한 협박·강요): 성적 욕망 또는 수치심을 유발할 수 있는 "
    "촬영물·편집물·합성물 등을 이용하여 사람을 협박하거나 강요하는 행위를 처벌합니다.",
    "en": "  · Article 14-3 (threats and coercion using filmed material): threatening or coercing "
    "a person with filmed, edited or synthesised material that may cause sexual desire or shame "
    "is a crime.",
}
YOUTH_ACT = {
    "ko": "- 「아동·청소년의 성보호에 관한 법률」 제11조(아동·청소년성착취물의 제작·배포 등): "
    "아동·청소년성착취물을 제작·배포·제공하거나 구입·소지·시청하는 행위를 처벌합니다. "
    "아동·청소년 또는 아동·청소년으로 명백하게 인식될 수 있는 사람이나 표현물이 등장하는 성적인 "
    "사진·영상은 같은 법 제2조제5호에 따른 아동·청소년성착취물에 해당하며, 아동·청소년 본인이 "
    "촬영했거나 동의했더라도 마찬가지입니다.",
    "en": "- Act on the Protection of Children and Youth against Sex Offenses "
    "(아동·청소년의 성보호에 관한 법률), Article 11 (production and distribution of child sexual "
    "abuse material): producing, distributing or providing, and buying, possessing or viewing "
    "child sexual abuse material (아동·청소년성착취물) are crimes. Sexual images or videos showing "
    "a minor, or a person or depiction clearly recognisable as a minor, are such material "
    "(Article 2, item 5), even if the minor filmed them or consented.",
}
# What a minor's notice says instead of the consent sentence: illegal whatever anyone agreed
# to, and the law's definition of a minor (never the person's age). The ask differs by reader.
MINOR_SHOWN = {
    "ko": "아래 링크의 사진·영상에는 아동·청소년(19세 미만)이 등장합니다. 아동·청소년성착취물은 "
    "당사자의 동의 여부와 관계없이 불법이므로, ",
    "en": "A minor is shown in the images and videos at the links below (under Korean law, a "
    "minor is anyone under 19). It is child sexual abuse material, which is illegal whether or "
    "not anyone consented: ",
}
MINOR_ASK = {
    ("ko", "kcsc"): "신속히 심의해 주시기 바랍니다.",
    ("ko", "police"): "신속한 수사를 부탁드립니다.",
    ("ko", None): "다른 신고보다 우선하여 처리해 주시기 바랍니다.",
    ("en", "kcsc"): "please review it promptly.",
    ("en", "police"): "please investigate it promptly.",
    ("en", None): "please deal with it first.",
}
VICTIM_LINES = {
    "ko": "■ 피해자 연락처 (피해자 본인의 동의를 받아 기재합니다)\n- 이름: 김서연\n"
    "- 연락처: 010-9876-5432\n",
    "en": "THE VICTIM (given with their consent)\n- Name: 김서연\n- Contact: 010-9876-5432\n",
}
NO_VICTIM = {
    "ko": "피해자 보호를 위해 피해자의 인적 사항은 기재하지 않았습니다. 확인이 필요하시면 저희 "
    "기관으로 연락해 주시기 바랍니다.",
    "en": "To protect the victim, we have not included their personal details. If you need to "
    "confirm anything, please contact us.",
}
SUPPORT_BASIS = {
    "ko": "- 「성폭력방지 및 피해자보호 등에 관한 법률」 제7조의3(불법촬영물등으로 인한 피해자에 "
    "대한 지원 등): 국가는 촬영물 등이 정보통신망에 유포되어 피해(피해자 스스로 촬영한 경우를 "
    "포함합니다)를 입은 사람에게 삭제 지원을 할 수 있습니다. 저희 기관은 이 규정의 취지에 따라 "
    "피해자의 의뢰를 받아 삭제를 지원하고 있습니다.",
    "en": "- Sexual Violence Prevention and Victims Protection Act "
    "(성폭력방지 및 피해자보호 등에 관한 법률), Article 7-3 (support for victims of illegally "
    "filmed material): the State may support the removal of such material for people harmed by "
    "its spread online, including when the victim filmed it themselves. We work in line with "
    "this provision, at the victim's request.",
}
# A designation under the article is a fact about one organisation, never the default.
OVERCLAIMS = (
    "이 삭제 지원을 하고 있습니다",
    "같은 조에 따라 삭제 지원 업무를 수행하는 기관",
    "We do this work",
)
DUTIES = {
    "ko": [
        "- 「전기통신사업법」 제22조의5(부가통신사업자의 불법촬영물등 유통방지): 부가통신사업자는 "
        "자신이 운영·관리하는 정보통신망에서",
        "- 「정보통신망 이용촉진 및 정보보호 등에 관한 법률」 제44조의7(불법정보의 유통금지 등): "
        "누구든지 정보통신망을 통하여 음란한 영상 등 법령에서 정한 불법정보를 유통해서는 안 "
        "됩니다.",
    ],
    "en": [
        "- Telecommunications Business Act (전기통신사업법), Article 22-5 (prevention of the "
        "circulation of illegally filmed material by value-added service providers):",
        "- Act on Promotion of Information and Communications Network Utilization and "
        "Information Protection, etc. (정보통신망 이용촉진 및 정보보호 등에 관한 법률), "
        "Article 44-7 (prohibition on circulating illegal information):",
    ],
}
DUTIES_HEADING = {"ko": "○ 플랫폼의 조치 의무\n", "en": "The service provider's duty to act:\n"}
POLICY = {
    False: "This material also violates your policy on non-consensual intimate imagery.\n",
    True: "This material also violates your child safety policy.\n",
}
# Sentences of the old wording the review replaced: none may come back.
REPLACED = (
    "그 안에 나오는 사람",
    "요청을 받아",
    "가장 먼저 처리해",
    "사람의 신체를 본인의 의사에 반하여",
    "저희는 디지털 성범죄 피해자의 삭제 지원을 하는",
    "빠른 조치를",
    "Act on the Prevention of Sexual Violence",
)


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
    for old in (*REPLACED, *OVERCLAIMS):
        assert old not in found.body


@pytest.mark.parametrize("channel", NOTICE_CHANNELS)
def test_a_korean_notice_introduces_the_org_with_the_right_particle(channel: str) -> None:
    body = notice(channel).body
    assert (
        "저희 한빛 디지털성범죄 피해지원센터는 디지털 성범죄 피해자의 피해 영상물 삭제를 지원하는 "
        "기관입니다."
    ) in body
    assert "※ 최초 접수일: 피해자가 저희 기관에 해당 링크를 처음 알린 날\n" in body
    ends_in_a_consonant = Org("서울 디지털성폭력 상담소 지원단", "a@b.example", "", "")
    assert (
        "저희 서울 디지털성폭력 상담소 지원단은 " in notice(channel, org=ends_in_a_consonant).body
    )
    latin = Org("Hanbit Center", "a@b.example", "", "")
    assert "저희 Hanbit Center은(는) " in notice(channel, org=latin).body


@pytest.mark.parametrize(("channel", "language"), CASES, ids=IDS)
def test_a_deepfake_cites_article_14_2_as_amended_in_october_2024(
    channel: str, language: str
) -> None:
    body = notice(channel, language, harms={"deepfake"}).body
    for sentence in DEEPFAKE[language]:
        assert sentence in body
    assert "제14조(" not in body and "Article 14 (" not in body
    assert "제14조의3" not in body and "Article 14-3" not in body


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_article_14_names_the_sexual_element_and_the_viewers_crime(language: str) -> None:
    filming = notice(language=language, harms={"covert_filming"}).body
    assert FILMING[language] + "\n" in filming
    assert "제14조의2" not in filming and "Article 14-2" not in filming


def test_each_harm_cites_its_own_article() -> None:
    threat = notice(language="en", harms={"sextortion"}).body
    assert THREAT["en"] + "\n" in threat
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
    assert YOUTH_ACT[language] + "\n" in found.body
    ask = MINOR_ASK.get((language, channel), MINOR_ASK[language, None])
    assert MINOR_SHOWN[language] + ask + "\n" in found.body
    # Consent is beside the point for a minor: the adult sentence would invite "they agreed".
    assert CONSENT[language] not in found.body
    assert found.subject.startswith("[긴급][" if language == "ko" else "URGENT: ")
    for detail in ("김서연", "010-9876-5432", "이름:", "연락처:", "Name:", "Contact:"):
        assert detail not in found.body and detail not in found.subject
    assert NO_VICTIM[language] in found.body


def test_a_minor_notice_gives_the_laws_age_and_not_the_persons() -> None:
    korean = notice(minor=True, victim=VICTIM).body
    assert korean.count("19세 미만") == 1
    assert "세" not in korean.replace("세종대로", "").replace("(19세 미만)", "")
    english = notice(language="en", minor=True).body
    assert english.count("under 19") == 1
    assert "(under Korean law, a minor is anyone under 19)" in english
    assert "years old" not in english and "aged" not in english


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
    assert "■ 피해자 연락처" not in body and "THE VICTIM" not in body


def test_only_the_details_given_are_printed() -> None:
    body = notice(victim=VictimDetails(name="김서연")).body
    assert "■ 피해자 연락처 (피해자 본인의 동의를 받아 기재합니다)\n- 이름: 김서연\n\n" in body
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
    assert (
        "피해자 지원 과정에서 확인한 유포 링크를 수사에 참고하실 수 있도록 보내 드립니다." in body
    )
    assert (
        "1. 저희 기관은 피해자의 의뢰에 따라 해당 사진·영상의 삭제 지원도 진행하고 있습니다. "
        "삭제 전에 증거 보전이 필요하시면 아래 연락처로 알려 주시기 바랍니다.\n"
    ) in body
    assert DUTIES["ko"][0] not in body and DUTIES["ko"][1] not in body
    assert "조치 의무" not in body and "관련 규정" not in body
    assert FILMING["ko"] in body
    assert "제14조의3" not in body


@pytest.mark.parametrize("language", LANGUAGE_CODES)
@pytest.mark.parametrize("harm", ["sextortion", "webcam_blackmail"])
@pytest.mark.parametrize("minor", [False, True], ids=["adult", "minor"])
def test_the_police_note_cites_article_14_3_for_sextortion(
    language: str, harm: str, minor: bool
) -> None:
    body = notice("police", language, harms={harm}, minor=minor).body
    assert THREAT[language] + "\n" in body
    if minor:
        assert MINOR_SHOWN[language] + MINOR_ASK[language, "police"] in body


@pytest.mark.parametrize("channel", ["report_form", "abuse_email", "kcsc", "hosting"])
def test_notices_to_a_service_cite_its_duty_to_remove(channel: str) -> None:
    for language in LANGUAGE_CODES:
        body = notice(channel, language).body
        for line in DUTIES[language]:
            assert line in body


def test_the_commission_is_asked_for_a_correction_request() -> None:
    body = notice("kcsc", platform="telegram").body
    assert body.startswith("방송미디어통신심의위원회 귀중\n")
    assert "피해자의 의뢰에 따라 아래 정보에 대해 디지털성범죄정보 심의를 요청합니다.\n" in body
    assert "\n해당 정보는 텔레그램에서 유통되고 있습니다.\n" in body
    assert "1. 심의를 거쳐 위 정보의 삭제 또는 접속차단 등 시정요구를 해 주시기 바랍니다." in body
    # The commission has no duty to remove: the same articles are only related provisions.
    assert "○ 관련 규정\n" + DUTIES["ko"][0] in body and DUTIES_HEADING["ko"] not in body
    english = notice("kcsc", "en").body
    assert "Related provisions:\n" in english and DUTIES_HEADING["en"] not in english
    assert "\n신속한 심의를 부탁드립니다.\n" in body
    assert "유통되고 있습니다" not in notice("kcsc", platform="web").body


@pytest.mark.parametrize("channel", ["abuse_email", "report_form", "search_engine"])
def test_english_notices_to_a_service_say_it_breaks_its_own_policy(channel: str) -> None:
    for minor in (False, True):
        body = notice(channel, "en", minor=minor).body
        assert POLICY[minor] + "\nLEGAL BASIS (KOREAN LAW)\n" in body
        assert POLICY[not minor] not in body
    hosting = notice("hosting", "en").body
    assert "This material also violates your acceptable use policy.\n" in hosting
    for reader in ("kcsc", "police"):
        assert "violates your" not in notice(reader, "en").body


def test_a_minors_search_notice_asks_for_the_csam_route_not_the_adult_forms() -> None:
    korean = notice("search_engine", minor=True).body
    assert (
        "1. 위 링크를 검색 결과(이미지·동영상 검색 포함)에서 삭제해 주시기 바랍니다. "
        "아동·청소년성착취물이므로, 성인 피해자를 위한 삭제 절차가 아닌 귀사의 아동 성적 학대 "
        "콘텐츠(CSAM) 신고 절차로 처리해 주시기 바랍니다.\n2. "
    ) in korean
    english = notice("search_engine", "en", minor=True).body
    assert (
        "As this is child sexual abuse material, please handle it through your process for "
        "reporting child sexual abuse material (CSAM), not the removal process for adults' "
        "intimate images.\n2. "
    ) in english
    for adult in (notice("search_engine").body, notice("search_engine", "en").body):
        assert "CSAM" not in adult
    assert (
        "2. 동일한 사진·영상이 다른 주소로 검색 결과에 다시 노출되지 않도록 조치해 주시기 바랍니다."
        in korean
    )


def test_subjects_say_what_the_material_is() -> None:
    assert notice("abuse_email", harms={"deepfake"}).subject == (
        "[삭제 요청] 허위영상물(딥페이크) 링크 3건 (한빛 디지털성범죄 피해지원센터)"
    )
    assert notice("hosting", minor=True).subject == (
        "[긴급][삭제 요청] 귀사 호스팅 웹사이트의 아동·청소년성착취물 링크 3건 "
        "(한빛 디지털성범죄 피해지원센터)"
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


@pytest.mark.parametrize(
    ("platform", "channel", "language"),
    [
        ("naver", "report_form", "ko"),
        ("kakao", "abuse_email", "ko"),
        ("dcinside", "report_form", "ko"),
        ("telegram", "abuse_email", "en"),
        ("x", "report_form", "en"),
        ("telegram", "kcsc", "ko"),
        ("web", "police", "ko"),
        ("web", "hosting", "en"),
        ("no-such-platform", "abuse_email", "en"),
    ],
)
def test_a_notice_is_first_drafted_in_the_language_its_reader_reads(
    platform: str, channel: str, language: str
) -> None:
    assert notice_rules.notice_language(platform, channel) == language
