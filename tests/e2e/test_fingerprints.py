"""A victim makes fingerprints of three images on a phone and files; no byte of any image
leaves the browser. A second report from a resized, re-encoded copy shows the first case as
related, with its distance, on the staff case page and on the desk's target page."""

from __future__ import annotations

import io
import random
import time

import pytest
from PIL import Image, ImageDraw

from tests.e2e.flows import fill_report, send_report, staff_sign_in

pytestmark = pytest.mark.e2e

PHOTO_SIZE = (900, 700)


def _picture(seed: int) -> Image.Image:
    """A photo-like picture: a smooth gradient, soft shapes and noise (nothing real)."""
    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(base)
    for _ in range(14):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(30, 220)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    draw.text((40, 40), f"sample {seed}", fill=(255, 255, 255))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(base, noise, 0.12)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _jpeg(image: Image.Image, quality: int = 70) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _pick(page, files: list[tuple[str, str, bytes]]) -> None:
    page.set_input_files(
        "#fingerprint-picker",
        files=[{"name": name, "mimeType": mime, "buffer": data} for name, mime, data in files],
    )


def _sent_bodies(page) -> list[bytes]:
    bodies: list[bytes] = []
    page.on("request", lambda request: bodies.append(request.post_data_buffer or b""))
    return bodies


def test_three_fingerprints_filed_without_a_byte_of_any_image(new_context, portal):
    images = [_picture(seed) for seed in (1, 2, 3)]
    files = [(f"photo-{n}.png", "image/png", _png(image)) for n, image in enumerate(images, 1)]
    context, _log = new_context("phone", "ko")
    page = context.new_page()
    bodies = _sent_bodies(page)
    page.goto(portal.at("/report?lang=ko"))
    fill_report(page, "ko")
    assert page.is_visible("#fingerprint-tools")
    started = time.perf_counter()
    _pick(page, files)
    page.wait_for_selector("li.fingerprint-item >> nth=2")
    print(f"three 900x700 PNGs fingerprinted in {time.perf_counter() - started:.2f} s")
    assert page.locator("li.fingerprint-item").count() == 3
    assert page.locator("li.fingerprint-item canvas").count() == 3
    assert "지문 3개가 준비됐어요" in page.inner_text("#fingerprint-status")
    values = page.eval_on_selector_all("input[name=fingerprint]", "els => els.map(el => el.value)")
    assert len(set(values)) == 3 and all(len(v.split(":")[0]) == 64 for v in values)
    # The picker is empty again: nothing of the images is left in the form.
    assert page.eval_on_selector("#fingerprint-picker", "el => el.files.length") == 0
    # One can be removed and the others are numbered again.
    page.locator("li.fingerprint-item button").first.click()
    assert page.locator("li.fingerprint-item").count() == 2
    _pick(page, files[:1])
    page.wait_for_function("() => document.querySelectorAll('li.fingerprint-item').length === 3")
    page.check("#share_fingerprints")
    filed = send_report(page, "ko")
    assert filed.case_ref

    sent = b"".join(bodies)
    for _name, _mime, data in files:
        # No image signature, and no run of an image's bytes, in anything the browser sent.
        assert data[16:80] not in sent and data[-64:] not in sent
    assert b"\x89PNG" not in sent and b"IDAT" not in sent and b"JFIF" not in sent
    assert b'name="fingerprint"' in sent or b"fingerprint=" in sent

    # A second report, from a resized and re-encoded copy of the first image.
    other_context, _ = new_context("phone", "ko")
    other = other_context.new_page()
    other.goto(portal.at("/report?lang=ko"))
    fill_report(other, "ko", links=("https://t.me/another_room/77",))
    copy = images[0].resize((600, 467), Image.LANCZOS)
    _pick(other, [("copy.jpg", "image/jpeg", _jpeg(copy))])
    other.wait_for_selector("li.fingerprint-item")
    second = send_report(other, "ko")
    # The victim is told nothing about other reports of the same image.
    assert "같은 이미지" not in other.inner_text("main")

    staff_context, _ = new_context("desktop", "en")
    staff = staff_context.new_page()
    staff_sign_in(staff, portal, "en", next_path=f"/staff/cases/{second.case_ref}")
    matches = staff.inner_text("#image-matches")
    assert filed.case_ref in matches and "distance" in matches
    bits = int(matches.split("distance ", 1)[1].split(" ", 1)[0])
    assert bits <= 31
    staff.goto(portal.at(f"/staff/cases/{filed.case_ref}"))
    assert second.case_ref in staff.inner_text("#image-matches")
    assert staff.locator("#fingerprint-table tbody tr").count() == 3
    # The target page of the desk shows the related case with its distance.
    staff.locator("section[aria-labelledby=links-title] a[href*='/staff/targets/']").first.click()
    staff.wait_for_url("**/staff/targets/*")
    staff.goto(staff.url.split("?")[0] + "?show=all")
    cells = staff.locator("td.image-matches").all_inner_texts()
    assert any(second.case_ref in cell and "bit" in cell for cell in cells)


def test_without_javascript_the_form_has_no_picker_and_files_as_before(new_context, portal):
    context, _ = new_context("phone", "en", java_script_enabled=False)
    page = context.new_page()
    page.goto(portal.at("/report?lang=en"))
    assert not page.is_visible("#fingerprint-tools")
    assert not page.is_visible("#fingerprints")  # nothing of it shows: none of it would work
    fill_report(page, "en")
    filed = send_report(page, "en")
    assert filed.case_ref
