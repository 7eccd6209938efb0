"""Reads of cases, always scoped to the actor's subtree (``regions.subtree``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.cases.choices import AlertState, CaseClassification
from fangkong.cases.models import (
    Case,
    CaseAlert,
    CaseEvent,
    Exposure,
    InvestigationTimer,
    TrajectoryVisit,
)
from fangkong.core.actor import AnyActor
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate, paginate_seek
from fangkong.people.models import Household
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.selectors import risk_areas_covering


def case_scope(actor: AnyActor) -> QuerySet[Case]:
    """Cases whose node lies in the actor's subtree (the system: all)."""
    cases = Case.objects.all()
    if actor.region_path:
        cases = cases.filter(in_subtree(actor.region_path, field="region__path"))
    return cases


def alert_scope(actor: AnyActor) -> QuerySet[CaseAlert]:
    alerts = CaseAlert.objects.all()
    if actor.region_path:
        alerts = alerts.filter(in_subtree(actor.region_path, field="region__path"))
    return alerts


def overdue_timers(now: object | None = None) -> QuerySet[InvestigationTimer]:
    """Timers not met and past due (on the partial index of pending timers)."""
    return InvestigationTimer.objects.filter(met_at__isnull=True, due_at__lt=now or timezone.now())


@dataclass(frozen=True)
class CaseFilter:
    """The one filter of the list page and the API: classification, only overdue (a step
    past due and not done), only open cases."""

    classification: str = ""
    overdue: bool = False
    open_only: bool = False


def case_list(
    *,
    actor: AnyActor,
    filters: CaseFilter,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> Page[Case]:
    """One page of the actor's cases, newest first (two queries: the page and its bounded
    count), with person and node loaded. Seek-paged on the newest-first index
    (``core.paging.paginate_seek``): a deep page, or one after the cursor ``after``, costs
    about what the first does."""
    cases = case_scope(actor).select_related("person", "region")
    if filters.classification in CaseClassification.values:
        cases = cases.filter(classification=filters.classification)
    if filters.open_only:
        cases = cases.filter(closed_at__isnull=True)
    if filters.overdue:
        cases = cases.filter(closed_at__isnull=True, id__in=overdue_timers().values("case_id"))
    return paginate_seek(
        cases, keys=("opened_at", "id"), page=page, page_size=page_size, after=after
    )


def case_events(
    case: Case, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[CaseEvent]:
    return paginate(
        CaseEvent.objects.filter(case=case).order_by("-at", "-id"), page=page, page_size=page_size
    )


def case_visits(
    case: Case, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[TrajectoryVisit]:
    """The case's trajectory in time order (removed visits left out)."""
    visits = TrajectoryVisit.objects.filter(case=case, removed_at__isnull=True)
    return paginate(visits.order_by("started_at", "id"), page=page, page_size=page_size)


def case_exposures(
    case: Case, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[Exposure]:
    exposures = Exposure.objects.filter(case=case).select_related("person", "person__region")
    return paginate(exposures.order_by("-exposed_on", "-id"), page=page, page_size=page_size)


def case_timers(case: Case) -> list[InvestigationTimer]:
    """The case's (at most three) timers, in step order."""
    return list(InvestigationTimer.objects.filter(case=case).order_by("due_at", "id"))


def alert_list(
    *, actor: AnyActor, state: str = "", page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
) -> Page[CaseAlert]:
    """Timer alerts of the actor's cases, newest first; ``state`` filters."""
    alerts = alert_scope(actor).select_related("case", "timer", "owner", "owner_region")
    if state in AlertState.values:
        alerts = alerts.filter(state=state)
    return paginate(alerts.order_by("-raised_at", "-id"), page=page, page_size=page_size)


def has_open_alert(case: Case) -> bool:
    return CaseAlert.objects.filter(case=case, state=AlertState.OPEN).exists()


@dataclass(frozen=True)
class Residence:
    """Where a case's person lives, as the risk areas are drawn: the node, the building and
    the stairwell unit of their household (none without a household: their own node)."""

    region: Region
    building: str = ""
    unit: str = ""


def case_residence(case: Case) -> Residence:
    """The residence of ``case``'s person (one query for the household, none without one)."""
    household = (
        Household.objects.select_related("region").filter(id=case.person.household_id).first()
        if case.person.household_id
        else None
    )
    if household is None:
        return Residence(region=case.person.region)
    return Residence(region=household.region, building=household.building, unit=household.unit)


def case_risk_areas(case: Case) -> list[RiskArea]:
    """The open risk areas the case's residence lies in (``risk_areas.selectors``), oldest
    designation first; two queries. Areas hold places, no person: the case page that shows
    them has already logged its read of the person."""
    residence = case_residence(case)
    return list(
        risk_areas_covering(residence.region, building=residence.building, unit=residence.unit)
    )
