"""Requesting transfer tasks (issue 20 §4): one for an order, a batch for the orders of an
allocation (``transfers_create_for_orders``), the transfer home at release and the transfer to
hospital after an abnormal check (R24). Idempotent: at most one task of a kind under way per
order. Windows of generated tasks come from the rule set's ``transfers`` section at the
order's node; a task records the rule set it was made under.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

import fangkong.core.lookups  # noqa: F401 - registers ``__ids_in`` (one array parameter)
from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.core.bulk import objects_insert, rows_insert
from fangkong.core.errors import Conflict, field_error
from fangkong.isolation.checks import Errors, raise_if, require_role, text
from fangkong.isolation.choices import (
    FacilityKind,
    FacilityStatus,
    OrderStatus,
    TransferEventKind,
    TransferKind,
    TransferStatus,
)
from fangkong.isolation.models import (
    ACTIVE_STATUSES,
    Facility,
    IsolationOrder,
    TransferEvent,
    TransferTask,
)
from fangkong.isolation.roles import (
    ALLOCATE_ROLES,
    MEDICAL_TRANSFER_ROLES,
    TRANSFER_REQUEST_ROLES,
)
from fangkong.isolation.transfers.events import transfer_event_new, transfer_event_row
from fangkong.people.models import Person
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for, rules_for_path
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

#: Kinds an order needs once: a delivered one counts as done (the person is at the site, or
#: home after release), so a second request finds it.
ONCE_KINDS = (TransferKind.TO_SITE, TransferKind.HOME)
#: At most this many orders per bulk creation.
BULK_MAX = 5_000
#: The fields a request's audit row names.
TASK_FIELDS = ("order", "kind", "pickup_address", "destination", "window")
#: Path depth of a district (province.city.district): where a hospital is looked for.
DISTRICT_DEPTH = 3

# ----------------------------------------------------------------------------- requesting


@dataclass
class TransferReport:
    """What a (bulk) creation did: tasks created now and tasks found already (under way, or
    delivered for a kind an order needs once: a retried call creates nothing), in the order
    the orders were given."""

    created: list[TransferTask] = field(default_factory=list)
    existing: list[TransferTask] = field(default_factory=list)

    @property
    def tasks(self) -> list[TransferTask]:
        return self.created + self.existing


@dataclass(frozen=True)
class TransferPlan:
    """One task to create: the order (by id and code, its person and node), kind, addresses
    and window, under the rule set ``rule_set``."""

    order_id: int
    order_code: str
    person_id: int
    region_id: int
    kind: str
    pickup_address: str
    destination: str
    destination_facility_id: int | None
    window_start: datetime
    window_end: datetime
    rule_set: str
    reason: str


def _plan(
    order: IsolationOrder,
    *,
    kind: str,
    pickup_address: str,
    destination: str,
    destination_facility: Facility | None,
    window_start: datetime,
    window_end: datetime,
    rules: EffectiveRules,
    reason: str,
) -> TransferPlan:
    """The plan of one task for a loaded order (the single requests)."""
    return TransferPlan(
        order_id=order.pk,
        order_code=str(order.code),
        person_id=order.person_id,
        region_id=order.region_id,
        kind=kind,
        pickup_address=pickup_address,
        destination=destination,
        destination_facility_id=destination_facility.pk if destination_facility else None,
        window_start=window_start,
        window_end=window_end,
        rule_set=rules.label,
        reason=reason,
    )


def _home_address(order: IsolationOrder) -> str:
    household = order.person.household
    if household is not None and household.address:
        return household.address[:255]
    return order.person.region.name[:255]


def _site_address(order: IsolationOrder) -> tuple[str, Facility | None]:
    room = order.room
    if room is None:
        return "", None
    return f"{room.facility.address} · {room.number}"[:255], room.facility


def _loaded(orders: Sequence[IsolationOrder]) -> list[IsolationOrder]:
    """The orders again with what the addresses need, one query, in the given order."""
    found = IsolationOrder.objects.select_related(
        "person", "person__household", "person__region", "region", "room", "room__facility"
    ).in_bulk([order.pk for order in orders])
    return [found[order.pk] for order in orders]


def _store(actor: AnyActor, plans: Sequence[TransferPlan]) -> TransferReport:
    """Create the tasks of ``plans`` (one per order and kind under way): the tasks, their
    ``requested`` history rows and their audit rows (the chained bulk path,
    ``audit_record_many``), each written at once (``COPY`` on PostgreSQL, ids drawn from the
    sequence; ``core.bulk``), a constant number of statements. An order that has a task of
    that kind under way keeps it (``existing``)."""
    report = TransferReport()
    with transaction.atomic():
        under_way = {
            (task.order_id, task.kind): task
            for task in TransferTask.objects.filter(
                Q(status__in=[s.value for s in ACTIVE_STATUSES])
                | Q(status=TransferStatus.DELIVERED, kind__in=ONCE_KINDS),
                order__id__ids_in=[plan.order_id for plan in plans],
            ).order_by("status", "id")
        }
        now = timezone.now()
        fresh: list[tuple[TransferTask, TransferPlan]] = []
        seen: set[tuple[int, str]] = set()
        for plan in plans:
            key = (plan.order_id, plan.kind)
            if key in under_way:
                report.existing.append(under_way[key])
                continue
            if key in seen:
                continue
            seen.add(key)
            task = TransferTask(
                person_id=plan.person_id,
                order_id=plan.order_id,
                region_id=plan.region_id,
                kind=plan.kind,
                pickup_address=plan.pickup_address,
                destination=plan.destination,
                destination_facility_id=plan.destination_facility_id,
                window_start=plan.window_start,
                window_end=plan.window_end,
                reason=plan.reason,
                rule_set=plan.rule_set,
                requested_by=actor.username,
                created_at=now,
                updated_at=now,
            )
            fresh.append((task, plan))
        if not fresh:
            return report
        objects_insert([task for task, _plan in fresh])
        rows_insert(
            TransferEvent,
            [
                transfer_event_row(
                    task=task,
                    kind=TransferEventKind.REQUESTED,
                    actor=actor,
                    at=now,
                    reason=plan.reason,
                    rule_set=plan.rule_set,
                    to_value=TransferStatus.REQUESTED,
                    detail={"order": plan.order_code, "kind": plan.kind},
                )
                for task, plan in fresh
            ],
        )
        audit_record_many(
            [
                AuditSpec(
                    actor=actor,
                    action="transfer_request",
                    object_type="transfer_task",
                    object_id=task.code,
                    fields=TASK_FIELDS,
                    reason=plan.reason,
                    rule_set=plan.rule_set,
                )
                for task, plan in fresh
            ]
        )
        report.created = [task for task, _plan in fresh]
    return report


def _store_once(actor: AnyActor, plans: Sequence[TransferPlan]) -> TransferReport:
    """:func:`_store`; when a concurrent call created one of the tasks first, the unique
    constraint fails, the batch is rolled back and computed again (once)."""
    try:
        return _store(actor, plans)
    except IntegrityError:
        return _store(actor, plans)


MEDICAL_KINDS = (TransferKind.MEDICAL_EXIT, TransferKind.MEDICAL_RETURN)


def transfer_request_medical(
    *,
    actor: AnyActor,
    person: Person,
    region: Region,
    kind: str,
    pickup_address: str,
    destination: str,
    window_start: datetime,
    window_end: datetime,
    reason: str,
    source: str,
) -> TransferTask:
    """The closed-loop transfer of a medical exit from a closed compound (R28): ``person``
    from ``pickup_address`` to ``destination`` (the hospital; the other way for the return)
    within the window, seen at ``region`` (the household's node). No isolation order: the
    task is keyed by ``source`` (``exit:<request code>``) and ``kind``, so a retried request
    (or two racing) answers the first task and creates nothing."""
    require_role(actor, MEDICAL_TRANSFER_ROLES)
    errors: Errors = []
    if kind not in MEDICAL_KINDS:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    pickup = text(pickup_address, field="pickup_address", max_length=255, errors=errors)
    goal = text(destination, field="destination", max_length=255, errors=errors)
    why = text(reason, field="reason", max_length=255, errors=errors)
    if window_end <= window_start:
        errors.append(
            field_error("window_end", "window_order", _("The window must end after it starts."))
        )
    raise_if(errors, _("No transfer task was created."))
    existing = TransferTask.objects.filter(source=source, kind=kind).first()
    if existing is not None:
        return existing
    rules = rules_for(region, timezone.localdate())
    try:
        with transaction.atomic():
            task = TransferTask.objects.create(
                person=person,
                order=None,
                region=region,
                kind=kind,
                source=source,
                pickup_address=pickup,
                destination=goal,
                window_start=window_start,
                window_end=window_end,
                reason=why,
                rule_set=rules.label,
                requested_by=actor.username,
            )
            transfer_event_new(
                task=task,
                kind=TransferEventKind.REQUESTED,
                actor=actor,
                reason=why,
                rule_set=rules.label,
                to_value=TransferStatus.REQUESTED,
                detail={"source": source, "kind": kind},
            ).save()
            audit_record_many(
                [
                    AuditSpec(
                        actor=actor,
                        action="transfer_request",
                        object_type="transfer_task",
                        object_id=task.code,
                        fields=["source", "kind", "pickup_address", "destination", "window"],
                        reason=why,
                        rule_set=rules.label,
                    )
                ]
            )
    except IntegrityError:
        return TransferTask.objects.get(source=source, kind=kind)
    return task


def transfer_states(codes: Sequence[object]) -> dict[object, TransferTask]:
    """The transfer tasks of ``codes`` (their vehicle and crew), by code: what a caller that
    linked a task (a community medical exit) shows of it. The caller checked its own scope."""
    tasks = TransferTask.objects.filter(code__in=[c for c in codes if c]).select_related(
        "vehicle", "crew"
    )
    return {task.code: task for task in tasks}


def transfers_create_for_orders(
    *, orders: Sequence[IsolationOrder], actor: AnyActor
) -> TransferReport:
    """Transfer tasks to the isolation site for a batch of orders that have a room (after
    allocation), idempotently: set-based, a constant number of statements.

    1. The role must be in ``TRANSFER_REQUEST_ROLES`` or ``ALLOCATE_ROLES`` (who allocated
       the rooms asks for the pickups in the same step); at most ``BULK_MAX`` orders; an
       order without a room or not open is refused, naming ``orders`` and its row.
    2. Pickup at the person's home address (the household's, else their node), destination
       the room's site; the window opens now and lasts the rule set's
       ``transfers.pickup_window_minutes`` at the order's node (looked up once per node).
    3. An order with a to-site task under way keeps it (``existing``).

    The orders are read again as plain columns in one query (their status and room as
    committed, the addresses), not as model instances: a batch of 5,000 would otherwise
    build 30,000 of them.
    """
    require_role(actor, TRANSFER_REQUEST_ROLES | ALLOCATE_ROLES)
    if len(orders) > BULK_MAX:
        raise_if(
            [
                field_error(
                    "orders", "too_many", _("At most %(count)d at once.") % {"count": BULK_MAX}
                )
            ],
            _("No transfer was requested."),
        )
    found = {
        row[0]: row
        for row in IsolationOrder.objects.filter(pk__ids_in=[order.pk for order in orders])
        .values_list(
            "pk",
            "code",
            "person_id",
            "region_id",
            "region__path",
            "status",
            "room_id",
            "room__number",
            "room__facility_id",
            "room__facility__address",
            "person__household__address",
            "person__region__name",
        )
        .iterator(chunk_size=BULK_MAX)
    }
    loaded = [found[order.pk] for order in orders]
    errors: Errors = [
        field_error("orders", "no_room", _("The order has no room."), row=row)
        for row, (_pk, _code, _p, _r, _path, status, room, *_rest) in enumerate(loaded, start=1)
        if room is None or status != OrderStatus.OPEN
    ]
    raise_if(errors, _("No transfer was requested."))
    today = timezone.localdate()
    in_force: dict[str, EffectiveRules] = {}
    now = timezone.now()
    reason = _("Central quarantine")
    plans = []
    for (
        pk,
        code,
        person,
        region,
        path,
        _status,
        _room,
        number,
        site,
        site_address,
        home,
        node,
    ) in loaded:
        rules = in_force.get(path)
        if rules is None:
            rules = in_force[path] = rules_for_path(path, today)
        plans.append(
            TransferPlan(
                order_id=pk,
                order_code=str(code),
                person_id=person,
                region_id=region,
                kind=TransferKind.TO_SITE,
                pickup_address=(home or node)[:255],
                destination=f"{site_address} · {number}"[:255],
                destination_facility_id=site,
                window_start=now,
                window_end=now
                + timedelta(minutes=rules.parameters.transfers.pickup_window_minutes),
                rule_set=rules.label,
                reason=reason,
            )
        )
    return _store_once(actor, plans)


def transfer_home_at_release(*, order: IsolationOrder, actor: AnyActor) -> TransferTask | None:
    """The closed-loop transfer home (点对点) of a released central-quarantine order: from the
    room's site to the home address, in the rule set's ``transfers.pickup_window_minutes``
    from now. Called by ``order_release`` in its transaction (its actor released the order);
    ``None`` for an order without a room. Idempotent."""
    (loaded,) = _loaded([order])
    if loaded.room_id is None:
        return None
    in_force = rules_for(loaded.region, timezone.localdate())
    pickup, _facility = _site_address(loaded)
    now = timezone.now()
    report = _store_once(
        actor,
        [
            _plan(
                loaded,
                kind=TransferKind.HOME,
                pickup_address=pickup,
                destination=_home_address(loaded),
                destination_facility=None,
                window_start=now,
                window_end=now
                + timedelta(minutes=in_force.parameters.transfers.pickup_window_minutes),
                rules=in_force,
                reason=_("Released"),
            )
        ],
    )
    return report.tasks[0]


def _hospital_for(order: IsolationOrder) -> Facility | None:
    """An active designated or Fangcang hospital in the order's district, by name."""
    district = ".".join(order.region.path.split(".")[:DISTRICT_DEPTH])
    return (
        Facility.objects.filter(
            in_subtree(district, field="region__path"),
            kind__in=[FacilityKind.DESIGNATED_HOSPITAL, FacilityKind.FANGCANG],
            status=FacilityStatus.ACTIVE,
        )
        .order_by("kind", "name", "id")
        .first()
    )


