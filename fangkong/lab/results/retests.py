"""Re-test tasks (R11, R16): a single-tube PCR task for each member of a pooled-positive or
invalid screening tube, and for each antigen result that needs PCR.

A member's first task is *derived*: it is open while the member's screening binding reads
held (pooled positive) or to re-sample (invalid tube) and no ``RetestTask`` row names that
tube and person. A result therefore writes nothing per member beyond the outcome it writes
anyway: a Shanghai day's pooled positives are 322,001 tasks, and a row with its foreign keys
and indexes cost about 30 µs, more than the rest of the follow-up together.

The row is written when the task is acted upon (:func:`open_retest_tasks_locked`: a re-test
tube bound for the person, an antigen result that reuses the task), under a code derived from
the tube and the person (:func:`derived_code`). The code shown while the task was derived
stays its code, and two writers racing for one task write it once (the code is unique).
Every reader of tasks goes through this module, so the two kinds read as one.

Each sending tube counts its derived tasks (``Tube.retests_open``): its members when the result
comes, one less for each row written here, by the rows the insert returns, so two writers
count each row once. Derived tasks are read from the tubes above 0 only (a partial index): a
round whose follow-up is done costs later lists nothing, where reading every pooled-positive
tube's members since the first round grew with each round.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.bulk import db_datetime
from fangkong.core.lookups import sql_in
from fangkong.core.paging import COUNT_CAP, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, list_total
from fangkong.lab.choices import MemberOutcome, RetestReason, RetestStatus, TubeResult
from fangkong.lab.models import Binding, RetestTask, ScreeningRound, Tube
from fangkong.people.models import Person
from fangkong.regions.selectors import region_scope
from fangkong.regions.subtree import in_subtree

#: The namespace of derived task codes (``uuid5`` of "tube id/person id").
TASK_NAMESPACE = uuid.UUID("6f1c2b1e-5d0a-4d52-9a47-2a4f3e8c9b10")

#: A member's outcome that opens a derived task, and the task's reason.
DERIVED_REASON = {
    MemberOutcome.HELD: RetestReason.POOLED_POSITIVE,
    MemberOutcome.RETEST: RetestReason.INVALID,
}
#: The results that send a screening tube's members to a single-tube re-test.
SENDING_RESULTS = (TubeResult.POOLED_POSITIVE, TubeResult.INVALID)
#: Task rows written by one statement (9 parameters each: within SQLite's 32,766).
MATERIALISE_ROWS = 1000


def derived_code(tube_id: int, person_id: int) -> uuid.UUID:
    """The code of the task that ``tube`` opened for ``person``, derived or written."""
    return uuid.uuid5(TASK_NAMESPACE, f"{tube_id}/{person_id}")


def derived_bindings() -> QuerySet[Binding]:
    """Screening bindings whose member has a derived (open, unwritten) task: members held or to
    re-sample in a tube that still counts open derived tasks (only pooled-positive and invalid
    screening tubes do), with no task row for the tube and the person. The planner starts from
    those few tubes (``lab_tube_retests_open``), not from the bindings."""
    written = RetestTask.objects.filter(
        source_tube_id=OuterRef("tube_id"), person_id=OuterRef("person_id")
    )
    return Binding.objects.filter(
        retest=False,
        tube__retests_open__gt=0,
        outcome__in=list(DERIVED_REASON),
    ).exclude(Exists(written))


def _derived_in_open_tubes(round_id: int | None = None) -> QuerySet[Binding]:
    """:func:`derived_bindings` of the tubes that count open derived tasks (of one round), the
    tubes read first by their partial index and given by id, so the members are read by tube
    whatever the planner's estimates: in the same statement, with a round's bindings just
    loaded and not yet analysed, it read every binding of the round (0.28 s at 1 M, after
    its follow-up was done)."""
    tubes = Tube.objects.filter(retests_open__gt=0)
    if round_id is not None:
        tubes = tubes.filter(round_id=round_id)
    return derived_bindings().filter(tube__id__ids_in=list(tubes.values_list("id", flat=True)))


def _as_task(binding: Binding) -> RetestTask:
    """A derived task as an (unsaved) ``RetestTask``, for reading; needs ``tube``, ``person``
    and ``region`` loaded."""
    tube = binding.tube
    opened = tube.reported_at
    assert opened is not None  # it has a result
    return RetestTask(
        code=derived_code(binding.tube_id, binding.person_id),
        person=binding.person,
        region=binding.region,
        source_tube=tube,
        reason=DERIVED_REASON[MemberOutcome(binding.outcome)],
        status=RetestStatus.OPEN,
        outcome="",
        rule_set=tube.rule_set,
        created_at=opened,
        updated_at=opened,
    )


def _newest_first(tasks: Iterable[RetestTask], limit: int) -> list[RetestTask]:
    def key(task: RetestTask) -> tuple[datetime, int]:
        return (task.created_at, task.pk or 0)

    return sorted(tasks, key=key, reverse=True)[:limit]


def person_retest_tasks(person: Person, *, limit: int = 200) -> list[RetestTask]:
    """``person``'s re-test tasks, written and derived, newest first (two queries)."""
    written = (
        RetestTask.objects.filter(person=person)
        .select_related("source_tube__round", "retest_tube")
        .order_by("-created_at", "-id")[:limit]
    )
    derived = (
        derived_bindings()
        .filter(person=person)
        .select_related("tube__round", "person", "region")
        .order_by("-tube__reported_at", "-id")[:limit]
    )
    return _newest_first([*written, *(_as_task(b) for b in derived)], limit)


