"""Resident ID and other identity documents: every row of security-reference.md c1, plus
Hypothesis properties of the checksum (valid numbers accepted, single-digit changes refused,
15 → 18 → 15 round trip)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.errors import ValidationFailed
from fangkong.core.idcard import (
    EARLIEST_BIRTH,
    PROVINCE_CODES,
    IdNumberInvalid,
    check_char,
    column_excel_damage,
    legacy_to_18,
    mask_number,
    parse_hk_macao_permit,
    parse_other_document,
    parse_passport,
    parse_residence_permit,
    parse_resident_id,
    parse_taiwan_permit,
    to_legacy,
)

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs"
RESIDENT_CASES = json.loads((CORPUS / "resident_ids.json").read_text())
DOCUMENT_CASES = json.loads((CORPUS / "documents.json").read_text())


def _earliest(case: dict[str, str]) -> date:
    return date.fromisoformat(case["earliest"]) if "earliest" in case else EARLIEST_BIRTH


@pytest.mark.parametrize("case", RESIDENT_CASES, ids=lambda c: f"{c['row']}:{c['input'][:24]!r}")
def test_every_c1_row_is_accepted_normalised_or_refused_with_its_code(case):
    if case["expect"] == "accept":
        result = parse_resident_id(case["input"], earliest=_earliest(case))
        assert result.number == case["number"]
        assert result.legacy_number == case.get("legacy")
        assert list(result.warnings) == case.get("warnings", [])
        if "sex" in case:
            assert result.sex == case["sex"]
        if "birth" in case:
            assert result.birth_date == date.fromisoformat(case["birth"])
    else:
        with pytest.raises(IdNumberInvalid) as caught:
            parse_resident_id(case["input"], earliest=_earliest(case))
        assert caught.value.code == case["code"]
        # Validation errors name the field, so an import report or a form can point at it.
        assert caught.value.errors[0]["field"] == "id_number"
        assert caught.value.errors[0]["code"] == case["code"]


def test_the_two_standard_samples_pass_the_checksum():
    for number in ("11010519491231002X", "440524188001010014"):
        assert check_char(number[:17]) == number[17]


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_is_iso_7064_mod_11_2_for_any_17_digits(first17):
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # the standard's weights, 2^(i-1) mod 11
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
    assert check_char(first17) == "10X98765432"[total % 11]
    # Digits that are not ASCII take the digit-by-digit path to the same answer.
    assert check_char(first17.translate(str.maketrans("0123456789", "０１２３４５６７８９"))) == (
        check_char(first17)
    )


def test_lowercase_x_is_stored_upper_case_and_the_repair_is_reported():
    result = parse_resident_id("11010519491231002x")
    assert result.number.endswith("X")
    assert "lowercase_x" in result.repairs


def test_excel_repairs_are_named_for_the_audit():
    assert "excel_dot_zero" in parse_resident_id("440524198001010013.0").repairs
    assert "excel_apostrophe" in parse_resident_id("'440524198001010013").repairs
    assert "nfkc" in parse_resident_id("４４０５２４１９８００１０１００１３").repairs


def test_legacy_number_is_linked_to_its_18_digit_form():
    legacy = parse_resident_id("110105491231002")
    modern = parse_resident_id("11010519491231002X")
    assert legacy.number == modern.number
    assert legacy.legacy_number == "110105491231002"
    assert legacy.birth_date == date(1949, 12, 31)


def test_sex_parity_against_the_declared_sex_is_a_warning_not_an_error():
    result = parse_resident_id("11010519491231002X", declared_sex="M")  # 2 is even: female
    assert result.sex == "F"
    assert result.warnings == ("id_sex_mismatch",)
    assert parse_resident_id("11010519491231002X", declared_sex="F").warnings == ()


def test_declared_birth_date_disagreeing_is_flagged():
    result = parse_resident_id("11010519491231002X", declared_birth_date=date(1950, 1, 1))
    assert "id_birth_date_mismatch" in result.warnings


def test_birth_date_after_the_sampling_date_is_refused():
    with pytest.raises(IdNumberInvalid) as caught:
        parse_resident_id("110105201202290020", not_after=date(2012, 2, 28))
    assert caught.value.code == "id_birth_date"
    assert parse_resident_id("110105201202290020").birth_date == date(2012, 2, 29)


def test_non_text_input_is_refused_not_crashed():
    for value in (None, 110105194912310021, 4.40524e17, ["x"]):
        with pytest.raises(ValidationFailed):
            parse_resident_id(value)


def test_error_is_a_validation_failed_with_a_custom_field_name():
    with pytest.raises(ValidationFailed) as caught:
        parse_resident_id("110105194912310021", field="documents[0].number")
    assert caught.value.status == 422
    assert caught.value.errors == [
        {
            "field": "documents[0].number",
            "code": "id_check_digit",
            "message": caught.value.errors[0]["message"],
        }
    ]


def test_mask_keeps_only_the_ends():
    assert mask_number("11010519491231002X") == "1101**********002X"
    assert mask_number("110105491231002") == "1101*******1002"
    assert mask_number("E12345678") == "E1*****78"
    assert mask_number("1234") == "****"
    assert parse_resident_id("11010519491231002X").masked == "1101**********002X"


def test_legacy_helpers():
    assert legacy_to_18("110105491231002") == "11010519491231002X"
    assert to_legacy("11010519491231002X") == "110105491231002"
    assert to_legacy("110105201202290020") is None


# --------------------------------------------------------------------------- column check


def test_a_column_with_scientific_notation_or_dot_zero_is_damaged():
    report = column_excel_damage(["11010519491231002X", "4.40524E+17", "", None])
    assert report.damaged
    assert report.rows == (2,)
    assert report.reasons == ["scientific_notation"]
    report = column_excel_damage(["440524198001010013.0", "11010519491231002X"])
    assert report.damaged
    assert report.reasons == ["trailing_dot_zero"]


def test_a_column_of_zero_tails_is_damaged_even_when_some_pass_the_checksum():
    # What Excel keeps of 18-digit numbers: 15 significant digits then 000. About 1 in 11
    # still passes the checksum, so only the column as a whole gives the damage away.
    column = ["440524198001010000", "110105198005170000", "110105194912310000"]
    report = column_excel_damage(column)
    assert report.damaged
    assert report.zero_tail == 3
    assert report.rows == (1, 2, 3)
    assert "zero_tail" in report.reasons


def test_a_clean_column_is_not_damaged():
    column = ["11010519491231002X", "440524198001010013", "110105198005170113"] * 40
    column.append("440524198001010000")  # one genuine-looking zero tail among 121 is normal
    report = column_excel_damage(column)
    assert not report.damaged
    assert report.rows == ()
    assert report.checked == 121


# --------------------------------------------------------------------------- other documents

_PARSERS = {
    "03": lambda case: parse_passport(
        case["input"], issuing_country=case.get("issuing_country", "")
    ),
    "06": lambda case: parse_hk_macao_permit(case["input"]),
    "07": lambda case: parse_taiwan_permit(case["input"]),
    "08": lambda case: parse_residence_permit(case["input"]),
    "99": lambda case: parse_other_document(case["input"]),
}


@pytest.mark.parametrize("case", DOCUMENT_CASES, ids=lambda c: f"{c['doc_type']}:{c['input']}")
def test_other_documents_have_their_own_validators(case):
    parse = _PARSERS[case["doc_type"]]
    if case["expect"] == "accept":
        assert parse(case).number == case["number"]
    else:
        with pytest.raises(IdNumberInvalid) as caught:
            parse(case)
        assert caught.value.code == case["code"]


def test_a_passport_never_goes_through_the_resident_id_checksum():
    # A foreign passport number that happens to be 18 digits is not checked as a resident ID.
    assert parse_passport("123456789012345678", issuing_country="DEU").number == (
        "123456789012345678"
    )


def test_residence_permit_gives_birth_date_and_sex():
    permit = parse_residence_permit("810000199001010019")
    assert permit.birth_date == date(1990, 1, 1)
    assert permit.sex == "M"
    assert permit.masked == "8100**********0019"


# --------------------------------------------------------------------------- properties

_provinces = st.sampled_from(sorted(PROVINCE_CODES))
_births = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    first17 = (
        draw(_provinces)
        + f"{draw(st.integers(0, 9999)):04d}"
        + draw(_births).strftime("%Y%m%d")
        + f"{draw(st.integers(0, 999)):03d}"
    )
    return first17 + check_char(first17)


@given(valid_ids())
def test_every_valid_generated_id_is_accepted(number):
    result = parse_resident_id(number)
    assert result.number == number
    assert result.warnings == ()
    assert result.sex == ("M" if int(number[16]) % 2 else "F")
    assert result.birth_date.strftime("%Y%m%d") == number[6:14]


@given(valid_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_refused(number, position, replacement):
    if number[position] == replacement or (replacement == "X" and position != 17):
        return
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdNumberInvalid):
        parse_resident_id(changed)


@given(
    _provinces,
    st.integers(0, 9999),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    st.integers(0, 999),
)
def test_legacy_15_round_trips_through_18(province, area, born, sequence):
    legacy = f"{province}{area:04d}{born:%y%m%d}{sequence:03d}"
    result = parse_resident_id(legacy)
    assert result.legacy_number == legacy
    assert len(result.number) == 18
    assert to_legacy(result.number) == legacy
    assert parse_resident_id(result.number).number == result.number
    assert result.birth_date == born


def test_the_latest_birth_date_allowed_follows_the_clock_and_the_time_zone():
    """``local_today`` is kept for a second per time zone; a number born "tomorrow" is refused
    until the local date has moved on."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine
    from django.utils import timezone

    from fangkong.core.idcard import check_char, local_today

    shanghai = ZoneInfo("Asia/Shanghai")
    first17 = "11010520240302" + "001"
    number = first17 + check_char(first17)  # born 2 March 2024
    with time_machine.travel(datetime(2024, 3, 1, 15, 59, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        with timezone.override(shanghai):
            assert local_today().isoformat() == "2024-03-01"  # 23:59 in Shanghai
            with pytest.raises(IdNumberInvalid) as refused:
                parse_resident_id(number)
            assert refused.value.errors[0]["code"] == "id_birth_date"
        with timezone.override(ZoneInfo("Pacific/Kiritimati")):  # UTC+14: already 2 March
            assert local_today().isoformat() == "2024-03-02"
            assert parse_resident_id(number).birth_date.isoformat() == "2024-03-02"
    a_minute_past_midnight = datetime(2024, 3, 1, 16, 1, 0, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(a_minute_past_midnight, tick=False), timezone.override(shanghai):
        assert parse_resident_id(number).birth_date.isoformat() == "2024-03-02"
