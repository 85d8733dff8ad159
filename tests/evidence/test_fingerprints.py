"""Fingerprints in the database: exact multi-index matching, sealed storage, erasure."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Text, select, type_coerce

from portal.cases import retention
from portal.evidence import fingerprints
from portal.evidence.pdq import PDQ, FingerprintError, distance, parse, parse_all
from portal.extensions import db, table_of
from portal.models import Fingerprint, FingerprintMatch
from portal.security import keyrotation
from tests import factories


def pdq_of(value: int, quality: int = 90) -> PDQ:
    return PDQ(hex=f"{value:064x}", quality=quality)


def flipped(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


def spread_flips(rng: random.Random, per_band: list[int]) -> list[int]:
    """Bit positions to flip: ``per_band[n]`` distinct bits inside band n (hex digits 4n..4n+3)."""
    bits = []
    for band, count in enumerate(per_band):
        low = (15 - band) * 16  # band 0 is the first four hex digits: the top 16 bits
        bits += rng.sample(range(low, low + 16), count)
    return bits


def test_parse_takes_the_browser_format_and_refuses_the_rest():
    good = parse("AB" * 32 + ":87")
    assert good.hex == "ab" * 32 and good.quality == 87
    for bad in ("ab" * 32, "ab" * 31 + ":87", "zz" * 32 + ":87", "ab" * 32 + ":101", ""):
        with pytest.raises(FingerprintError) as caught:
            parse(bad)
        assert caught.value.code == "malformed"
    with pytest.raises(FingerprintError) as caught:
        parse("ab" * 32 + ":49")
    assert caught.value.code == "low_quality"
    assert len(parse_all(["ab" * 32 + ":80", "AB" * 32 + ":80", " "], limit=1)) == 1
    with pytest.raises(FingerprintError):
        parse_all(["ab" * 32 + ":80", "cd" * 32 + ":80"], limit=1)


def test_every_match_within_31_bits_is_found_and_32_is_not(app):
    rng = random.Random(7)
    with app.app_context():
        base = rng.getrandbits(256)
        other = factories.filed_case(db.session).case
        fingerprints.add(db.session, other.id, [pdq_of(base)])
        # The hardest 31: two bits off in 15 bands and one in the last.
        hardest = flipped(base, spread_flips(rng, [2] * 15 + [1]))
        # 32 bits off, two in every band: outside the threshold and outside every probe.
        outside = flipped(base, spread_flips(rng, [2] * 16))
        assert distance(base, hardest) == 31 and distance(base, outside) == 32
        assert [f.distance for f in fingerprints.find(db.session, pdq_of(hardest))] == [31]
        assert fingerprints.find(db.session, pdq_of(outside)) == []
        assert fingerprints.find(db.session, pdq_of(hardest), threshold=30) == []
        # The database's lower bound counts a band 3 or more bits off as 3: every shape of
        # 31, however the flips fall into bands, must still come through.
        for shape in ([3] * 10 + [1] + [0] * 5, [4] * 7 + [3] + [0] * 8, [16] + [1] * 15):
            near = flipped(base, spread_flips(rng, shape))
            assert distance(base, near) == 31
            assert [f.distance for f in fingerprints.find(db.session, pdq_of(near))] == [31]


def test_matching_equals_a_brute_force_comparison(app):
    rng = random.Random(11)
    with app.app_context():
        case = factories.filed_case(db.session).case
        stored = [rng.getrandbits(256) for _ in range(300)]
        # Near copies at every distance up to 40, flips spread however chance puts them.
        for apart in range(41):
            stored.append(flipped(stored[apart], rng.sample(range(256), apart)))
        fingerprints.add(db.session, case.id, [pdq_of(v) for v in stored])
        for probe in stored[:41] + [rng.getrandbits(256) for _ in range(20)]:
            expected = sorted(distance(probe, v) for v in set(stored) if distance(probe, v) <= 31)
            found = sorted(f.distance for f in fingerprints.find(db.session, pdq_of(probe)))
            assert found == expected


def test_the_database_holds_neither_the_hash_nor_its_bands(app):
    value = int("0123456789abcdef" * 4, 16)
    with app.app_context():
        case = factories.filed_case(db.session).case
        fingerprints.add(db.session, case.id, [pdq_of(value)])
        db.session.commit()
        table = table_of(Fingerprint)
        row = db.session.execute(
            select(type_coerce(table.c.pdq, Text), *[table.c[f"band_{n}"] for n in range(16)])
        ).one()
        assert "0123456789abcdef" not in row[0]
        assert set(row[1:]).isdisjoint({0x0123, 0x4567, 0x89AB, 0xCDEF})
        assert fingerprints.stored(db.session, case.id)[0].hex == f"{value:064x}"


def test_a_match_links_both_cases_and_erasing_one_removes_it(app):
    rng = random.Random(3)
    with app.app_context():
        value = rng.getrandbits(256)
        first = factories.filed_case(db.session).case
        second = factories.filed_case(db.session).case
        fingerprints.add(db.session, first.id, [pdq_of(value)])
        made = fingerprints.add(db.session, second.id, [pdq_of(flipped(value, [1, 70, 200]))])
        assert [(m.case_id, m.match_case_id, m.distance) for m in made] == [
            (second.id, first.id, 3)
        ]
        related = fingerprints.related(db.session, [first.id, second.id])
        assert [(r.case_ref, r.distance) for r in related[first.id]] == [(second.case_ref, 3)]
        assert [(r.case_ref, r.distance) for r in related[second.id]] == [(first.case_ref, 3)]
        # The same image again on the same case is kept once.
        assert fingerprints.add(db.session, first.id, [pdq_of(value)]) == []
        assert fingerprints.count(db.session, first.id) == 1
        retention.withdraw(db.session, second)
        db.session.commit()
        assert fingerprints.count(db.session, second.id) == 0
        assert db.session.scalar(select(FingerprintMatch.id)) is None
        assert fingerprints.related(db.session, [first.id])[first.id] == []


def test_a_fingerprint_moved_to_another_case_matches_nothing(app):
    with app.app_context():
        value = random.Random(5).getrandbits(256)
        first = factories.filed_case(db.session).case
        second = factories.filed_case(db.session).case
        fingerprints.add(db.session, first.id, [pdq_of(value)])
        db.session.commit()
        db.session.execute(table_of(Fingerprint).update().values(case_id=second.id))
        assert fingerprints.find(db.session, pdq_of(value)) == []


def test_key_rotation_reseals_fingerprints(make_app):
    from portal.security.crypto import generate_data_key

    old_key = generate_data_key()
    app = make_app(PORTAL_DATA_KEYS=old_key)
    value = random.Random(9).getrandbits(256)
    with app.app_context():
        case = factories.filed_case(db.session).case
        fingerprints.add(db.session, case.id, [pdq_of(value)])
        db.session.commit()
        case_id = case.id
    rotated = make_app(fresh=False, PORTAL_DATA_KEYS=generate_data_key() + "," + old_key)
    with rotated.app_context():
        report = keyrotation.rotate_values(db.session)
        assert report.values.get("fingerprints.pdq") == 1
    with rotated.app_context():
        assert fingerprints.stored(db.session, case_id)[0].hex == f"{value:064x}"
        # This app has another PORTAL_SECRET_KEY: the keyed bands match nothing until rewritten.
        assert fingerprints.find(db.session, pdq_of(value)) == []
        assert fingerprints.reindex(db.session) == 1
        assert [f.distance for f in fingerprints.find(db.session, pdq_of(value))] == [0]
