"""A copied database shows no victim's words, contact details or links."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from portal.extensions import db
from scripts.pages import csrf_token
from tests.helpers import file_report, open_status, page_text

MARKER = "ZQXMARK"


def _file_with_markers(client) -> str:
    _ref, receipt = file_report(
        client,
        description=f"{MARKER}-description",
        contact_method="phone",
        contact_phone="010-5555-1234",
        contact_times=f"{MARKER}-times",
        phone_call_ok="y",
        **{
            "links-0-url": f"https://example.com/{MARKER.lower()}-link",
            "links-0-note": f"{MARKER}-note",
            "links-1-url": f"@{MARKER.lower()}bot",
        },
    )
    page = open_status(client, receipt)
    html = page_text(client.get(page.headers["Location"]))
    client.post(
        "/status/case/reply", data={"body": f"{MARKER}-reply", "csrf_token": csrf_token(html)}
    )
    return receipt


def _all_text(app) -> str:
    """Every value of every table, as the database returns it without the app's decryption."""
    chunks = []
    with app.app_context():
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


def test_no_victim_text_in_the_stored_rows(app, client):
    receipt = _file_with_markers(client)
    stored = _all_text(app)
    assert MARKER not in stored and MARKER.lower() not in stored
    assert "010-5555-1234" not in stored and "01055551234" not in stored
    assert receipt not in stored and receipt.replace("-", "") not in stored


def test_no_victim_text_in_the_sqlite_file(app, client, backend):
    receipt = _file_with_markers(client)
    if backend != "sqlite":
        return  # the PostgreSQL rows are checked above
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    raw = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).read_bytes()
    for needle in (MARKER, MARKER.lower(), "010-5555-1234", receipt.replace("-", "")):
        assert needle.encode() not in raw
    assert b"ZQX" not in raw
