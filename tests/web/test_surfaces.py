"""PORTAL_SURFACE: an instance for the victims' pages only, or for the staff pages only."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config
from tests.helpers import file_report, page_text
from tests.staff_helpers import make_staff, staff_client

PUBLIC = ["/", "/report", "/status", "/privacy", "/report/receipt"]
STAFF = ["/staff/", "/staff/login", "/staff/admin/", "/staff/cases/20260101-000001"]
BOTH = ["/healthz", "/readyz", "/static/css/portal.css"]


def test_the_public_surface_has_no_staff_pages(make_app):
    client = make_app(PORTAL_SURFACE="public").test_client()
    for path in PUBLIC + BOTH:
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    for path in STAFF:
        assert client.get(path).status_code == 404, path
    assert client.post("/staff/login", data={"email": "a@b.c"}).status_code == 404


def test_the_staff_surface_has_no_victim_pages(make_app):
    app = make_app(PORTAL_SURFACE="staff")
    client = app.test_client()
    for path in PUBLIC:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "<h1>" in page_text(response)  # the friendly page, not a bare error
    for path in BOTH:
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    staff = staff_client(app, make_staff(app, "worker@example.org"))
    assert staff.get("/staff/").status_code == 200


def test_all_serves_both(app, client):
    file_report(client)
    assert client.get("/staff/login").status_code == 200


def test_an_unknown_surface_is_a_clear_start_up_error():
    with pytest.raises(ConfigError, match="PORTAL_SURFACE"):
        load_config({"PORTAL_ENV": "development", "PORTAL_SURFACE": "intranet"})
