"""The special needs of a synthetic city's residents: elderly living alone, pregnancy (~1 % of
women 20–40), dialysis (~0.05 %), chronic disease (~15 % of people 60+), disability (~6 %).

Pure NumPy/Polars (no Django); ``fangkong.sim.city`` draws them per person with
:func:`needs_draw`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

ELDERLY_ALONE_FLAGGED = 0.90
PREGNANT_SHARE = 0.01
CHRONIC_SHARE_60 = 0.15
DIALYSIS_BY_AGE = ((0, 0.0001), (40, 0.0005), (60, 0.0015))
DISABILITY_BY_AGE = ((0, 0.015), (15, 0.045), (60, 0.12), (80, 0.25))

CHRONIC_NOTES = ("高血压", "糖尿病", "冠心病", "慢性阻塞性肺疾病", "脑卒中后遗症")
DISABILITY_NOTES = ("肢体残疾", "视力残疾", "听力残疾", "言语残疾", "智力残疾", "精神残疾")
DIALYSIS_NOTE = "每周三次血液透析"


def _by_age(
    age: npt.NDArray[np.int64], table: tuple[tuple[int, float], ...]
) -> npt.NDArray[np.float64]:
    bounds = np.asarray([low for low, _ in table])
    values = np.asarray([value for _, value in table])
    return np.asarray(values[np.searchsorted(bounds, age, side="right") - 1], dtype=np.float64)


def needs_draw(
    age: npt.NDArray[np.int64],
    male: npt.NDArray[np.bool_],
    household_size: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> pl.DataFrame:
    """One row per (person, need): elderly alone, pregnant, dialysis, chronic, disability."""
    n = int(age.shape[0])
    draws = rng.random((5, n))
    flags = {
        "elderly_alone": (age >= 60) & (household_size == 1) & (draws[0] < ELDERLY_ALONE_FLAGGED),
        "pregnant": ~male & (age >= 20) & (age <= 40) & (draws[1] < PREGNANT_SHARE),
        "dialysis": draws[2] < _by_age(age, DIALYSIS_BY_AGE),
        "chronic": (age >= 60) & (draws[3] < CHRONIC_SHARE_60),
        "disability": draws[4] < _by_age(age, DISABILITY_BY_AGE),
    }
    pick = rng.integers(0, 1000, n)
    notes = {
        "elderly_alone": np.full(n, ""),
        "pregnant": np.strings.add(np.strings.add("孕", (4 + pick % 37).astype("U2")), "周"),
        "dialysis": np.full(n, DIALYSIS_NOTE),
        "chronic": np.asarray(CHRONIC_NOTES)[pick % len(CHRONIC_NOTES)],
        "disability": np.asarray(DISABILITY_NOTES)[pick % len(DISABILITY_NOTES)],
    }
    frames = []
    for kind, mask in flags.items():
        rows = np.flatnonzero(mask)
        frames.append(
            pl.DataFrame(
                {
                    "person_key": rows.astype(np.int64),
                    "kind": pl.Series([kind] * rows.size, dtype=pl.String),
                    "note": pl.Series(notes[kind][rows], dtype=pl.String),
                }
            )
        )
    return pl.concat(frames).sort(["person_key", "kind"])
