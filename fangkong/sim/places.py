"""Where the synthetic city's residents go: a map, venues, workplaces and schools.

Pure NumPy/Polars (no Django): ``places_generate(city, seed=…)`` returns :class:`Places`, the
same for the same city and seed. Targets and assumptions:

* **Map.** Households are laid along a Hilbert curve of 200 m blocks in the order of their grid
  codes, so a grid, a community, a street and a district each cover a compact area; built-up
  density ``DENSITY_PER_KM2`` (an assumption within the 10,000–30,000 residents/km² of central
  districts in large Chinese cities). An 800 m × 800 m cell grid covers the map (the
  spatiotemporal-companion grid of Chengdu, Nov 2021, domain reference §2.3).
* **Venues.** Per district, ``VENUE_DENSITY`` venues per 10,000 residents of each category, each
  at a population-weighted spot, with a venue code ``V`` + district code + six-digit serial
  (场所码, domain reference §2.4) and a Zipf popularity ``rank ** -ZIPF_EXPONENT`` among the
  venues of its category and district (check-in counts per venue are heavy-tailed).
* **Workplaces.** Office firms with Zipf sizes (Axtell, Science 2001: firm sizes follow
  P(S ≥ s) ∝ s^-1.06) in office buildings; medical staff in hospitals, cold-chain workers in
  markets, transport workers in stations, carers in care homes and a quarter of other workers in
  shops and restaurants, each venue's staff in proportion to its popularity. About
  ``LOCAL_WORK_SHARE`` of workers work in their home district.
* **Schools.** Primary (6–11), junior (12–14) and senior (15–17) schools per district with
  catchments (neighbouring households share a school), a city-wide university for students
  18–22; classes of one age; school staff in proportion to pupils.

Every worker and pupil gets a *site* (workplace or school, one id space) and a *team* (a work
team or a class): the work/school contact layer of :mod:`fangkong.sim.outbreak`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim.assign import firm_sizes, rank_in_groups, ranks_in_groups, sequential_fill
from fangkong.sim.city import City
from fangkong.sim.occupations import Occupation
from fangkong.sim.tree import split_sizes

CELL_METRES = 800
BLOCK_METRES = 200
DENSITY_PER_KM2 = 12_000
ZIPF_EXPONENT = 1.0
LOCAL_WORK_SHARE = 0.6
TEAM_SIZE = 10
STAFF_TEAM_SIZE = 12
FIRMS_PER_BUILDING = 20
RETAIL_SHARE_OF_OTHER = 0.25
FEVER_CLINIC_SHARE = 0.6


class Category(IntEnum):
    """Venue categories; the value is the ``uint8`` code used in arrays."""

    SUPERMARKET = 0
    MARKET = 1
    RESTAURANT = 2
    TRANSIT = 3
    HOSPITAL = 4
    PHARMACY = 5
    GYM = 6
    MALL = 7
    ENTERTAINMENT = 8
    CARE_HOME = 9
    OFFICE = 10
    SCHOOL = 11


CATEGORY_NAMES = tuple(c.name.lower() for c in Category)
CATEGORY_DTYPE = pl.Enum(CATEGORY_NAMES)

#: Venues per 10,000 residents for the categories people visit (assumptions in line with
#: Chinese city statistics: about 4.5 pharmacies and a few dozen eateries per 10,000).
VENUE_DENSITY: dict[Category, float] = {
    Category.SUPERMARKET: 4.0,
    Category.MARKET: 1.0,
    Category.RESTAURANT: 25.0,
    Category.TRANSIT: 1.5,
    Category.HOSPITAL: 0.3,
    Category.PHARMACY: 4.5,
    Category.GYM: 1.0,
    Category.MALL: 0.4,
    Category.ENTERTAINMENT: 1.0,
    Category.CARE_HOME: 0.3,
}
#: Venues that employ the "other" workers who do not sit in offices, with relative staff needs.
RETAIL_STAFF: dict[Category, float] = {
    Category.SUPERMARKET: 6.0,
    Category.RESTAURANT: 1.0,
    Category.MALL: 20.0,
    Category.GYM: 1.0,
    Category.ENTERTAINMENT: 2.0,
    Category.PHARMACY: 0.5,
}
#: Occupations working in venues of one category (others work in office firms).
VENUE_WORK: dict[str, Category] = {
    Occupation.MEDICAL.value: Category.HOSPITAL,
    Occupation.COLD_CHAIN.value: Category.MARKET,
    Occupation.TRANSPORT.value: Category.TRANSIT,
    Occupation.ELDERLY_CARE.value: Category.CARE_HOME,
}
OFFICE_WORK = (Occupation.DELIVERY.value, Occupation.PUBLIC_SERVICE.value, Occupation.OTHER.value)


class SiteKind(IntEnum):
    """A site is a workplace or a school (the contact layer it belongs to)."""

    WORK = 0
    SCHOOL = 1


#: School bands: name, ages (inclusive), median pupils per school, class size, city-wide.
SCHOOL_BANDS: tuple[tuple[str, int, int, int, int, bool], ...] = (
    ("primary", 6, 11, 1500, 45, False),
    ("junior", 12, 14, 1200, 50, False),
    ("senior", 15, 17, 2000, 50, False),
    ("university", 18, 22, 12000, 40, True),
)
SECTORS = (
    "office",
    "hospital",
    "market",
    "transit",
    "care_home",
    "retail",
    *(band[0] for band in SCHOOL_BANDS),
)


@dataclass(frozen=True)
class Places:
    """The map, venues and sites of a city. Integer ids are 0-based positions.

    * ``households``: household_key, district (index), x, y (metres), cell (uint16).
    * ``persons``: person_key, household_key, district, age, occupation, site, team (−1 when
      the person has no workplace or school).
    * ``venues``: venue, code, category (Enum of ``CATEGORY_NAMES``), district, x, y, cell,
      rank (within category and district, 1 = most popular), popularity (weight
      ``rank ** -ZIPF_EXPONENT``), fever_clinic (hospitals with a fever clinic).
    * ``sites``: site, kind (0 work, 1 school), sector, venue (where its people scan in),
      district, size.
    * ``cells``: cell, col, row, x0, y0 (south-west corner, metres).
    * ``districts``: the six-digit district codes, in index order.
    """

    width: float
    height: float
    columns: int
    rows: int
    districts: tuple[str, ...]
    households: pl.DataFrame
    persons: pl.DataFrame
    venues: pl.DataFrame
    sites: pl.DataFrame
    cells: pl.DataFrame


def hilbert_xy(order: int, index: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
    """Column and row of positions ``index`` along a Hilbert curve over ``2**order`` squares."""
    x = np.zeros_like(index)
    y = np.zeros_like(index)
    t = index.copy()
    s = 1
    while s < (1 << order):
        rx = (t // 2) & 1
        ry = (t ^ rx) & 1
        flip = (ry == 0) & (rx == 1)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        swap = ry == 0
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        x = x + s * rx
        y = y + s * ry
        t = t // 4
        s *= 2
    return x, y


def zipf_weights(ranks: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """The popularity of a venue of rank ``ranks`` (1 = most popular)."""
    return np.asarray(ranks.astype(np.float64) ** -ZIPF_EXPONENT)


@dataclass
class _Venues:
    category: list[npt.NDArray[np.int64]]
    district: list[npt.NDArray[np.int64]]
    x: list[npt.NDArray[np.float64]]
    y: list[npt.NDArray[np.float64]]

    def add(
        self,
        category: int,
        district: npt.NDArray[np.int64],
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.int64]:
        start = sum(a.shape[0] for a in self.category)
        self.category.append(np.full(district.shape[0], category, dtype=np.int64))
        self.district.append(district)
        self.x.append(x)
        self.y.append(y)
        return np.arange(start, start + district.shape[0])


def _spots(
    district: npt.NDArray[np.int64],
    house_x: npt.NDArray[np.float64],
    house_y: npt.NDArray[np.float64],
    district_houses: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    weights: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A spot near a household of ``district`` drawn in proportion to household ``weights``."""
    first, count = district_houses
    cumulative = np.cumsum(weights)
    low = np.where(first[district] > 0, cumulative[first[district] - 1], 0.0)
    high = cumulative[first[district] + count[district] - 1]
    house = np.searchsorted(cumulative, low + rng.random(district.shape[0]) * (high - low))
    house = np.minimum(house, first[district] + count[district] - 1)
    jitter = rng.normal(0.0, 60.0, (2, district.shape[0]))
    return house_x[house] + jitter[0], house_y[house] + jitter[1]


