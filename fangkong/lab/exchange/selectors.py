"""Reading the result-export batches (R17). A batch covers results from every sampling point
of the installation, so it is seen only by city- and province-level commanders and
administrators whose jurisdiction holds all of them: where one installation serves a province,
a city's command does not see the batches, since they carry other cities' counts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.lab.access import require_role
from fangkong.lab.models import Lab, ResultExport, SamplingPoint
from fangkong.lab.roles import EXPORT_ROLES
from fangkong.people.access import parse_code
from fangkong.regions.choices import RegionLevel
from fangkong.regions.subtree import in_subtree


def _require_city_level(actor: AnyActor) -> None:
    require_role(actor, EXPORT_ROLES)
    if isinstance(actor, SystemActor) or not actor.region_path:
        return
    if len(actor.region_path.split(".")) > RegionLevel.CITY:
        raise PermissionDenied(
            _("Result exports are seen at the city or province command."),
            code="export_city_level_only",
        )
    outside = ~in_subtree(actor.region_path, field="region__path")
    if SamplingPoint.objects.filter(outside).exists() or Lab.objects.filter(outside).exists():
        raise PermissionDenied(
            _(
                "Result exports cover every sampling point and lab of this installation, "
                "and some are outside your jurisdiction."
            ),
            code="export_outside_jurisdiction",
        )


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
    _require_city_level(actor)
    queryset: QuerySet[ResultExport] = ResultExport.objects.all()
    if target:
        queryset = queryset.filter(target=target)
    if status:
        queryset = queryset.filter(status=status)
    return paginate(
        queryset.order_by("-upto_at", "-upto_tube", "-id"), page=page, page_size=page_size
    )


def access_result_export(actor: AnyActor, code: object) -> ResultExport:
    """One batch by its code; ``NotFound`` (``export_not_found``) for a missing or malformed
    code."""
    _require_city_level(actor)
    parsed = parse_code(code)
    found = ResultExport.objects.filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such result export."), code="export_not_found")
    return found
