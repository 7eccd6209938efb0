"""Contact candidates of a case, and the epidemiologist's decisions on them.

Nothing here makes anybody a close contact by itself: derivation proposes *candidates*; an
epidemiologist confirms or dismisses them (in bulk, with one reason), and only then is a
person a close (or secondary) contact. Both are audited; a decision carries the actor, the
reason and the rule set in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from uuid import UUID

import numpy as np
import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.checks import reason as reason_checked
from fangkong.cases.models import Case, TrajectoryVisit
from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.errors import Conflict, NotFound, ValidationFailed, field_error
from fangkong.engine.copresence import OPEN, contacts_find, stays_index
from fangkong.people.choices import GroupKind
from fangkong.people.groups.selectors import group_mates
from fangkong.people.models import Person
from fangkong.policy.rules import EffectiveRules, contact_window_start, secondary_contacts_enabled
from fangkong.policy.selectors import rules_for
from fangkong.tracing.checks import MAX_SCAN_STAY
from fangkong.tracing.contacts.choices import (
    DECISIONS,
    ContactKind,
    ContactSetting,
    ContactStatus,
)
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES
from fangkong.tracing.models import Venue
from fangkong.tracing.store import scans_frame

#: At most this many candidates are decided in one request.
MAX_DECIDE = 1_000


@dataclass(frozen=True)
class Derivation:
    """What one derivation found: the window's first day (``None`` when the rules identify no
    close contacts), the rule set, how many links were new by setting, and how many persons
    were already linked."""

    window_start: date | None
    rule_set: str
    created: dict[str, int]
    already_linked: int
    secondary_enabled: bool

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


@dataclass(frozen=True)
class FoundContact:
    """One person a derivation found, with how (setting, kind), where and how long."""

    person_id: int
    setting: str
    kind: str
    venue_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    overlap: int = 0
    via_id: int | None = None


def _rules(case: Case) -> EffectiveRules:
    return rules_for(case.region, timezone.localdate())


def _anchor(case: Case) -> date | None:
    """Onset (symptomatic) or first positive sampling (asymptomatic), else the day opened."""
    return case.onset_date or case.first_positive_on or timezone.localdate(case.opened_at)


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _venue_candidates(case: Case, window_from: datetime, until: datetime) -> list[FoundContact]:
    """Persons whose venue-code stays overlapped one of the case's trajectory visits at a
    registered venue, the part of the visit inside ``[window_from, until)``.

    Steps:

    1. the case's visits with a venue code, clipped to the window (an open visit lasts the
       longest stay a scan may have, ``MAX_SCAN_STAY``);
    2. the scans of those venues over the window's days from the store (``scans_frame``,
       narrowed to the venues); a scan made for a companion puts the companion there too;
    3. ``engine.copresence``: the (venue, check-in) index and the overlaps, the case's
       person excluded; one row per person, the longest overlap.
    """
    visits = list(
        TrajectoryVisit.objects.filter(case=case, removed_at__isnull=True)
        .exclude(venue_code="")
        .order_by("started_at")
    )
    codes = {visit.venue_code for visit in visits}
    venues = dict(Venue.objects.filter(code__in=codes).values_list("code", "pk"))
    rows: list[tuple[int, int, int]] = []
    for visit in visits:
        venue_id = venues.get(visit.venue_code)
        ended = visit.ended_at or visit.started_at + MAX_SCAN_STAY
        start, end = max(visit.started_at, window_from), min(ended, until)
        if venue_id is None or end <= start:
            continue
        rows.append((venue_id, _seconds(start), _seconds(end)))
    if not rows:
        return []
    first = timezone.localdate(min(datetime.fromtimestamp(r[1], UTC) for r in rows))
    last = timezone.localdate(max(datetime.fromtimestamp(r[2], UTC) for r in rows))
    scans = scans_frame(first, last, venues={r[0] for r in rows}).collect()
    companions = scans.filter(pl.col("companion_for").is_not_null()).with_columns(
        pl.col("companion_for").alias("person")
    )
    stays = pl.concat([scans, companions]).select(
        "person",
        "venue",
        pl.col("scanned_at").dt.epoch("s").alias("check_in"),
        pl.col("left_at").dt.epoch("s").fill_null(OPEN).alias("check_out"),
    )
    index = stays_index(
        person=stays["person"].to_numpy(),
        venue=stays["venue"].to_numpy(),
        check_in=stays["check_in"].to_numpy(),
        check_out=stays["check_out"].to_numpy(),
        stay_limit=int(MAX_SCAN_STAY.total_seconds()),
    )
    spans = np.array(rows, dtype=np.int64).reshape(-1, 3)
    found = contacts_find(
        index,
        venue=spans[:, 0],
        start=spans[:, 1],
        end=spans[:, 2],
        exclude_person=np.full(spans.shape[0], case.person_id, dtype=np.int64),
    )
    best: dict[int, FoundContact] = {}
    for position, person, overlap in zip(
        found.visit.tolist(), found.person.tolist(), found.overlap.tolist(), strict=True
    ):
        venue_id, start_s, end_s = rows[position]
        if person in best and best[person].overlap >= overlap:
            continue
        best[person] = FoundContact(
            person_id=person,
            setting=ContactSetting.VENUE,
            kind=ContactKind.CLOSE,
            venue_id=venue_id,
            start=datetime.fromtimestamp(start_s, UTC),
            end=datetime.fromtimestamp(end_s, UTC),
            overlap=overlap,
        )
    return list(best.values())


def _household_candidates(case: Case) -> list[FoundContact]:
    """The other members of the case person's household (同住), as close-contact candidates.

    Work-team and class members come from the groups of the people register
    (:func:`_group_candidates`)."""
    household = case.person.household_id
    if household is None:
        return []
    members = Person.objects.filter(household_id=household).exclude(pk=case.person_id)
    return [
        FoundContact(person_id=pk, setting=ContactSetting.HOUSEHOLD, kind=ContactKind.CLOSE)
        for pk in members.values_list("pk", flat=True)
    ]


#: The setting a shared group of people gives its members' contact links.
GROUP_SETTINGS: dict[str, str] = {
    GroupKind.WORK_TEAM: ContactSetting.WORK,
    GroupKind.SCHOOL_CLASS: ContactSetting.CLASS,
    GroupKind.OTHER: ContactSetting.OTHER,
}


def _group_candidates(case: Case) -> list[FoundContact]:
    """The other members of the case person's work teams, school classes and other groups
    (``people.groups``), as close-contact candidates labelled with the group's kind (same
    work team, same class). A person sharing two groups with the case is proposed once."""
    return [
        FoundContact(person_id=pk, setting=GROUP_SETTINGS[kind], kind=ContactKind.CLOSE)
        for pk, kind in group_mates(person=case.person)
    ]


def _secondary_candidates(case: Case, rules: EffectiveRules) -> list[FoundContact]:
    """Household members of the case's confirmed close contacts, as secondary-contact
    candidates — only when the rules derive secondary contacts at all (R3)."""
    if not secondary_contacts_enabled(rules):
        return []
    close = ContactLink.objects.filter(
        case=case, kind=ContactKind.CLOSE, status=ContactStatus.CONFIRMED
    ).select_related("person")
    found: list[FoundContact] = []
    households = {link.person.household_id: link.pk for link in close if link.person.household_id}
    # a close contact of the case is not also its secondary contact
    linked_close = ContactLink.objects.filter(case=case, kind=ContactKind.CLOSE)
    members = (
        Person.objects.filter(household_id__in=households)
        .exclude(pk=case.person_id)
        .exclude(pk__in=linked_close.values("person_id"))
    )
    for pk, household in members.values_list("pk", "household_id"):
        found.append(
            FoundContact(
                person_id=pk,
                setting=ContactSetting.HOUSEHOLD,
                kind=ContactKind.SECONDARY,
                via_id=households[household],
            )
        )
    return found


@transaction.atomic
def contacts_derive(*, actor: AnyActor, case: Case) -> Derivation:
    """Propose the contact candidates of ``case`` (epidemiologists; ``PermissionDenied``
    otherwise; ``case_closed`` 409 for a closed case).

    Steps:

    1. the rules in force at the case's node today; the window opens
       ``contacts.close_contact_window_days`` before onset or first positive sampling (R2,
       ``policy.rules.contact_window_start``) and runs to now; under rules without
       close-contact identification nothing is derived;
    2. venue co-presence (:func:`_venue_candidates`), household members
       (:func:`_household_candidates`), work-team, class and other group members
       (:func:`_group_candidates`), and secondary contacts of confirmed close contacts
       where the rules enable them (:func:`_secondary_candidates`, R3) — spatiotemporal
       companions are a separate step (``tracing.companions.services.companions_derive``);
    3. persons already linked to the case in that kind are left as they are (a dismissed
       candidate is not proposed again); the case's own person never;
    4. the new links are stored as candidates with the rule set's label, and one audit row
       ``contacts_derive`` with the counts.
    """
    require_role(actor, CONTACT_DECIDE_ROLES)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")
    rules = _rules(case)
    now = timezone.now()
    anchor = _anchor(case)
    window = contact_window_start(anchor, rules) if anchor else None
    found: list[FoundContact] = []
    if window is not None:
        window_from = datetime.combine(
            window, datetime.min.time(), tzinfo=timezone.get_current_timezone()
        )
        found = [
            *_venue_candidates(case, window_from, now),
            *_household_candidates(case),
            *_group_candidates(case),
            *_secondary_candidates(case, rules),
        ]
    return contact_links_store(
        actor=actor, case=case, rules=rules, found=found, window=window, now=now
    )


def contact_links_store(
    *,
    actor: AnyActor,
    case: Case,
    rules: EffectiveRules,
    found: list[FoundContact],
    window: date | None,
    now: datetime,
    action: str = "contacts_derive",
) -> Derivation:
    """Store the new links of ``found`` as candidates and audit the counts (also used by
    ``tracing.companions``): persons already linked in that kind are left as they are, the
    case's own person never linked; a person found both at a venue and through a household
    or group is one link, labelled by the household or group, with the venue's times."""
    existing = set(ContactLink.objects.filter(case=case).values_list("person_id", "kind"))
    new: dict[tuple[int, str], FoundContact] = {}
    already = 0
    for item in found:
        key = (item.person_id, item.kind)
        if item.person_id == case.person_id:
            continue
        if key in existing:
            already += 1
            continue
        prior = new.get(key)
        if prior is None:
            new[key] = item
        elif prior.setting == ContactSetting.VENUE and item.setting != ContactSetting.VENUE:
            # a housemate, colleague or classmate also met at a venue (their workplace, the
            # school): labelled by the tie, with the venue's exposure times kept
            new[key] = replace(prior, setting=item.setting)
    ContactLink.objects.bulk_create(
        [
            ContactLink(
                case=case,
                person_id=item.person_id,
                region_id=case.region_id,
                kind=item.kind,
                setting=item.setting,
                venue_id=item.venue_id,
                via_id=item.via_id,
                exposure_start=item.start,
                exposure_end=item.end,
                overlap_seconds=item.overlap,
                determined_by=f"derived:{item.setting}",
                derived_at=now,
                rule_set=rules.label,
            )
            for item in new.values()
        ]
    )
    created: dict[str, int] = {}
    for item in new.values():
        created[str(item.setting)] = created.get(str(item.setting), 0) + 1
    result = Derivation(
        window_start=window,
        rule_set=rules.label,
        created=created,
        already_linked=already,
        secondary_enabled=secondary_contacts_enabled(rules),
    )
    audit_record(
        actor=actor,
        action=action,
        object_type="case",
        object_id=case.code,
        rule_set=rules.label,
        extra={
            "window_start": str(window) if window else None,
            "created": created,
            "already_linked": already,
        },
    )
    return result


