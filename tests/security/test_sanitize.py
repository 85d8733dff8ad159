"""sanitize.py: NFC, control characters, markup, caps."""

from __future__ import annotations

import unicodedata

import pytest

from portal.security.sanitize import TextRefused, clean_field, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<b>bold</b> text", "bold text"),
        ("<script>alert(1)</script>", "alert(1)"),
        ('<img src=x onerror="alert(1)">hi', "hi"),
        ("a < b & c > d", "a < b & c > d"),
        ("I <3 you", "I <3 you"),
        ("&lt;b&gt;", ""),
        ("&amp;lt;script&amp;gt;x", "x"),
        ("  padded  ", "padded"),
        ("line one\r\nline two", "line one\nline two"),
        (unicodedata.normalize("NFD", "한글 é"), "한글 é"),
        (None, ""),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw, max_length=100, multiline=True) == expected


def test_output_is_nfc():
    cleaned = clean_text(unicodedata.normalize("NFD", "가나다"), max_length=10)
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize("bad", ["a\x00b", "a\x07b", "a\x1bb", "a\u202eb", "a\x7fb"])
def test_control_characters_are_refused(bad):
    with pytest.raises(TextRefused) as caught:
        clean_text(bad, max_length=100, multiline=True)
    assert caught.value.reason == "control"


def test_newlines_only_in_multiline_fields():
    assert clean_field("description", "a\nb") == "a\nb"
    with pytest.raises(TextRefused):
        clean_field("link_note", "a\nb")


def test_caps_count_characters_after_normalisation():
    assert clean_text("가" * 10, max_length=10) == "가" * 10
    with pytest.raises(TextRefused) as caught:
        clean_text("가" * 11, max_length=10)
    assert (caught.value.reason, caught.value.limit, caught.value.length) == ("too_long", 10, 11)


@pytest.mark.parametrize(
    "hidden",
    ["&#x202e;", "&#8238;", "&#X202E;", "&#x200f;", "&#x2066;", "&lrm;", "&rlm;"],
)
def test_control_characters_hidden_as_entities_are_refused(hidden):
    with pytest.raises(TextRefused) as caught:
        clean_text(f"safe{hidden}looking", max_length=100, multiline=True)
    assert caught.value.reason == "control"


@pytest.mark.parametrize("newline", ["&#10;", "&#13;", "&#x0a;", "&#13;&#10;", "&NewLine;"])
def test_line_breaks_hidden_as_entities_stay_out_of_single_line_fields(newline):
    with pytest.raises(TextRefused):
        clean_field("link_note", f"one{newline}two")
    assert clean_field("description", f"one{newline}two") == "one\ntwo"


def test_entities_nested_under_markup_are_checked_after_unescaping():
    with pytest.raises(TextRefused):
        clean_text("<b>&amp;#x202e;</b>gnp.exe", max_length=100)


@pytest.mark.parametrize("entity", ["&#0;", "&#x1b;", "&#x7f;", "&#x202E", "&#128;"])
def test_no_control_character_is_ever_stored_from_an_entity(entity):
    try:
        cleaned = clean_text(f"safe{entity}looking", max_length=100, multiline=True)
    except TextRefused:
        return
    assert not any(unicodedata.category(char) == "Cc" for char in cleaned)
    assert "\u202e" not in cleaned


def test_markup_escaped_many_times_is_still_stripped():
    nested = "<script>alert(1)</script>hello"
    for _ in range(5):
        nested = nested.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert clean_text(nested, max_length=500) == "alert(1)hello"


def test_markup_escaped_beyond_reason_is_refused():
    nested = "&#x202e;"
    for _ in range(20):
        nested = nested.replace("&", "&amp;")
    with pytest.raises(TextRefused):
        clean_text(nested, max_length=500)


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\ufeff", "\U000e0041\U000e0042", "&#x200b;", "&#xFEFF;", "\u2060"]
)
def test_invisible_format_characters_are_dropped(invisible):
    assert clean_text(f"a{invisible}b", max_length=100) == "ab"


def test_joiners_that_build_emoji_and_letters_stay():
    family = "\U0001f469\u200d\U0001f467"
    assert clean_text(family, max_length=100) == family


def test_line_and_paragraph_separators_are_line_breaks():
    assert clean_field("description", "one\u2028two\u2029three") == "one\ntwo\nthree"
    with pytest.raises(TextRefused):
        clean_field("link_note", "one\u2028two")
