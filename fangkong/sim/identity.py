"""Vectorised identity numbers for the synthetic city: GB 11643 resident IDs and passports.

Pure NumPy, no Django. A resident ID is the 6-digit address code, the 8-digit birth date, a
3-digit sequence (odd for men, even for women) and the ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

#: ISO 7064 MOD 11-2 weights of the first 17 digits (2^(17-i) mod 11).
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
#: ``sum mod 11`` → check character.
ID_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
SEQUENCE_SLOTS = 500  # sequences 000–999 hold 500 odd (men) and 500 even (women) numbers

_ZERO = ord("0")

#: Draws resident IDs: ``(address code, birth date, male, rng) → (n, 18)`` ASCII array.
ResidentIds = Callable[
    [npt.NDArray[np.int64], npt.NDArray[np.datetime64], npt.NDArray[np.bool_], np.random.Generator],
    npt.NDArray[np.uint8],
]
#: Draws passport numbers: ``(prefixes, digit counts, rng) → numbers``.
PassportNumbers = Callable[
    [npt.NDArray[np.str_], npt.NDArray[np.int64], np.random.Generator], npt.NDArray[np.str_]
]


def check_chars(digits: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """ASCII check characters for an ``(n, 17)`` array of digit values 0–9."""
    total = (digits.astype(np.int64) * ID_WEIGHTS).sum(axis=1) % 11
    return np.asarray(ID_CHECK_CHARS[total], dtype=np.uint8)


def _digits(values: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.uint8]:
    """``(n, width)`` decimal digits of non-negative integers, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10).astype(np.uint8)


def digit_chars(values: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.uint8]:
    """``(n, width)`` ASCII decimal digits of non-negative integers (zero-padded)."""
    return _digits(values, width) + np.uint8(_ZERO)


def _ascii_to_str(chars: npt.NDArray[np.uint8]) -> npt.NDArray[np.str_]:
    """Rows of an ``(n, w)`` ASCII byte array as a NumPy unicode array."""
    width = chars.shape[1]
    return np.ascontiguousarray(chars).view(f"S{width}").ravel().astype(f"U{width}")


def sequence_numbers(
    group: npt.NDArray[np.int64], male: npt.NDArray[np.bool_], rng: np.random.Generator
) -> npt.NDArray[np.int64]:
    """Sequence codes (0–999) unique within each ``group`` (address code × birth date).

    1. Sort people by (group, sex) and rank them inside each (group, sex) block.
    2. Give every block a random starting slot so numbers do not all begin at 000/001.
    3. The number is ``2 × (start + rank)`` plus 1 for men (odd) and 0 for women (even).

    Raises ``ValueError`` when a block has more than 500 people (a physically impossible
    number of same-sex births on one day in one county).
    """
    n = group.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = group * 2 + male.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    boundary = np.empty(n, dtype=bool)
    boundary[0] = True
    boundary[1:] = sorted_key[1:] != sorted_key[:-1]
    block_starts = np.flatnonzero(boundary)
    block_sizes = np.diff(np.append(block_starts, n))
    if block_sizes.max() > SEQUENCE_SLOTS:
        raise ValueError("more than 500 people of one sex share an address code and birth date")
    block_of = np.cumsum(boundary) - 1
    rank = np.arange(n) - block_starts[block_of]
    first_slot = np.floor(rng.random(block_starts.shape[0]) * (SEQUENCE_SLOTS - block_sizes + 1))
    slot = first_slot.astype(np.int64)[block_of] + rank
    sequence_sorted = slot * 2 + (sorted_key % 2)
    sequence = np.empty(n, dtype=np.int64)
    sequence[order] = sequence_sorted
    return sequence


def _unique_digits(
    values: npt.NDArray[np.int64], width: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]]:
    """Index into the distinct values, and the ``(k, width)`` digits of each distinct value."""
    distinct, index = np.unique(values, return_inverse=True)
    return index, _digits(distinct, width)


