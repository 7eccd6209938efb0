"""Phones: canonical forms and error codes (security-reference.md c8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.errors import ValidationFailed
from fangkong.core.phones import mask_phone, normalise_phone

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs"
PHONES = json.loads((CORPUS / "phones.json").read_text())


@pytest.mark.parametrize("case", PHONES, ids=lambda c: c["input"])
def test_phone_corpus(case):
    if case["expect"] is None:
        with pytest.raises(ValidationFailed) as caught:
            normalise_phone(case["input"])
        assert caught.value.code == case["code"]
        assert caught.value.errors[0]["field"] == "phone"
    else:
        phone = normalise_phone(case["input"])
        assert phone.number == case["expect"]
        assert phone.kind == case["kind"]


def test_ten_and_twelve_digit_junk_have_a_clear_code():
    for junk in ("1380013800", "138001380001"):
        with pytest.raises(ValidationFailed) as caught:
            normalise_phone(junk)
        assert caught.value.code == "phone_length"
        assert "11" in caught.value.message


def test_masks():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("010-62345678") == "010-****5678"
    assert mask_phone("0755-86012345-123") == "0755-****2345"
    assert normalise_phone("+86 138 0013 8000").masked == "138****8000"


def test_a_family_can_share_one_number():
    assert normalise_phone("13800138000") == normalise_phone("+86 13800138000")


@given(st.text(max_size=50))
def test_never_crashes(text):
    try:
        phone = normalise_phone(text)
    except ValidationFailed:
        return
    assert phone.kind in ("mobile", "landline")
    assert normalise_phone(phone.number) == phone  # canonical forms are fixed points