def retest_tasks_in_scope(
    actor: AnyActor,
    *,
    status: str | None = None,
    screening_round: ScreeningRound | None = None,
    limit: int = 500,
) -> list[RetestTask]:
    """Re-test tasks of persons in the actor's subtree (samplers: that of their node), written
    and derived, newest first (five queries).

    Derived tasks are found from the tubes that count open ones (:func:`_derived_in_open_tubes`)
    and their members, picked by id before persons and nodes are joined to the ``limit``
    chosen, with the subtree's nodes given as a list: with a range on the node's path the
    planner took a city for three nodes and read every binding of each (22 s at 6 M
    residents, against 0.2 s). With ``screening_round``, only the tasks its tubes opened."""
    written, derived = _tasks_in_scope(actor, status=status, screening_round=screening_round)
    tasks = list(written.order_by("-created_at", "-id")[:limit])
    if derived is not None:
        chosen = derived.order_by("-tube__reported_at", "-tube_id", "-id")[:limit]
        bindings = Binding.objects.filter(id__in=list(chosen.values_list("id", flat=True)))
        tasks += [_as_task(b) for b in bindings.select_related("person", "region", "tube")]
    return _newest_first(tasks, limit)


def _tasks_in_scope(
    actor: AnyActor, *, status: str | None, screening_round: ScreeningRound | None
) -> tuple[QuerySet[RetestTask], QuerySet[Binding] | None]:
    """The written tasks and the bindings of the derived ones (None when ``status`` leaves
    them out) that :func:`retest_tasks_in_scope` lists."""
    # A quarantine plan's test shows from its day on (it cannot be sampled before).
    written = RetestTask.objects.select_related("person", "region", "source_tube").filter(
        Q(due_on__isnull=True) | Q(due_on__lte=timezone.localdate())
    )
    derived = _derived_in_open_tubes(screening_round.id if screening_round else None)
    if actor.region_path:
        written = written.filter(in_subtree(actor.region_path, field="region__path"))
        nodes = region_scope(actor).values_list("id", flat=True)
        derived = derived.filter(region_id__in=list(nodes))
    if screening_round is not None:
        written = written.filter(source_tube__round=screening_round)
    if status:
        written = written.filter(status=status)
    return written, (derived if status in (None, RetestStatus.OPEN) else None)


