"""The course of an infection: incubation, infectiousness over time, symptoms, severity.

Pure NumPy. Defaults are Omicron-like and cite their source; where no published value was
found the default is marked as an assumption.

Infectiousness is a logistic density in τ, the time from symptom onset (a virtual onset for
asymptomatic infections), cut to [``latent_min`` − incubation, ``after_onset``]. Since the
infectee's onset is the infection time plus its own incubation, the serial interval is
τ + incubation, so the logistic's location is solved (:func:`kernel_location`) to make the
mean serial interval the parameter's and its scale follows from the serial interval's and the
incubation's spreads (var SI = var τ + var incubation).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fangkong.sim.routine import normal_quantiles

Float = npt.NDArray[np.float64]

AGE_CUTOFFS = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90)
#: Covasim 4.0.1 ``get_prognoses`` (Verity et al. 2020, O'Driscoll et al. 2021, Zhang et al.
#: 2020), absolute per infection: symptomatic, severe, critical, death; and susceptibility.
SYMPTOMATIC = (0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.90)
SEVERE = (0.00050, 0.00165, 0.00720, 0.02080, 0.03430, 0.07650, 0.13280, 0.20655, 0.24570, 0.24570)
CRITICAL = (
    0.00003,
    0.00008,
    0.00036,
    0.00104,
    0.00216,
    0.00933,
    0.03639,
    0.08923,
    0.17420,
    0.17420,
)
DEATH = (0.00002, 0.00002, 0.00010, 0.00032, 0.00098, 0.00265, 0.00766, 0.02439, 0.08292, 0.16190)
SUSCEPTIBILITY = (0.34, 0.67, 1.00, 1.00, 1.00, 1.00, 1.24, 1.47, 1.47, 1.47)


@dataclass(frozen=True)
class CourseParams:
    """Natural history. Days unless named otherwise.

    * ``incubation_mean`` 3.42: Omicron, Wu et al., JAMA Netw Open 2022 (5 studies, 829
      patients); ``incubation_sd`` 1.52: the coefficient of variation 0.45 of BA.1 in Tanaka
      et al., Int J Environ Res Public Health 2022 (3.03 ± 1.35 days).
    * ``serial_interval_mean`` 3.06: Omicron pooled, Jusot, 4open 2022 (Park et al., PNAS
      2023: BA.1 generation interval 3.0); ``serial_interval_sd`` 2.3: assumption (no Omicron
      SD was found).
    * ``latent_min`` 1.0 and ``after_onset`` 7.0: assumptions bounding infectiousness.
    * ``symptomatic`` share by age from Covasim × ``symptomatic_scale``: about 32 % of a
      census-shaped population stays asymptomatic, as pooled for Omicron by Shang et al.,
      Vaccines 2022 (32.40 %, 95 % CI 25.30–39.51).
    * ``asymptomatic_infectiousness`` 0.5: assumption (estimates range about 0.35–0.65).
    * ``dispersion`` 0.45: individual infectiousness ~ Gamma(k, 1/k), Covasim's default
      negative-binomial dispersion (superspreading).
    * severity: Covasim's age tables × ``severe_scale`` 0.4 and ``death_scale`` 0.4 (Omicron
      less severe than the 2020 virus: an assumption in line with hospitalisation hazard
      ratios of about 0.4 against Delta, Nyberg et al., Lancet 2022).
    """

    incubation_mean: float = 3.42
    incubation_sd: float = 1.52
    serial_interval_mean: float = 3.06
    serial_interval_sd: float = 2.3
    latent_min: float = 1.0
    after_onset: float = 7.0
    symptomatic_scale: float = 1.0
    asymptomatic_infectiousness: float = 0.5
    dispersion: float = 0.45
    severe_scale: float = 0.4
    death_scale: float = 0.4
    onset_to_severe: tuple[float, float] = (4.0, 2.0)
    severe_to_death: tuple[float, float] = (8.0, 4.0)
    mild_recovery: tuple[float, float] = (7.0, 2.0)
    severe_recovery: tuple[float, float] = (18.0, 6.0)

    def __post_init__(self) -> None:
        if self.serial_interval_sd**2 <= self.incubation_sd**2:
            raise ValueError("serial_interval_sd must exceed incubation_sd")
        if self.incubation_mean <= 0 or self.incubation_sd <= 0:
            raise ValueError("incubation must be positive")

    @property
    def kernel_scale(self) -> float:
        """Logistic scale s of τ: sd τ = s π / √3."""
        return (
            math.sqrt(self.serial_interval_sd**2 - self.incubation_sd**2) * math.sqrt(3) / math.pi
        )


def _lognormal(mean: float, sd: float) -> tuple[float, float]:
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def lognormal(rng: np.random.Generator, mean_sd: tuple[float, float], size: int) -> Float:
    """Log-normal draws with the given mean and standard deviation."""
    mu, sigma = _lognormal(*mean_sd)
    return np.asarray(rng.lognormal(mu, sigma, size), dtype=np.float64)


def logistic_cdf(x: Float, location: float, scale: float) -> Float:
    """The logistic distribution function (through tanh: no overflow far in the tails)."""
    return np.asarray(0.5 * (1 + np.tanh((x - location) / (2 * scale))), dtype=np.float64)


def truncated_mean(location: float, scale: float, low: Float, high: float) -> Float:
    """Mean of a logistic(location, scale) cut to [low, high]."""

    def antiderivative(x: Float) -> Float:  # ∫ x f(x) dx = x F(x) − s softplus((x − μ)/s)
        return np.asarray(
            x * logistic_cdf(x, location, scale) - scale * np.logaddexp(0.0, (x - location) / scale)
        )

    top = np.full_like(low, high)
    mass = logistic_cdf(top, location, scale) - logistic_cdf(low, location, scale)
    return np.asarray((antiderivative(top) - antiderivative(low)) / np.maximum(mass, 1e-12))


@functools.cache
def kernel_location(params: CourseParams) -> float:
    """The logistic location making E[τ] + E[incubation] the mean serial interval, averaging
    the truncation over the incubation distribution (bisection)."""
    mu, sigma = _lognormal(params.incubation_mean, params.incubation_sd)
    incubation = np.exp(mu + sigma * normal_quantiles(10))
    low = params.latent_min - incubation
    target = params.serial_interval_mean - params.incubation_mean
    scale = params.kernel_scale
    lo, hi = -20.0, 20.0
    for _ in range(80):
        middle = (lo + hi) / 2
        mean = float(truncated_mean(middle, scale, low, params.after_onset).mean())
        lo, hi = (middle, hi) if mean < target else (lo, middle)
    return (lo + hi) / 2


def by_age(table: tuple[float, ...], age: npt.NDArray[np.int64]) -> Float:
    """Look up ``table`` (one value per ten-year band of ``AGE_CUTOFFS``) for each age."""
    index = np.minimum(np.asarray(age) // 10, len(AGE_CUTOFFS) - 1)  # the bands are ten years
    return np.asarray(np.asarray(table, dtype=np.float64)[index])


@functools.cache
def _table(table: tuple[float, ...]) -> Float:
    return np.asarray(table, dtype=np.float64)


@dataclass(frozen=True)
class Courses:
    """Per new infection: times in seconds since the simulation's start (``NEVER`` if not)."""

    onset: npt.NDArray[np.int64]
    infectious_start: npt.NDArray[np.int64]
    infectious_end: npt.NDArray[np.int64]
    symptomatic: npt.NDArray[np.bool_]
    severity: npt.NDArray[np.int8]
    hospitalised: npt.NDArray[np.int64]
    recovered: npt.NDArray[np.int64]
    died: npt.NDArray[np.int64]
    relative: Float
    tau_low: Float


