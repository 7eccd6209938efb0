"""Building, unit and room from free-text addresses (security-reference.md c8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.addresses import address_key, parse_address

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs"
ADDRESSES = json.loads((CORPUS / "addresses.json").read_text())


@pytest.mark.parametrize("case", ADDRESSES, ids=lambda c: c["input"])
def test_address_corpus(case):
    parts = parse_address(case["input"])
    assert (parts.building, parts.unit, parts.room) == (
        case["building"],
        case["unit"],
        case["room"],
    )
    assert parts.key == case["key"]


def test_the_same_flat_written_three_ways_has_one_key():
    keys = {address_key(text) for text in ("3号楼2单元501", "3-2-501", "3栋2单元501室")}
    assert keys == {"3-2-501"}


def test_building_room_never_collides_with_building_unit():
    assert address_key("3-501") != address_key("3-5-01")


@given(st.text(max_size=80))
def test_never_crashes(text):
    parts = parse_address(text)
    assert isinstance(parts.key, str)
