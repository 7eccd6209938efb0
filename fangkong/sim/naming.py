"""Vectorised personal names for the synthetic city (pure NumPy; OpenCC for Traditional forms).

Names are built from index arrays into fixed alphabets, so a name is a gather and a string
concatenation, never a Python call per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import opencc

from fangkong.sim import namedata

ZIPF_EXPONENT = 0.9  # how steeply name-character popularity falls with rank


@dataclass(frozen=True)
class Alphabets:
    """Surname and given-name character tables in Simplified and Traditional script."""

    surnames: npt.NDArray[np.str_]
    surnames_traditional: npt.NDArray[np.str_]
    surname_weights: npt.NDArray[np.float64]
    chars: npt.NDArray[np.str_]
    chars_traditional: npt.NDArray[np.str_]
    #: (cohort, sex, position) → (indices into ``chars``, probabilities)
    pools: dict[tuple[str, str, str], tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]


def _zipf(count: int) -> npt.NDArray[np.float64]:
    weights = 1.0 / np.arange(1, count + 1) ** ZIPF_EXPONENT
    return np.asarray(weights / weights.sum(), dtype=np.float64)


@lru_cache(maxsize=1)
def alphabets() -> Alphabets:
    """The name tables, built once per process (OpenCC converts the few hundred characters)."""
    to_traditional = opencc.OpenCC("s2t")
    table = namedata.SURNAMES_TOP100 + namedata.SURNAMES_TAIL
    surnames = [name for name, _ in table]
    weights = np.asarray([weight for _, weight in table], dtype=np.float64)
    chars = sorted(
        {ch for pools in namedata.GIVEN_POOLS.values() for text in pools.values() for ch in text}
    )
    position = {ch: i for i, ch in enumerate(chars)}
    pools: dict[tuple[str, str, str], tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
    for (cohort, sex), texts in namedata.GIVEN_POOLS.items():
        for slot, text in texts.items():
            indices = np.asarray([position[ch] for ch in text], dtype=np.int64)
            pools[(cohort, sex, slot)] = (indices, _zipf(len(text)))
    return Alphabets(
        surnames=np.asarray(surnames),
        surnames_traditional=np.asarray([to_traditional.convert(s) for s in surnames]),
        surname_weights=weights / weights.sum(),
        chars=np.asarray(chars),
        chars_traditional=np.asarray([to_traditional.convert(ch) for ch in chars]),
        pools=pools,
    )


def cohort_of(birth_year: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Index into ``namedata.GIVEN_COHORTS`` for each birth year."""
    bounds = np.asarray([bound for _, bound in namedata.GIVEN_COHORTS], dtype=np.int64)
    return np.searchsorted(bounds, birth_year, side="right")


def given_name_indices(
    birth_year: npt.NDArray[np.int64], male: npt.NDArray[np.bool_], rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and second given-name character indices (second is -1 for one-character names).

    The cohort (by birth year) and sex pick the pools; inside a pool, characters are drawn with
    Zipf weights, and the share of one-character names follows the cohort.
    """
    tables = alphabets()
    n = int(birth_year.shape[0])
    first = np.full(n, -1, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    cohort = cohort_of(birth_year)
    single_draw: npt.NDArray[np.float64] = rng.random(n)
    for c, (cohort_name, _) in enumerate(namedata.GIVEN_COHORTS):
        for sex, sex_mask in (("M", male), ("F", ~male)):
            members = np.flatnonzero((cohort == c) & sex_mask)
            if members.size == 0:
                continue
            single = single_draw[members] < namedata.SINGLE_GIVEN_SHARE[cohort_name]
            for slot, chosen in (("single", members[single]), ("first", members[~single])):
                indices, weights = tables.pools[(cohort_name, sex, slot)]
                first[chosen] = indices[rng.choice(indices.size, chosen.size, p=weights)]
            doubles = members[~single]
            indices, weights = tables.pools[(cohort_name, sex, "second")]
            second[doubles] = indices[rng.choice(indices.size, doubles.size, p=weights)]
    return first, second


def han_names(
    surname: npt.NDArray[np.int64],
    first: npt.NDArray[np.int64],
    second: npt.NDArray[np.int64],
    traditional: npt.NDArray[np.bool_],
) -> npt.NDArray[np.str_]:
    """Assemble surname + given name, in Traditional characters where ``traditional``."""
    tables = alphabets()
    sur = np.where(traditional, tables.surnames_traditional[surname], tables.surnames[surname])
    one = np.where(traditional, tables.chars_traditional[first], tables.chars[first])
    two_index = np.maximum(second, 0)
    two = np.where(traditional, tables.chars_traditional[two_index], tables.chars[two_index])
    two = np.where(second >= 0, two, "")
    return np.asarray(np.strings.add(np.strings.add(sur, one), two))


def minority_names(
    own: npt.NDArray[np.int64], father: npt.NDArray[np.int64], male: npt.NDArray[np.bool_]
) -> npt.NDArray[np.str_]:
    """Uyghur names in transliteration, ``own·father's`` with a middle dot (U+00B7).

    ``own`` indexes the male or female list by ``male``; ``father`` indexes the male list.
    """
    males = np.asarray(namedata.MINORITY_MALE)
    females = np.asarray(namedata.MINORITY_FEMALE)
    own_name = np.where(male, males[own % males.size], females[own % females.size])
    return np.asarray(np.strings.add(np.strings.add(own_name, "·"), males[father % males.size]))


def foreign_names(
    country: npt.NDArray[np.int64],
    family: npt.NDArray[np.int64],
    given: npt.NDArray[np.int64],
    male: npt.NDArray[np.bool_],
) -> npt.NDArray[np.str_]:
    """Passport-style names ``FAMILY GIVEN`` for foreign residents (country indexes
    ``namedata.FOREIGN_NAMES`` in insertion order)."""
    n = int(country.shape[0])
    out = np.empty(n, dtype=object)
    for c, (families, men, women) in enumerate(namedata.FOREIGN_NAMES.values()):
        rows = np.flatnonzero(country == c)
        if rows.size == 0:
            continue
        fam = np.asarray(families)[family[rows] % len(families)]
        giv = np.where(
            male[rows],
            np.asarray(men)[given[rows] % len(men)],
            np.asarray(women)[given[rows] % len(women)],
        )
        out[rows] = np.strings.add(np.strings.add(fam, " "), giv)
    return out.astype(str) if n else np.zeros(0, dtype="U1")
