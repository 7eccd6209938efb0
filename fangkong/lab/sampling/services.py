"""Binding people to tubes at the sampling point: whole tubes, one or many per call (R7–R9,
R35–R37).

The sampler scans the tube's barcode, then each person's sampling code or ID card (or types
the number when codes fail), and closes the tube; the page or app sends the whole tube at
once. Sending the same tube again (same barcode, same people) answers with the tube already
stored, so an offline queue can upload without duplicates even without its idempotency key.

:func:`tubes_bind` takes a batch of tubes from many samplers and stores them with a constant
number of queries (the API gathers concurrent requests into such batches, R37);
:func:`tube_bind` is one tube through the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, access_record_many, audit_record_many
from fangkong.core.bulk import db_datetime, objects_insert, rows_insert, values_insert
from fangkong.core.errors import Conflict, FangkongError, field_refusal
from fangkong.lab.access import require_role
from fangkong.lab.choices import (
    EntryMethod,
    MemberOutcome,
    RetestStatus,
    RoundStatus,
    TubeKind,
)
from fangkong.lab.coverage.tallies import tube_tally_change
from fangkong.lab.events import TubeEventKind
from fangkong.lab.models import (
    Binding,
    RetestTask,
    SamplingPoint,
    ScreeningRound,
    Tube,
    TubeEvent,
)
from fangkong.lab.results.retests import open_retest_tasks_locked
from fangkong.lab.roles import SAMPLING_ROLES
from fangkong.lab.sampling.members import MemberInput as MemberInput  # part of this service's input
from fangkong.lab.sampling.members import members_resolve, members_scan
from fangkong.lab.sampling.placing import Wanted, places_find
from fangkong.lab.sampling.stored import sampled_in_rounds, tubes_stored
from fangkong.lab.sampling.tube_checks import (
    BindItem,
    busy_refusal,
    members_check,
    tube_check,
    tube_ratio,
    tube_replay,
)
from fangkong.lab.sampling.tube_checks import BindRequest as BindRequest  # this service's input
from fangkong.lab.sampling.tube_checks import TubeBound as TubeBound  # and its answer
from fangkong.lab.sampling.tube_checks import TubeInput as TubeInput
from fangkong.policy.rules import EffectiveRules, turnaround_hours
from fangkong.policy.selectors import rules_for

#: The columns of a stored binding (every column of ``lab_binding`` but its id).
_BINDING_COLUMNS = (
    "tube_id",
    "round_id",
    "person_id",
    "region_id",
    "household_id",
    "doc_type",
    "method",
    "position",
    "retest",
    "scanned_at",
    "outcome",
)


def tubes_bind(requests: Sequence[BindRequest]) -> list[TubeBound | FangkongError]:
    """Store many closed tubes with their members; each answer is the stored tube or the
    refusal of that tube alone. Must run inside a transaction.

    1. The actor must be a sampler on the point's staff (``not_point_staff``, 403); a round or
       point given by code must be in the actor's scope (``round_not_found``,
       ``point_not_found``, 404); the round must cover the point (``point_outside_round``).
    2. Barcode: NFKC, upper case, 4–32 characters (``barcode_invalid``).
    3. Members: each a valid signed sampling code or a valid identity number of a registered
       person (``code_*``, GB 11643 codes, ``person_unknown``); nobody twice
       (``person_repeated``); at least one (``tube_empty``).
    4. Ratio from the rule set by zone and group (R7): above the rule set's
       ``pooling.max_ratio`` → ``ratio_above_max``, above the zone's or group's ratio →
       ``ratio_above_rule``; more members than the ratio → ``tube_full``; a
       household tube takes one household (``household_mixed``).
    5. Same barcode already stored (or earlier in the batch) with the same round, point and
       people → that tube (``created`` false); otherwise ``tube_exists`` (409).
    6. The round must be open for screening tubes (``round_closed``); nobody already in a
       screening tube of this round, whatever its result, nor in an earlier tube of the batch
       (``person_already_bound``, 409, R8). A re-test tube takes only people with an
       open re-test task (``no_retest_task``) and marks the task sampled.
    7. Tubes, bindings, history rows, audit rows (one per tube, in each actor's chain) and
       read-access rows (the persons whose names are shown back) in a constant number of
       queries for the whole batch.

    A concurrent writer can still make the insert fail (``IntegrityError``) on the unique
    barcode or on the one-binding-per-round index; :func:`tube_bind` and the API's
    batcher then take the tubes one at a time.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("tubes_bind must run inside a transaction")
    now = timezone.now()
    items = [BindItem(request=request) for request in requests]
    out: list[TubeBound | FangkongError | None] = [None] * len(items)
    for index, item in enumerate(items):
        try:
            require_role(item.request.actor, SAMPLING_ROLES)
        except FangkongError as exc:
            out[index] = exc
    placing = [index for index, answer in enumerate(out) if answer is None]
    wanted = [
        Wanted(
            actor=items[index].request.actor,
            screening_round=items[index].request.screening_round,
            point=items[index].request.point,
        )
        for index in placing
    ]
    for index, place in zip(placing, places_find(wanted), strict=True):
        if isinstance(place, FangkongError):
            out[index] = place
        else:
            item = items[index]
            item.screening_round, item.point = place.screening_round, place.point
            item.zone, item.round_status = place.zone, place.round_status
    rules: dict[tuple[str, date], EffectiveRules] = {}
    for index, item in enumerate(items):
        if out[index] is not None:
            continue
        out[index] = tube_check(item, now)
        if out[index] is not None:
            continue
        assert item.point is not None
        assert item.sampled_at is not None
        on = timezone.localdate(item.sampled_at)
        key = (item.point.region.path, on)
        if key not in rules:
            rules[key] = rules_for(item.point.region, on)
        item.rules = rules[key]
        item.ratio, item.per_household = tube_ratio(
            item.rules, zone=item.zone, data=item.data, errors=item.errors
        )
        item.scan = members_scan(item.data.members)
    live = [item for index, item in enumerate(items) if out[index] is None]
    members_resolve([item.scan for item in live])
    for index, item in enumerate(items):
        if out[index] is None:
            item.errors.extend(item.scan.errors)
            out[index] = members_check(item)
    _store_batch(items, out, now)
    return [answer for answer in out if answer is not None]


def _store_batch(
    items: Sequence[BindItem], out: list[TubeBound | FangkongError | None], now: datetime
) -> None:
    live = [index for index, answer in enumerate(out) if answer is None]
    if not live:
        return
    # Busy people first, then stored barcodes: a tube committed by a concurrent request between
    # the two reads is then seen by the second (as the same tube, a replay) whenever its
    # bindings were seen by the first. Open re-test tasks are locked.
    screening = [i for i in live if items[i].data.kind == TubeKind.SCREENING]
    retest = [i for i in live if items[i].data.kind == TubeKind.RETEST]
    busy: set[tuple[int, int]] = set()
    if screening:
        rounds = {items[i].screening_round.id for i in screening}  # type: ignore[union-attr]
        busy = sampled_in_rounds(rounds, {pid for i in screening for pid in items[i].ids})
    tasks = (
        open_retest_tasks_locked({pid for i in retest for pid in items[i].ids}) if retest else {}
    )
    stored, stored_ids = tubes_stored({items[i].barcode for i in live})  # below: in this batch
    taken: dict[str, int] = {}  # barcode → index of the item storing it in this batch
    again: list[tuple[int, int]] = []  # (index, index of the earlier item with its barcode)
    for index in live:
        item = items[index]
        assert item.screening_round is not None
        if item.barcode in stored:
            tube = stored[item.barcode]
            out[index] = tube_replay(item, tube, stored_ids.get(tube.id, []))
            continue
        if item.barcode in taken:
            again.append((index, taken[item.barcode]))
            continue
        # After the replay check: an offline queue may still deliver tubes sampled before closing.
        if item.data.kind == TubeKind.SCREENING:
            if item.round_status != RoundStatus.OPEN:
                out[index] = Conflict(
                    _("The round is closed for screening tubes."), code="round_closed"
                )
                continue
            mine = {pid for pid in item.ids if (item.screening_round.id, pid) in busy}
            if mine:
                out[index] = busy_refusal(item.ids, mine)
                continue
            busy.update((item.screening_round.id, pid) for pid in item.ids)
        else:
            without = [pid for pid in item.ids if pid not in tasks]
            if without:
                out[index] = field_refusal(
                    "no_retest_task",
                    _("This person has no open re-test task."),
                    field=f"members[{item.ids.index(without[0])}]",
                )
                continue
            item.tasks = [tasks.pop(pid) for pid in item.ids]
        taken[item.barcode] = index
    _insert(items, out, list(taken.values()), now)
    for index, first in again:
        earlier = items[first].tube
        assert earlier is not None
        out[index] = tube_replay(items[index], earlier, items[first].ids)


def _insert(
    items: Sequence[BindItem],
    out: list[TubeBound | FangkongError | None],
    chosen: list[int],
    now: datetime,
) -> None:
    tubes: list[Tube] = []
    for index in chosen:
        item = items[index]
        assert item.rules is not None
        assert item.sampled_at is not None
        tube = Tube(
            barcode=item.barcode,
            round=item.screening_round,
            point=item.point,
            kind=item.data.kind,
            zone=item.zone,
            group=item.data.group,
            ratio=item.ratio,
            per_household=item.per_household,
            category=item.data.category,
            swab_site=item.data.swab_site,
            sampler_id=item.request.actor.user_id or None,
            sampled_at=item.sampled_at,
            member_count=len(item.persons),
            due_at=item.sampled_at
            + timedelta(hours=turnaround_hours(item.rules, item.data.category)),
            rule_set=item.rules.label,
        )
        item.tube = tube
        tubes.append(tube)
    objects_insert(tubes)
    tube_tally_change((tube.round_id, tube.point_id, tube.status, 1) for tube in tubes)
    bindings: list[tuple[Any, ...]] = []
    events: list[dict[str, Any]] = []
    audits: list[AuditSpec] = []
    updated: list[RetestTask] = []
    for index, tube in zip(chosen, tubes, strict=True):
        item = items[index]
        assert item.rules is not None
        assert item.point is not None
        assert item.screening_round is not None
        retest = item.data.kind == TubeKind.RETEST
        sampled_at = item.sampled_at
        assert sampled_at is not None
        stamp = db_datetime(sampled_at)
        for position, person in enumerate(item.persons):
            member = item.data.members[position]
            code_scanned = item.methods[position] == EntryMethod.SAMPLING_CODE
            bindings.append(
                (
                    tube.id,
                    item.screening_round.id,
                    person.id,
                    person.region_id,
                    person.household_id,
                    "" if code_scanned else member.doc_type,
                    item.methods[position],
                    position,
                    retest,
                    db_datetime(member.scanned_at) if member.scanned_at else stamp,
                    MemberOutcome.PENDING,
                )
            )
        for task in item.tasks:
            task.status = RetestStatus.SAMPLED
            task.retest_tube = tube
            task.updated_at = now
            updated.append(task)
        events.append(
            {
                "tube_id": tube.id,
                "kind": TubeEventKind.BOUND,
                "at": now,
                "actor": item.request.actor.username,
                "reason": "",
                "rule_set": item.rules.label,
                "detail": {
                    "members": len(item.persons),
                    "ratio": item.ratio,
                    "zone": item.zone,
                    "point": str(item.point.code),
                },
            }
        )
        audits.append(
            AuditSpec(
                actor=item.request.actor,
                action="tube_bind",
                object_type="tube",
                object_id=tube.barcode,
                fields=("members", "ratio", "sampled_at"),
                rule_set=item.rules.label,
                extra={
                    "round": str(item.screening_round.code),
                    "point": str(item.point.code),
                    "members": len(item.persons),
                    "kind": item.data.kind,
                    "retest_tasks": [str(task.code) for task in item.tasks],
                },
            )
        )
        out[index] = TubeBound(tube=tube, persons=list(item.persons), created=True)
    # COPY on PostgreSQL: a batch holds hundreds of bindings, and model instances cost more
    # than the rows.
    values_insert(Binding._meta.db_table, _BINDING_COLUMNS, bindings)
    if updated:
        RetestTask.objects.bulk_update(updated, ["status", "retest_tube", "updated_at"])
    rows_insert(TubeEvent, events)
    audit_record_many(audits)
    access_record_many(
        [(items[index].request.actor, [p.code for p in items[index].persons]) for index in chosen],
        purpose="screening",
        action="tube_bind",
        subject_type="person",
    )


def tube_bind(
    *, actor: AnyActor, screening_round: ScreeningRound, point: SamplingPoint, data: TubeInput
) -> TubeBound:
    """Store one closed tube (see :func:`tubes_bind` for the rules), or answer with the same
    tube already stored; raises the tube's refusal."""
    return tube_bind_request(
        BindRequest(actor=actor, data=data, screening_round=screening_round, point=point)
    )


def tube_bind_request(request: BindRequest) -> TubeBound:
    """:func:`tube_bind` for a :class:`BindRequest` (round and point possibly by code).

    A concurrent writer that stored the same barcode or one of these people a moment earlier
    makes the insert fail; the tube is then looked at again, with that writer's rows in view:
    the same tube is a replay, a person in the other tube is ``person_already_bound``.
    """
    try:
        with transaction.atomic():
            (answer,) = tubes_bind([request])
    except IntegrityError:
        with transaction.atomic():
            (answer,) = tubes_bind([request])
    if isinstance(answer, FangkongError):
        raise answer
    return answer
