"""The only way an interface gets one result-export batch, and the rule that batches are seen
at the city or province command only (a batch spans every sampling point and lab)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.lab.access import require_role
from fangkong.lab.models import Lab, ResultExport, SamplingPoint
from fangkong.lab.roles import EXPORT_ROLES
from fangkong.people.access import parse_code
from fangkong.regions.choices import RegionLevel
from fangkong.regions.subtree import in_subtree


def access_result_export(actor: AnyActor, code: object) -> ResultExport:
    """One batch by its code; ``NotFound`` (``export_not_found``) for a missing or malformed
    code."""
    require_city_level(actor)
    parsed = parse_code(code)
    found = ResultExport.objects.filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such result export."), code="export_not_found")
    return found


def require_city_level(actor: AnyActor) -> None:
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
