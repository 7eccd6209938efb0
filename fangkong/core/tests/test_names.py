"""Names: storage form, the comparison key and pinyin (security-reference.md c7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core import names
from fangkong.core.errors import ValidationFailed
from fangkong.core.names import (
    name_clean,
    name_key,
    name_pinyin,
    name_query_keys,
    name_warnings,
)

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs"
NAMES = json.loads((CORPUS / "names.json").read_text())
INJECTION = json.loads((CORPUS / "injection.json").read_text())


def _meets(query: str, stored: str) -> bool:
    """Would a search for ``query`` find a person stored as ``stored`` (exact keys)?"""
    keys = name_query_keys(query)
    return name_key(stored) in keys.name_keys or name_pinyin(stored) in keys.pinyin_keys


@pytest.mark.parametrize("name", NAMES["rare"])
def test_rare_characters_round_trip_unchanged(name):
    assert name_clean(name) == name
    assert name_pinyin(name)  # pypinyin knows them; nothing is silently dropped to ""


def test_opencc_maps_the_variant_pairs_so_they_meet():
    # 龑 is the traditional form a bank suggested for 䶮; OpenCC t2s maps it, so they share a key.
    assert name_key("龑") == name_key("䶮") == "䶮"
    # 暐 has a simplified form in OpenCC's table; the stored name itself never changes.
    assert name_key("暐") == "𬀩"
    assert name_clean("暐") == "暐"


@pytest.mark.parametrize(("traditional", "simplified"), NAMES["variants"])
def test_traditional_and_simplified_share_a_key(traditional, simplified):
    assert name_key(traditional) == name_key(simplified)
    assert name_pinyin(traditional) == name_pinyin(simplified)


def test_middle_dot_variants_share_a_key():
    keys = {name_key(value) for value in NAMES["middle_dot"]}
    assert keys == {"阿卜杜热合曼"}
    # The stored name keeps the dot the person typed.
    assert name_clean("阿卜杜・热合曼") == "阿卜杜・热合曼"


@pytest.mark.parametrize("query", NAMES["same_person_as_张三"])
def test_every_spelling_of_zhang_san_meets_the_characters(query):
    assert _meets(query, "张三")


@pytest.mark.parametrize("query", NAMES["same_person_as_吕布"][:-1])
def test_lyu_lv_lu_spellings_meet_lv_bu(query):
    assert _meets(query, "吕布")


def test_a_bare_lu_query_also_tries_lv():
    keys = name_query_keys("lu")
    assert {"lu", "lv"} <= set(keys.pinyin_keys)
    assert name_pinyin("吕布").startswith("lv")


def test_passport_spellings_of_nu_and_lue():
    assert name_pinyin("Nyu") == name_pinyin("女") == "nv"
    assert name_pinyin("Lue") == name_pinyin("略") == "lve"


def test_latin_both_orders_are_tried():
    keys = name_query_keys("San ZHANG")
    assert "zhangsan" in keys.pinyin_keys
    assert "sanzhang" in keys.pinyin_keys


def test_surname_readings_of_heteronyms():
    assert name_pinyin("曾国藩") == "zengguofan"
    assert name_pinyin("单田芳") == "shantianfang"
    assert name_pinyin("万俟卨").startswith("moqi")
    # A search typed with the common reading still finds them.
    assert "dantianfang" in name_query_keys("单田芳").pinyin_keys


def test_pinyin_of_latin_input_drops_tones_hyphens_spaces_and_case():
    assert name_pinyin("Zhāng-Sān") == "zhangsan"
    assert name_pinyin("ZHANG  San") == "zhangsan"
    assert name_pinyin("Lǚ Bù") == "lvbu"


@pytest.mark.parametrize(("name", "expected"), NAMES["flagged"])
def test_digits_brackets_and_symbols_are_flagged_not_refused(name, expected):
    assert name_clean(name) == name
    assert name_warnings(name) == expected
    assert name_key(name)
    name_pinyin(name)  # no crash


@pytest.mark.parametrize(("name", "code"), NAMES["refused"])
def test_control_characters_nul_and_rtl_override_are_refused(name, code):
    with pytest.raises(ValidationFailed) as caught:
        name_clean(name)
    assert caught.value.code == code
    assert caught.value.errors[0]["field"] == "name"


def test_names_longer_than_100_characters_are_refused():
    assert name_clean("王" * 100) == "王" * 100
    with pytest.raises(ValidationFailed) as caught:
        name_clean("王" * 10_000)
    assert caught.value.code == "name_too_long"


def test_whitespace_is_folded_and_zero_width_dropped():
    assert name_clean("  张\u3000三\t ") == "张 三"
    assert name_clean("张\u200b三") == "张三"
    assert name_clean("\r\nINFO fake log line") == "INFO fake log line"


@pytest.mark.parametrize("name", NAMES["short_and_long"])
def test_single_character_and_long_names(name):
    assert name_clean(name) == name
    assert name_pinyin(name)


@pytest.mark.parametrize("text", [t for t in INJECTION if t.strip()])
def test_injection_strings_are_names_like_any_other(text):
    cleaned = name_clean(text)
    assert cleaned == " ".join(text.split())
    name_key(cleaned)
    name_pinyin(cleaned)


def test_the_converter_is_built_once_and_cached():
    names._converter = None
    name_key("張三")
    first = names._converter
    name_key("劉")
    assert first is not None
    assert names._converter is first


@given(st.text(max_size=60))
def test_keys_never_crash_and_fit_their_columns(text):
    assert len(name_key(text)) <= names.MAX_NAME_LENGTH
    assert len(name_pinyin(text)) <= names.MAX_PINYIN_LENGTH
    try:
        cleaned = name_clean(text)
    except ValidationFailed:
        return
    assert cleaned == cleaned.strip()
    assert len(cleaned) <= names.MAX_NAME_LENGTH