def resident_ids(
    address_code: npt.NDArray[np.int64],
    birth_date: npt.NDArray[np.datetime64],
    male: npt.NDArray[np.bool_],
    rng: np.random.Generator,
    *,
    ledger: IdentityLedger | None = None,
) -> npt.NDArray[np.uint8]:
    """18-character resident ID numbers as an ``(n, 18)`` ASCII array, unique for distinct
    people (see :func:`ascii_series` for strings) — and unique across calls that share a
    ``ledger`` (sequences then come from :meth:`IdentityLedger.sequences`).

    ``address_code`` is the six-digit county code as an integer, ``birth_date`` a
    ``datetime64[D]`` array; the sequence parity follows ``male``. Few distinct address codes
    and dates exist, so their digits and weighted sums are computed once each and gathered.
    """
    n = address_code.shape[0]
    days = birth_date.astype("datetime64[D]")
    day_number = days.astype(np.int64)
    if ledger is None:
        sequence = sequence_numbers(
            address_code * 100_000 + (day_number - day_number.min(initial=0)), male, rng
        )
    else:
        sequence = ledger.sequences(address_code, day_number, male, rng)
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    mdays = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    address_index, address_digits = _unique_digits(address_code, 6)
    date_index, date_digits = _unique_digits(years * 10_000 + months * 100 + mdays, 8)
    sequence_digits = _digits(np.arange(1000, dtype=np.int64), 3)
    weighted = (
        (address_digits.astype(np.int64) @ ID_WEIGHTS[0:6])[address_index]
        + (date_digits.astype(np.int64) @ ID_WEIGHTS[6:14])[date_index]
        + (sequence_digits.astype(np.int64) @ ID_WEIGHTS[14:17])[sequence]
    )
    chars = np.empty((n, 18), dtype=np.uint8)
    chars[:, 0:6] = address_digits[address_index] + _ZERO
    chars[:, 6:14] = date_digits[date_index] + _ZERO
    chars[:, 14:17] = sequence_digits[sequence] + _ZERO
    chars[:, 17] = ID_CHECK_CHARS[weighted % 11]
    return chars


def ascii_series(name: str, chars: npt.NDArray[np.uint8]) -> pl.Series:
    """Each row of an ``(n, width)`` ASCII array as one string, through Arrow (no Python
    object per row)."""
    count, width = chars.shape
    array = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), count, [None, pa.py_buffer(np.ascontiguousarray(chars).tobytes())]
    )
    series = pl.from_arrow(array.cast(pa.binary()).cast(pa.string()))
    assert isinstance(series, pl.Series)
    return series.alias(name)


def id_checksum_valid(numbers: npt.NDArray[np.str_]) -> npt.NDArray[np.bool_]:
    """True where an 18-character resident ID's check character matches (vectorised)."""
    raw = np.asarray(numbers, dtype="U18").astype("S18")
    chars = raw.view(np.uint8).reshape(-1, 18)
    digits = chars[:, :17].astype(np.int64) - _ZERO
    if ((digits < 0) | (digits > 9)).any():
        return np.zeros(chars.shape[0], dtype=bool)
    return np.asarray(check_chars(digits.astype(np.uint8)) == chars[:, 17], dtype=bool)