NEVER = np.iinfo(np.int32).max
DAY = 86_400

SEVERITY_NAMES = ("asymptomatic", "mild", "severe", "critical", "fatal")


def courses_draw(
    params: CourseParams,
    infected: npt.NDArray[np.int64],
    age: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> Courses:
    """Draw the course of infections at times ``infected`` (seconds) of people aged ``age``.

    1. Incubation (log-normal), onset; symptomatic by age.
    2. Severity among the symptomatic: severe, then critical, then fatal (conditional
       probabilities from the absolute age tables), with hospital admission, death and
       recovery times; asymptomatic infections recover when infectiousness ends.
    3. Relative infectiousness: Gamma(k, 1/k), times ``asymptomatic_infectiousness``.
    """
    n = int(infected.shape[0])
    # one call for the five log-normal times, one for the four yes/no draws
    normal = rng.standard_normal((5, n))
    draws = rng.random((4, n))

    def days(row: int, mean_sd: tuple[float, float]) -> npt.NDArray[np.int64]:
        mu, sigma = _lognormal(*mean_sd)
        return np.asarray(np.rint(np.exp(mu + sigma * normal[row]) * DAY), dtype=np.int64)

    mu, sigma = _lognormal(params.incubation_mean, params.incubation_sd)
    incubation = np.exp(mu + sigma * normal[0])
    onset = infected + np.rint(incubation * DAY).astype(np.int64)
    band = np.minimum(np.asarray(age) // 10, len(AGE_CUTOFFS) - 1)
    symptomatic_p = np.minimum(_table(SYMPTOMATIC)[band] * params.symptomatic_scale, 1.0)
    symptomatic = draws[3] < symptomatic_p
    severe_p = np.minimum(_table(SEVERE)[band] * params.severe_scale / symptomatic_p, 1.0)
    critical_p = _table(CRITICAL)[band] / _table(SEVERE)[band]
    death_p = np.minimum(_table(DEATH)[band] * params.death_scale / _table(CRITICAL)[band], 1.0)
    severe = symptomatic & (draws[0] < severe_p)
    critical = severe & (draws[1] < critical_p)
    fatal = critical & (draws[2] < death_p)
    levels = symptomatic.astype(np.int8) + severe + critical + fatal
    severity = levels.astype(np.int8)
    tau_low = params.latent_min - incubation
    infectious_start = infected + np.rint(params.latent_min * DAY).astype(np.int64)
    infectious_end = onset + int(params.after_onset * DAY)
    admitted = onset + days(1, params.onset_to_severe)
    hospitalised = np.where(severe, admitted, NEVER)
    died = np.where(fatal, admitted + days(2, params.severe_to_death), NEVER).astype(np.int64)
    mild_end = onset + days(3, params.mild_recovery)
    severe_end = onset + days(4, params.severe_recovery)
    recovered = np.select(
        [fatal, severe, symptomatic],
        [NEVER, np.maximum(severe_end, admitted + DAY), mild_end],
        default=infectious_end,
    ).astype(np.int64)
    k = params.dispersion
    relative = rng.gamma(k, 1 / k, n) * np.where(
        symptomatic, 1.0, params.asymptomatic_infectiousness
    )
    return Courses(
        onset=onset,
        infectious_start=infectious_start,
        infectious_end=infectious_end,
        symptomatic=symptomatic,
        severity=severity,
        hospitalised=hospitalised.astype(np.int64),
        recovered=recovered,
        died=died,
        relative=np.asarray(relative, dtype=np.float64),
        tau_low=np.asarray(tau_low, dtype=np.float64),
    )


def infectiousness(
    params: CourseParams,
    onset: npt.NDArray[np.int64],
    tau_low: Float,
    start: int,
    end: int,
) -> Float:
    """Share of each case's total infectiousness that falls in [start, end) (seconds)."""
    location, scale = kernel_location(params), params.kernel_scale
    high = params.after_onset
    a = np.clip((start - onset) / DAY, tau_low, high)
    b = np.clip((end - onset) / DAY, tau_low, high)
    top = np.full_like(tau_low, high)
    mass = logistic_cdf(top, location, scale) - logistic_cdf(tau_low, location, scale)
    share = logistic_cdf(b, location, scale) - logistic_cdf(a, location, scale)
    return np.asarray(share / np.maximum(mass, 1e-12))


def kernel_cdf(params: CourseParams, tau: Float) -> Float:
    """The (untruncated) infectiousness distribution function at ``tau`` days from onset."""
    return logistic_cdf(tau, kernel_location(params), params.kernel_scale)


def kernel_times(
    params: CourseParams, onset: npt.NDArray[np.int64], low: Float, u: Float
) -> npt.NDArray[np.int64]:
    """Times (seconds) drawn from each case's infectiousness: ``u`` uniform in [0, 1) mapped
    between ``low`` (the distribution function at the case's ``tau_low``) and the function at
    ``after_onset``, then inverted (:func:`kernel_quantile`)."""
    high = float(kernel_cdf(params, np.asarray([params.after_onset]))[0])
    return kernel_quantile(params, onset, low + u * (high - low))


def kernel_quantile(
    params: CourseParams, onset: npt.NDArray[np.int64], q: Float
) -> npt.NDArray[np.int64]:
    """The times (seconds) at which the infectiousness distribution function of cases with
    ``onset`` reaches ``q`` (the logistic's quantile function)."""
    q = np.clip(q, 1e-300, 1 - 1e-16)
    tau = kernel_location(params) + params.kernel_scale * np.log(q / (1 - q))
    return np.asarray(onset + np.rint(tau * DAY).astype(np.int64))
