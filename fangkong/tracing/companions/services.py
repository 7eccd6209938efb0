"""Companions of one case from the cell dwell intervals (R20), with the rule set's values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.errors import Conflict
from fangkong.engine.companions import companions_find
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for
from fangkong.tracing.contacts.choices import ContactKind, ContactSetting
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES
from fangkong.tracing.contacts.services import Derivation, FoundContact, contact_links_store
from fangkong.tracing.store import day_start, dwells_frame


@dataclass(frozen=True)
class Companion:
    """A person with more than the rule set's minutes in one cell with the case: the overlap
    summed over the cells through which they are companions."""

    person_id: int
    overlap_seconds: int


def _case_companions(case: Case, rules: EffectiveRules, now: datetime) -> list[Companion]:
    """The companions of ``case``'s person (``[]`` where the rules search none).

    Steps:

    1. ``companions.window_days`` local days back to today (counting today), up to ``now``;
    2. the cells the case's person stayed in (the store read narrowed to the person), then
       every dwell interval in those cells over the window (narrowed to the cells);
    3. ``engine.companions.companions_find`` with more than ``companions.overlap_minutes``
       and, when set, ``companions.cumulative_stay_hours`` as the cumulative-stay filter.
    """
    companions = rules.parameters.companions
    if companions is None:
        return []
    today = timezone.localdate(now)
    first = today - timedelta(days=companions.window_days - 1)
    own = dwells_frame(first, today, persons=[case.person_id]).select("cell").collect()
    cells = own["cell"].unique().to_list()
    if not cells:
        return []
    dwells = dwells_frame(first, today, cells=cells).collect()
    hours = companions.cumulative_stay_hours
    found = companions_find(
        person=dwells["person"].to_numpy(),
        cell=dwells["cell"].to_numpy(),
        start=dwells["start"].dt.epoch("s").to_numpy(),
        end=dwells["end"].dt.epoch("s").to_numpy(),
        cases=[case.person_id],
        window_start=int(day_start(first).timestamp()),
        window_end=int(now.timestamp()),
        min_overlap=companions.overlap_minutes * 60,
        min_cumulative_stay=hours * 3600 if hours is not None else None,
    )
    return [
        Companion(person_id=person, overlap_seconds=overlap)
        for person, overlap in zip(found.companion.tolist(), found.overlap.tolist(), strict=True)
    ]


@transaction.atomic
def companions_derive(*, actor: AnyActor, case: Case) -> Derivation:
    """Store the companions of ``case`` as spatiotemporal contact links (candidates that feed
    lead lists; they are never confirmed as contacts) — epidemiologists; ``case_closed`` 409
    for a closed case. A separate step from the close-contact candidates: over 800 m cells
    and 14 days a case has thousands of companions in a city, and the investigator asks for
    them when the big-data pull (R20) is wanted. One audit row ``companions_derive``."""
    require_role(actor, CONTACT_DECIDE_ROLES)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")
    rules = rules_for(case.region, timezone.localdate())
    now = timezone.now()
    found = [
        FoundContact(
            person_id=companion.person_id,
            setting=ContactSetting.CELL,
            kind=ContactKind.SPATIOTEMPORAL,
            overlap=companion.overlap_seconds,
        )
        for companion in _case_companions(case, rules, now)
    ]
    return contact_links_store(
        actor=actor,
        case=case,
        rules=rules,
        found=found,
        window=None,
        now=now,
        action="companions_derive",
    )
