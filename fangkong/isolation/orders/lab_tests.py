"""An order's plan tests as test tasks of the person in ``lab``, and their results coming back
(issue 20 §2, §6).

Each scheduled test of a plan (``OrderTestTask``) becomes a single-tube PCR task of the person
in ``lab`` (``lab.obligations.services.person_test_tasks_open``: due on the test's day, at the
site for the central phase, at home otherwise), set-based for a bulk issue. A re-plan closes
the tasks of the tests it drops and opens the new plan's; a release closes what is left open.

The lab reports the result of such a task's tube through its registry
(``lab.findings.task_results_register``; registered in ``IsolationConfig.ready``, so ``lab``
imports nothing of ``isolation``): :func:`order_tests_from_lab` marks the plan test negative or
positive with the tube and the time, once — a result file applied twice changes nothing. A
positive tube is also a lab finding, which opens the person's suspected case in ``cases``
(``lab.findings``, the lab → case link) and blocks the release.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Case, Value, When
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.core.bulk import rows_insert
from fangkong.isolation.choices import (
    OrderEventKind,
    OrderTestStatus,
    ResultSource,
)
from fangkong.isolation.events import order_event_row
from fangkong.isolation.models import IsolationOrder, OrderEvent, OrderTestTask
from fangkong.lab.choices import RetestReason, SamplingPlace, TubeResult
from fangkong.lab.findings import TaskResult
from fangkong.lab.obligations.services import (
    PersonTestWanted,
    person_test_tasks_close,
    person_test_tasks_open,
)

#: The plan's phase sampled at the isolation site; every other phase is sampled at home.
CENTRAL_PHASE = "central"
#: What a lab tube's result makes of a plan test (an invalid tube: sampled again).
RESULT_STATUS = {
    TubeResult.NEGATIVE: OrderTestStatus.NEGATIVE,
    TubeResult.POSITIVE: OrderTestStatus.POSITIVE,
}


def place_of(phase: str) -> str:
    """Where a plan test of ``phase`` is sampled (``lab.choices.SamplingPlace``)."""
    return SamplingPlace.SITE if phase == CENTRAL_PHASE else SamplingPlace.HOME


def order_tests_to_lab(*, actor: AnyActor, order_ids: Iterable[int], reason: str) -> int:
    """Open a lab test task for each scheduled test of the orders ``order_ids`` that has none,
    and link it to the test: one read, one insert in ``lab``, one update. Returns how many.
    Called by the issue and re-plan services inside their transaction, after their checks."""
    tests = list(
        OrderTestTask.objects.filter(
            order_id__in=list(order_ids),
            status=OrderTestStatus.SCHEDULED,
            lab_task__isnull=True,
        )
        .order_by("order_id", "on", "id")
        .values_list("id", "order__person_id", "order__region_id", "on", "phase", "rule_set")
    )
    if not tests:
        return 0
    tasks = person_test_tasks_open(
        actor=actor,
        wanted=[
            PersonTestWanted(
                person_id=person_id,
                region_id=region_id,
                due_on=on,
                place=place_of(phase),
                rule_set=rule_set,
            )
            for _id, person_id, region_id, on, phase, rule_set in tests
        ],
        reason=reason,
    )
    _lab_tasks_link({test[0]: task.pk for test, task in zip(tests, tasks, strict=True)})
    return len(tasks)


def _lab_tasks_link(links: dict[int, int]) -> None:
    """Set each plan test's lab task (test id → task id): one statement on PostgreSQL, a
    ``CASE`` per 500 on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE isolation_ordertesttask t SET lab_task_id = p.task "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS p(id, task) WHERE t.id = p.id",
                [list(links), list(links.values())],
            )
        return
    pairs = list(links.items())
    for start in range(0, len(pairs), 500):
        chunk = dict(pairs[start : start + 500])
        OrderTestTask.objects.filter(pk__in=list(chunk)).update(
            lab_task_id=Case(*(When(pk=pk, then=Value(task)) for pk, task in chunk.items()))
        )


def order_lab_tasks_close(*, actor: AnyActor, tests: Sequence[int], reason: str) -> int:
    """Close in ``lab`` the open (unsampled) tasks of the plan tests ``tests`` (ids): the
    tests a re-plan dropped, or an order's tests at its release. A task sampled meanwhile
    keeps going; its result is not taken for a dropped test. Returns how many were closed."""
    task_ids = OrderTestTask.objects.filter(pk__in=list(tests), lab_task__isnull=False).values_list(
        "lab_task_id", flat=True
    )
    return person_test_tasks_close(actor=actor, task_ids=list(task_ids), reason=reason)


def order_tests_from_lab(results: list[TaskResult], actor: AnyActor) -> None:
    """The ``lab.findings`` task-result handler: each plan test whose lab task was resulted
    is marked negative or positive with its tube and result time (only while scheduled, so a
    result reported twice marks it once); an invalid tube links the test to the task the lab
    opened in its place. A ``test_result`` history row per marked test, one audit row per
    batch. Runs inside the lab write's transaction."""
    by_task = {r.task_id: r for r in results if r.reason == RetestReason.QUARANTINE}
    if not by_task:
        return
    tests = list(
        OrderTestTask.objects.select_for_update()
        .filter(lab_task_id__in=list(by_task), status=OrderTestStatus.SCHEDULED)
        .select_related("order")
        .order_by("id")
    )
    if not tests:
        return
    now = timezone.now()
    marked: dict[str, list[int]] = defaultdict(list)
    events: list[dict[str, Any]] = []
    relinked: list[OrderTestTask] = []
    orders: dict[int, IsolationOrder] = {}
    for test in tests:
        assert test.lab_task_id is not None
        result = by_task[test.lab_task_id]
        status = RESULT_STATUS.get(TubeResult(result.result))
        if status is None:
            if result.next_task_id is not None:
                test.lab_task_id = result.next_task_id
                relinked.append(test)
            continue
        marked[status].append(test.pk)
        OrderTestTask.objects.filter(pk=test.pk).update(
            status=status,
            tube_id=result.tube_id,
            resulted_at=result.reported_at or now,
            result_source=ResultSource.LAB,
        )
        orders[test.order_id] = test.order
        events.append(
            order_event_row(
                order=test.order,
                kind=OrderEventKind.TEST_RESULT,
                actor=actor,
                at=now,
                reason=f"lab result ({result.barcode})",
                rule_set=test.rule_set,
                from_value=OrderTestStatus.SCHEDULED,
                to_value=status,
                detail={
                    "phase": test.phase,
                    "day": test.day,
                    "tube": result.barcode,
                    "resulted_at": (result.reported_at or now).isoformat(),
                },
            )
        )
    if relinked:
        OrderTestTask.objects.bulk_update(relinked, ["lab_task"])
    if not events:
        return
    rows_insert(OrderEvent, events)
    audit_record_many(
        [
            AuditSpec(
                actor=actor,
                action="order_tests_from_lab",
                object_type="isolation_order",
                object_id=order.code,
                fields=("tests.status", "tests.tube", "tests.resulted_at"),
                reason="lab result",
                rule_set=order.rule_set,
            )
            for order in orders.values()
        ]
    )
