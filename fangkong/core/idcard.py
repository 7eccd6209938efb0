"""Identity document numbers: parse, normalise, validate and mask.

The mainland resident identity number (公民身份号码, GB 11643-1999) has a 6-digit address code,
an 8-digit birth date, a 3-digit sequence (odd = male, even = female) and a check character
computed with ISO 7064 MOD 11-2. The 1989 standard used 15 digits without the century; such a
*legacy* number is accepted and converted to 18 digits (insert ``19``, compute the check
character), and the legacy form is kept for the caller to store.

Input cleaning (security-reference.md c1), in this order:

1. A leading Excel text apostrophe (``'4405...``) is dropped, and so is a trailing ``.0`` that
   Excel or a CSV round trip added, but only when the rest is an exact 15- or 18-digit number.
   Scientific notation (``4.40524E+17``) is refused as ``id_excel_damaged``: the digits are gone.
2. NFKC (full-width digits and letters become ASCII; ``U+3000`` becomes a space), then spaces,
   dashes and zero-width characters are removed.
3. ``x`` becomes ``X``; a Cyrillic ``Х``/``х`` or Greek ``Χ``/``χ`` typed for it is refused as
   ``id_lookalike_x`` (never stored as-is, never silently mapped).

Every failure raises :class:`IdNumberInvalid` (a :class:`ValidationFailed`) with one stable code;
soft problems (sequence parity against the declared sex, an unknown province code) come back as
``warnings`` for a person to review, because data-entry errors happen on both fields.

Other documents (passports, HK/Macao and Taiwan permits, residence permits) have their own
validators with their own codes; they are never forced through the resident-ID rules.
"""

from __future__ import annotations

import operator
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11

#: GB/T 2260 province-level codes (first two digits); 71 Taiwan, 81 Hong Kong, 82 Macao.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

EARLIEST_BIRTH = date(1900, 1, 1)
MAX_RAW_LENGTH = 64

# Characters that carry no information in a typed or pasted number.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63]")
_LOOKALIKE_X = frozenset("\u0425\u0445\u03a7\u03c7\u00d7\u2715\u2716")  # Х х Χ χ × ✕ ✖
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_DOT_ZERO = re.compile(r"^(\d{15}|\d{17}[\dXx])\.0+$")
_DIGITS_AND_X = re.compile(r"[0-9X]+")
_ALREADY_CLEAN = re.compile(r"[0-9]{14,17}[0-9Xx]")  # ASCII digits: nothing for steps 1–3 to repair

# Error codes (stable: clients and import reports key on them).
ID_REQUIRED = "id_required"
ID_LENGTH = "id_length"
ID_CHARACTERS = "id_characters"
ID_LOOKALIKE_X = "id_lookalike_x"
ID_BIRTH_DATE = "id_birth_date"
ID_CHECK_DIGIT = "id_check_digit"
ID_EXCEL_DAMAGED = "id_excel_damaged"
# Warning codes.
WARN_SEX_MISMATCH = "id_sex_mismatch"
WARN_ADDRESS_CODE = "id_address_code"
WARN_BIRTH_MISMATCH = "id_birth_date_mismatch"


class IdNumberInvalid(ValidationFailed):
    """A document number that cannot be accepted; ``code`` says why (``id_check_digit``, …)."""

    def __init__(self, code: str, message: str, *, field: str = "id_number") -> None:
        super().__init__(message, errors=[field_error(field, code, message)], code=code)


@dataclass(frozen=True)
class ResidentId:
    """A valid mainland resident identity number.

    ``number`` is always the 18-character form (upper-case ``X``); ``legacy_number`` is the
    15-digit number as entered when that was what we got. ``repairs`` names the cosmetic fixes
    applied to the raw input (for the audit), ``warnings`` the soft problems to review.
    """

    number: str
    legacy_number: str | None
    birth_date: date
    sex: str  # "M" or "F", from the parity of the sequence digits
    address_code: str
    warnings: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()

    @property
    def masked(self) -> str:
        return mask_number(self.number)