def retest_task_page(
    actor: AnyActor,
    *,
    status: str | None = None,
    screening_round: ScreeningRound | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[RetestTask]:
    """One page of :func:`retest_tasks_in_scope`'s list, in its order (newest first, a
    written task before a derived one opened at the same time), with the list's total.

    The two kinds are merged by the database (a ``UNION ALL`` of their keys, ordered and
    sliced there), so a deep page reads no more rows into Python than a first one; the page's
    tasks are then loaded by id, and the total is the two kinds' bounded counts."""
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    start = (page - 1) * page_size
    written, derived = _tasks_in_scope(actor, status=status, screening_round=screening_round)
    keys = (
        written.order_by()
        .annotate(at=F("created_at"), kind=Value(1))
        .values_list("at", "kind", "id")
    )
    if derived is not None:
        derived_keys = (
            derived.order_by()
            .annotate(at=F("tube__reported_at"), kind=Value(0))
            .values_list("at", "kind", "id")
        )
        keys = keys.union(derived_keys, all=True)
    chosen = list(keys.order_by("-at", "-kind", "-id")[start : start + page_size + 1])
    has_next = len(chosen) > page_size
    chosen = chosen[:page_size]
    by_written = {
        task.id: task for task in written.filter(id__in=[i for _, k, i in chosen if k == 1])
    }
    by_derived = {
        binding.id: _as_task(binding)
        for binding in Binding.objects.filter(
            id__in=[i for _, k, i in chosen if k == 0]
        ).select_related("person", "region", "tube")
    }
    items = [by_written[i] if k == 1 else by_derived[i] for _, k, i in chosen]
    total = list_total(written, start=start, rows=len(chosen), has_next=has_next)
    if derived is not None:
        total += list_total(derived, start=start, rows=len(chosen), has_next=has_next)
    return Page(
        items=items,
        page=page,
        page_size=page_size,
        has_next=has_next,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


def open_by_tube(tube_ids: Iterable[int]) -> dict[int, int]:
    """Derived tasks per source tube among ``tube_ids`` (one query)."""
    rows = (
        derived_bindings()
        .filter(tube_id__in=list(tube_ids))
        .values("tube_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["tube_id"]: row["n"] for row in rows}


def round_retest_tasks(round_id: int) -> tuple[int, int]:
    """The round's re-test tasks, written and derived: how many, and the sum of their persons'
    ids (for comparing sets of people by count and checksum; three queries)."""
    derived = _derived_in_open_tubes(round_id).aggregate(n=Count("id"), s=Sum("person_id"))
    written = RetestTask.objects.filter(source_tube__round_id=round_id).aggregate(
        n=Count("id"), s=Sum("person_id")
    )
    return (
        derived["n"] + written["n"],
        (derived["s"] or 0) + (written["s"] or 0),
    )


def retest_tasks_materialise(people: set[int]) -> int:
    """Write the derived tasks of ``people`` as rows (before they are acted upon), each under
    its derived code; a row another writer has just written is left as it is. Returns how many
    derived tasks were found."""
    if not people:
        return 0
    bindings = list(
        derived_bindings()
        .filter(person_id__in=people)
        .values_list(
            "tube_id", "person_id", "region_id", "outcome", "tube__rule_set", "tube__reported_at"
        )
        .order_by("tube_id", "person_id")  # two writers meet the same rows in the same order
    )
    if not bindings:
        return 0
    code_field = RetestTask._meta.get_field("code")
    rows: list[tuple[Any, ...]] = []
    for tube_id, person_id, region_id, outcome, rule_set, reported_at in bindings:
        assert reported_at is not None  # it has a result
        opened = db_datetime(reported_at)
        rows.append(
            (
                code_field.get_db_prep_value(derived_code(tube_id, person_id), connection),
                opened,
                opened,
                person_id,
                region_id,
                tube_id,
                DERIVED_REASON[MemberOutcome(outcome)],
                RetestStatus.OPEN,
                rule_set,
            )
        )
    written: Counter[int] = Counter()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), MATERIALISE_ROWS):
            chunk = rows[start : start + MATERIALISE_ROWS]
            values = ", ".join(["(%s, %s, %s, 1, %s, %s, %s, %s, %s, '', %s)"] * len(chunk))
            cursor.execute(
                "INSERT INTO lab_retesttask (code, created_at, updated_at, version, person_id, "  # noqa: S608 - placeholders
                f"region_id, source_tube_id, reason, status, outcome, rule_set) VALUES {values} "
                "ON CONFLICT (code) DO NOTHING RETURNING source_tube_id",
                [value for row in chunk for value in row],
            )
            written.update(tube_id for (tube_id,) in cursor.fetchall())
        if written:
            # One statement, so concurrent writers lock the tubes in the same (index) order.
            among, params = sql_in("id", sorted(written))
            cases = " ".join(["WHEN %s THEN %s"] * len(written))
            cursor.execute(
                f"UPDATE lab_tube SET retests_open = retests_open - CASE id {cases} END "  # noqa: S608 - placeholders
                f"WHERE {among}",
                [value for pair in sorted(written.items()) for value in pair] + params,
            )
    return len(rows)


def open_retest_tasks_locked(people: set[int]) -> dict[int, RetestTask]:
    """Each person's oldest open re-test task, written first if it was derived, locked until
    the transaction commits. A quarantine plan's test is taken from its day on, never before
    (``due_on``)."""
    retest_tasks_materialise(people)
    tasks: dict[int, RetestTask] = {}
    today = timezone.localdate()
    for task in (
        RetestTask.objects.select_for_update()
        .filter(person_id__in=people, status=RetestStatus.OPEN)
        .filter(Q(due_on__isnull=True) | Q(due_on__lte=today))
        .order_by("created_at", "id")
    ):
        tasks.setdefault(task.person_id, task)
    return tasks