def places_generate(city: City, *, seed: int) -> Places:
    """Lay out ``city`` and give it venues, workplaces and schools, deterministically.

    1. Map: households along a Hilbert curve of 200 m blocks; cells of 800 m.
    2. Venues of the visited categories per district, then Zipf ranks.
    3. Schools per district and band, filled by catchment; staff by school size.
    4. Venue-hosted workplaces (hospitals, markets, stations, care homes, shops) staffed in
       proportion to popularity; office firms of Zipf sizes in office buildings; workers fill
       them mostly in their home district; teams of ``TEAM_SIZE``.
    """
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    rng_map, rng_venue, rng_school, rng_work, rng_team, rng_misc = streams

    # 1. the map
    households = city.households
    n_house = households.height
    sizes = households["size"].to_numpy().astype(np.int64)
    district_code = households["region_code"].str.slice(0, 6)
    districts = tuple(sorted(district_code.unique().to_list()))
    house_district = (
        district_code.cast(pl.Enum(districts)).to_physical().to_numpy().astype(np.int64)
    )
    block_people = DENSITY_PER_KM2 * (BLOCK_METRES / 1000) ** 2
    midpoint = (np.cumsum(sizes) - sizes / 2) / block_people
    n_blocks = int(np.ceil(midpoint[-1] + 1e-9)) if n_house else 1
    order = max(1, int(np.ceil(np.log2(max(n_blocks, 2)) / 2)))
    block = np.minimum(np.floor(midpoint).astype(np.int64), n_blocks - 1)
    bx, by = hilbert_xy(order, block)
    house_x = (bx + rng_map.random(n_house)) * BLOCK_METRES
    house_y = (by + rng_map.random(n_house)) * BLOCK_METRES
    all_bx, all_by = hilbert_xy(order, np.arange(n_blocks, dtype=np.int64))
    width = float((all_bx.max() + 1) * BLOCK_METRES)
    height = float((all_by.max() + 1) * BLOCK_METRES)
    columns = int(np.ceil(width / CELL_METRES))
    rows = int(np.ceil(height / CELL_METRES))
    if columns * rows > np.iinfo(np.uint16).max:
        raise ValueError("the city is too large for uint16 cell ids")

    def cell_of(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.uint16]:
        col = np.clip((x // CELL_METRES).astype(np.int64), 0, columns - 1)
        row = np.clip((y // CELL_METRES).astype(np.int64), 0, rows - 1)
        return (row * columns + col).astype(np.uint16)

    n_district = len(districts)
    house_first = np.searchsorted(house_district, np.arange(n_district))
    house_count = np.bincount(house_district, minlength=n_district)
    district_houses = (house_first, house_count)
    district_people = np.bincount(house_district, weights=sizes, minlength=n_district)

    persons = city.persons
    n_people = persons.height
    person_house = persons["household_key"].to_numpy().astype(np.int64)
    age = persons["age"].to_numpy().astype(np.int64)
    occupation = persons["occupation"].to_numpy()
    person_district = house_district[person_house]

    # 2. venues of the visited categories
    venues = _Venues([], [], [], [])
    for category, density in VENUE_DENSITY.items():
        count = np.maximum(1, np.rint(district_people * density / 10_000).astype(np.int64))
        district = np.repeat(np.arange(n_district), count)
        x, y = _spots(district, house_x, house_y, district_houses, sizes.astype(float), rng_venue)
        venues.add(int(category), district, x, y)
    visit_ranks = ranks_in_groups(
        np.concatenate(venues.category) * 1024 + np.concatenate(venues.district), None, rng_venue
    )

    # 3. schools by catchment
    site_kind: list[int] = []
    site_sector: list[int] = []
    site_venue: list[int] = []
    site_district: list[int] = []
    person_site = np.full(n_people, -1, dtype=np.int64)
    person_team = np.full(n_people, -1, dtype=np.int64)
    team_count = 0
    is_student = occupation == Occupation.STUDENT.value
    for band, low, high, median, class_size, citywide in SCHOOL_BANDS:
        pupils = np.flatnonzero(is_student & (age >= low) & (age <= high))
        if pupils.size == 0:
            continue
        group = np.zeros(pupils.size, dtype=np.int64) if citywide else person_district[pupils]
        pupils = pupils[np.lexsort((pupils, group))]  # person order follows the curve
        group = np.zeros(pupils.size, dtype=np.int64) if citywide else person_district[pupils]
        for g in np.unique(group):
            members = pupils[group == g]
            n_schools = max(1, round(members.size / median))
            capacity = split_sizes(
                int(members.size), n_schools, rng_school.lognormal(0.0, 0.3, n_schools)
            )
            capacity = capacity[capacity > 0]
            bounds = np.cumsum(capacity)
            school_of = np.searchsorted(bounds, np.arange(members.size), side="right")
            middle = members[np.minimum(bounds - capacity // 2 - 1, members.size - 1)]
            house = person_house[middle]
            jitter = rng_school.normal(0.0, 60.0, (2, capacity.size))
            school_district = house_district[house]
            venue_ids = venues.add(
                int(Category.SCHOOL),
                school_district,
                house_x[house] + jitter[0],
                house_y[house] + jitter[1],
            )
            first_site = len(site_kind)
            site_kind.extend([int(SiteKind.SCHOOL)] * capacity.size)
            site_sector.extend([SECTORS.index(band)] * capacity.size)
            site_venue.extend(venue_ids.tolist())
            site_district.extend(school_district.tolist())
            person_site[members] = first_site + school_of
            # classes: one age per class, random order inside the age
            key = np.lexsort((rng_team.random(members.size), age[members], school_of))
            cohort = (school_of[key] * 128 + age[members][key]).astype(np.int64)
            klass = rank_in_groups(cohort) // class_size
            new_class = np.r_[True, (cohort[1:] != cohort[:-1]) | (klass[1:] != klass[:-1])]
            person_team[members[key]] = team_count + np.cumsum(new_class) - 1
            team_count += int(new_class.sum())
    school_sites = np.flatnonzero(np.asarray(site_kind, dtype=np.int64) == SiteKind.SCHOOL)

    # 4a. school staff, in proportion to pupils
    staff = np.flatnonzero(occupation == Occupation.SCHOOL_STAFF.value)
    if staff.size and school_sites.size:
        pupils_per_site = np.bincount(person_site[person_site >= 0], minlength=len(site_kind))
        weights = pupils_per_site[school_sites].astype(np.float64)
        capacity = rng_work.multinomial(staff.size, weights / weights.sum()).astype(np.int64)
        s_district = np.asarray(site_district, dtype=np.int64)[school_sites]
        order_sites = np.argsort(s_district, kind="stable")
        site_local, position = sequential_fill(
            capacity[order_sites],
            s_district[order_sites],
            person_district[staff],
            LOCAL_WORK_SHARE,
            rng_work,
        )
        site_of = school_sites[order_sites][site_local]
        person_site[staff] = site_of
        team_key = site_of * 4096 + position // STAFF_TEAM_SIZE
        _, team_index = np.unique(team_key, return_inverse=True)
        person_team[staff] = team_count + team_index
        team_count += int(team_index.max(initial=-1)) + 1
    elif staff.size:
        occupation = np.where(occupation == Occupation.SCHOOL_STAFF.value, "other", occupation)

    # 4b. workplaces
    venue_category = np.concatenate(venues.category)
    venue_district = np.concatenate(venues.district)
    popularity = zipf_weights(
        np.concatenate(
            [visit_ranks, np.ones(venue_category.shape[0] - visit_ranks.shape[0], dtype=np.int64)]
        )
    )

    workers = np.flatnonzero(np.isin(occupation, [*VENUE_WORK, *OFFICE_WORK]))
    retail = np.zeros(n_people, dtype=bool)
    retail[workers] = (occupation[workers] == Occupation.OTHER.value) & (
        rng_work.random(workers.size) < RETAIL_SHARE_OF_OTHER
    )
    groups: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.float64]]] = []
    for occ, category in VENUE_WORK.items():
        hosts = np.flatnonzero(venue_category == category)
        groups.append((occ, hosts, popularity[hosts]))
    retail_hosts = np.flatnonzero(np.isin(venue_category, list(RETAIL_STAFF)))
    staff_need = np.asarray([RETAIL_STAFF.get(Category(int(c)), 0.0) for c in range(len(Category))])
    groups.append(
        (
            "retail",
            retail_hosts,
            popularity[retail_hosts] * staff_need[venue_category[retail_hosts]],
        )
    )
    for occ, hosts, weights in groups:
        people = np.flatnonzero(retail) if occ == "retail" else workers[occupation[workers] == occ]
        if people.size == 0:
            continue
        capacity = rng_work.multinomial(people.size, weights / weights.sum()).astype(np.int64)
        keep = capacity > 0
        hosts, capacity = hosts[keep], capacity[keep]
        order_hosts = np.argsort(venue_district[hosts], kind="stable")
        hosts, capacity = hosts[order_hosts], capacity[order_hosts]
        local, position = sequential_fill(
            capacity, venue_district[hosts], person_district[people], LOCAL_WORK_SHARE, rng_work
        )
        first_site = len(site_kind)
        sector = "retail" if occ == "retail" else Category(int(venue_category[hosts[0]])).name
        site_kind.extend([int(SiteKind.WORK)] * hosts.size)
        site_sector.extend([SECTORS.index(sector.lower())] * hosts.size)
        site_venue.extend(hosts.tolist())
        site_district.extend(venue_district[hosts].tolist())
        person_site[people] = first_site + local
        team_key = local * 65536 + position // TEAM_SIZE
        _, team_index = np.unique(team_key, return_inverse=True)
        person_team[people] = team_count + team_index
        team_count += int(team_index.max(initial=-1)) + 1

    office_people = workers[np.isin(occupation[workers], OFFICE_WORK) & ~retail[workers]]
    if office_people.size:
        sizes_of_firms = firm_sizes(int(office_people.size), rng_work)
        share = np.bincount(person_district[office_people], minlength=n_district).astype(float)
        firm_district = np.sort(
            rng_work.choice(n_district, sizes_of_firms.size, p=share / share.sum())
        )
        local, position = sequential_fill(
            sizes_of_firms,
            firm_district,
            person_district[office_people],
            LOCAL_WORK_SHARE,
            rng_work,
        )
        # office buildings: about FIRMS_PER_BUILDING firms each, larger buildings host more
        firms_per_district = np.bincount(firm_district, minlength=n_district)
        buildings = np.maximum(1, np.ceil(firms_per_district / FIRMS_PER_BUILDING)).astype(np.int64)
        buildings = np.where(firms_per_district > 0, buildings, 0)
        b_district = np.repeat(np.arange(n_district), buildings)
        bx_, by_ = _spots(
            b_district, house_x, house_y, district_houses, sizes.astype(float), rng_venue
        )
        building_ids = venues.add(int(Category.OFFICE), b_district, bx_, by_)
        b_first = np.cumsum(buildings) - buildings
        b_rank = rng_venue.random(firm_district.size)
        # a firm's building: Zipf-weighted among its district's buildings
        n_b = buildings[firm_district]
        pick = np.floor(n_b ** (b_rank**1.5)) - 1
        firm_building = building_ids[b_first[firm_district] + np.clip(pick, 0, n_b - 1).astype(int)]
        first_site = len(site_kind)
        site_kind.extend([int(SiteKind.WORK)] * sizes_of_firms.size)
        site_sector.extend([SECTORS.index("office")] * sizes_of_firms.size)
        site_venue.extend(firm_building.tolist())
        site_district.extend(firm_district.tolist())
        person_site[office_people] = first_site + local
        team_key = local * 65536 + position // TEAM_SIZE
        _, team_index = np.unique(team_key, return_inverse=True)
        person_team[office_people] = team_count + team_index
        team_count += int(team_index.max(initial=-1)) + 1

    # frames
    venue_category = np.concatenate(venues.category)
    venue_district = np.concatenate(venues.district)
    vx = np.clip(np.concatenate(venues.x), 0.0, width - 1.0)
    vy = np.clip(np.concatenate(venues.y), 0.0, height - 1.0)
    n_venues = venue_category.shape[0]
    sites_venue = np.asarray(site_venue, dtype=np.int64)
    site_size = np.bincount(person_site[person_site >= 0], minlength=len(site_kind))
    based = np.bincount(sites_venue, weights=site_size, minlength=n_venues)
    ranks = np.concatenate(
        [
            visit_ranks,
            ranks_in_groups(
                (venue_category * 1024 + venue_district)[visit_ranks.shape[0] :],
                -based[visit_ranks.shape[0] :].astype(np.float64),
                rng_venue,
            ),
        ]
    )
    popularity = zipf_weights(ranks)
    serial = np.zeros(n_venues, dtype=np.int64)
    by_district = np.argsort(venue_district, kind="stable")
    serial[by_district] = rank_in_groups(venue_district[by_district]) + 1
    fever = (venue_category == Category.HOSPITAL) & (
        (ranks == 1) | (rng_misc.random(n_venues) < FEVER_CLINIC_SHARE)
    )
    district_series = pl.Series(np.asarray(districts)[venue_district])
    venue_frame = pl.DataFrame(
        {
            "venue": np.arange(n_venues, dtype=np.int32),
            "code": "V" + district_series + pl.Series(serial).cast(pl.String).str.zfill(6),
            "category": pl.Series(np.asarray(CATEGORY_NAMES)[venue_category]).cast(CATEGORY_DTYPE),
            "district": district_series,
            "x": vx.astype(np.float32),
            "y": vy.astype(np.float32),
            "cell": cell_of(vx, vy),
            "rank": ranks.astype(np.int32),
            "popularity": popularity.astype(np.float32),
            "fever_clinic": fever,
        }
    )
    site_frame = pl.DataFrame(
        {
            "site": np.arange(len(site_kind), dtype=np.int32),
            "kind": np.asarray(site_kind, dtype=np.uint8),
            "sector": pl.Series(np.asarray(SECTORS)[np.asarray(site_sector, dtype=np.int64)]).cast(
                pl.Enum(SECTORS)
            ),
            "venue": sites_venue.astype(np.int32),
            "district": pl.Series(np.asarray(districts)[np.asarray(site_district, dtype=np.int64)]),
            "size": site_size.astype(np.int32),
        }
    )
    household_frame = pl.DataFrame(
        {
            "household_key": np.arange(n_house, dtype=np.int32),
            "district": house_district.astype(np.uint8),
            "x": house_x.astype(np.float32),
            "y": house_y.astype(np.float32),
            "cell": cell_of(house_x, house_y),
        }
    )
    person_frame = pl.DataFrame(
        {
            "person_key": np.arange(n_people, dtype=np.int32),
            "household_key": person_house.astype(np.int32),
            "district": person_district.astype(np.uint8),
            "age": age.astype(np.int16),
            "occupation": pl.Series(occupation, dtype=pl.String).cast(pl.Categorical),
            "site": person_site.astype(np.int32),
            "team": person_team.astype(np.int32),
        }
    )
    cell = np.arange(columns * rows, dtype=np.int64)
    cell_frame = pl.DataFrame(
        {
            "cell": cell.astype(np.uint16),
            "col": (cell % columns).astype(np.int16),
            "row": (cell // columns).astype(np.int16),
            "x0": ((cell % columns) * CELL_METRES).astype(np.float32),
            "y0": ((cell // columns) * CELL_METRES).astype(np.float32),
        }
    )
    return Places(
        width=width,
        height=height,
        columns=columns,
        rows=rows,
        districts=districts,
        households=household_frame,
        persons=person_frame,
        venues=venue_frame,
        sites=site_frame,
        cells=cell_frame,
    )
