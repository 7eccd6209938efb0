"""The only way an interface gets one lab alert: by kind and barcode, inside the actor's scope;
the same ``NotFound`` for missing and not yours."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.lab.access import require_role
from fangkong.lab.choices import AlertKind
from fangkong.lab.models import LabAlert
from fangkong.lab.results.selectors import alert_scope
from fangkong.lab.roles import (
    ALERT_READ_ROLES,
)
from fangkong.lab.sampling.codes import BARCODE_PATTERN, barcode_normalise


def access_alert(
    actor: AnyActor, kind: object, barcode: object, *, roles: Collection[str] = ALERT_READ_ROLES
) -> LabAlert:
    """The alert of ``kind`` on the tube ``barcode`` (its public id); ``PermissionDenied``
    for a role outside ``roles``, the same ``NotFound`` (``alert_not_found``) for a missing,
    malformed or out-of-scope one."""
    require_role(actor, roles)
    parsed = barcode_normalise(barcode)
    found = (
        alert_scope(actor).filter(kind=str(kind), tube__barcode=parsed).first()
        if BARCODE_PATTERN.match(parsed) and kind in AlertKind.values
        else None
    )
    if found is None:
        raise NotFound(_("No such alert."), code="alert_not_found")
    return found