@dataclass(frozen=True)
class DocumentNumber:
    """A valid non-resident document number (passport, permits, other)."""

    number: str
    issuing_country: str = ""
    birth_date: date | None = None
    sex: str | None = None
    warnings: tuple[str, ...] = ()
    repairs: tuple[str, ...] = ()

    @property
    def masked(self) -> str:
        return mask_number(self.number)


# --------------------------------------------------------------------------- shared helpers


_ZERO_WEIGHTED = ord("0") * sum(WEIGHTS)


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) == len(WEIGHTS) and first17.isascii() and first17.isdigit():
        # Weighted over the characters' codes at once: four times faster than digit by
        # digit, and it runs for every person a sampler scans.
        total = sum(map(operator.mul, first17.encode(), WEIGHTS)) - _ZERO_WEIGHTED
    else:
        total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def legacy_to_18(legacy: str) -> str:
    """``110105491231002`` → ``11010519491231002X``: insert the century and the check char."""
    first17 = legacy[:6] + "19" + legacy[6:]
    return first17 + check_char(first17)


def to_legacy(number: str) -> str | None:
    """The 15-digit form of an 18-digit number born in the 1900s, else ``None``."""
    if len(number) != 18 or number[6:8] != "19":
        return None
    return number[:6] + number[8:17]


def mask_number(number: str) -> str:
    """Show only the ends: ``11010519491231002X`` → ``1101**********002X``.

    Numbers of 12 characters or more keep 4 + 4, shorter ones 2 + 2 (a passport
    ``E12345678`` → ``E1*****78``), and anything of 4 characters or fewer is fully masked.
    """
    length = len(number)
    if length >= 12:
        keep = 4
    elif length > 4:
        keep = 2
    else:
        return "*" * length
    return number[:keep] + "*" * (length - 2 * keep) + number[-keep:]


def _clean(raw: object, *, field: str) -> tuple[str, list[str]]:
    """Steps 1–3 of the module docstring; returns the cleaned text and the repairs made."""
    if not isinstance(raw, str):
        raise IdNumberInvalid(ID_CHARACTERS, _("Enter the number as text."), field=field)
    if len(raw) > MAX_RAW_LENGTH:
        raise IdNumberInvalid(ID_LENGTH, _("The number is far too long."), field=field)
    if _ALREADY_CLEAN.fullmatch(raw):  # the common case (a scanned or typed number)
        return raw, []
    repairs: list[str] = []
    text = unicodedata.normalize("NFKC", raw)
    if text != raw:
        repairs.append("nfkc")
    stripped = text.translate(_ZERO_WIDTH)
    if stripped != text:
        repairs.append("zero_width")
    text = stripped.strip()
    if not text:
        raise IdNumberInvalid(ID_REQUIRED, _("Enter the number."), field=field)
    compact = _SEPARATORS.sub("", text)
    if compact != text:
        repairs.append("separators")
    if compact.startswith("'"):
        compact = compact[1:]
        repairs.append("excel_apostrophe")
    if _SCIENTIFIC.match(compact):
        raise IdNumberInvalid(
            ID_EXCEL_DAMAGED,
            _(
                "This number was turned into scientific notation by a spreadsheet and its last "
                "digits are lost; type it again or export the column as text."
            ),
            field=field,
        )
    dot_zero = _DOT_ZERO.match(compact)
    if dot_zero:
        compact = dot_zero.group(1)
        repairs.append("excel_dot_zero")
    if any(char in _LOOKALIKE_X for char in compact):
        raise IdNumberInvalid(
            ID_LOOKALIKE_X,
            _("The letter X was typed with a look-alike character (Cyrillic or Greek); type X."),
            field=field,
        )
    return compact, repairs


def _birth(yyyymmdd: str, *, field: str, not_after: date, earliest: date = EARLIEST_BIRTH) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise IdNumberInvalid(
            ID_BIRTH_DATE, _("The birth date in the number is not a real date."), field=field
        ) from None
    if born < earliest:
        raise IdNumberInvalid(
            ID_BIRTH_DATE,
            _("The birth date in the number is before %(year)s.") % {"year": earliest.year},
            field=field,
        )
    if born > not_after:
        raise IdNumberInvalid(
            ID_BIRTH_DATE, _("The birth date in the number is in the future."), field=field
        )
    return born


