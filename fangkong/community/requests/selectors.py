"""Reads of requests: the queue (an emergency first, then planned medical care, then daily
needs, each by deadline), overdue ones, a household's own."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.community.choices import OPEN_STATUSES
from fangkong.community.models import ResidentRequest
from fangkong.community.scope import narrowed
from fangkong.core.actor import AnyActor
from fangkong.people.models import Household
from fangkong.regions.subtree import in_subtree


def request_scope(actor: AnyActor) -> QuerySet[ResidentRequest]:
    """Requests of households in the actor's subtree (a grid worker: their households)."""
    return narrowed(
        actor,
        ResidentRequest.objects.select_related("household", "region", "owner").filter(
            in_subtree(actor.region_path, field="region__path")
        ),
    )


def request_queue(
    *, actor: AnyActor, open_only: bool = True, overdue_at: datetime | None = None
) -> QuerySet[ResidentRequest]:
    """The work queue: by urgency rank first (a medical emergency is never behind daily
    needs, whatever their deadlines), then by deadline. ``overdue_at``: only those past due
    then."""
    requests = request_scope(actor)
    if open_only:
        requests = requests.filter(status__in=OPEN_STATUSES)
    if overdue_at is not None:
        requests = requests.filter(deadline__lt=overdue_at, status__in=OPEN_STATUSES)
    return requests.order_by("rank", "deadline", "id")


def household_requests(household: Household) -> QuerySet[ResidentRequest]:
    """One household's requests, newest first (its resident's page: the household came from
    the link)."""
    return (
        ResidentRequest.objects.filter(household=household)
        .select_related("medical_exit")
        .order_by("-filed_at", "-id")
    )


def is_overdue(request: ResidentRequest, now: datetime | None = None) -> bool:
    return request.status in OPEN_STATUSES and request.deadline < (now or timezone.now())
