"""PDQ fingerprints as the form sends them: ``<64 hex digits>:<quality>``, checked and compared.

The hex is ThreatExchange's format (what Meta's reference hasher prints), so a fingerprint
can go to a platform's or a hash-sharing programme's matching as it is. The server never
computes one: the victim's browser does (static/js/pdq.js), and only these numbers arrive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX_DIGITS = 64
BAND_BITS = 16
BANDS = 256 // BAND_BITS
# Meta's published threshold: pairs within 31 differing bits are the same image.
MATCH_DISTANCE = 31
MIN_QUALITY = 50

_VALUE = re.compile(r"([0-9a-f]{64}):([0-9]{1,3})")  # ASCII digits only: "٩٠" is not 90


class FingerprintError(ValueError):
    """A value that is not a usable fingerprint; ``code`` says which rule it breaks."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PDQ:
    hex: str
    quality: int

    @property
    def value(self) -> int:
        return int(self.hex, 16)

    @property
    def field(self) -> str:
        """The form field's text, as the browser wrote it."""
        return f"{self.hex}:{self.quality}"

    def bands(self) -> list[int]:
        """The 16 bands of 16 bits, each a slice of four hex digits."""
        return [int(self.hex[n : n + 4], 16) for n in range(0, HEX_DIGITS, 4)]


def parse(raw: str, min_quality: int = MIN_QUALITY) -> PDQ:
    text = raw.strip().lower()
    found = _VALUE.fullmatch(text)
    if not found:
        raise FingerprintError("malformed")
    quality = int(found.group(2))
    if quality > 100:
        raise FingerprintError("malformed")
    if quality < min_quality:
        raise FingerprintError("low_quality")
    return PDQ(hex=found.group(1), quality=quality)


def parse_all(values: list[str], limit: int, min_quality: int = MIN_QUALITY) -> list[PDQ]:
    """Every distinct fingerprint in the order sent; the first bad one raises, and more than
    ``limit`` raises ``too_many``."""
    found: dict[str, PDQ] = {}
    for raw in values:
        if not raw.strip():
            continue
        pdq = parse(raw, min_quality)
        found.setdefault(pdq.hex, pdq)
    if len(found) > limit:
        raise FingerprintError("too_many")
    return list(found.values())


def distance(left: int, right: int) -> int:
    return (left ^ right).bit_count()


def neighbours(band: int) -> list[int]:
    """The band's value and every value one bit away: the multi-index probe of radius 1.

    With 16 bands, two hashes within 31 bits differ in at most one bit in some band (were
    every band two or more apart, they would be 32 apart), so probing each band's value and
    its 16 one-bit neighbours finds every match within 31: exact, not a sample.
    """
    return [band] + [band ^ (1 << bit) for bit in range(BAND_BITS)]


def two_bits_away(band: int) -> list[int]:
    """Every value exactly two bits from the band's: with the probe above, what tells a
    candidate's band apart as 0, 1, 2 or at least 3 bits from ours (the lower bound)."""
    return [
        band ^ (1 << low) ^ (1 << high)
        for low in range(BAND_BITS)
        for high in range(low + 1, BAND_BITS)
    ]