_today: tuple[object, int, date] = (None, 0, date.min)


def local_today() -> date:
    """``timezone.localdate()``, worked out at most once a second per time zone: validating a
    number is called for every person scanned, and the date itself cost as much as the rest
    of the check."""
    global _today
    zone, second, today = _today
    now = int(time.time())
    current = timezone.get_current_timezone()
    if zone is not current or second != now:
        today = timezone.localdate()
        _today = (current, now, today)
    return today


# --------------------------------------------------------------------------- resident ID


def parse_resident_id(
    raw: object,
    *,
    declared_sex: str | None = None,
    declared_birth_date: date | None = None,
    not_after: date | None = None,
    earliest: date = EARLIEST_BIRTH,
    field: str = "id_number",
) -> ResidentId:
    """Validate and normalise a mainland resident identity number (18 or legacy 15 digits).

    ``declared_sex`` (``"M"``/``"F"``) and ``declared_birth_date`` are compared with what the
    number says and only produce warnings. ``not_after`` (default: today) is the latest birth
    date allowed, e.g. the sampling date of a specimen; ``earliest`` (default 1900-01-01) the
    earliest, which historical records (the standard's own sample ``440524188001010014`` is
    born in 1880) may lower. The check character is verified before the birth date. Raises
    :class:`IdNumberInvalid` with ``id_required``, ``id_length``, ``id_characters``,
    ``id_lookalike_x``, ``id_birth_date``, ``id_check_digit`` or ``id_excel_damaged``.
    """
    text, repairs = _clean(raw, field=field)
    if "x" in text:
        text = text.replace("x", "X")
        repairs.append("lowercase_x")
    if not _DIGITS_AND_X.fullmatch(text):
        raise IdNumberInvalid(
            ID_CHARACTERS,
            _("An identity number has only digits and, in the last place, the letter X."),
            field=field,
        )
    if len(text) not in (15, 18):
        raise IdNumberInvalid(
            ID_LENGTH,
            _("An identity number has 18 characters (or 15 digits for an old one)."),
            field=field,
        )
    if "X" in text[:-1] or (len(text) == 15 and "X" in text):
        raise IdNumberInvalid(
            ID_CHARACTERS, _("The letter X may only be the last character."), field=field
        )
    limit = not_after or local_today()
    legacy: str | None = None
    if len(text) == 15:
        legacy = text
        number = legacy_to_18(text)
    else:
        if check_char(text[:17]) != text[17]:
            if text.endswith("000"):
                raise IdNumberInvalid(
                    ID_EXCEL_DAMAGED,
                    _(
                        "The last digits are 000 and the check digit is wrong: a spreadsheet "
                        "probably cut the number to 15 significant digits."
                    ),
                    field=field,
                )
            raise IdNumberInvalid(
                ID_CHECK_DIGIT,
                _("The check digit does not match; a digit was probably mistyped."),
                field=field,
            )
        number = text
    born = _birth(number[6:14], field=field, not_after=limit, earliest=earliest)
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    warnings: list[str] = []
    if number[:2] not in PROVINCE_CODES:
        warnings.append(WARN_ADDRESS_CODE)
    if declared_sex in ("M", "F") and declared_sex != sex:
        warnings.append(WARN_SEX_MISMATCH)
    if declared_birth_date is not None and declared_birth_date != born:
        warnings.append(WARN_BIRTH_MISMATCH)
    return ResidentId(
        number=number,
        legacy_number=legacy,
        birth_date=born,
        sex=sex,
        address_code=number[:6],
        warnings=tuple(warnings),
        repairs=tuple(repairs),
    )


def is_resident_id(raw: object) -> bool:
    """True when ``raw`` parses as a resident identity number (no exception)."""
    try:
        parse_resident_id(raw)
    except ValidationFailed:
        return False
    return True


# --------------------------------------------------------------------------- other documents