def passport_numbers(
    prefixes: npt.NDArray[np.str_],
    digit_counts: npt.NDArray[np.int64],
    rng: np.random.Generator,
    *,
    taken: AbstractSet[str] = frozenset(),
) -> npt.NDArray[np.str_]:
    """Passport numbers: a per-country letter prefix followed by random digits, all distinct
    and none in ``taken`` (a number drawn twice — likely among tens of thousands — or already
    taken is drawn again, so the stream is unchanged for a city without such a collision)."""
    n = prefixes.shape[0]
    width = int(digit_counts.max(initial=0))
    if n == 0:
        return np.zeros(0, dtype="U1")

    def draw(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
        raw = rng.integers(0, 10, size=(rows.size, width), dtype=np.uint8) + _ZERO
        body = np.strings.slice(_ascii_to_str(raw.astype(np.uint8)), 0, digit_counts[rows])
        return np.asarray(np.strings.add(prefixes[rows], body))

    numbers = draw(np.arange(n, dtype=np.int64))
    while True:
        _unique, first = np.unique(numbers, return_index=True)
        again = np.setdiff1d(np.arange(n, dtype=np.int64), first)
        if taken:
            held = np.fromiter((number in taken for number in numbers.tolist()), bool, n)
            again = np.union1d(again, np.flatnonzero(held))
        if again.size == 0:
            return numbers
        numbers[again] = draw(again)


class IdentityLedger:
    """The identity numbers handed out so far, so that a city drawn in parts
    (``fangkong.sim.parts``) has unique numbers across all its parts.

    Resident IDs: per block (address code × birth date × sex) the ledger keeps a random first
    slot and the count of slots used; a later part continues after them (modulo the 500
    slots), so numbers never repeat while a block holds at most 500 people. Passports: every
    number issued; a later part draws a taken number again. The ledger grows with the number
    of blocks (at most ~3.8 M: 51 address codes × ~37,000 birth dates × 2) and of passports,
    not with the residents.
    """

    #: Day numbers (days since 1970-01-01) are shifted by this into ``0 … _DAY_SPAN``.
    _DAY_SHIFT = 100_000
    _DAY_SPAN = 200_000

    def __init__(self) -> None:
        self._blocks = np.zeros(0, dtype=np.int64)  # sorted block keys
        self._first = np.zeros(0, dtype=np.int16)  # first slot of each block
        self._used = np.zeros(0, dtype=np.int16)  # slots used in each block
        self._passports: set[str] = set()

    def resident_ids(
        self,
        address_code: npt.NDArray[np.int64],
        birth_date: npt.NDArray[np.datetime64],
        male: npt.NDArray[np.bool_],
        rng: np.random.Generator,
    ) -> npt.NDArray[np.uint8]:
        """:func:`resident_ids` with sequences that continue those of earlier calls."""
        return resident_ids(address_code, birth_date, male, rng, ledger=self)

    def passport_numbers(
        self,
        prefixes: npt.NDArray[np.str_],
        digit_counts: npt.NDArray[np.int64],
        rng: np.random.Generator,
    ) -> npt.NDArray[np.str_]:
        """:func:`passport_numbers` avoiding every number issued before; records the new ones."""
        numbers = passport_numbers(prefixes, digit_counts, rng, taken=self._passports)
        self._passports.update(numbers.tolist())
        return numbers

    def sequences(
        self,
        address_code: npt.NDArray[np.int64],
        day_number: npt.NDArray[np.int64],
        male: npt.NDArray[np.bool_],
        rng: np.random.Generator,
    ) -> npt.NDArray[np.int64]:
        """Sequence codes (0–999, odd for men) for people born on ``day_number`` (days since
        1970) in ``address_code``, unique together with every code handed out before.

        1. Group the people by block and rank them inside their block.
        2. A block seen before continues after its used slots; a new block starts at a random
           slot (one draw per block of this call, so the stream does not depend on history).
        3. The slot is ``(first + used + rank) mod 500``; the code ``2 × slot`` (+1 for men).

        Raises ``ValueError`` when a block would hold more than 500 people, or for a birth
        date outside the years 1696–2243.
        """
        n = int(address_code.shape[0])
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        shifted = day_number + self._DAY_SHIFT
        if shifted.min() < 0 or shifted.max() >= self._DAY_SPAN:
            raise ValueError("a birth date lies outside the range the ledger keys")
        key = (address_code * self._DAY_SPAN + shifted) * 2 + male.astype(np.int64)
        blocks, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        at = np.asarray(np.searchsorted(self._blocks, blocks), dtype=np.int64)
        first = np.floor(rng.random(blocks.size) * SEQUENCE_SLOTS).astype(np.int64)
        used = np.zeros(blocks.size, dtype=np.int64)
        known = np.zeros(blocks.size, dtype=bool)
        if self._blocks.size:
            clipped = np.minimum(at, self._blocks.size - 1)
            known = self._blocks[clipped] == blocks
            first = np.where(known, self._first[clipped], first)
            used = np.where(known, self._used[clipped], used)
        if (used + counts).max() > SEQUENCE_SLOTS:
            raise ValueError("more than 500 people of one sex share an address code and birth date")
        order = np.argsort(inverse, kind="stable")
        starts = np.cumsum(counts) - counts
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n, dtype=np.int64) - starts[inverse[order]]
        slot = (first[inverse] + used[inverse] + rank) % SEQUENCE_SLOTS
        self._used[at[known]] += counts[known].astype(np.int16)
        new = ~known
        self._blocks = np.insert(self._blocks, at[new], blocks[new])
        self._first = np.insert(self._first, at[new], first[new].astype(np.int16))
        self._used = np.insert(self._used, at[new], counts[new].astype(np.int16))
        return np.asarray(slot * 2 + (key % 2), dtype=np.int64)
