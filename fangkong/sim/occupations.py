"""The occupations of a synthetic city's residents: the categories the simulation draws by age
(places and key groups read them) and the text a household register holds for each.

Pure NumPy/Polars (no Django); ``fangkong.sim.city`` draws a category per person with
:func:`occupations_draw`, and ``fangkong.sim.load`` writes the register's text
(:func:`register_occupations`).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt
import polars as pl


class Occupation(StrEnum):
    """Occupation categories; the key groups drive screening frequency later."""

    MEDICAL = "medical"
    COLD_CHAIN = "cold_chain"
    DELIVERY = "delivery"
    TRANSPORT = "transport"
    SCHOOL_STAFF = "school_staff"
    ELDERLY_CARE = "elderly_care"
    PUBLIC_SERVICE = "public_service"
    OTHER = "other"
    NONE = "none"
    STUDENT = "student"
    RETIRED = "retired"


#: What a register holds for each category: the occupation as a clerk writes it, in Chinese
#: (the categories are the simulation's, which places and key groups read; the registry
#: gets this text). "Other" work is spread over the common entries of a household register.
OCCUPATION_TEXT: dict[str, tuple[str, ...]] = {
    Occupation.MEDICAL: ("医生", "护士", "医务人员"),
    Occupation.COLD_CHAIN: ("冷链从业人员", "进口冷链食品搬运工"),
    Occupation.DELIVERY: ("快递员", "外卖骑手"),
    Occupation.TRANSPORT: ("公交司机", "出租车司机", "货车司机"),
    Occupation.SCHOOL_STAFF: ("教师", "学校职工"),
    Occupation.ELDERLY_CARE: ("养老护理员",),
    Occupation.PUBLIC_SERVICE: ("社区工作者", "公务员", "保安"),
    Occupation.OTHER: ("企业职员", "个体工商户", "工人", "销售人员", "厨师", "自由职业者"),
    Occupation.NONE: ("无业",),
    Occupation.STUDENT: ("学生",),
    Occupation.RETIRED: ("离退休人员",),
    "": ("",),  # below school age: left blank
}


def register_occupations(persons: pl.DataFrame) -> pl.DataFrame:
    """``persons`` with ``occupation`` as the register holds it (``OCCUPATION_TEXT``): the
    entry of the category picked by the person's key, so a city reads the same each time."""
    codes = persons["occupation"].cast(pl.String).to_numpy()
    keys = persons["person_key"].to_numpy().astype(np.int64)
    text = np.full(codes.shape[0], "", dtype=object)
    filled = np.zeros(codes.shape[0], dtype=bool)
    for code, entries in OCCUPATION_TEXT.items():
        chosen = np.flatnonzero(codes == str(code))
        text[chosen] = np.asarray(entries, dtype=object)[keys[chosen] % len(entries)]
        filled[chosen] = True
    unknown = sorted({str(code) for code in codes[~filled]})
    if unknown:
        raise ValueError(f"occupation categories without register text: {unknown}")
    return persons.with_columns(pl.Series("occupation", text.astype(str), dtype=pl.String))


#: Occupations of working-age adults and their shares.
WORKER_OCCUPATIONS: tuple[tuple[Occupation, float], ...] = (
    (Occupation.MEDICAL, 0.030),
    (Occupation.COLD_CHAIN, 0.010),
    (Occupation.DELIVERY, 0.040),
    (Occupation.TRANSPORT, 0.040),
    (Occupation.SCHOOL_STAFF, 0.035),
    (Occupation.ELDERLY_CARE, 0.005),
    (Occupation.PUBLIC_SERVICE, 0.030),
    (Occupation.OTHER, 0.690),
    (Occupation.NONE, 0.120),
)


def occupations_draw(age: npt.NDArray[np.int64], rng: np.random.Generator) -> npt.NDArray[np.str_]:
    """Students 6–17 (and most 18–22), workers by ``WORKER_OCCUPATIONS`` to 59, then retired
    (a tenth still at work); none below school age."""
    n = int(age.shape[0])
    labels = np.asarray([o.value for o, _ in WORKER_OCCUPATIONS])
    shares = np.asarray([s for _, s in WORKER_OCCUPATIONS])
    work = labels[rng.choice(labels.size, n, p=shares / shares.sum())]
    draw = rng.random(n)
    return np.asarray(
        np.select(
            [age < 6, age < 18, (age <= 22) & (draw < 0.6), age < 60, draw < 0.9],
            [
                "",
                Occupation.STUDENT.value,
                Occupation.STUDENT.value,
                work,
                Occupation.RETIRED.value,
            ],
            default=work,
        )
    )