def _codes_checked(codes: Sequence[object]) -> list[UUID]:
    if not codes:
        message = _("Select at least one candidate.")
        raise ValidationFailed(message, errors=[field_error("contacts", "required", message)])
    if len(codes) > MAX_DECIDE:
        message = _("At most %(count)d candidates at once.") % {"count": MAX_DECIDE}
        raise ValidationFailed(message, errors=[field_error("contacts", "too_many", message)])
    parsed: list[UUID] = []
    for row, code in enumerate(codes, 1):
        try:
            parsed.append(UUID(str(code)))
        except ValueError:
            message = _("Not a contact code.")
            raise ValidationFailed(
                message, errors=[field_error("contacts", "invalid", message, row=row)]
            ) from None
    return parsed


@transaction.atomic
def contacts_decide(
    *, actor: AnyActor, case: Case, codes: Sequence[object], decision: str, reason: str
) -> int:
    """Confirm or dismiss candidates of ``case`` in one go, with one reason (epidemiologists).

    1. ``decision`` is ``confirm`` or ``dismiss``, ``reason`` required, ``contacts`` 1 to
       :data:`MAX_DECIDE` codes (``ValidationFailed`` naming the field and row).
    2. Every code must be a *candidate* of this case: a code of another case or district is
       ``contact_not_found`` (404, the same as a missing one); one already decided is
       ``contact_not_candidate`` (409); a companion is never confirmed
       (``companion_not_confirmable``, 409: it is checked through a lead list) — nothing is
       changed then.
    3. A conditional update (``status = candidate``) sets status, actor, role, reason, time
       and the rule set in force; a concurrent decision answers ``contact_changed`` (409).
    4. One audit row per link (object: the link's code; no personal data).
    Returns how many links changed.
    """
    require_role(actor, CONTACT_DECIDE_ROLES)
    if decision not in DECISIONS:
        message = _("Not one of the allowed values.")
        raise ValidationFailed(message, errors=[field_error("decision", "invalid_choice", message)])
    why = reason_checked(reason)
    parsed = _codes_checked(codes)
    links = {
        link.code: link
        for link in ContactLink.objects.filter(case=case, code__in=parsed).only(
            "pk", "code", "status"
        )
    }
    for row, code in enumerate(parsed, 1):
        link = links.get(code)
        if link is None:
            raise NotFound(_("No such contact."), code="contact_not_found")
        if decision == "confirm" and link.kind == ContactKind.SPATIOTEMPORAL:
            raise Conflict(
                _("Row %(row)d is a spatiotemporal companion: check it through a lead list.")
                % {"row": row},
                code="companion_not_confirmable",
                detail={"row": row},
            )
        if link.status != ContactStatus.CANDIDATE:
            raise Conflict(
                _("Row %(row)d is no longer a candidate.") % {"row": row},
                code="contact_not_candidate",
                detail={"row": row},
            )
    rules = _rules(case)
    status = DECISIONS[decision]
    now = timezone.now()
    changed = ContactLink.objects.filter(
        pk__in=[link.pk for link in links.values()], status=ContactStatus.CANDIDATE
    ).update(
        status=status,
        decided_at=now,
        decided_by=actor.username,
        decided_role=actor.role,
        decision_reason=why,
        decided_rule_set=rules.label,
    )
    if changed != len(links):
        raise Conflict(_("The contacts changed meanwhile; reload them."), code="contact_changed")
    audit_record_many(
        [
            AuditSpec(
                actor=actor,
                action=f"contact_{decision}",
                object_type="contact",
                object_id=code,
                fields=("status",),
                reason=why,
                rule_set=rules.label,
                extra={"case": str(case.code), "to": status},
            )
            for code in links
        ]
    )
    return changed
