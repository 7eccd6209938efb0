"""Reading the result-export batches (R17). A batch covers results from every sampling point
of the installation, so it is seen only by city- and province-level commanders and
administrators whose jurisdiction holds all of them: where one installation serves a province,
a city's command does not see the batches, since they carry other cities' counts."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.actor import AnyActor
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.lab.exchange.access import require_city_level
from fangkong.lab.models import ResultExport


def result_export_list(
    *,
    actor: AnyActor,
    target: str = "",
    status: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[ResultExport]:
    """Batches, newest first, optionally of one target and status; one query (no personal
    data: a batch holds counts and cursors only)."""
    require_city_level(actor)
    queryset: QuerySet[ResultExport] = ResultExport.objects.all()
    if target:
        queryset = queryset.filter(target=target)
    if status:
        queryset = queryset.filter(status=status)
    return paginate(
        queryset.order_by("-upto_at", "-upto_tube", "-id"), page=page, page_size=page_size
    )
