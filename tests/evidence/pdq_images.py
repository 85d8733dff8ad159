"""Generated test images for the PDQ proofs: photo-like gradients, text, cartoon faces and
shapes in several sizes, drawn with Pillow from a seed. Nothing real, nothing intimate."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont


def gradient_photo(seed: int, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    base = Image.linear_gradient("L").resize((width, height)).rotate(rng.randrange(360))
    image = Image.merge("RGB", (base, base.transpose(Image.FLIP_LEFT_RIGHT), base)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(8, max(9, min(width, height) // 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in "rgb"))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, noise, 0.12)


def text_card(seed: int, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(80, 256) for _ in "rgb"))
    draw = ImageDraw.Draw(image)
    # Poster-sized letters: PDQ sees structure at 1/64 of the picture, not 8-pixel glyphs.
    font = ImageFont.load_default(size=max(18, size[1] // 8))
    step = max(22, size[1] // 6)
    for line in range(4, size[1] - step // 2, step):
        words = " ".join(rng.choice(["report", "help", "link", "case", "2026"]) for _ in range(3))
        draw.text((8, line), words, fill=(0, 0, 0), font=font)
    return image


def cartoon_face(seed: int, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (rng.randrange(150, 256), 230, rng.randrange(150, 256)))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.2, height * 0.1, width * 0.8, height * 0.9), fill=(240, 200, 160))
    for eye_x in (0.38, 0.62):
        draw.ellipse((width * (eye_x - 0.05), height * 0.35, width * (eye_x + 0.05), height * 0.45),
                     fill=(40, 40, 60))  # fmt: skip
    draw.arc((width * 0.35, height * 0.5, width * 0.65, height * 0.75), 20, 160, fill=(120, 30, 30),
             width=max(2, width // 60))  # fmt: skip
    # Light from one side and a little grain, as in a photo: a flat, mirror-symmetric
    # drawing leaves PDQ's coefficients near zero, and the reference's own hash of it
    # flips with any resize.
    light = Image.linear_gradient("L").rotate(90 + rng.randrange(-30, 30)).resize(size)
    lit = Image.composite(image, Image.new("RGB", size, (30, 30, 40)), light)
    noise = Image.effect_noise(size, 30).convert("RGB")
    return Image.blend(Image.blend(image, lit, 0.5), noise, 0.1)


def shapes(seed: int, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for _ in range(20):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(10, 120), y0 + rng.randrange(10, 120)
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in "rgb"))
    return image


def flat(size: tuple[int, int]) -> Image.Image:
    """An almost even grey: too little detail for a fingerprint worth matching."""
    return Image.new("RGB", size, (128, 128, 130))


def sample_images() -> dict[str, Image.Image]:
    """The images every browser hash is checked on (each side at most 512 px: hashed as is)."""
    return {
        "gradient-300x200": gradient_photo(1, (300, 200)),
        "gradient-512x384": gradient_photo(2, (512, 384)),
        "gradient-tall-240x512": gradient_photo(3, (240, 512)),
        "text-400x300": text_card(4, (400, 300)),
        "text-200x150": text_card(5, (200, 150)),
        "face-300x300": cartoon_face(22, (300, 300)),
        "face-256x320": cartoon_face(7, (256, 320)),
        "shapes-500x400": shapes(8, (500, 400)),
        "shapes-160x120": shapes(9, (160, 120)),
        "gradient-64x64": gradient_photo(10, (64, 64)),
        "face-450x350": cartoon_face(11, (450, 350)),
        "text-512x512": text_card(12, (512, 512)),
    }


def encoded(image: Image.Image, kind: str = "PNG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, kind, **({"quality": quality} if kind == "JPEG" else {}))
    return out.getvalue()
