"""Receipts: format, randomness, tolerant entry, stored only as a keyed hash."""

from __future__ import annotations

import math
import re

import pytest

from portal.cases.receipts import RECEIPT_DIGITS, new_receipt, normalise_receipt, receipt_hash


def test_format_is_twenty_digits_in_groups_of_four():
    for _ in range(50):
        assert re.fullmatch(r"\d{4}(-\d{4}){4}", new_receipt())


def test_at_least_64_bits_of_randomness():
    assert RECEIPT_DIGITS * math.log2(10) >= 64
    samples = {new_receipt() for _ in range(2000)}
    assert len(samples) == 2000
    # Every digit position takes many values (no fixed or checksum positions).
    for position in range(RECEIPT_DIGITS):
        assert len({s.replace("-", "")[position] for s in samples}) == 10


@pytest.mark.parametrize(
    "entered",
    [
        "0381-5520-9174-6603-2288",
        "0381 5520 9174 6603 2288",
        "03815520917466032288",
        " 0381–5520—9174 6603_2288 ",
        "０３８１５５２０９１７４６６０３２２８８",
    ],
)
def test_tolerant_entry(entered):
    assert normalise_receipt(entered) == "03815520917466032288"


@pytest.mark.parametrize(
    "entered", ["", None, "1234", "0381-5520-9174-6603-228X", "1" * 21, "١" * 20, "x" * 500]
)
def test_not_a_receipt(entered):
    assert normalise_receipt(entered) is None


def test_hash_is_keyed_and_separator_blind(app):
    with app.app_context():
        digest = receipt_hash("0381-5520-9174-6603-2288")
        assert digest == receipt_hash("03815520917466032288")
        assert len(digest) == 64 and "0381" not in digest
        with pytest.raises(ValueError, match="not a receipt"):
            receipt_hash("nope")
