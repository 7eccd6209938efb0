"""The synthetic city: a seeded, vectorised generator of residents, households and their needs.

Pure NumPy/Polars (no Django): ``city_generate(residents=…, seed=…, as_of=…)`` returns Polars
frames that ``fangkong.sim.load`` writes to the database. The same arguments always give the
same frames; ``fangkong.sim.parts`` draws a city too large for memory in parts. Targets
(China, 2020 census and national statistics):

* household sizes 1: 25 %, 2: 30 %, 3: 21 %, 4: 13 %, 5+: 11 % (mean ≈ 2.6);
* ages 0–14: ~18 %, 15–59: ~63 %, 60+: ~19 %, with households built from roles (head,
  spouse, children, the head's parents, grandchildren, other adults) so ages fit together;
* surnames by the national frequency table; ~1 % Uyghur transliterated names with a middle
  dot; ~0.5 % of names written in Traditional characters; ~0.5 % foreign residents with
  passports;
* occupations by age (``fangkong.sim.occupations``) and special needs: elderly living alone,
  pregnancy, dialysis, chronic disease, disability (``fangkong.sim.needs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim import identity, namedata, naming, tree
from fangkong.sim.needs import needs_draw
from fangkong.sim.occupations import occupations_draw

MAX_AGE = 100

#: Household size shares (sizes 7 and 8 stand for "7 or more").
SIZE_SHARES: dict[int, float] = {
    1: 0.25, 2: 0.30, 3: 0.21, 4: 0.13, 5: 0.07, 6: 0.03, 7: 0.007, 8: 0.003
}  # fmt: skip

#: 2020 census population share (%) by five-year age band, 0–4 … 95–99, then 100.
AGE_BAND_SHARES = (
    5.52, 6.40, 6.04, 5.15, 5.31, 6.51, 8.80, 7.02, 6.61, 8.10, 8.59,
    7.19, 5.20, 5.25, 3.39, 2.21, 1.44, 0.73, 0.23, 0.05, 0.01,
)  # fmt: skip

# Household templates: size, roles (H head, S spouse, C child, P parent of the head, G grandchild,
# O other adult), probability within the size, and an age mixture of (low, high, weight) ranges
# (within a range, ages follow the census density). The mixture is the head's age, except in
# templates with children, where it is the eldest child's age and the head is 22–36 years older.
TEMPLATES: tuple[tuple[int, str, float, tuple[tuple[int, int, float], ...]], ...] = (
    (1, "H", 1.00, ((20, 39, 0.42), (40, 59, 0.30), (60, 95, 0.28))),
    (2, "HS", 0.62, ((22, 34, 0.26), (35, 59, 0.40), (60, 92, 0.34))),
    (2, "HC", 0.25, ((0, 17, 0.40), (18, 60, 0.60))),
    (2, "HP", 0.08, ((25, 50, 1.0),)),
    (2, "HO", 0.05, ((20, 35, 1.0),)),
    (3, "HSC", 0.78, ((0, 12, 0.47), (13, 24, 0.35), (25, 34, 0.18))),
    (3, "HSP", 0.08, ((25, 45, 1.0),)),
    (3, "HCC", 0.06, ((4, 24, 1.0),)),
    (3, "HSG", 0.08, ((52, 75, 1.0),)),
    (4, "HSCC", 0.42, ((4, 24, 1.0),)),
    (4, "HSCP", 0.33, ((0, 19, 1.0),)),
    (4, "HSPP", 0.15, ((25, 40, 1.0),)),
    (4, "HSGG", 0.10, ((52, 75, 1.0),)),
    (5, "HSCCP", 0.45, ((5, 20, 1.0),)),
    (5, "HSCPP", 0.45, ((0, 10, 1.0),)),
    (5, "HSCCC", 0.10, ((6, 24, 1.0),)),
    (6, "HSCCPP", 0.80, ((3, 16, 1.0),)),
    (6, "HSCCCP", 0.20, ((6, 20, 1.0),)),
    (7, "HSCCCPP", 1.00, ((6, 18, 1.0),)),
    (8, "HSCCCCPP", 1.00, ((8, 20, 1.0),)),
)
ROLES = "HSCPGO"

FOREIGN_SHARE = 0.005
MINORITY_HOUSEHOLD_SHARE = 0.01
TRADITIONAL_SHARE = 0.005
MIGRANT_HOUSEHOLD_SHARE = 0.25
CHILD_NO_PHONE = 0.10
ELDERLY_SHARED_PHONE = 0.20


@dataclass(frozen=True)
class City:
    """The generated frames. Keys (``household_key``, ``person_key``) are 0-based positions.

    * ``regions``: code, name, level, parent_code (parents first).
    * ``households``: household_key, region_code (grid), compound, building, unit, room,
      address, size.
    * ``persons``: person_key, household_key, region_code, name, sex (M/F), birth_date, age,
      phone, occupation, relation (head/spouse/child/parent/grandchild/other), minority,
      foreign, traditional (name written in Traditional characters).
    * ``documents``: person_key, doc_type (01 resident ID, 03 passport), number,
      issuing_country, is_primary.
    * ``needs``: person_key, kind, note.
    """

    residents: int
    seed: int
    as_of: date
    regions: pl.DataFrame
    households: pl.DataFrame
    persons: pl.DataFrame
    documents: pl.DataFrame
    needs: pl.DataFrame


def _age_distribution() -> npt.NDArray[np.float64]:
    """Single-year population density for ages 0–100 from the census bands."""
    density = np.repeat(np.asarray(AGE_BAND_SHARES[:-1]) / 5.0, 5)
    density = np.append(density, AGE_BAND_SHARES[-1])
    return np.asarray(density / density.sum(), dtype=np.float64)


def _age_probabilities(
    mixture: tuple[tuple[int, int, float], ...],
) -> npt.NDArray[np.float64]:
    density = _age_distribution()
    ages = np.arange(MAX_AGE + 1)
    total = np.zeros(MAX_AGE + 1)
    for low, high, weight in mixture:
        part = np.where((ages >= low) & (ages <= high), density, 0.0)
        total += weight * part / part.sum()
    return np.asarray(total / total.sum(), dtype=np.float64)


def household_sizes(residents: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Sizes drawn from ``SIZE_SHARES`` until they hold exactly ``residents`` people (the last
    household is cut to fit)."""
    sizes_values = np.asarray(list(SIZE_SHARES), dtype=np.int64)
    shares = np.asarray(list(SIZE_SHARES.values()))
    mean = float((sizes_values * shares).sum() / shares.sum())
    draw = int(residents / mean * 1.05) + 16
    sizes = rng.choice(sizes_values, draw, p=shares / shares.sum())
    while int(sizes.sum()) < residents:
        sizes = np.concatenate([sizes, rng.choice(sizes_values, draw, p=shares / shares.sum())])
    total = np.cumsum(sizes)
    count = int(np.searchsorted(total, residents)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= int(total[count - 1]) - residents
    return sizes


def _templates_for(sizes: npt.NDArray[np.int64], rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """A template index for every household, drawn among the templates of its size."""
    chosen = np.empty(sizes.shape[0], dtype=np.int64)
    for size in np.unique(sizes):
        members = np.flatnonzero(sizes == size)
        options = [i for i, t in enumerate(TEMPLATES) if t[0] == size]
        weights = np.asarray([TEMPLATES[i][2] for i in options])
        chosen[members] = np.asarray(options)[
            rng.choice(len(options), members.size, p=weights / weights.sum())
        ]
    return chosen


def _birth_dates(
    age: npt.NDArray[np.int64], as_of: date, rng: np.random.Generator
) -> npt.NDArray[np.datetime64]:
    """A birth date for each age such that the person is exactly ``age`` on ``as_of``."""

    def anniversary(years_back: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
        month = np.datetime64(f"{as_of.year:04d}-{as_of.month:02d}", "M") - 12 * years_back
        first = month.astype("datetime64[D]")
        last = (month + 1).astype("datetime64[D]") - 1
        return np.asarray(np.minimum(first + (as_of.day - 1), last), dtype="datetime64[D]")

    latest = anniversary(age)  # the last birthday on or before as_of
    earliest = anniversary(age + 1) + 1
    span = (latest - earliest).astype(np.int64) + 1
    offset = np.floor(rng.random(age.shape[0]) * span).astype(np.int64)
    return np.asarray(earliest + offset, dtype="datetime64[D]")


def _rank_within(
    group: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """0-based rank of each masked element among masked elements of the same ``group``
    (groups are contiguous and ordered); -1 where not masked."""
    counts = np.cumsum(mask.astype(np.int64))
    n = int(group.shape[0])
    start = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if n else np.zeros(0, np.int64)
    before = np.r_[0, counts][start]  # masked elements before each group starts
    group_index = np.cumsum(np.r_[True, group[1:] != group[:-1]]) - 1 if n else group
    rank = counts - 1 - before[group_index]
    return np.where(mask, rank, -1)


def city_generate(*, residents: int, seed: int, as_of: date) -> City:
    """Generate a city of ``residents`` people, deterministically from ``seed``.

    1. Household sizes, then a household template (roles) per household, then the head's age
       and everybody's age relative to it; sexes by role.
    2. The jurisdiction tree and the dwelling of every household (``tree.tree_build``).
    3. Birth dates consistent with the ages on ``as_of``; foreign and minority households;
       names; resident IDs (birthplace county, birth date, sequence, check character) or
       passports; phones; occupations; special needs.

    ``fangkong.sim.parts`` generates the same kind of city in parts of bounded size.
    """
    if residents < 1:
        raise ValueError("a city needs at least one resident")
    streams = city_streams(seed)
    sizes = household_sizes(residents, streams[0])
    return populate(
        sizes,
        tree.tree_build(int(sizes.shape[0]), streams[2]),
        streams,
        seed=seed,
        as_of=as_of,
        resident_ids=identity.resident_ids,
        passport_numbers=identity.passport_numbers,
    )


def city_streams(seed: int) -> list[np.random.Generator]:
    """The eight random streams of a city: households, ages, tree, names, identity numbers,
    phones, occupations, needs."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]


def populate(
    sizes: npt.NDArray[np.int64],
    dwellings: tree.Tree,
    streams: list[np.random.Generator],
    *,
    seed: int,
    as_of: date,
    resident_ids: identity.ResidentIds,
    passport_numbers: identity.PassportNumbers,
    first_household: int = 0,
    first_person: int = 0,
) -> City:
    """The people of households of ``sizes`` living in ``dwellings`` (one entry per
    household), drawn from ``streams`` (:func:`city_streams`; the tree stream is not used).

    Keys start at ``first_household`` and ``first_person``; identity numbers come from
    ``resident_ids`` and ``passport_numbers`` (unique within one call for the functions of
    :mod:`fangkong.sim.identity`, across calls with an ``identity.IdentityLedger``).
    """
    rng_house, rng_age, _rng_tree, rng_name, rng_id, rng_phone, rng_work, rng_need = streams
    residents = int(sizes.sum())
    city_tree = dwellings

    # 1. households, roles, ages, sexes
    n_households = int(sizes.shape[0])
    template = _templates_for(sizes, rng_house)
    role_text = np.asarray([t[1] for t in TEMPLATES])
    offsets = np.cumsum([0] + [len(t[1]) for t in TEMPLATES])[:-1]
    flat_roles = np.asarray([ROLES.index(ch) for t in TEMPLATES for ch in t[1]], dtype=np.int64)
    household = np.repeat(np.arange(n_households), sizes)
    starts = np.cumsum(sizes) - sizes
    position = np.arange(residents) - starts[household]
    role = flat_roles[offsets[template[household]] + position]
    is_head, is_spouse, is_child = role == 0, role == 1, role == 2
    is_parent, is_grandchild = role == 3, role == 4

    anchor_age = np.empty(n_households, dtype=np.int64)
    for t, (_, _, _, mixture) in enumerate(TEMPLATES):
        members = np.flatnonzero(template == t)
        if members.size:
            probabilities = _age_probabilities(mixture)
            anchor_age[members] = rng_age.choice(MAX_AGE + 1, members.size, p=probabilities)
    has_spouse = np.char.find(role_text[template], "S") >= 0
    has_child = np.char.find(role_text[template], "C") >= 0
    gap = rng_age.integers(22, 37, n_households)
    eldest_age = np.where(has_child, anchor_age, 0)
    head_age = np.where(has_child, np.minimum(anchor_age + gap, MAX_AGE), anchor_age)
    single_size = sizes == 1
    p_head_male = np.select(
        [
            has_spouse,
            single_size & (head_age >= 60),
            single_size,
            np.char.find(role_text[template], "HC") == 0,
        ],
        [0.85, 0.38, 0.60, 0.35],
        default=0.55,
    )
    head_male = rng_age.random(n_households) < p_head_male
    spacing: npt.NDArray[np.int64] = rng_age.integers(1, 6, n_households)
    spouse_shift = np.rint(rng_age.normal(0.0, 3.0, n_households)).astype(np.int64) + np.where(
        head_male, -2, 2
    )

    h_age = head_age[household]
    child_rank = _rank_within(household, is_child)
    parent_rank = _rank_within(household, is_parent)
    draw = rng_age.random(residents)
    age = np.select(
        [is_head, is_spouse, is_child, is_parent, is_grandchild],
        [
            h_age,
            np.clip(h_age + spouse_shift[household], 20, MAX_AGE),
            np.maximum(eldest_age[household] - child_rank * spacing[household], 0),
            np.minimum(h_age + 22 + np.floor(draw * 13).astype(np.int64), MAX_AGE),
            np.floor(draw * 15).astype(np.int64),
        ],
        default=np.clip(h_age + np.floor(draw * 11).astype(np.int64) - 5, 18, MAX_AGE),
    )
    sex_draw = rng_age.random(residents)
    two_parents = np.bincount(household[is_parent], minlength=n_households)[household] == 2
    male = np.select(
        [is_head, is_spouse, is_parent & two_parents, is_parent],
        [head_male[household], ~head_male[household], parent_rank == 0, sex_draw < 0.3],
        default=sex_draw < 0.53,
    )

    # 2. birth dates (the tree and the dwellings are given)
    birth = _birth_dates(age, as_of, rng_age)
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970

    # 3. foreign and minority households, names
    foreign_eligible = (
        np.isin(role_text[template], ["H", "HS", "HO", "HSC"]) & (head_age >= 20) & (head_age < 60)
    )
    eligible_people = int(sizes[foreign_eligible].sum())
    p_foreign = min(1.0, FOREIGN_SHARE * residents / max(eligible_people, 1))
    foreign_house = foreign_eligible & (rng_name.random(n_households) < p_foreign)
    minority_house = ~foreign_house & (rng_name.random(n_households) < MINORITY_HOUSEHOLD_SHARE)
    foreign = foreign_house[household]
    minority = minority_house[household]
    traditional = ~foreign & ~minority & (rng_name.random(residents) < TRADITIONAL_SHARE)

    tables = naming.alphabets()
    n_surnames = tables.surnames.shape[0]
    own_surname = rng_name.choice(n_surnames, residents, p=tables.surname_weights)
    head_surname = own_surname[starts]
    spouse_surname = np.where(has_spouse, own_surname[np.minimum(starts + 1, residents - 1)], -1)
    father_surname = np.where(
        head_male, head_surname, np.where(has_spouse, spouse_surname, head_surname)
    )
    surname = np.select(
        [is_child, is_grandchild & head_male[household], is_parent & male],
        [father_surname[household], head_surname[household], head_surname[household]],
        default=own_surname,
    )
    first, second = naming.given_name_indices(birth_year, male, rng_name)
    names = naming.han_names(surname, first, second, traditional).astype(object)

    own = rng_name.integers(0, 1000, residents)
    father_own = np.where(head_male, own[starts], own[np.minimum(starts + 1, residents - 1)])
    father_part = np.where(is_child, father_own[household], rng_name.integers(0, 1000, residents))
    rows = np.flatnonzero(minority)
    names[rows] = naming.minority_names(own[rows], father_part[rows], male[rows])

    countries = list(namedata.FOREIGN_NAMES)
    country_of_house = rng_name.integers(0, len(countries), n_households)
    family_of_house = rng_name.integers(0, 1000, n_households)
    rows = np.flatnonzero(foreign)
    names[rows] = naming.foreign_names(
        country_of_house[household[rows]], family_of_house[household[rows]], own[rows], male[rows]
    )

    # identity documents
    migrant_house: npt.NDArray[np.bool_] = rng_id.random(n_households) < MIGRANT_HOUSEHOLD_SHARE
    migrant_codes = np.asarray(namedata.MIGRANT_COUNTY_CODES, dtype=np.int64)
    house_birthplace = migrant_codes[rng_id.integers(0, migrant_codes.size, n_households)]
    address_code = np.where(
        migrant_house[household] & (age >= 18),
        house_birthplace[household],
        city_tree.district_codes[household],
    )
    residents_rows = np.flatnonzero(~foreign)
    id_numbers = resident_ids(
        address_code[residents_rows], birth[residents_rows], male[residents_rows], rng_id
    )
    foreign_rows = np.flatnonzero(foreign)
    passport_prefix = {
        "KOR": "M",
        "JPN": "TK",
        "USA": "",
        "RUS": "75",
        "VNM": "C",
        "DEU": "C",
        "PAK": "AB",
    }
    passport_digits = {"KOR": 8, "JPN": 7, "USA": 9, "RUS": 7, "VNM": 7, "DEU": 8, "PAK": 7}
    foreign_country = country_of_house[household[foreign_rows]]
    prefix_table = np.asarray([passport_prefix[c] for c in countries])
    digits_table = np.asarray([passport_digits[c] for c in countries], dtype=np.int64)
    passports = passport_numbers(
        prefix_table[foreign_country], digits_table[foreign_country], rng_id
    )

    # phones
    prefixes = np.asarray([p for p, _ in namedata.PHONE_PREFIXES], dtype=np.int64)
    prefix_weights = np.asarray([w for _, w in namedata.PHONE_PREFIXES], dtype=np.float64)
    own_phone = prefixes[
        rng_phone.choice(prefixes.size, residents, p=prefix_weights / prefix_weights.sum())
    ] * 10**8 + rng_phone.integers(0, 10**8, residents)
    phone_draw = rng_phone.random(residents)
    shares_head = (age < 15) | ((age >= 75) & ~is_head & (phone_draw < ELDERLY_SHARED_PHONE))
    phone_number = np.where(shares_head, own_phone[starts][household], own_phone)
    no_phone = (age < 15) & (phone_draw < CHILD_NO_PHONE)
    phone = pl.select(
        pl.when(pl.lit(pl.Series(no_phone)))
        .then(pl.lit(""))
        .otherwise(pl.lit(identity.ascii_series("phone", identity.digit_chars(phone_number, 11))))
        .alias("phone")
    ).to_series()

    occupation = occupations_draw(age, rng_work)
    needs = needs_draw(age, male, sizes[household], rng_need).with_columns(
        pl.col("person_key") + first_person
    )

    relation = np.asarray(["head", "spouse", "child", "parent", "grandchild", "other"])[role]
    household_frame = pl.DataFrame(
        {
            "household_key": np.arange(n_households, dtype=np.int64) + first_household,
            "region_code": city_tree.grid_codes,
            "compound": city_tree.compound,
            "building": city_tree.building.astype("U4"),
            "unit": city_tree.unit.astype("U2"),
            "room": city_tree.room.astype("U5"),
            "size": sizes.astype(np.int16),
        }
    ).with_columns(
        address=pl.concat_str(
            [
                pl.col("compound"),
                pl.col("building"),
                pl.lit("号楼"),
                pl.col("unit"),
                pl.lit("单元"),
                pl.col("room"),
                pl.lit("室"),
            ]
        )
    )
    persons = pl.DataFrame(
        {
            "person_key": np.arange(residents, dtype=np.int64) + first_person,
            "household_key": household.astype(np.int64) + first_household,
            "region_code": pl.Series(city_tree.grid_codes).gather(household),
            "name": pl.Series(names.astype(str), dtype=pl.String),
            "sex": np.where(male, "M", "F"),
            "birth_date": pl.Series(birth.astype("datetime64[D]")).cast(pl.Date),
            "age": age.astype(np.int16),
            "phone": phone,
            "occupation": occupation,
            "relation": relation,
            "minority": minority,
            "foreign": foreign,
            "traditional": traditional,
        }
    )
    documents = (
        pl.concat(
            [
                pl.DataFrame(
                    {
                        "person_key": residents_rows.astype(np.int64) + first_person,
                        "doc_type": pl.Series(["01"] * residents_rows.size, dtype=pl.String),
                        "number": identity.ascii_series("number", id_numbers),
                        "issuing_country": pl.Series(
                            ["CHN"] * residents_rows.size, dtype=pl.String
                        ),
                    }
                ),
                pl.DataFrame(
                    {
                        "person_key": foreign_rows.astype(np.int64) + first_person,
                        "doc_type": pl.Series(["03"] * foreign_rows.size, dtype=pl.String),
                        "number": pl.Series(passports, dtype=pl.String),
                        "issuing_country": pl.Series(
                            np.asarray(countries)[foreign_country], dtype=pl.String
                        ),
                    }
                ),
            ]
        )
        .sort("person_key")
        .with_columns(is_primary=pl.lit(True))
    )
    return City(
        residents=residents,
        seed=seed,
        as_of=as_of,
        regions=city_tree.regions,
        households=household_frame,
        persons=persons,
        documents=documents,
        needs=needs,
    )
