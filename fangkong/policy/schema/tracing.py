"""Tracing: how long scans and dwell intervals are kept, spatiotemporal companions and lead
lists (§2.3, §2.6, §2.8, R20, R21)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fangkong.policy.schema.base import DayNumber, FrozenModel, Hours


class TracingRetention(FrozenModel):
    """How long venue-code scans and cell dwell intervals are kept (security reference T24,
    the CAC notice of Feb 2020: data collected for epidemic control serves that purpose only,
    so it is kept no longer than the longest look-back the rules need). ``tracing_purge``
    deletes every day partition older than the window."""

    #: Days of venue-code scans kept, counting today.
    scan_retention_days: Annotated[int, Field(ge=1, le=60, strict=True)]
    #: Days of 800 m cell dwell intervals kept, counting today.
    dwell_retention_days: Annotated[int, Field(ge=1, le=60, strict=True)]


class Companions(FrozenModel):
    """Spatiotemporal companions (时空伴随者, domain reference §2.3, R20): persons who shared an
    800 m cell with a case. They feed lead lists for checking, never a status change."""

    #: A companion has **more than** this many minutes in one cell with the case.
    overlap_minutes: Annotated[int, Field(ge=1, le=1440, strict=True)]
    #: Days of dwell intervals searched, counting today.
    window_days: DayNumber
    #: The optional filter (Chengdu police): either party's own stay in that cell within the
    #: window is at least this many hours; ``null``: no such filter.
    cumulative_stay_hours: Annotated[int, Field(ge=1, le=1440, strict=True)] | None


class LeadLists(FrozenModel):
    """Lead lists (协查, §2.6, §2.8, R21) pushed to the district where a person lives."""

    #: Hours the receiving district has to check each person; past it the person counts as
    #: "not checked".
    deadline_hours: Hours
