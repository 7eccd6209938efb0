"""What an actor (or the resident) is shown of health checks and of the persons under
monitoring, and the access rows those reads write: the one place for the API and the pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.choices import CheckSource, Symptom
from fangkong.isolation.models import HealthCheck, IsolationOrder
from fangkong.isolation.monitoring.selectors import SlotState, slot_states
from fangkong.policy.schema import Monitoring

PURPOSE = "care"


@dataclass(frozen=True)
class CheckRow:
    code: UUID
    on: date
    slot: int
    taken_at: datetime
    temperature: Decimal
    symptoms: list[str]
    symptom_labels: list[str]
    source: str
    source_label: str
    fever: bool
    abnormal: bool
    rule_set: str


@dataclass(frozen=True)
class TodayRow:
    order_code: UUID
    person_code: UUID
    person_name: str
    facility_name: str
    room_number: str
    slots: list[SlotState]

    @property
    def missing(self) -> int:
        return sum(1 for slot in self.slots if slot.missing)


def check_row(check: HealthCheck) -> CheckRow:
    """One check as shown (no person in it: the caller shows the order)."""
    return CheckRow(
        code=check.code,
        on=check.on,
        slot=check.slot,
        taken_at=check.taken_at,
        temperature=check.temperature,
        symptoms=list(check.symptoms),
        symptom_labels=[str(Symptom(s).label) for s in check.symptoms if s in Symptom.values],
        source=check.source,
        source_label=str(CheckSource(check.source).label),
        fever=check.fever,
        abnormal=check.abnormal,
        rule_set=check.rule_set,
    )


def check_rows(
    actor: AnyActor, order: IsolationOrder, checks: Sequence[HealthCheck]
) -> list[CheckRow]:
    """An order's checks; one access row for its person."""
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="checks_view",
        subject_type="person",
        subject_ids=[str(order.person.code)],
    )
    return [check_row(check) for check in checks]


def today_rows(
    actor: AnyActor,
    orders: Sequence[IsolationOrder],
    monitoring: Monitoring,
    on: date,
    now: datetime,
) -> list[TodayRow]:
    """Rows of "today's checks" from ``selectors.checks_today_orders``; one access row for the
    persons shown."""
    rows = [
        TodayRow(
            order_code=order.code,
            person_code=order.person.code,
            person_name=order.person.name,
            facility_name=order.room.facility.name if order.room is not None else "",
            room_number=order.room.number if order.room is not None else "",
            slots=slot_states(order, monitoring, on, now),
        )
        for order in orders
    ]
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="checks_today",
        subject_type="person",
        subject_ids=sorted({str(row.person_code) for row in rows}),
    )
    return rows
