"""What a figure source must provide: its measures and a count over a window of days.

A *figure source* is one app's contribution: the measures it declares and one function that
counts them for a window of days, grouped by the node where each thing happened. The sources
are listed in ``picture.registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from fangkong.regions.counts import Counts, Window

__all__ = ["Counts", "FigureSource", "Flow", "Measure", "Stage", "Window"]


class Flow(models.TextChoices):
    """How a measure reads over days."""

    #: Things that happened on the day (sampled, reported, traced): days add up.
    FLOW = "flow", pgettext_lazy("flow", "per day")
    #: What holds at the moment of computing (open, free, late): kept for the day computed.
    STATE = "state", pgettext_lazy("flow", "at the time")


class Stage(models.TextChoices):
    """The links of the chain the picture follows, in order."""

    SAMPLING = "sampling", pgettext_lazy("stage", "Sampling")
    RESULTS = "results", pgettext_lazy("stage", "Results")
    CASES = "cases", pgettext_lazy("stage", "Cases")
    CONTACTS = "contacts", pgettext_lazy("stage", "Contacts")
    ISOLATION = "isolation", pgettext_lazy("stage", "Isolation")
    RELEASE = "release", pgettext_lazy("stage", "Release")
    #: Residents under closure served and the sites that must keep power (issue 21).
    COMMUNITY = "community", pgettext_lazy("stage", "Residents and supplies")


@dataclass(frozen=True)
class Measure:
    """One figure: ``key`` (stored in ``NodeDayFigure.measure``, at most 40 characters), its
    label, how it reads over days, the chain stage it belongs to, and ``late`` when a value
    above zero means something is behind (the page shows it as a warning)."""

    key: str
    label: str | Promise
    flow: Flow
    stage: Stage
    late: bool = False


@dataclass(frozen=True)
class FigureSource:
    """One app's measures and the function that counts them over a window."""

    name: str
    measures: tuple[Measure, ...]
    count: Callable[[Window], Iterable[Counts]]
