"""Meta's C++ PDQ reference (the pdqhash bindings) as the tests' yardstick, in the hex format
the reference prints: 16 words of 16 bits from the last to the first."""

from __future__ import annotations

import numpy as np
import pdqhash
from PIL import Image


def reference_hash(image: Image.Image) -> tuple[str, int]:
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    # pdqhash lists bit 255 first (its vector is the reference's bits reversed), so read in
    # order the bits give the hex digits most significant first.
    value = int("".join(str(int(bit)) for bit in bits), 2)
    return f"{value:064x}", int(quality)


def distance(left: str, right: str) -> int:
    return (int(left, 16) ^ int(right, 16)).bit_count()
