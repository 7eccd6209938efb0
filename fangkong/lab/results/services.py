"""Tube results and what follows from them (R11–R13): members negative, held in place or
positive, each member of a pooled positive with a single-tube re-test task (derived from
their outcome until it is acted upon: ``lab.results.retests``); notifications to the
testing working group, the emergency sampling squad and each member's community at once.

One set-based path serves a single result from the API and a file of thousands from a lab
upload: rows are checked first (every bad row reported, nothing written if any is bad), then
applied with one statement per kind of change over all of them (the rows joined as one
``unnest`` on PostgreSQL, a temporary table on SQLite), never a statement per tube or person.
The screening benchmark applies a Shanghai day's results through it, file by file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.core.bulk import db_datetime
from fangkong.core.errors import FangkongError, ValidationFailed, field_error
from fangkong.core.lookups import sql_in
from fangkong.lab.access import require_role
from fangkong.lab.choices import (
    MEMBER_OUTCOME,
    WRITTEN_OUTCOME_RESULTS,
    MemberOutcome,
    RetestReason,
    RetestStatus,
    TubeKind,
    TubeResult,
    TubeStatus,
)
from fangkong.lab.coverage.tallies import tube_tally_move
from fangkong.lab.events import TubeEventKind
from fangkong.lab.findings import REPORTED_REASONS, findings_from_results, task_results_report
from fangkong.lab.models import (
    Binding,
    Lab,
    RetestTask,
)
from fangkong.lab.results.notify import pooled_positives_notify
from fangkong.lab.results.retests import SENDING_RESULTS
from fangkong.lab.roles import LAB_ROLES
from fangkong.lab.sampling.codes import BARCODE_PATTERN, barcode_normalise

#: Tubes looked up per query, and named per audit row.
CHUNK = 1000
RESULT_STAGE = "lab_result_stage"
#: The rows of a call whose tubes' members are followed up (see ``_follow``).
FOLLOW_STAGE = "lab_result_follow"
#: From this many rows on, PostgreSQL gets the rows once by ``COPY`` into a temporary table
#: instead of as arrays in each statement.
STAGE_COPY_ROWS = 5000
RESULT_VALUES = frozenset(TubeResult.values)
MAX_CT = 50.0

#: What a re-test's result makes of the person's binding in the tube that sent them.
SOURCE_OUTCOME = {
    TubeResult.NEGATIVE: MemberOutcome.CLEARED,
    TubeResult.POSITIVE: MemberOutcome.POSITIVE,
}


@dataclass(frozen=True)
class ResultInput:
    """One reported tube; ``row`` is the 1-based line of an uploaded file."""

    barcode: str
    result: str
    ct_orf1ab: float | None = None
    ct_n: float | None = None
    tested_at: datetime | None = None
    row: int | None = None


@dataclass
class ResultReport:
    """Barcodes applied and unchanged (already reported the same), and what followed."""

    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retest_tasks: int = 0
    notifications: int = 0
    held: int = 0
    positives: int = 0


@dataclass(slots=True)
class _Found:
    """What checking and applying a result needs of its tube (a file holds 100,000: model
    instances would cost more than the statements)."""

    id: int
    barcode: str
    kind: str
    member_count: int
    result: str
    ct_orf1ab: float | None
    ct_n: float | None
    lab_id: int | None
    package_lab_id: int | None
    received: bool
    rule_set: str
    round_id: int
    point_id: int
    status: str


def _tubes_found(barcodes: set[str]) -> dict[str, _Found]:
    """The tubes under these barcodes: one query on PostgreSQL, one per ``CHUNK`` on SQLite."""
    found: dict[str, _Found] = {}
    ordered = sorted(barcodes)
    step = len(ordered) if connection.vendor == "postgresql" else CHUNK
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), max(step, 1)):
            condition, params = sql_in("t.barcode", ordered[start : start + step])
            cursor.execute(
                "SELECT t.id, t.barcode, t.kind, t.member_count, t.result, t.ct_orf1ab, t.ct_n, "  # noqa: S608 (placeholders only)
                "t.lab_id, p.lab_id, t.received_at IS NOT NULL, t.rule_set, t.round_id, "
                "t.point_id, t.status "
                f"FROM lab_tube t LEFT JOIN lab_package p ON p.id = t.package_id WHERE {condition}",
                params,
            )
            for row in cursor.fetchall():
                tube = _Found(*row)
                tube.received = bool(tube.received)  # SQLite answers 0 or 1
                found[tube.barcode] = tube
    return found


def _row_error(
    item: ResultInput, position: int, name: str, code: str, message: str
) -> dict[str, Any]:
    prefix = "" if item.row is not None else f"results[{position}]."
    return field_error(f"{prefix}{name}", code, message, row=item.row)


def _check(
    items: Sequence[ResultInput], tubes: dict[str, _Found], lab: Lab | None, now: datetime
) -> tuple[list[tuple[ResultInput, _Found]], list[str], list[dict[str, Any]]]:
    """Split rows into (row, tube) to apply, barcodes unchanged, and errors (all of them)."""
    errors: list[dict[str, Any]] = []
    apply: list[tuple[ResultInput, _Found]] = []
    unchanged: list[str] = []
    seen: dict[str, ResultInput] = {}
    for position, item in enumerate(items):

        def fail(name: str, code: str, message: str) -> None:
            errors.append(_row_error(item, position, name, code, message))  # noqa: B023

        barcode = item.barcode
        if not BARCODE_PATTERN.match(barcode):
            fail("barcode", "barcode_invalid", _("A barcode is 4–32 letters, digits or dashes."))
            continue
        if item.result not in RESULT_VALUES:
            fail("result", "invalid_choice", _("Unknown result value."))
            continue
        bad_ct = False
        for name in ("ct_orf1ab", "ct_n"):
            value = getattr(item, name)
            if value is not None and not 0 < value <= MAX_CT:
                fail(name, "ct_out_of_range", _("A Ct value lies between 0 and 50."))
                bad_ct = True
        if bad_ct:
            continue
        if item.tested_at is not None and timezone.is_naive(item.tested_at):
            fail("tested_at", "datetime_naive", _("Send the time with its UTC offset (+08:00)."))
            continue
        if item.tested_at is not None and item.tested_at > now + timedelta(minutes=10):
            fail("tested_at", "in_the_future", _("The test time is in the future."))
            continue
        earlier = seen.get(barcode)
        if earlier is not None:
            if (earlier.result, earlier.ct_orf1ab, earlier.ct_n) != (
                item.result,
                item.ct_orf1ab,
                item.ct_n,
            ):
                fail("barcode", "row_conflict", _("The same tube is reported twice, differently."))
            else:
                unchanged.append(barcode)
            continue
        seen[barcode] = item
        tube = tubes.get(barcode)
        # A tube sealed for this lab but not scanned in yet is the lab's: "not received".
        at_lab = tube is not None and (lab is None or lab.id in (tube.lab_id, tube.package_lab_id))
        if tube is None or not at_lab:
            fail("barcode", "tube_not_found", _("No such tube was received at this laboratory."))
            continue
        if not tube.received:
            fail("barcode", "tube_not_received", _("The tube has not been received yet."))
            continue
        if item.result == TubeResult.PENDING:
            unchanged.append(barcode)
            continue
        if item.result == TubeResult.POOLED_POSITIVE and tube.member_count < 2:
            fail(
                "result",
                "pooled_result_for_single_tube",
                _("A single-person tube is positive or negative, not pooled positive."),
            )
            continue
        if item.result == TubeResult.POSITIVE and tube.member_count > 1:
            fail(
                "result",
                "single_result_for_pool",
                _("A pooled tube cannot name its positive member; report it pooled positive."),
            )
            continue
        if tube.result != TubeResult.PENDING:
            if (tube.result, tube.ct_orf1ab, tube.ct_n) == (item.result, item.ct_orf1ab, item.ct_n):
                unchanged.append(barcode)
            else:
                fail(
                    "result",
                    "result_already_final",
                    _("This tube already has a different result (%(result)s).")
                    % {"result": TubeResult(tube.result).label},
                )
            continue
        apply.append((item, tube))
    return apply, unchanged, errors


def results_apply(
    *,
    actor: AnyActor,
    lab: Lab | None,
    rows: Sequence[ResultInput],
    source: str = "api",
) -> ResultReport:
    """Record tube results and run what follows, all or nothing.

    1. The actor must be a lab technician on ``lab``'s staff; every row is checked
       (``barcode_invalid``, ``invalid_choice``, ``ct_out_of_range``, ``in_the_future``,
       ``row_conflict``, ``tube_not_found`` — not received at this lab, the same answer as a
       missing tube —, ``tube_not_received``, ``pooled_result_for_single_tube``,
       ``single_result_for_pool``, ``result_already_final``). Any error: ``ValidationFailed``
       listing every one, nothing written.
    2. The same result again, or ``pending``, changes nothing (``unchanged``).
    3. One statement each for all rows: tube results (only where still pending, or
       ``result_race``); history rows; member outcomes (held, positive, to re-sample: a
       negative tube's members read negative through it), which opens a re-test task per
       member of a pooled-positive or invalid screening tube (``lab.results.retests``). Then re-test
       tubes close their tasks and clear (or confirm) the person in the tube that sent them;
       notifications for each pooled positive to the working group, the emergency squad and
       each member community, with the latency from the report; an alert when that latency
       is over the rule set's target (R12); one audit row per ``CHUNK`` tubes.
    """
    require_role(actor, LAB_ROLES)
    if (
        lab is not None
        and not isinstance(actor, SystemActor)
        and not lab.staff.filter(id=actor.user_id).exists()
    ):
        raise FangkongError(
            _("You are not on the staff of this laboratory."), code="not_lab_staff", status=403
        )
    received_at = timezone.now()
    items = [
        ResultInput(
            barcode=barcode_normalise(item.barcode),
            result=str(item.result or "").strip().lower(),
            ct_orf1ab=item.ct_orf1ab,
            ct_n=item.ct_n,
            tested_at=item.tested_at,
            row=item.row,
        )
        for item in rows
    ]
    tubes = _tubes_found({item.barcode for item in items})
    apply, unchanged, errors = _check(items, tubes, lab, received_at)
    if errors:
        raise ValidationFailed(
            _("%(count)s result rows were rejected; nothing was recorded.")
            % {"count": len(errors)},
            errors=errors,
        )
    report = ResultReport(unchanged=unchanged)
    if apply:
        with transaction.atomic():
            _apply(actor, apply, received_at, report, source)
    return report


class _Stage:
    """The rows being applied as a table the statements join. On PostgreSQL the arrays of one
    ``unnest`` for a few rows (one result from the API makes no temporary table), a temporary
    table filled by ``COPY`` from ``STAGE_COPY_ROWS`` rows on (a file's rows then cross once,
    not once per statement); on SQLite a temporary table. ``sql`` goes where a table would,
    ``params`` where it stands among the parameters."""

    COLUMNS = "tube_id, result, ct_orf1ab, ct_n, tested_at"

    def __init__(
        self, chosen: Sequence[tuple[ResultInput, _Found]], name: str = RESULT_STAGE
    ) -> None:
        self.name = name
        rows = [
            (tube.id, item.result, item.ct_orf1ab, item.ct_n, item.tested_at)
            for item, tube in chosen
        ]
        self.postgres = connection.vendor == "postgresql"
        self.table = not self.postgres or len(rows) >= STAGE_COPY_ROWS
        self.params: list[Any] = []
        if not self.table:
            self.sql = (
                "unnest(%s::bigint[], %s::text[], %s::float8[], %s::float8[], "
                f"%s::timestamptz[]) AS s({self.COLUMNS})"
            )
            self.params = [list(column) for column in zip(*rows, strict=True)]
            return
        self.sql = f"{self.name} s"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            if self.postgres:
                cursor.execute(
                    f"CREATE TEMP TABLE {self.name} (tube_id bigint NOT NULL, "
                    "result varchar(16) NOT NULL, ct_orf1ab double precision, "
                    "ct_n double precision, tested_at timestamptz) ON COMMIT DROP"
                )
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {self.name} ({self.COLUMNS}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(f"ANALYZE {self.name}")  # a hash join for a file of rows
                return
            cursor.execute(
                f"CREATE TEMP TABLE {self.name} (tube_id integer PRIMARY KEY, "
                "result varchar(16) NOT NULL, ct_orf1ab real, ct_n real, tested_at text)"
            )
            cursor.executemany(
                f"INSERT INTO {self.name} ({self.COLUMNS}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608 - constants
                [
                    (tube_id, result, a, b, db_datetime(at) if at is not None else None)
                    for tube_id, result, a, b, at in rows
                ],
            )

    def drop(self) -> None:
        if self.table:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {self.name}")


def _members_outcome_write(cursor: Any, stage: _Stage) -> None:
    """Write what a result makes of each member of the tubes in ``stage`` (held in place,
    positive, to re-sample). On PostgreSQL by index, one probe per tube, so the cost follows
    the file and not the table, which grows by a round a day: left alone, the planner (which
    takes the few bindings per tube for many more) hashed a file against every binding of
    every round (4.2 s against 0.74 s for 100,000 tubes in a synthetic table of 23 M)."""
    whens = " ".join(
        f"WHEN '{result.value}' THEN '{outcome.value}'"
        for result, outcome in MEMBER_OUTCOME.items()
    )
    if stage.postgres:
        cursor.execute("SET LOCAL enable_seqscan = off")
    cursor.execute(
        f"UPDATE lab_binding SET outcome = CASE s.result {whens} END FROM {stage.sql} "  # noqa: S608 - constants
        "WHERE lab_binding.tube_id = s.tube_id",
        stage.params,
    )
    if stage.postgres:
        cursor.execute("RESET enable_seqscan")


def _apply(
    actor: AnyActor,
    chosen: Sequence[tuple[ResultInput, _Found]],
    received_at: datetime,
    report: ResultReport,
    source: str,
) -> None:
    """Write the checked rows with one statement per kind of change over all of them: the
    results themselves (tubes, their history, the tube tally, the audit), and what follows
    from them (:func:`_follow`), counted in ``report``."""
    by_result: dict[str, list[_Found]] = defaultdict(list)
    for item, tube in chosen:
        tube.result = item.result
        tube.ct_orf1ab, tube.ct_n = item.ct_orf1ab, item.ct_n
        by_result[item.result].append(tube)
    stage = _Stage(chosen)
    postgres = stage.postgres
    # SQLite keeps datetimes as Django's text; PostgreSQL takes them typed
    moment = timezone.now()
    now: datetime | str = moment if postgres else db_datetime(moment)
    reported: datetime | str = received_at if postgres else db_datetime(received_at)
    reason = f"lab result ({source})"
    detail = "json_build_object" if postgres else "json_object"
    with connection.cursor() as cursor:
        # Conditional first: a concurrent report of the same tube makes this one lose. A
        # screening tube that sends its members to re-test counts their derived tasks
        # (``Tube.retests_open``): all its members, the tube being written whole once.
        cursor.execute(
            "UPDATE lab_tube SET result = s.result, ct_orf1ab = s.ct_orf1ab, ct_n = s.ct_n, "  # noqa: S608 - constants
            f"tested_at = s.tested_at, reported_at = %s, status = %s, retests_open = CASE "
            "WHEN lab_tube.kind = %s AND s.result IN (%s, %s) THEN lab_tube.member_count "
            "ELSE 0 END "
            f"FROM {stage.sql} WHERE lab_tube.id = s.tube_id AND lab_tube.result = %s",
            [
                reported,
                TubeStatus.RESULTED,
                TubeKind.SCREENING,
                *SENDING_RESULTS,
                *stage.params,
                TubeResult.PENDING,
            ],
        )
        if cursor.rowcount != len(chosen):
            raise FangkongError(
                _("Some of these tubes were resulted at the same time by someone else; try again."),
                code="result_race",
                status=409,
            )
        cursor.execute(
            "INSERT INTO lab_tubeevent (tube_id, kind, at, actor, reason, rule_set, detail) "  # noqa: S608
            f"SELECT t.id, %s, %s, %s, %s, t.rule_set, {detail}('result', s.result, "
            f"'ct_orf1ab', s.ct_orf1ab, 'ct_n', s.ct_n) FROM {stage.sql} "
            "JOIN lab_tube t ON t.id = s.tube_id ORDER BY t.id",
            [TubeEventKind.RESULTED, now, actor.username, reason, *stage.params],
        )
        _follow(cursor, chosen, by_result, received_at, report, actor)
        # Positive single tubes open cases through the registered handlers (``lab.findings``).
        findings_from_results([t.id for t in by_result.get(TubeResult.POSITIVE, [])], actor)
    stage.drop()
    tube_tally_move(((t.round_id, t.point_id, t.status) for _i, t in chosen), TubeStatus.RESULTED)
    report.applied.extend(tube.barcode for _item, tube in chosen)
    audit_record_many(
        [
            _audit(actor, chosen[start : start + CHUNK], reason)
            for start in range(0, len(chosen), CHUNK)
        ]
    )


def _follow(
    cursor: Any,
    chosen: Sequence[tuple[ResultInput, _Found]],
    by_result: dict[str, list[_Found]],
    received_at: datetime,
    report: ResultReport,
    actor: AnyActor,
) -> None:
    """What the results make of people (R11, R12): members held, positive or to re-sample,
    which opens a re-test task for each member of a pooled-positive or invalid screening tube
    (derived from the member's outcome until acted upon, ``lab.results.retests``); re-test tubes
    close their tasks and settle the person in the tube that sent them; notifications.

    Only the tubes whose result says something of each member are staged again and joined
    to their members, about one in a hundred. A negative tube's members keep ``pending`` and
    read as negative through it (``choices.person_outcome``): writing every member cost more
    than any other statement of a day's results (120 s of the 25.7 M benchmark's 40 files,
    the round's bindings all rewritten once more)."""
    followed = [(item, tube) for item, tube in chosen if item.result in WRITTEN_OUTCOME_RESULTS]
    if followed:
        stage = _Stage(followed, FOLLOW_STAGE)
        _members_outcome_write(cursor, stage)
        stage.drop()
        # Each member held or to re-sample now has a derived re-test task (``lab.results.retests``);
        # an invalid re-test tube's new task comes from ``_close_retests``, which keeps the
        # screening tube that sent the person.
        report.retest_tasks += sum(
            tube.member_count
            for item, tube in followed
            if item.result in SENDING_RESULTS and tube.kind == TubeKind.SCREENING
        )
    retest = {tube.id: tube for _item, tube in chosen if tube.kind == TubeKind.RETEST}
    if retest:
        new_tasks: list[RetestTask] = []
        reported = _close_retests(set(retest), retest, new_tasks)
        RetestTask.objects.bulk_create(new_tasks, batch_size=1000)
        report.retest_tasks += len(new_tasks)
        # The results of tasks other apps asked for go back to them (``lab.findings``).
        task_results_report(
            {task_id: (again.pk if again else None) for task_id, again in reported.items()},
            actor,
        )
    pooled = by_result.get(TubeResult.POOLED_POSITIVE, [])
    if pooled:
        report.notifications += pooled_positives_notify(
            [(tube.id, tube.round_id) for tube in pooled], received_at
        )
    report.held += sum(tube.member_count for tube in pooled)
    report.positives += sum(tube.member_count for tube in by_result.get(TubeResult.POSITIVE, []))


def _audit(actor: AnyActor, chunk: Sequence[tuple[ResultInput, _Found]], reason: str) -> AuditSpec:
    """One audit row per ``CHUNK`` tubes, naming them, with what followed from them."""
    tubes = [tube for _item, tube in chunk]
    counts: dict[str, int] = defaultdict(int)
    for tube in tubes:
        counts[tube.result] += 1
    tasks = sum(
        tube.member_count
        for tube in tubes
        if tube.result == TubeResult.INVALID
        or (tube.result in SENDING_RESULTS and tube.kind == TubeKind.SCREENING)
    )
    screening = sum(1 for tube in tubes if tube.kind == TubeKind.SCREENING)
    return AuditSpec(
        actor=actor,
        action="tube_results_report",
        object_type="tube" if len(tubes) == 1 else "tube_batch",
        object_id=tubes[0].barcode if len(tubes) == 1 else f"{len(tubes)} tubes",
        fields=("result", "ct_orf1ab", "ct_n", "outcome"),
        reason=reason,
        rule_set=", ".join(sorted({tube.rule_set for tube in tubes})),
        extra={
            "results": dict(counts),
            "tubes": [tube.barcode for tube in tubes],
            "screening": screening,
            "retest": len(tubes) - screening,
            "retest_tasks": tasks,
        },
    )


def _close_retests(
    retest_ids: set[int], tubes: dict[int, _Found], new_tasks: list[RetestTask]
) -> dict[int, RetestTask | None]:
    """Close the tasks of resulted re-test tubes and settle the person in the source tube.
    Returns the closed tasks whose results are reported to another app
    (``findings.REPORTED_REASONS``), each with the task opened in its place after an invalid
    tube (a quarantine test is sampled again at once, at the same place)."""
    tasks = list(
        RetestTask.objects.filter(
            retest_tube_id__in=retest_ids, status=RetestStatus.SAMPLED
        ).values(
            "id",
            "person_id",
            "region_id",
            "source_tube_id",
            "retest_tube_id",
            "rule_set",
            "reason",
            "place",
        )
    )
    reported: dict[int, RetestTask | None] = {}
    today = timezone.localdate()
    by_outcome: dict[str, list[int]] = defaultdict(list)
    settle: dict[str, Q] = {}
    for task in tasks:
        result = tubes[task["retest_tube_id"]].result
        by_outcome[result].append(task["id"])
        outcome = SOURCE_OUTCOME.get(TubeResult(result))
        if outcome is not None and task["source_tube_id"] is not None:
            condition = Q(tube_id=task["source_tube_id"], person_id=task["person_id"])
            settle[outcome] = settle[outcome] | condition if outcome in settle else condition
        again: RetestTask | None = None
        if result == TubeResult.INVALID:
            kept = task["reason"] in REPORTED_REASONS  # still the asking app's task
            again = RetestTask(
                person_id=task["person_id"],
                region_id=task["region_id"],
                source_tube_id=task["source_tube_id"],
                reason=task["reason"] if kept else RetestReason.INVALID,
                rule_set=task["rule_set"],
                due_on=today if kept else None,
                place=task["place"] if kept else "",
            )
            new_tasks.append(again)
        if task["reason"] in REPORTED_REASONS:
            reported[task["id"]] = again
    now = timezone.now()
    for result, task_ids in by_outcome.items():
        RetestTask.objects.filter(id__in=task_ids).update(
            status=RetestStatus.DONE, outcome=result, updated_at=now
        )
    for settled, condition in settle.items():
        Binding.objects.filter(condition).update(outcome=settled)
    return reported
