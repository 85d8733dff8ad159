"""Every public page in both languages: the right <html lang>, translated titles and headings."""

from __future__ import annotations

import pytest

from portal.extensions import db
from scripts.pages import HTML_LANG, csrf_token
from tests.helpers import h1, page_text

PAGES = {
    "/": ("디지털 성범죄 피해 신고·지원", "Digital sex crime report & support"),
    "/report": ("신고하고 도움 요청하기", "Report and ask for help"),
    "/status": ("진행 상황 확인", "Check your report"),
    "/privacy": ("개인정보 수집·이용 안내", "Privacy notice"),
    "/report/receipt": ("확인 코드는 한 번만 보여 드려요", "The receipt code is shown only once"),
    "/report/done": ("용기 내어 알려 주셔서 고마워요", "Thank you for reaching out"),
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_public_page_in_each_language(client, path, lang):
    response = client.get(f"{path}?lang={lang}")
    html = page_text(response)
    assert response.status_code == 200
    assert HTML_LANG.search(html).group(1) == lang
    expected = PAGES[path][0 if lang == "ko" else 1]
    assert h1(response) == expected
    assert f"<title>{expected}" in html.replace("&amp;", "&")
    exit_label = "빠른 나가기" if lang == "ko" else "Exit this page"
    exit_link = '<a id="quick-exit" class="exit" href="https://www.naver.com/" rel="noreferrer">'
    assert f"{exit_link}{exit_label}</a>" in html
    other = "Exit this page" if lang == "ko" else "빠른 나가기"
    assert other not in html


def test_korean_is_the_default(client):
    assert HTML_LANG.search(page_text(client.get("/"))).group(1) == "ko"


def test_accept_language_decides_without_a_choice(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert HTML_LANG.search(page_text(response)).group(1) == "en"
    korean = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert HTML_LANG.search(page_text(korean)).group(1) == "ko"


def test_lang_choice_is_remembered_over_accept_language(client):
    client.get("/?lang=en")
    response = client.get("/status", headers={"Accept-Language": "ko"})
    assert HTML_LANG.search(page_text(response)).group(1) == "en"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    assert cookie.expires is None  # gone when the browser closes


def test_unknown_lang_value_is_ignored(client):
    response = client.get("/?lang=fr")
    assert HTML_LANG.search(page_text(response)).group(1) == "ko"


def test_home_has_hotlines_and_a_start_button(client):
    html = page_text(client.get("/?lang=ko"))
    for number in ("1366", "02-735-8994", "112", "1377", "1388", "109"):
        assert number in html
    assert 'href="/report"' in html
    assert "익명" in html and "무료" in html


def test_hotlines_come_from_a_configured_file(make_app, tmp_path):
    path = tmp_path / "hotlines.json"
    path.write_text(
        '[{"number": "1577-0000", "name": {"ko": "테스트 상담", "en": "Test line"},'
        ' "hours": {"ko": "24시간", "en": "24 hours"}}]',
        encoding="utf-8",
    )
    app = make_app(PORTAL_HOTLINES_FILE=str(path))
    client = app.test_client()
    assert "테스트 상담" in page_text(client.get("/?lang=ko"))
    assert "Test line" in page_text(client.get("/?lang=en"))


def test_exit_url_is_configurable(make_app):
    app = make_app(PORTAL_EXIT_URL="https://weather.example/")
    html = page_text(app.test_client().get("/"))
    assert 'id="quick-exit" class="exit" href="https://weather.example/"' in html


def test_report_form_says_links_are_enough_and_works_without_js(client):
    html = page_text(client.get("/report?lang=en"))
    assert "You never need to upload the images or videos themselves" in html
    assert 'method="post"' in html
    assert 'name="add_link"' in html
    assert html.count('name="links-') == 6  # three rows of link + note by default
    assert 'class="hp"' in html and 'name="website"' in html


@pytest.mark.parametrize(
    ("path", "method", "code", "ko", "en"),
    [
        ("/no-such-page", "get", 404, "페이지를 찾을 수 없어요", "We could not find that page"),
        (
            "/report/done",
            "post",
            405,
            "여기서는 할 수 없는 작업이에요",
            "That action is not possible here",
        ),
        (
            "/report/saved",
            "post",
            400,
            "요청을 처리할 수 없었어요",
            "Something in the request was not right",
        ),
    ],
)
def test_error_pages_in_both_languages(client, path, method, code, ko, en):
    for lang, title in (("ko", ko), ("en", en)):
        response = getattr(client, method)(f"{path}?lang={lang}")
        assert response.status_code == code
        assert h1(response) == title
        assert HTML_LANG.search(page_text(response)).group(1) == lang


def test_500_page_is_friendly(app, client, monkeypatch):
    import portal.public.views as views

    def boom():
        raise RuntimeError("bug")

    monkeypatch.setattr(views, "render_template", lambda *a, **k: boom())
    response = client.get("/?lang=en")
    assert response.status_code == 500
    assert "Something went wrong on our side" in page_text(response)
    assert "RuntimeError" not in page_text(response)


def test_health_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["database"] == "ok"


def test_database_down_gives_503_pages_not_tracebacks(tmp_path):
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "PORTAL_INSTANCE_DIR": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:9/none",
            "PORTAL_AUDIT_SEAL_SECONDS": 0,
        }
    )
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
    client.get("/status")
    token = csrf_token(page_text(client.get("/status")))
    response = client.post("/status?lang=en", data={"receipt": "1" * 20, "csrf_token": token})
    assert response.status_code == 503
    html = page_text(response)
    assert "The service cannot answer for a moment" in html
    assert html.index("1366") < html.index("02-735-8994")  # a 24-hour line comes first
    with app.app_context():
        db.engine.dispose()