PASSPORT_CN = re.compile(r"[EGDSP][0-9A-HJ-NP-Z]\d{7}")
PASSPORT_ANY = re.compile(r"[A-Z0-9]{5,20}")
HK_MACAO_PERMIT = re.compile(r"[HM]\d{8}(?:\d{2})?|C[0-9A-HJ-NP-Z]\d{7}")
TAIWAN_PERMIT = re.compile(r"\d{8}|\d{10}[A-Z]?|L\d{8}")
RESIDENCE_PERMIT_AREAS = frozenset({"810000", "820000", "830000"})
OTHER_DOCUMENT = re.compile(r"[A-Z0-9]{4,30}")
COUNTRY = re.compile(r"[A-Z]{3}")


def _upper_compact(raw: object, *, field: str) -> tuple[str, list[str]]:
    text, repairs = _clean(raw, field=field)
    upper = text.upper()
    if upper != text:
        repairs.append("uppercase")
    return upper, repairs


def parse_issuing_country(raw: str, *, field: str = "issuing_country") -> str:
    """An ISO 3166-1 alpha-3 code (``CHN``, ``USA``) or empty; raises ``country_invalid``."""
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if text and not COUNTRY.fullmatch(text):
        raise IdNumberInvalid(
            "country_invalid", _("Use the three-letter country code, e.g. CHN."), field=field
        )
    return text


def parse_passport(
    raw: object, *, issuing_country: str = "", field: str = "id_number"
) -> DocumentNumber:
    """A passport number. Chinese passports (``CHN``) must look like ``E12345678``/``EA1234567``
    (or G/D/S/P series); foreign ones are 5–20 letters and digits with at least one digit.
    Raises ``passport_format`` or ``country_invalid``."""
    country = parse_issuing_country(issuing_country)
    text, repairs = _upper_compact(raw, field=field)
    pattern = PASSPORT_CN if country == "CHN" else PASSPORT_ANY
    if not pattern.fullmatch(text) or not any(char.isdigit() for char in text):
        raise IdNumberInvalid(
            "passport_format",
            _("This is not a valid passport number for the issuing country."),
            field=field,
        )
    return DocumentNumber(number=text, issuing_country=country, repairs=tuple(repairs))


def parse_hk_macao_permit(raw: object, *, field: str = "id_number") -> DocumentNumber:
    """A Hong Kong/Macao permit: a residents' Home Return Permit (``H``/``M`` + 8 or 10 digits)
    or a mainland residents' exit permit (``C`` + 8 characters). Raises ``permit_format``."""
    text, repairs = _upper_compact(raw, field=field)
    if not HK_MACAO_PERMIT.fullmatch(text):
        raise IdNumberInvalid(
            "permit_format",
            _("A Hong Kong/Macao permit number is H or M and 8 or 10 digits, or C and 8 more."),
            field=field,
        )
    return DocumentNumber(number=text, repairs=tuple(repairs))


def parse_taiwan_permit(raw: object, *, field: str = "id_number") -> DocumentNumber:
    """A Taiwan permit: the 8-digit card (or the older 10 digits with an optional letter), or a
    mainland residents' permit to Taiwan (``L`` + 8 digits). Raises ``permit_format``."""
    text, repairs = _upper_compact(raw, field=field)
    text = text.replace("(", "").replace(")", "")
    if not TAIWAN_PERMIT.fullmatch(text):
        raise IdNumberInvalid(
            "permit_format",
            _("A Taiwan permit number has 8 digits (older cards: 10), or L and 8 digits."),
            field=field,
        )
    return DocumentNumber(number=text, repairs=tuple(repairs))


def parse_residence_permit(
    raw: object, *, not_after: date | None = None, field: str = "id_number"
) -> DocumentNumber:
    """A residence permit for Hong Kong, Macao and Taiwan residents (港澳台居民居住证): 18
    characters with the address code 810000, 820000 or 830000, a birth date and the same MOD 11-2
    check character. Raises ``permit_format``, ``id_birth_date`` or ``id_check_digit``."""
    text, repairs = _upper_compact(raw, field=field)
    if not re.fullmatch(r"\d{17}[\dX]", text) or text[:6] not in RESIDENCE_PERMIT_AREAS:
        raise IdNumberInvalid(
            "permit_format",
            _("A residence permit number has 18 characters and starts 810000, 820000 or 830000."),
            field=field,
        )
    born = _birth(text[6:14], field=field, not_after=not_after or timezone.localdate())
    if check_char(text[:17]) != text[17]:
        raise IdNumberInvalid(
            ID_CHECK_DIGIT,
            _("The check digit does not match; a digit was probably mistyped."),
            field=field,
        )
    sex = "M" if int(text[16]) % 2 == 1 else "F"
    return DocumentNumber(number=text, birth_date=born, sex=sex, repairs=tuple(repairs))


