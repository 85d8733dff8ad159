"""Canned messages to victims, in Korean and English; staff edit them before sending.

They are written in the victim's language (the case's language), whatever language the
staff member's own pages are in, so they are plain text here rather than catalog entries.
"""

from __future__ import annotations

from portal.choices import LANGUAGE_CODES

CANNED: dict[str, dict[str, str]] = {
    "received": {
        "ko": (
            "안녕하세요. 디지털 성범죄 피해 지원 담당자예요. 보내 주신 신고를 잘 받았고, "
            "지금 내용을 살펴보고 있어요. 혼자 감당하지 않으셔도 돼요. "
            "보통 평일 기준 하루 안에 다음 단계를 여기에 알려 드릴게요."
        ),
        "en": (
            "Hello, this is a support worker. We received your report and are looking at it "
            "now. You do not have to handle this alone. We will tell you the next step here, "
            "usually within one working day."
        ),
    },
    "takedown_requested": {
        "ko": (
            "알려 주신 링크에 대해 플랫폼에 삭제를 요청했어요. 삭제되기까지 며칠에서 "
            "몇 주가 걸릴 수 있고, 플랫폼이 요청을 거절하는 경우도 있어요. 거절되면 "
            "방송미디어통신심의위원회에 심의 요청을 하는 등 다른 방법을 찾아서 이곳에 "
            "알려 드릴게요."
        ),
        "en": (
            "We have asked the platform to remove the links you gave us. It can take from a "
            "few days to a few weeks, and platforms sometimes refuse. If they do, we will try "
            "other ways, such as a review request to the Korea Media and Communications "
            "Standards Commission, and tell you here."
        ),
    },
    "removed": {
        "ko": (
            "알려 주신 사진이나 영상이 삭제된 것을 확인했어요. 다시 올라오는지 계속 살펴볼게요. "
            "다시 보이면 언제든 여기에 알려 주세요."
        ),
        "en": (
            "We have confirmed that the content you reported was removed. We will keep "
            "watching for re-uploads. If you see it again, tell us here at any time."
        ),
    },
    "need_links": {
        "ko": (
            "삭제를 요청하려면 사진이나 영상이 올라온 곳의 링크가 필요해요. 괜찮으시다면 링크나 "
            "채널 이름(@이름)을 여기에 남겨 주세요. 사진이나 영상 자체는 보내지 않으셔도 돼요. "
            "찍히거나 만들어질 때 만 19세 미만(고등학생 포함)이었던 사람이 나온다면 파일은 "
            "보내지 말아 주세요."
        ),
        "en": (
            "To ask for removal we need links to where the content appears. If you can, "
            "please leave the links or channel names (@name) here. You do not need to send "
            "the images themselves. If anyone shown was under 19 when it was taken or made "
            "(high school students included), please do not send files."
        ),
    },
    "counseling": {
        "ko": (
            "상담 지원을 연결해 드릴 수 있어요. 안전한 연락 방법과 시간을 알려 주시면 상담사가 "
            "연락드릴게요. 지금 바로 이야기하고 싶다면 1366(24시간)으로 전화해도 돼요."
        ),
        "en": (
            "We can connect you with a counselor. Tell us a safe way and time to reach you "
            "and a counselor will contact you. To talk right now, you can call 1366 (24 hours)."
        ),
    },
    "police": {
        "ko": (
            "경찰 신고를 원하시면 함께 준비할 수 있어요. {evidence} "
            "어떻게 진행하고 싶은지 여기에 편하게 알려 주세요."
        ),
        "en": (
            "If you want to report to the police, we can prepare it with you. {evidence} "
            "Tell us here how you would like to go ahead."
        ),
    },
}


# "We keep the evidence" is said only where the case holds evidence files.
EVIDENCE = {
    True: {
        "ko": (
            "보내 주신 증거 파일은 지금 암호화해서 보관하고 있어요. 경찰 신고에 쓰시려면 "
            "알려 주세요. 지워지지 않도록 보관 조치를 할게요."
        ),
        "en": (
            "We are keeping the evidence files you sent, encrypted. If you want to use them "
            "for a police report, tell us and we will put them on hold so they are not deleted."
        ),
    },
    False: {
        "ko": (
            "이 신고에는 보내 주신 파일이 없어서, 저희가 따로 보관하는 증거 파일은 없어요. "
            "경찰 신고에는 링크와 화면 캡처(게시물 주소, 상대 계정, 대화 내용)가 도움이 되니 "
            "지우지 말고 그대로 두세요. 사진이나 영상 자체는 저장하지 않아도 돼요."
        ),
        "en": (
            "No files came with this report, so we hold no evidence files for it. Links and "
            "screenshots (post addresses, accounts, conversations) help a police report, so "
            "please do not delete them. You do not need to save the images or videos."
        ),
    },
}


def canned_options(language: str) -> list[tuple[str, str]]:
    """(key, first words) for each canned message in the given language."""
    lang = language if language in LANGUAGE_CODES else "ko"
    return [(key, texts[lang][:40] + "…") for key, texts in CANNED.items()]


def canned_message(key: str, language: str, *, evidence_kept: bool = False) -> str:
    texts = CANNED.get(key)
    if texts is None:
        return ""
    lang = language if language in texts else "ko"
    return texts[lang].replace("{evidence}", EVIDENCE[evidence_kept][lang])
