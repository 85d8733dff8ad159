"""A support worker places a legal hold and downloads the police export in the browser; the
package verifies with the command line, and its report prints from Chromium as a Korean A4
document (the README's picture of it is made here)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdfium2
import pytest

from tests.e2e.conftest import SIGNING_KEY
from tests.e2e.flows import DESCRIPTION, file_report, staff_sign_in
from tests.e2e.support import ROOT, docs_picture

pytestmark = pytest.mark.e2e


def _flask(portal, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environment.update(
        PORTAL_ENV="development",
        PORTAL_INSTANCE_DIR=str(portal.db_path.parent),
        PORTAL_DATABASE_URL=f"sqlite:///{portal.db_path}",
        PORTAL_SIGNING_KEY=SIGNING_KEY,
    )
    flask = Path(sys.executable).parent / "flask"
    return subprocess.run(
        [str(flask), "--app", "portal", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_police_export_verifies_and_prints_in_korean(new_context, portal, tmp_path):
    victim_context, _ = new_context("phone", "ko")
    filed = file_report(victim_context.new_page(), portal.url, "ko")

    context, _ = new_context("desktop", "en", accept_downloads=True)
    staff = context.new_page()
    staff_sign_in(staff, portal, "en", next_path=f"/staff/cases/{filed.case_ref}")
    assert f"/staff/cases/{filed.case_ref}" in staff.url
    # Without a hold or the victim's consent to keep evidence, there is no export button.
    panel = staff.locator("section[aria-labelledby=export-title]")
    assert "needs a legal hold" in panel.inner_text()
    staff.get_by_role("button", name="Claim", exact=True).click()
    staff.wait_for_load_state("load")
    staff.check("#hold")
    staff.fill("#hold-reason", "The victim is going to the police.")
    staff.get_by_role("button", name="Save legal hold").click()
    staff.wait_for_load_state("load")

    with staff.expect_download() as started:
        staff.get_by_role("button", name="Download the evidence package").click()
    download = started.value
    assert download.suggested_filename.startswith(f"{filed.case_ref}-evidence-")
    path = tmp_path / "export.zip"
    download.save_as(path)

    checked = _flask(portal, "export", "verify", str(path))
    assert checked.returncode == 0, checked.stderr
    assert f"of case {filed.case_ref} match the signed manifest" in checked.stdout
    with zipfile.ZipFile(path) as archive:
        report = archive.read("report.html").decode("utf-8")

    reader = context.new_page()
    reader.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    reader.set_content(report, wait_until="load")
    assert reader.get_attribute("html", "lang") == "ko"
    assert reader.locator("h1").inner_text() == "수사기관 제출용 증거 자료"
    assert reader.locator("#development-key").count() == 0  # signed with a configured key
    pdf = reader.pdf(format="A4", print_background=True)
    document = pypdfium2.PdfDocument(pdf)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert "수사기관 제출용 증거 자료" in text
    assert filed.case_ref in text
    assert DESCRIPTION["ko"].split()[0] in text
    assert "보관·열람 기록" in text
    docs_picture(reader, "ko-police-report", 794)
