"""Findings: a person found positive by the screening chain, handed to whoever acts on it.

The lab does not know what follows a positive (a case is opened, issue 19); the app that acts
registers a handler here (``cases`` does so in its ``AppConfig.ready``), so ``lab`` never
imports it and the apps stay one-directional (``tests/test_import_layers.py``). Handlers run
inside the transaction of the lab write that found the person, so the result and what it
opens commit or roll back together; a handler must be idempotent (the same finding reported
again, a result file applied twice, opens nothing new).

A second registry carries every result of a person's test task that another app asked for
(``task_results_register``; ``isolation`` registers for its quarantine plans' tests): the
negative results as well as the positive ones, with the tube, the result time and the Ct
values, so the plan's test is marked from the lab's own record. Its handlers, too, run in the
lab write's transaction and must be idempotent.

Two places report findings: the results service, for a single-tube PCR result that is positive (a
re-test of a pooled-positive or invalid tube's member, or the PCR an antigen result asked
for, and a single-person screening tube), and the antigen service, for a positive antigen
result (which opens a suspected case and never confirms one, R16).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.lab.choices import RetestReason, RetestStatus, TubeKind, TubeResult
from fangkong.lab.models import Binding, RetestTask, Tube


class FindingKind:
    """What found the person."""

    #: A single re-test tube of a member of a pooled-positive (or invalid) screening tube.
    POOLED_RETEST = "pooled_retest"
    #: The single-tube PCR an antigen result asked for.
    ANTIGEN_PCR = "antigen_pcr"
    #: A single-person screening tube (ratio 1: key groups, isolation sites).
    SCREENING = "screening"
    #: A positive antigen result (self-test or clinic): never a confirming result.
    ANTIGEN = "antigen"
    #: The single tube of a quarantine plan's test (a person under an isolation order).
    QUARANTINE_PCR = "quarantine_pcr"


@dataclass(frozen=True)
class Finding:
    """One person found positive: the tubes that say so (the re-test and the pooled tube that
    sent the person), or the antigen result, the day the positive sample was taken, and the
    rule set the lab recorded with it."""

    person_id: int
    kind: str
    sampled_on: date
    tube_ids: tuple[int, ...] = ()
    antigen_id: int | None = None
    #: Whether a PCR result says so: only then may the case be confirmed (R16).
    pcr: bool = True
    rule_set: str = ""


#: A handler takes a batch of findings and the actor of the lab write that found them.
Handler = Callable[[list[Finding], AnyActor], None]
_HANDLERS: list[Handler] = []


def findings_register(handler: Handler) -> None:
    """Add ``handler`` (called with every batch of findings and the actor of the lab write);
    registering the same function twice keeps one."""
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)


def finding_report(
    *,
    person_id: int,
    kind: str,
    sampled_on: date,
    actor: AnyActor,
    tube_ids: Iterable[int] = (),
    antigen_id: int | None = None,
    rule_set: str = "",
) -> None:
    """Report one finding to every handler (inside the caller's transaction)."""
    findings_dispatch(
        [
            Finding(
                person_id=person_id,
                kind=kind,
                sampled_on=sampled_on,
                tube_ids=tuple(tube_ids),
                antigen_id=antigen_id,
                pcr=kind != FindingKind.ANTIGEN,
                rule_set=rule_set,
            )
        ],
        actor,
    )


def findings_dispatch(findings: list[Finding], actor: AnyActor) -> None:
    """Hand a batch of findings to every handler; nothing to do for an empty batch."""
    if not findings:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("findings are reported inside the transaction of the lab write")
    for handler in _HANDLERS:
        handler(findings, actor)


#: The kind of finding a single re-test is, by why it was asked for.
_RETEST_KIND = {
    RetestReason.POOLED_POSITIVE: FindingKind.POOLED_RETEST,
    RetestReason.INVALID: FindingKind.POOLED_RETEST,
    RetestReason.ANTIGEN: FindingKind.ANTIGEN_PCR,
    RetestReason.QUARANTINE: FindingKind.QUARANTINE_PCR,
}


def findings_from_results(positive_tube_ids: list[int], actor: AnyActor) -> None:
    """The findings of the tubes just resulted positive (called by the results service after
    the re-test tasks were closed): each person of a positive re-test tube (through its
    closed task, linked to the screening tube that sent them) and the one member of a
    positive single-person screening tube. Two queries, and none when no tube is positive
    (a day's file has a few in 100,000), nor when no handler is registered."""
    if not positive_tube_ids or not _HANDLERS:
        return
    tubes = {
        tube["id"]: tube
        for tube in Tube.objects.filter(
            id__in=positive_tube_ids, result=TubeResult.POSITIVE
        ).values("id", "kind", "sampled_at", "rule_set")
    }
    findings: list[Finding] = []
    retests = [t for t in tubes.values() if t["kind"] == TubeKind.RETEST]
    if retests:
        for task in RetestTask.objects.filter(
            retest_tube_id__in=[t["id"] for t in retests],
            status=RetestStatus.DONE,
            outcome=TubeResult.POSITIVE,
        ).values("person_id", "retest_tube_id", "source_tube_id", "reason", "rule_set"):
            kind = _RETEST_KIND.get(RetestReason(task["reason"]))
            if kind is None:  # a patient's release test: their case is known already
                continue
            tube = tubes[task["retest_tube_id"]]
            linked = [tube["id"]] + ([task["source_tube_id"]] if task["source_tube_id"] else [])
            findings.append(
                Finding(
                    person_id=task["person_id"],
                    kind=kind,
                    sampled_on=timezone.localdate(tube["sampled_at"]),
                    tube_ids=tuple(linked),
                    rule_set=tube["rule_set"] or task["rule_set"],
                )
            )
    singles = [t for t in tubes.values() if t["kind"] == TubeKind.SCREENING]
    if singles:
        for binding in Binding.objects.filter(
            tube_id__in=[t["id"] for t in singles], retest=False
        ).values("person_id", "tube_id"):
            tube = tubes[binding["tube_id"]]
            findings.append(
                Finding(
                    person_id=binding["person_id"],
                    kind=FindingKind.SCREENING,
                    sampled_on=timezone.localdate(tube["sampled_at"]),
                    tube_ids=(tube["id"],),
                    rule_set=tube["rule_set"],
                )
            )
    findings.sort(key=lambda finding: (finding.person_id, finding.tube_ids))
    findings_dispatch(findings, actor)


# --------------------------------------------------------------------------- task results


@dataclass(frozen=True)
class TaskResult:
    """The result of one person's test task (``RetestTask``) that an app asked for: the
    task, its tube and result (``TubeResult``), when the lab reported it, the Ct values as
    the lab recorded them, and — for an invalid tube — the task opened in its place."""

    task_id: int
    person_id: int
    reason: str
    result: str
    tube_id: int
    barcode: str
    sampled_at: datetime
    reported_at: datetime | None
    ct_n: float | None = None
    ct_orf1ab: float | None = None
    next_task_id: int | None = None


#: A task-result handler takes a batch of results and the actor of the lab write.
TaskHandler = Callable[[list[TaskResult], AnyActor], None]
_TASK_HANDLERS: list[TaskHandler] = []
#: The reasons whose task results are reported (the tasks other apps open in ``lab``).
REPORTED_REASONS = (RetestReason.QUARANTINE, RetestReason.TREATMENT)


def task_results_register(handler: TaskHandler) -> None:
    """Add ``handler`` (called with each batch of task results and the actor of the lab
    write); registering the same function twice keeps one."""
    if handler not in _TASK_HANDLERS:
        _TASK_HANDLERS.append(handler)


def task_results_report(closed: dict[int, int | None], actor: AnyActor) -> None:
    """Report the results of the tasks just closed by their tubes' results (``closed``: task
    id → the task opened in its place after an invalid tube, or None) whose reason is one of
    ``REPORTED_REASONS``; one query, none when nothing was closed or nobody listens."""
    if not closed or not _TASK_HANDLERS:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("task results are reported inside the transaction of the lab write")
    results = [
        TaskResult(
            task_id=row["id"],
            person_id=row["person_id"],
            reason=row["reason"],
            result=row["outcome"],
            tube_id=row["retest_tube_id"],
            barcode=row["retest_tube__barcode"],
            sampled_at=row["retest_tube__sampled_at"],
            reported_at=row["retest_tube__reported_at"],
            ct_n=row["retest_tube__ct_n"],
            ct_orf1ab=row["retest_tube__ct_orf1ab"],
            next_task_id=closed.get(row["id"]),
        )
        for row in RetestTask.objects.filter(
            id__in=list(closed), reason__in=REPORTED_REASONS, status=RetestStatus.DONE
        )
        .order_by("id")
        .values(
            "id",
            "person_id",
            "reason",
            "outcome",
            "retest_tube_id",
            "retest_tube__barcode",
            "retest_tube__sampled_at",
            "retest_tube__reported_at",
            "retest_tube__ct_n",
            "retest_tube__ct_orf1ab",
        )
    ]
    if not results:
        return
    for handler in _TASK_HANDLERS:
        handler(results, actor)
