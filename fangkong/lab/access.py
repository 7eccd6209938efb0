"""The only way an interface gets one round, point, lab, tube, package or re-test task.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404), so codes of other districts cannot be probed.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.lab.models import Exemption, Lab, Package, SamplingPoint, ScreeningRound, Tube
from fangkong.lab.roles import ROUND_ROLES
from fangkong.lab.sampling.codes import BARCODE_PATTERN, barcode_normalise
from fangkong.lab.scope import (
    exemption_scope,
    lab_scope,
    package_scope,
    point_scope,
    round_scope,
    tube_scope,
)
from fangkong.people.access import parse_code


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this in the screening chain."), code="role_not_allowed"
        )


M = TypeVar("M", bound=Model)


def _one(queryset: QuerySet[M], lookup: dict[str, object] | None, missing: NotFound) -> M:
    """The single row of ``queryset`` matching ``lookup`` (``None``: a malformed key), or the
    same ``missing`` error for absent, malformed and out of scope alike."""
    found = queryset.filter(**lookup).first() if lookup is not None else None
    if found is None:
        raise missing
    return found


def _uuid(code: object, field: str = "code") -> dict[str, object] | None:
    parsed = parse_code(code)
    return {field: parsed} if parsed else None


def _barcode(value: object, field: str) -> dict[str, object] | None:
    text = barcode_normalise(value)
    return {field: text} if BARCODE_PATTERN.match(text) else None


def access_round(
    actor: AnyActor, code: object, *, roles: Collection[str] = ROUND_ROLES
) -> ScreeningRound:
    require_role(actor, roles)
    missing = NotFound(_("No such screening round."), code="round_not_found")
    return _one(round_scope(actor), _uuid(code), missing)


def access_point(
    actor: AnyActor, code: object, *, roles: Collection[str] = ROUND_ROLES
) -> SamplingPoint:
    require_role(actor, roles)
    missing = NotFound(_("No such sampling point."), code="point_not_found")
    return _one(point_scope(actor), _uuid(code), missing)


def access_lab(actor: AnyActor, code: object, *, roles: Collection[str] = ROUND_ROLES) -> Lab:
    require_role(actor, roles)
    missing = NotFound(_("No such laboratory."), code="lab_not_found")
    return _one(lab_scope(actor), _uuid(code), missing)


def access_tube(actor: AnyActor, barcode: object, *, roles: Collection[str] = ROUND_ROLES) -> Tube:
    require_role(actor, roles)
    queryset = tube_scope(actor).select_related("round", "point", "lab", "package")
    missing = NotFound(_("No such tube."), code="tube_not_found")
    return _one(queryset, _barcode(barcode, "barcode"), missing)


def access_package(
    actor: AnyActor, code: object, *, roles: Collection[str] = ROUND_ROLES
) -> Package:
    require_role(actor, roles)
    missing = NotFound(_("No such package."), code="package_not_found")
    return _one(package_scope(actor), _barcode(code, "code"), missing)


def access_exemption(actor: AnyActor, code: object, *, roles: Collection[str]) -> Exemption:
    """An exemption of a person in the actor's subtree; 404 for missing and not yours."""
    require_role(actor, roles)
    missing = NotFound(_("No such exemption."), code="exemption_not_found")
    return _one(exemption_scope(actor), _uuid(code), missing)
