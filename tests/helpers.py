"""Helpers that act as a victim would: open the form, fill it, send it, read the receipt."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from scripts.pages import CASE_REF, H1, RECEIPT, csrf_token, submission_key


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)


def report_data(**changes: Any) -> dict[str, Any]:
    """A complete, valid report; pass a value of None to leave a field out."""
    data: dict[str, Any] = {
        "filer": "self",
        "age_band": "19plus",
        "minor_in_content": "no19",
        "harms": ["deepfake", "distribution"],
        "links-0-url": "https://t.me/badchannel/123",
        "links-0-note": "posted on 20 November",
        "links-1-url": "@nudifybot",
        "links-1-note": "",
        "links-2-url": "",
        "links-2-note": "",
        "help_wanted": ["takedown", "counseling"],
        "description": "A bot made fake images from my profile photo.",
        "contact_method": "none",
        "consent_nonconsensual": "y",
        "consent_processing": "y",
        "consent_sensitive": "y",
        "consent_takedown": "y",
        "submission_key": None,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def open_form(client: FlaskClient, lang: str | None = None) -> tuple[str, str]:
    """GET /report; returns (csrf token, submission key)."""
    response = client.get("/report" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200
    html = page_text(response)
    return csrf_token(html), submission_key(html)


def shown_after(client: FlaskClient, response: Any) -> Any:
    """The page a POST leads to: the form is shown again by a GET after every round trip."""
    if response.status_code == 303 and response.headers["Location"].endswith(
        ("/report", "/report/sent", "/status")
    ):
        return client.get(response.headers["Location"])
    return response


def post_report(client: FlaskClient, lang: str | None = None, **changes: Any) -> Any:
    """Send the report form; a refused or round-tripped form returns the page shown next."""
    token, key = open_form(client, lang)
    data = report_data(**changes)
    data.setdefault("csrf_token", token)
    data.setdefault("submission_key", key)
    return shown_after(client, sent(client.post("/report", data=data)))


def sent(response: Any) -> Any:
    """The response once a server would have sent it: read whole, then closed, which runs
    what the portal does after a response (comparing fingerprints)."""
    response.get_data()
    response.close()
    return response


def file_report(client: FlaskClient, lang: str | None = None, **changes: Any) -> tuple[str, str]:
    """File a valid report and return (case_ref, receipt) from the receipt page."""
    response = post_report(client, lang, **changes)
    assert response.status_code == 303, page_text(response)[:2000]
    assert response.headers["Location"].endswith("/report/receipt")
    receipt_page = client.get("/report/receipt")
    html = page_text(receipt_page)
    return CASE_REF.search(html).group(1), RECEIPT.search(html).group(1)


def open_status(client: FlaskClient, receipt: str) -> Any:
    """Enter a receipt: a 303 to the case, or the entry page shown again (wrong, withdrawn)."""
    token = csrf_token(page_text(client.get("/status")))
    return shown_after(
        client, client.post("/status", data={"receipt": receipt, "csrf_token": token})
    )


def h1(response: Any) -> str:
    match = H1.search(page_text(response))
    return match.group(1).strip() if match else ""


BOUNDARY = "portal-test-boundary"


def multipart_body(fields: dict[str, str]) -> bytes:
    """An in-memory multipart body (the test client would spool big ones to an unclosed file)."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(f"--{BOUNDARY}--\r\n")
    return "".join(parts).encode("utf-8")
