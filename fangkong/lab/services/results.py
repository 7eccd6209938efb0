"""Tube results and what follows from them (R11–R13): members negative, held in place or
positive; one single-tube re-test task per member of a pooled positive; notifications to the
testing working group, the emergency sampling squad and each member's community at once.

One set-based path serves a single result from the API and a file of thousands from a lab
upload: rows are checked first (every bad row reported, nothing written if any is bad), then
applied per chunk with one statement per kind of change, never a statement per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import FangkongError, ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import (
    AlertKind,
    MemberOutcome,
    RetestReason,
    RetestStatus,
    TubeKind,
    TubeResult,
    TubeStatus,
)
from fangkong.lab.codes import BARCODE_PATTERN, barcode_normalise
from fangkong.lab.events import TubeEventKind
from fangkong.lab.models import (
    Binding,
    Lab,
    LabAlert,
    Notification,
    RetestTask,
    Tube,
    TubeEvent,
)
from fangkong.lab.notify import pooled_positive_notifications
from fangkong.lab.roles import LAB_ROLES
from fangkong.policy.selectors import rules_for_path
from fangkong.regions.models import Region

CHUNK = 1000
MAX_CT = 50.0

#: Binding outcome of the members of a screening or re-test tube, by tube result.
MEMBER_OUTCOME = {
    TubeResult.NEGATIVE: MemberOutcome.NEGATIVE,
    TubeResult.POOLED_POSITIVE: MemberOutcome.HELD,
    TubeResult.POSITIVE: MemberOutcome.POSITIVE,
    TubeResult.INVALID: MemberOutcome.RETEST,
}
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


def _row_error(
    item: ResultInput, position: int, name: str, code: str, message: str
) -> dict[str, Any]:
    prefix = "" if item.row is not None else f"results[{position}]."
    return field_error(f"{prefix}{name}", code, message, row=item.row)


def _check(
    items: Sequence[ResultInput], tubes: dict[str, Tube], lab: Lab | None, now: datetime
) -> tuple[list[tuple[ResultInput, Tube]], list[str], list[dict[str, Any]]]:
    """Split rows into (row, tube) to apply, barcodes unchanged, and errors (all of them)."""
    errors: list[dict[str, Any]] = []
    apply: list[tuple[ResultInput, Tube]] = []
    unchanged: list[str] = []
    seen: dict[str, ResultInput] = {}
    for position, item in enumerate(items):

        def fail(name: str, code: str, message: str) -> None:
            errors.append(_row_error(item, position, name, code, message))  # noqa: B023

        barcode = item.barcode
        if not BARCODE_PATTERN.match(barcode):
            fail("barcode", "barcode_invalid", _("A barcode is 4–32 letters, digits or dashes."))
            continue
        if item.result not in TubeResult.values:
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
        at_lab = tube is not None and (
            lab is None or lab.id in (tube.lab_id, getattr(tube, "package_lab_id", None))
        )
        if tube is None or not at_lab:
            fail("barcode", "tube_not_found", _("No such tube was received at this laboratory."))
            continue
        if tube.received_at is None:
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
    3. Per chunk of tubes: tube results; member outcomes (negative, held, positive, to
       re-sample); one re-test task per member of a pooled positive or invalid tube; re-test
       tubes close their tasks and clear (or confirm) the person in the tube that sent them;
       notifications for each pooled positive to the working group, the emergency squad and
       each member community, with the latency from the report; an alert when that latency
       is over the rule set's target (R12); history rows; one audit row per chunk.
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
    tubes: dict[str, Tube] = {}
    barcodes = [item.barcode for item in items]
    for start in range(0, len(barcodes), CHUNK):
        for tube in Tube.objects.filter(barcode__in=barcodes[start : start + CHUNK]).annotate(
            package_lab_id=F("package__lab_id")
        ):
            tubes[tube.barcode] = tube
    apply, unchanged, errors = _check(items, tubes, lab, received_at)
    if errors:
        raise ValidationFailed(
            _("%(count)s result rows were rejected; nothing was recorded.")
            % {"count": len(errors)},
            errors=errors,
        )
    report = ResultReport(unchanged=unchanged)
    with transaction.atomic():
        for start in range(0, len(apply), CHUNK):
            _apply_chunk(actor, apply[start : start + CHUNK], received_at, report, source)
    return report


def _apply_chunk(
    actor: AnyActor,
    chunk: Sequence[tuple[ResultInput, Tube]],
    received_at: datetime,
    report: ResultReport,
    source: str,
) -> None:
    # Conditional update first: a concurrent report of the same tube makes this one lose.
    by_result: dict[str, list[Tube]] = defaultdict(list)
    for item, tube in chunk:
        tube.result = item.result
        tube.ct_orf1ab = item.ct_orf1ab
        tube.ct_n = item.ct_n
        tube.tested_at = item.tested_at
        tube.reported_at = received_at
        tube.status = TubeStatus.RESULTED
        by_result[item.result].append(tube)
    ids = [tube.id for _item, tube in chunk]
    claimed = Tube.objects.filter(id__in=ids, result=TubeResult.PENDING).update(
        status=TubeStatus.RESULTED, reported_at=received_at
    )
    if claimed != len(ids):
        raise FangkongError(
            _("Some of these tubes were resulted at the same time by someone else; try again."),
            code="result_race",
            status=409,
        )
    Tube.objects.bulk_update(
        [tube for _item, tube in chunk],
        ["result", "ct_orf1ab", "ct_n", "tested_at"],
        batch_size=500,
    )

    screening = {tube.id for _item, tube in chunk if tube.kind == TubeKind.SCREENING}
    retest = {tube.id for _item, tube in chunk if tube.kind == TubeKind.RETEST}
    for result, tubes in by_result.items():
        tube_ids = [tube.id for tube in tubes]
        Binding.objects.filter(tube_id__in=tube_ids).update(
            outcome=MEMBER_OUTCOME[TubeResult(result)]
        )

    new_tasks: list[RetestTask] = []
    follow = [
        tube
        for result in (TubeResult.POOLED_POSITIVE, TubeResult.INVALID)
        for tube in by_result.get(result, [])
        # An invalid re-test tube's new task comes from ``_close_retests``, which keeps the
        # screening tube that sent the person; one here too would be a duplicate.
        if tube.kind == TubeKind.SCREENING
    ]
    rules_label = {tube.id: tube.rule_set for _item, tube in chunk}
    if follow:
        reason_of = {
            tube.id: RetestReason.POOLED_POSITIVE
            if tube.result == TubeResult.POOLED_POSITIVE
            else RetestReason.INVALID
            for tube in follow
        }
        for binding in Binding.objects.filter(tube_id__in=list(reason_of)).values(
            "tube_id", "person_id", "region_id", "round_id"
        ):
            new_tasks.append(
                RetestTask(
                    person_id=binding["person_id"],
                    region_id=binding["region_id"],
                    round_id=binding["round_id"],
                    source_tube_id=binding["tube_id"],
                    reason=reason_of[binding["tube_id"]],
                    rule_set=rules_label[binding["tube_id"]],
                )
            )

    if retest:
        _close_retests(retest, {tube.id: tube for _item, tube in chunk}, new_tasks)
    RetestTask.objects.bulk_create(new_tasks, batch_size=1000)
    report.retest_tasks += len(new_tasks)

    pooled = by_result.get(TubeResult.POOLED_POSITIVE, [])
    if pooled:
        report.notifications += _notify(pooled, received_at)
    report.held += sum(tube.member_count for tube in pooled)
    report.positives += sum(tube.member_count for tube in by_result.get(TubeResult.POSITIVE, []))

    now = timezone.now()
    TubeEvent.objects.bulk_create(
        [
            TubeEvent(
                tube_id=tube.id,
                kind=TubeEventKind.RESULTED,
                at=now,
                actor=actor.username,
                reason=f"lab result ({source})",
                rule_set=tube.rule_set,
                detail={"result": tube.result, "ct_orf1ab": tube.ct_orf1ab, "ct_n": tube.ct_n},
            )
            for _item, tube in chunk
        ],
        batch_size=1000,
    )
    report.applied.extend(tube.barcode for _item, tube in chunk)
    counts = {result: len(tubes) for result, tubes in by_result.items()}
    audit_record(
        actor=actor,
        action="tube_results_report",
        object_type="tube" if len(chunk) == 1 else "tube_batch",
        object_id=chunk[0][1].barcode if len(chunk) == 1 else f"{len(chunk)} tubes",
        fields=["result", "ct_orf1ab", "ct_n", "outcome"],
        reason=f"lab result ({source})",
        rule_set=", ".join(sorted({tube.rule_set for _item, tube in chunk})),
        extra={
            "results": counts,
            "tubes": [tube.barcode for _item, tube in chunk][:CHUNK],
            "screening": len(screening),
            "retest": len(retest),
            "retest_tasks": len(new_tasks),
        },
    )


def _close_retests(
    retest_ids: set[int], tubes: dict[int, Tube], new_tasks: list[RetestTask]
) -> None:
    """Close the tasks of resulted re-test tubes and settle the person in the source tube."""
    tasks = list(
        RetestTask.objects.filter(
            retest_tube_id__in=retest_ids, status=RetestStatus.SAMPLED
        ).values(
            "id",
            "person_id",
            "region_id",
            "round_id",
            "source_tube_id",
            "retest_tube_id",
            "rule_set",
        )
    )
    by_outcome: dict[str, list[int]] = defaultdict(list)
    settle: dict[str, Q] = {}
    for task in tasks:
        result = tubes[task["retest_tube_id"]].result
        by_outcome[result].append(task["id"])
        outcome = SOURCE_OUTCOME.get(TubeResult(result))
        if outcome is not None and task["source_tube_id"] is not None:
            condition = Q(tube_id=task["source_tube_id"], person_id=task["person_id"])
            settle[outcome] = settle[outcome] | condition if outcome in settle else condition
        if result == TubeResult.INVALID:
            new_tasks.append(
                RetestTask(
                    person_id=task["person_id"],
                    region_id=task["region_id"],
                    round_id=task["round_id"],
                    source_tube_id=task["source_tube_id"],
                    reason=RetestReason.INVALID,
                    rule_set=task["rule_set"],
                )
            )
    now = timezone.now()
    for result, task_ids in by_outcome.items():
        RetestTask.objects.filter(id__in=task_ids).update(
            status=RetestStatus.DONE, outcome=result, updated_at=now
        )
    for settled, condition in settle.items():
        Binding.objects.filter(condition).update(outcome=settled)


def _notify(pooled: Sequence[Tube], received_at: datetime) -> int:
    """Notifications for pooled-positive tubes (R12), and late-notification alerts."""
    tube_ids = [tube.id for tube in pooled]
    members: dict[int, list[int]] = defaultdict(list)
    for tube_id, region_id in Binding.objects.filter(tube_id__in=tube_ids).values_list(
        "tube_id", "region_id"
    ):
        members[tube_id].append(region_id)
    rounds: dict[int, int] = {}
    point_regions: dict[int, int] = {}
    for tube_id, round_region, point_region in Tube.objects.filter(id__in=tube_ids).values_list(
        "id", "round__region_id", "point__region_id"
    ):
        rounds[tube_id] = round_region
        point_regions[tube_id] = point_region
    notified_at = timezone.now()
    latency = max(0, int((notified_at - received_at).total_seconds() * 1000))
    rows = pooled_positive_notifications(
        members=members, round_region=rounds, result_at=received_at, notified_at=notified_at
    )
    Notification.objects.bulk_create(rows, batch_size=1000)
    _late_notifications(pooled, point_regions, latency, notified_at)
    return len(rows)


def _late_notifications(
    pooled: Iterable[Tube], point_regions: dict[int, int], latency_ms: int, now: datetime
) -> None:
    """A late-notification alert per tube whose notifications took longer than the rule set
    allows at its sampling point (the alert lives at the point's node, like late results)."""
    paths = dict(
        Region.objects.filter(id__in=set(point_regions.values())).values_list("id", "path")
    )
    today = timezone.localdate(now)
    targets = {
        region_id: rules_for_path(path, today).parameters.turnaround.pooled_positive_notify_minutes
        for region_id, path in paths.items()
    }
    alerts = []
    for tube in pooled:
        region_id = point_regions[tube.id]
        if latency_ms > targets[region_id] * 60_000:
            alerts.append(
                LabAlert(
                    kind=AlertKind.LATE_NOTIFICATION,
                    tube=tube,
                    round_id=tube.round_id,
                    region_id=region_id,
                    raised_at=now,
                    detail={"latency_ms": latency_ms, "target_minutes": targets[region_id]},
                )
            )
    LabAlert.objects.bulk_create(alerts, ignore_conflicts=True)
