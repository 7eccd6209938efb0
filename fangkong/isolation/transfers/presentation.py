"""What an actor is shown of transfer tasks and their persons, and the access rows those reads
write: the one place for the API and the pages. Every function here that hands out a task's
person (code, name) or addresses writes one access row (purpose: care) naming the persons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.isolation.choices import TransferKind, TransferStatus
from fangkong.isolation.models import TransferTask

PURPOSE = "care"


@dataclass(frozen=True)
class TransferRow:
    code: UUID
    order_code: UUID | None
    person_code: UUID
    person_name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    pickup_address: str
    destination: str
    window_start: datetime
    window_end: datetime
    vehicle_plate: str
    crew_name: str
    reason: str
    rule_set: str
    cancelled_reason: str
    late: bool


def _row(task: TransferTask, now: datetime) -> TransferRow:
    return TransferRow(
        code=task.code,
        order_code=task.order.code if task.order is not None else None,
        person_code=task.person.code,
        person_name=task.person.name,
        kind=task.kind,
        kind_label=str(TransferKind(task.kind).label),
        status=task.status,
        status_label=str(TransferStatus(task.status).label),
        pickup_address=task.pickup_address,
        destination=task.destination,
        window_start=task.window_start,
        window_end=task.window_end,
        vehicle_plate=task.vehicle.plate if task.vehicle is not None else "",
        crew_name=task.crew.name if task.crew is not None else "",
        reason=task.reason,
        rule_set=task.rule_set,
        cancelled_reason=task.cancelled_reason,
        late=task.window_end < now
        and task.status in (TransferStatus.REQUESTED, TransferStatus.ASSIGNED),
    )


def transfer_rows(
    actor: AnyActor, tasks: Sequence[TransferTask], *, now: datetime
) -> list[TransferRow]:
    """Rows of tasks from ``selectors.transfer_list`` (persons, vehicles, crews and orders
    loaded); one access row for the persons shown."""
    rows = [_row(task, now) for task in tasks]
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="transfer_list",
        subject_type="person",
        subject_ids=sorted({str(row.person_code) for row in rows}),
    )
    return rows
