"""Role checks and the rule set's retention for the tracing app's interfaces and services."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import PermissionDenied
from fangkong.policy.selectors import rules_for_path
from fangkong.tracing.choices import FeedKind
from fangkong.tracing.roles import INGEST_ROLES


def require_ingest_role(actor: AnyActor) -> None:
    """``PermissionDenied`` unless the actor may feed the store (administrators, the system)."""
    if isinstance(actor, SystemActor) or actor.role in INGEST_ROLES:
        return
    raise PermissionDenied(
        _("Your role may not load venue scans or dwell intervals."), code="role_not_allowed"
    )


def retention_days(actor: AnyActor, kind: str, on: date) -> tuple[int, str]:
    """How many days of ``kind`` the rule set in force at the actor's node keeps, and its
    label."""
    rules = rules_for_path(actor.region_path, on)
    tracing = rules.parameters.tracing
    days = tracing.scan_retention_days if kind == FeedKind.SCANS else tracing.dwell_retention_days
    return days, rules.label
