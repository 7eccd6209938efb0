"""What an actor is shown of an isolation order and its person, and the access rows those
reads write: the one place for the API, the pages and any export.

Every function here that hands out an order's person (code and name) writes one access row
(purpose: care) naming every person shown; callers have already checked that the actor may
see the orders (``access_order``, ``selectors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.choices import OrderKind, OrderStatus, OrderTestStatus
from fangkong.isolation.models import IsolationOrder, OrderTestTask
from fangkong.isolation.orders.lab_tests import place_of
from fangkong.lab.choices import RetestStatus, SamplingPlace

PURPOSE = "care"


@dataclass(frozen=True)
class TestRow:
    phase: str
    day: int
    on: date
    double_sampling: bool
    swab_site: str
    status: str
    status_label: str
    rule_set: str
    #: Where it is sampled: ``site`` (central phase) or ``home``.
    place: str
    place_label: str
    #: The lab task's state while the test has no result (``open``: to sample, ``sampled``,
    #: ``closed``), empty once resulted or without a lab task.
    lab_state: str
    lab_state_label: str
    tube: str
    resulted_at: datetime | None
    #: ``lab`` (from the lab's tube) or ``manual`` (entered by hand: an outside lab).
    result_source: str


@dataclass(frozen=True)
class DueTestRow:
    """A plan test due today (or overdue) of an open order, with its person and room."""

    order_code: UUID
    person_code: UUID
    person_name: str
    facility_name: str
    room_number: str
    test: TestRow


@dataclass(frozen=True)
class OrderRow:
    code: UUID
    person_code: UUID
    person_name: str
    region_name: str
    kind: str
    kind_label: str
    group: str
    status: str
    status_label: str
    day0: date
    central_until: date | None
    release_on: date
    rule_set: str
    issued_by: str
    issued_at: datetime
    reason: str
    facility_name: str
    room_number: str


@dataclass(frozen=True)
class OrderCard:
    order: OrderRow
    tests: list[TestRow]


def _log(actor: AnyActor, action: str, codes: Sequence[UUID]) -> None:
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action=action,
        subject_type="person",
        subject_ids=sorted({str(code) for code in codes}),
    )


def _row(order: IsolationOrder) -> OrderRow:
    room = order.room
    return OrderRow(
        code=order.code,
        person_code=order.person.code,
        person_name=order.person.name,
        region_name=order.region.name,
        kind=order.kind,
        kind_label=str(OrderKind(order.kind).label),
        group=order.group,
        status=order.status,
        status_label=str(OrderStatus(order.status).label),
        day0=order.day0,
        central_until=order.central_until,
        release_on=order.release_on,
        rule_set=order.rule_set,
        issued_by=order.issued_by,
        issued_at=order.issued_at,
        reason=order.reason,
        facility_name=room.facility.name if room is not None else "",
        room_number=room.number if room is not None else "",
    )


def order_rows(actor: AnyActor, orders: Sequence[IsolationOrder]) -> list[OrderRow]:
    """Rows of a list of orders (persons, nodes and rooms loaded by the caller's selector);
    one access row for the persons shown."""
    rows = [_row(order) for order in orders]
    _log(actor, "order_list", [row.person_code for row in rows])
    return rows


def _tube(task: OrderTestTask) -> str:
    """The barcode of the test's tube: the resulted one, or the one sampled for its lab task."""
    if task.tube is not None:
        return task.tube.barcode
    lab = task.lab_task
    if lab is not None and lab.retest_tube is not None:
        return lab.retest_tube.barcode
    return ""


def _test_row(task: OrderTestTask) -> TestRow:
    """Needs ``lab_task__retest_tube`` and ``tube`` loaded (``order_tests``, ``tests_due``)
    to cost no query."""
    place = place_of(task.phase)
    lab = task.lab_task
    lab_state = lab.status if lab is not None and task.status == OrderTestStatus.SCHEDULED else ""
    return TestRow(
        phase=task.phase,
        day=task.day,
        on=task.on,
        double_sampling=task.double_sampling,
        swab_site=task.swab_site,
        status=task.status,
        status_label=str(OrderTestStatus(task.status).label),
        rule_set=task.rule_set,
        place=place,
        place_label=str(SamplingPlace(place).label),
        lab_state=lab_state,
        lab_state_label=str(RetestStatus(lab_state).label) if lab_state else "",
        tube=_tube(task),
        resulted_at=task.resulted_at,
        result_source=task.result_source,
    )


def due_test_rows(actor: AnyActor, tests: Sequence[OrderTestTask]) -> list[DueTestRow]:
    """Rows of the plan tests due (``orders.selectors.tests_due``: orders, persons, rooms,
    lab tasks and tubes loaded); one access row for the persons shown."""
    rows = [
        DueTestRow(
            order_code=task.order.code,
            person_code=task.order.person.code,
            person_name=task.order.person.name,
            facility_name=task.order.room.facility.name if task.order.room is not None else "",
            room_number=task.order.room.number if task.order.room is not None else "",
            test=_test_row(task),
        )
        for task in tests
    ]
    _log(actor, "tests_due", [row.person_code for row in rows])
    return rows


def order_card(actor: AnyActor, order: IsolationOrder, tests: Sequence[OrderTestTask]) -> OrderCard:
    """One order with its plan's test tasks; one access row for its person."""
    card = OrderCard(order=_row(order), tests=[_test_row(task) for task in tests])
    _log(actor, "order_view", [card.order.person_code])
    return card


def order_card_tests(tests: Sequence[OrderTestTask]) -> list[TestRow]:
    """The plan tests of the order a resident's own link opened (the page logs its read)."""
    return [_test_row(task) for task in tests]
