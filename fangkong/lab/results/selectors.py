"""Reads of results work, scoped to the actor: lab alerts (late results, R13, R30) and the
result files a lab uploaded."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from fangkong.core.actor import AnyActor
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.lab.access import require_role
from fangkong.lab.models import (
    Lab,
    LabAlert,
    ResultUpload,
)
from fangkong.lab.roles import (
    ALERT_READ_ROLES,
)
from fangkong.lab.scope import lab_scope, tube_scope


def alert_scope(actor: AnyActor) -> QuerySet[LabAlert]:
    """Alerts of the tubes the actor may see (see ``selectors.tube_scope``)."""
    queryset = LabAlert.objects.select_related("tube", "round", "region")
    if not actor.region_path:
        return queryset
    return queryset.filter(tube__in=tube_scope(actor).values("id"))


def alert_list(
    *,
    actor: AnyActor,
    status: str = "",
    kind: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[LabAlert]:
    """Alerts in scope, newest first, optionally of one status and kind; one query."""
    require_role(actor, ALERT_READ_ROLES)
    queryset = alert_scope(actor)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    return paginate(queryset.order_by("-raised_at", "-id"), page=page, page_size=page_size)


def lab_uploads(
    *, actor: AnyActor, lab: Lab, page: int = 1, page_size: int = 10
) -> Page[ResultUpload]:
    """One page of the result files accepted at ``lab``, latest first, with their total."""
    return paginate(
        ResultUpload.objects.filter(lab=lab, lab__in=lab_scope(actor)).order_by(
            "-uploaded_at", "-id"
        ),
        page=page,
        page_size=page_size,
    )