def transfer_to_hospital(*, order: IsolationOrder, actor: AnyActor, reason: str) -> TransferTask:
    """A transfer to hospital after an abnormal check (R24): from the room (or home) to an
    active designated or Fangcang hospital of the order's district (the dispatcher names one
    at assignment when there is none), in the rule set's
    ``transfers.urgent_pickup_window_minutes``. Idempotent: a hospital transfer under way is
    returned."""
    (loaded,) = _loaded([order])
    in_force = rules_for(loaded.region, timezone.localdate())
    site, _facility = _site_address(loaded)
    hospital = _hospital_for(loaded)
    now = timezone.now()
    report = _store_once(
        actor,
        [
            _plan(
                loaded,
                kind=TransferKind.TO_HOSPITAL,
                pickup_address=site or _home_address(loaded),
                destination=hospital.address[:255] if hospital else _("Hospital to be named"),
                destination_facility=hospital,
                window_start=now,
                window_end=now
                + timedelta(minutes=in_force.parameters.transfers.urgent_pickup_window_minutes),
                rules=in_force,
                reason=reason,
            )
        ],
    )
    return report.tasks[0]


def transfer_request(
    *,
    actor: AnyActor,
    order: IsolationOrder,
    kind: str,
    pickup_address: str,
    destination: str,
    window_start: datetime,
    window_end: datetime,
    reason: str,
    destination_facility: Facility | None = None,
) -> TransferTask:
    """Request one transfer for an order (accessed by the caller), e.g. between levels of
    care. ``ValidationFailed`` names ``kind``, ``pickup_address``, ``destination`` (text
    policy, 255), ``window_end`` (not after the start, or over a day long) and ``reason``.
    A task of that kind under way for the order is returned instead (idempotent)."""
    require_role(actor, TRANSFER_REQUEST_ROLES)
    errors: Errors = []
    if kind not in TransferKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    pickup = text(pickup_address, field="pickup_address", max_length=255, errors=errors,
                  required=True)  # fmt: skip
    to = text(destination, field="destination", max_length=255, errors=errors, required=True)
    why = text(reason, field="reason", max_length=255, errors=errors, required=True)
    if window_end <= window_start:
        errors.append(field_error("window_end", "before_start", _("The end is before the start.")))
    elif window_end - window_start > timedelta(days=1):
        errors.append(field_error("window_end", "too_long", _("At most a day long.")))
    raise_if(errors, _("No transfer was requested."))
    if order.status != OrderStatus.OPEN and kind != TransferKind.HOME:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    (loaded,) = _loaded([order])
    report = _store_once(
        actor,
        [
            _plan(
                loaded,
                kind=kind,
                pickup_address=pickup,
                destination=to,
                destination_facility=destination_facility,
                window_start=window_start,
                window_end=window_end,
                rules=rules_for(loaded.region, timezone.localdate()),
                reason=why,
            )
        ],
    )
    return report.tasks[0]