def parse_other_document(raw: object, *, field: str = "id_number") -> DocumentNumber:
    """Any other document: 4–30 letters and digits after cleaning. Raises ``document_format``."""
    text, repairs = _upper_compact(raw, field=field)
    if not OTHER_DOCUMENT.fullmatch(text):
        raise IdNumberInvalid(
            "document_format",
            _("A document number has 4 to 30 letters and digits."),
            field=field,
        )
    return DocumentNumber(number=text, repairs=tuple(repairs))


# --------------------------------------------------------------------------- CSV columns


@dataclass(frozen=True)
class ColumnDamage:
    """Whether a column of raw CSV cells looks damaged by a spreadsheet.

    ``rows`` are the 1-based positions (within the values given) of the suspicious cells.
    """

    damaged: bool
    scientific: int
    dot_zero: int
    zero_tail: int
    checked: int
    rows: tuple[int, ...]

    @property
    def reasons(self) -> list[str]:
        found = []
        if self.scientific:
            found.append("scientific_notation")
        if self.dot_zero:
            found.append("trailing_dot_zero")
        if self.damaged and self.zero_tail:
            found.append("zero_tail")
        return found


#: Share of 18-digit cells ending in ``000`` above which a column is called damaged. Genuine
#: numbers end that way about once in 1,100 (two zero digits and a zero check character).
ZERO_TAIL_SHARE = 0.05


def column_excel_damage(values: Iterable[object], *, max_rows: int = 100) -> ColumnDamage:
    """Look at a column of raw CSV identity numbers as a whole.

    1. Any cell in scientific notation (``4.40524E+17``) or with a trailing ``.0`` marks the
       column as damaged: it went through a spreadsheet as a number.
    2. Otherwise, if at least two 18-digit cells and more than :data:`ZERO_TAIL_SHARE` of them
       end in ``000``, the spreadsheet cut them to 15 significant digits. This matters because
       about 1 in 11 damaged numbers still passes the checksum by chance.

    At most ``max_rows`` suspicious row positions are reported.
    """
    scientific = dot_zero = zero_tail = checked = 0
    suspicious: list[int] = []
    tails: list[int] = []
    for position, value in enumerate(values, start=1):
        if not isinstance(value, str):
            value = "" if value is None else str(value)
        text = unicodedata.normalize("NFKC", value).strip().lstrip("'")
        if not text:
            continue
        checked += 1
        compact = text.replace(" ", "")
        if _SCIENTIFIC.match(compact):
            scientific += 1
            suspicious.append(position)
        elif re.fullmatch(r"\d+\.0+", compact):
            dot_zero += 1
            suspicious.append(position)
        elif re.fullmatch(r"\d{18}", compact) and compact.endswith("000"):
            zero_tail += 1
            tails.append(position)
    eighteen = checked - scientific - dot_zero
    tail_damage = zero_tail >= 2 and eighteen > 0 and zero_tail / eighteen > ZERO_TAIL_SHARE
    damaged = bool(scientific or dot_zero or tail_damage)
    if tail_damage:
        suspicious.extend(tails)
    return ColumnDamage(
        damaged=damaged,
        scientific=scientific,
        dot_zero=dot_zero,
        zero_tail=zero_tail,
        checked=checked,
        rows=tuple(sorted(suspicious)[:max_rows]),
    )


def first_error_code(exc: ValidationFailed) -> str:
    """The code of the first field error (or the error's own code)."""
    errors: Sequence[dict[str, object]] = exc.errors
    return str(errors[0]["code"]) if errors else exc.code
