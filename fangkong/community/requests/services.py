"""Residents' requests with deadlines (issue 21 §4, R27, R28): filing (by the resident's
link, a grid worker or the hotline) with the category's urgency and the rule set's deadline,
the transitions through to confirmed done, the medical exit (approval, vehicle, return),
escalation of overdue requests, and the resident's personal link."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.community.checks import Errors, clean_text, reason_of, refuse_if, require_role
from fangkong.community.choices import (
    CATEGORY_URGENCY,
    OPEN_STATUSES,
    URGENCY_RANK,
    RequestCategory,
    RequestChannel,
    RequestEventKind,
    RequestStatus,
    Urgency,
)
from fangkong.community.events import request_event_new, request_event_record
from fangkong.community.models import (
    Coverage,
    MedicalExit,
    RequestEvent,
    ResidentLink,
    ResidentRequest,
)
from fangkong.community.requests.deadlines import deadline_of
from fangkong.community.roles import EXIT_APPROVE_ROLES, REQUEST_ROLES, VEHICLE_ROLES
from fangkong.core.actor import SYSTEM, AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.core.escalation import escalate_overdue
from fangkong.isolation.choices import TransferKind
from fangkong.isolation.transfers.requesting import transfer_request_medical
from fangkong.people.models import Household, Person
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for_path

#: How long a resident's personal link opens the page.
LINK_MAX_AGE = timedelta(days=14)
LINK_SALT = "fangkong.community.resident-link"
#: The actor of a resident's own page (not a user: the household's signed link).
RESIDENT = SystemActor(username="resident-link", role="resident")

#: Allowed moves: filed → accepted → done → confirmed; refused from filed or accepted.
TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.FILED: frozenset({RequestStatus.ACCEPTED, RequestStatus.REFUSED}),
    RequestStatus.ACCEPTED: frozenset({RequestStatus.DONE, RequestStatus.REFUSED}),
    RequestStatus.DONE: frozenset({RequestStatus.CONFIRMED}),
    RequestStatus.CONFIRMED: frozenset(),
    RequestStatus.REFUSED: frozenset(),
}


def request_file(
    *,
    actor: AnyActor,
    household: Household,
    category: str,
    description: str | None = "",
    person: Person | None = None,
    channel: str,
    submit_key: UUID | None = None,
) -> ResidentRequest:
    """File a request for ``household``.

    1. A grid worker or hotline operator (``REQUEST_ROLES``, 403) with the household in scope
       (404); the resident's own page acts as :data:`RESIDENT` for the household its link
       opened. ``category`` and ``channel`` from the choices, ``person`` a member (422).
    2. Urgency from the category; the deadline from the rules in force at the household's
       node (:func:`request_deadline`); the owner is the household's responsible person.
    3. A medical or emergency request gets its exit record (approval and vehicle to come).
    4. A ``filed`` history row and an audit row with the rule set.

    ``submit_key`` (the resident's page): a request of the household filed with the same key
    already is returned as it is, nothing new is filed.
    """
    if actor is not RESIDENT:
        require_role(actor, REQUEST_ROLES)
        require_in_scope(actor, household.region)
    errors: Errors = []
    if category not in RequestCategory.values:
        errors.append(
            field_error("category", "invalid_choice", _("Not one of the allowed values."))
        )
    if channel not in RequestChannel.values:
        errors.append(field_error("channel", "invalid_choice", _("Not one of the allowed values.")))
    if person is not None and person.household_id != household.pk:
        errors.append(field_error("person", "not_a_member", _("Not of this household.")))
    text = clean_text(
        description, field="description", max_length=500, errors=errors, required=False
    )
    refuse_if(errors, _("The request was not filed."))
    if submit_key is not None:
        sent = ResidentRequest.objects.filter(submit_key=submit_key, household=household).first()
        if sent is not None:
            return sent
    urgency = CATEGORY_URGENCY[RequestCategory(category)]
    rules = rules_for_path(household.region.path, timezone.localdate())
    now = timezone.now()
    owner = Coverage.objects.filter(household=household).values_list("responsible_id", flat=True)
    with transaction.atomic():
        request = ResidentRequest.objects.create(
            household=household,
            person=person,
            region_id=household.region_id,
            category=category,
            urgency=urgency,
            rank=URGENCY_RANK[urgency],
            channel=channel,
            description=text,
            owner_id=owner.first(),
            filed_at=now,
            filed_by=actor.username,
            deadline=deadline_of(
                rules.parameters.community, urgency, now, household.region.time_zone
            ),
            rule_set=rules.label,
            submit_key=submit_key,
        )
        if urgency != Urgency.DAILY:
            MedicalExit.objects.create(request=request)
        request_event_record(
            request=request,
            kind=RequestEventKind.FILED,
            actor=actor,
            to_value=RequestStatus.FILED,
        )
        audit_record(
            actor=actor,
            action="request_file",
            object_type="resident_request",
            object_id=request.code,
            fields=["household", "category", "urgency", "deadline", "owner"],
            rule_set=rules.label,
            extra={"channel": channel},
        )
    return request


def request_transition(
    *, actor: AnyActor, request: ResidentRequest, to: str, reason: str | None = ""
) -> ResidentRequest:
    """Move a request along :data:`TRANSITIONS` (409 ``transition_not_allowed``).

    Refusing needs a reason (R28: none closed as refused without one; 422 naming
    ``reason``). A medical request is done only after its exit got a vehicle (409
    ``exit_not_ready``); confirming one needs the return recorded (409 ``not_returned``).
    The resident's page may only confirm. A concurrent change loses (409).
    """
    if actor is RESIDENT:
        if to != RequestStatus.CONFIRMED:
            raise Conflict(_("Residents confirm their requests only."), code="resident_confirms")
    else:
        require_role(actor, REQUEST_ROLES)
    if to not in TRANSITIONS.get(request.status, frozenset()):
        raise Conflict(_("The request cannot move there now."), code="transition_not_allowed")
    why = reason_of(reason) if to == RequestStatus.REFUSED else (reason or "").strip()[:255]
    exit_row = MedicalExit.objects.filter(request=request).first()
    if exit_row is not None and to == RequestStatus.DONE and exit_row.vehicle_at is None:
        raise Conflict(_("The exit has no vehicle yet."), code="exit_not_ready")
    if exit_row is not None and to == RequestStatus.CONFIRMED and exit_row.returned_at is None:
        raise Conflict(_("The return is not recorded yet."), code="not_returned")
    now = timezone.now()
    stamps: dict[str, object] = {}
    if to == RequestStatus.DONE:
        stamps["done_at"] = now
    if to == RequestStatus.CONFIRMED:
        stamps["confirmed_at"] = now
    if to == RequestStatus.REFUSED:
        stamps["refusal_reason"] = why
    with transaction.atomic():
        changed = ResidentRequest.objects.filter(pk=request.pk, status=request.status).update(
            status=to, version=F("version") + 1, **stamps
        )
        if changed != 1:
            raise Conflict(_("The request changed meanwhile; reload."), code="request_changed")
        request_event_record(
            request=request,
            kind=RequestEventKind.STATUS,
            actor=actor,
            reason=why,
            from_value=request.status,
            to_value=to,
        )
        audit_record(
            actor=actor,
            action="request_transition",
            object_type="resident_request",
            object_id=request.code,
            fields=["status", *stamps],
            reason=why,
            rule_set=request.rule_set,
            extra={"from": request.status, "to": to},
        )
    request.refresh_from_db()
    return request


def _exit_of(request: ResidentRequest, allowed: tuple[str, ...] = OPEN_STATUSES) -> MedicalExit:
    found = MedicalExit.objects.filter(request=request).first()
    if found is None:
        raise Conflict(_("This request has no medical exit."), code="no_medical_exit")
    if request.status not in allowed:
        raise Conflict(_("The request is closed."), code="request_closed")
    return found


def _exit_write(
    actor: AnyActor,
    request: ResidentRequest,
    *,
    guard: Q,
    values: dict[str, object],
    kind: str,
    reason: str = "",
) -> MedicalExit:
    with transaction.atomic():
        if MedicalExit.objects.filter(guard, request=request).update(**values) != 1:
            raise Conflict(_("The exit is not at this step."), code="exit_step")
        request_event_record(request=request, kind=kind, actor=actor, reason=reason)
        audit_record(
            actor=actor,
            action=f"medical_exit_{kind}",
            object_type="resident_request",
            object_id=request.code,
            fields=sorted(values),
            reason=reason,
            rule_set=request.rule_set,
        )
    return MedicalExit.objects.get(request=request)


def _exit_window(request: ResidentRequest, now: datetime) -> tuple[datetime, datetime]:
    """The outbound transfer's window from the request's urgency: from now to the request's
    deadline (an emergency's minutes, planned care's hours, from the rules at filing); a
    deadline already passed gives the rule set's emergency minutes from now."""
    if request.deadline > now:
        return now, request.deadline
    rules = rules_for_path(request.region.path, timezone.localdate()).parameters.community
    return now, now + timedelta(minutes=rules.emergency_exit_minutes)


def exit_approve(
    *,
    actor: AnyActor,
    request: ResidentRequest,
    reason: str | None,
    destination: str | None = None,
) -> MedicalExit:
    """The community's approval of a medical exit (R28), once, with a reason and the
    hospital (``destination``); accepting the request if it was only filed. In the same
    transaction the closed-loop transfer task of ``isolation`` is requested: from the
    household's address to the hospital within the urgency's window (a retried approval finds
    the same task: it is keyed by the request)."""
    require_role(actor, EXIT_APPROVE_ROLES)
    _exit_of(request)
    why = reason_of(reason)
    errors: Errors = []
    hospital = clean_text(
        destination, field="destination", max_length=255, errors=errors, required=True
    )
    if request.person_id is None:
        errors.append(field_error("person", "required", _("Name the patient of a medical exit.")))
    refuse_if(errors, _("The exit was not approved."))
    assert request.person is not None
    now = timezone.now()
    start, end = _exit_window(request, now)
    with transaction.atomic():
        if request.status == RequestStatus.FILED:
            request_transition(actor=SYSTEM, request=request, to=RequestStatus.ACCEPTED)
        found = _exit_write(
            actor,
            request,
            guard=Q(approved_at__isnull=True),
            values={"approved_at": now, "approved_by": actor.username, "destination": hospital},
            kind=RequestEventKind.EXIT_APPROVED,
            reason=why,
        )
        task = transfer_request_medical(
            actor=actor,
            person=request.person,
            region=request.region,
            kind=TransferKind.MEDICAL_EXIT,
            pickup_address=request.household.address,
            destination=hospital,
            window_start=start,
            window_end=end,
            reason=why,
            source=f"exit:{request.code}",
        )
        MedicalExit.objects.filter(pk=found.pk).update(transfer_task=task.code)
        found.transfer_task = task.code
    return found


def exit_vehicle(
    *,
    actor: AnyActor,
    request: ResidentRequest,
    plate: str | None,
    driver: str | None,
    return_by: datetime | None,
    transfer_task: UUID | None = None,
) -> MedicalExit:
    """The dedicated vehicle of an approved exit (409 ``exit_step`` before approval): plate,
    driver and the return time (422 naming each). With the return time the return trip's
    closed-loop transfer task (hospital → home) is requested, due by the return time, opening
    the rule set's ``medical_request_hours`` before it (or now). ``transfer_task``: another
    outbound task to link instead of the one made at approval."""
    require_role(actor, VEHICLE_ROLES)
    _exit_of(request)
    errors: Errors = []
    plate_text = clean_text(plate, field="plate", max_length=20, errors=errors, required=True)
    driver_text = clean_text(driver, field="driver", max_length=60, errors=errors, required=True)
    now = timezone.now()
    if return_by is None or return_by <= now:
        errors.append(field_error("return_by", "invalid", _("Give a time in the future.")))
    refuse_if(errors, _("No vehicle was assigned."))
    assert return_by is not None
    with transaction.atomic():
        values: dict[str, object] = {
            "vehicle_plate": plate_text,
            "driver": driver_text,
            "vehicle_at": now,
            "return_by": return_by,
        }
        if transfer_task is not None:
            values["transfer_task"] = transfer_task
        found = _exit_write(
            actor,
            request,
            guard=Q(approved_at__isnull=False, vehicle_at__isnull=True),
            values=values,
            kind=RequestEventKind.VEHICLE,
        )
        if request.person is not None and found.destination:
            hours = rules_for_path(request.region.path, timezone.localdate()).parameters.community
            task = transfer_request_medical(
                actor=actor,
                person=request.person,
                region=request.region,
                kind=TransferKind.MEDICAL_RETURN,
                pickup_address=found.destination,
                destination=request.household.address,
                window_start=max(now, return_by - timedelta(hours=hours.medical_request_hours)),
                window_end=return_by,
                reason=_("Medical exit: back home"),
                source=f"exit:{request.code}",
            )
            MedicalExit.objects.filter(pk=found.pk).update(return_task=task.code)
            found.return_task = task.code
    return found


def exit_return(*, actor: AnyActor, request: ResidentRequest) -> MedicalExit:
    """The patient is back home (after the vehicle; once)."""
    require_role(actor, VEHICLE_ROLES)
    _exit_of(request, (RequestStatus.ACCEPTED, RequestStatus.DONE))
    return _exit_write(
        actor,
        request,
        guard=Q(vehicle_at__isnull=False, returned_at__isnull=True),
        values={"returned_at": timezone.now()},
        kind=RequestEventKind.RETURNED,
    )


def requests_escalate(now: datetime | None = None) -> int:
    """Escalate every overdue open request one level, again after each
    ``community.escalate_every_minutes`` of the rules at its node (the periodic job).

    1. The nodes holding overdue open requests (one query, a small set).
    2. Per node, the rules in force and one conditional UPDATE: open, past the deadline, never
       escalated or last escalated at least the step ago.
    3. The escalated rows get an ``escalated`` history row each (bulk). Returns the count.
    """
    now = now or timezone.now()
    overdue = ResidentRequest.objects.filter(status__in=OPEN_STATUSES, deadline__lt=now)
    labels: dict[int, str] = {}

    def claim(node: tuple[int, str]) -> list[int]:
        region_id, path = node
        rules = rules_for_path(path, timezone.localdate())
        labels[region_id] = rules.label
        step = rules.parameters.community.escalate_every_minutes
        due = overdue.filter(region_id=region_id).filter(
            Q(escalated_at__isnull=True) | Q(escalated_at__lte=now - timedelta(minutes=step))
        )
        ids = list(due.select_for_update().values_list("pk", flat=True))
        if ids:
            ResidentRequest.objects.filter(pk__in=ids).update(
                escalation=F("escalation") + 1, escalated_at=now
            )
        return ids

    def record(node: tuple[int, str], ids: list[int]) -> None:
        region_id = node[0]
        RequestEvent.objects.bulk_create(
            [
                request_event_new(
                    request=request,
                    kind=RequestEventKind.ESCALATED,
                    actor=SYSTEM,
                    to_value=str(request.escalation),
                )
                for request in ResidentRequest.objects.filter(pk__in=ids).only(
                    "pk", "escalation", "rule_set"
                )
            ]
        )
        audit_record(
            actor=SYSTEM,
            action="requests_escalate",
            object_type="region",
            object_id=region_id,
            fields=["escalation", "escalated_at"],
            rule_set=labels[region_id],
            extra={"requests": len(ids)},
        )

    nodes = list(overdue.values_list("region_id", "region__path").distinct())
    return escalate_overdue(nodes, claim=claim, record=record)


def resident_link_issue(*, actor: AnyActor, household: Household) -> str:
    """A personal link token for ``household`` (the page's URL carries it): a fresh random
    key, signed with its issue time; opens for :data:`LINK_MAX_AGE`. Earlier links of the
    household are revoked."""
    require_role(actor, REQUEST_ROLES)
    require_in_scope(actor, household.region)
    with transaction.atomic():
        ResidentLink.objects.filter(household=household, revoked=False).update(revoked=True)
        link = ResidentLink.objects.create(
            household=household, issued_at=timezone.now(), issued_by=actor.username
        )
        audit_record(
            actor=actor,
            action="resident_link_issue",
            object_type="household",
            object_id=household.code,
            fields=["resident_link"],
        )
    return signing.dumps(link.key.hex, salt=LINK_SALT)
