"""Who is told of a pooled positive, and with what (R12): the testing working group and the
emergency sampling squad at the round's node, the police there too where the rules in force at
that node say so, and each community with members in the tube, with how many; the latency
from the result, and an alert where it is over the rule set's target."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from fangkong.core.bulk import rows_insert
from fangkong.lab.choices import AlertKind, Recipient
from fangkong.lab.models import Binding, LabAlert, Notification, Tube
from fangkong.policy.selectors import rules_for_path
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region


def _community_ids(region_ids: Iterable[int]) -> dict[int, int]:
    """Region id → id of its community-level ancestor (itself above that level)."""
    paths = dict(Region.objects.filter(id__in=set(region_ids)).values_list("id", "path"))
    code_of = {rid: path.split(".")[: RegionLevel.COMMUNITY][-1] for rid, path in paths.items()}
    ids = dict(Region.objects.filter(code__in=set(code_of.values())).values_list("code", "id"))
    return {rid: ids[code] for rid, code in code_of.items()}


def pooled_positive_notifications(
    *,
    members: Mapping[int, list[int]],
    round_region: Mapping[int, int],
    result_at: datetime,
    notified_at: datetime,
) -> list[dict[str, Any]]:
    """Notification rows (columns, for ``rows_insert``) for pooled-positive tubes.

    ``members`` maps a tube id to the node ids of its members; ``round_region`` a tube id to
    the node of its round. The latency is from the report to ``notified_at``.
    """
    community = _community_ids(rid for rids in members.values() for rid in rids)
    on = timezone.localdate(notified_at)
    police = {
        region_id: rules_for_path(path, on).parameters.turnaround.pooled_positive_notify_police
        for region_id, path in Region.objects.filter(id__in=set(round_region.values())).values_list(
            "id", "path"
        )
    }
    latency = max(0, int((notified_at - result_at).total_seconds() * 1000))
    rows: list[dict[str, Any]] = []
    for tube_id in sorted(members):
        base = {
            "tube_id": tube_id,
            "result_at": result_at,
            "notified_at": notified_at,
            "latency_ms": latency,
            "members": len(members[tube_id]),
            "acknowledged_at": None,
            "acknowledged_by": "",
        }
        node = round_region[tube_id]
        recipients = [Recipient.WORKING_GROUP.value, Recipient.EMERGENCY_SQUAD.value]
        if police[node]:
            recipients.append(Recipient.POLICE.value)
        rows.extend({**base, "recipient": recipient, "region_id": node} for recipient in recipients)
        counts: dict[int, int] = defaultdict(int)
        for region_id in members[tube_id]:
            counts[community[region_id]] += 1
        for community_id, count in sorted(counts.items()):
            rows.append(
                {
                    **base,
                    "recipient": Recipient.COMMUNITY.value,
                    "region_id": community_id,
                    "members": count,
                }
            )
    return rows


def pooled_positives_notify(pooled: Sequence[tuple[int, int]], received_at: datetime) -> int:
    """Notify each pooled-positive tube (tube id, round id) reported at ``received_at``
    (R12), logging the latency, with a late-notification alert where it exceeds the rule
    set's target; returns the notifications stored."""
    tube_ids = [tube_id for tube_id, _round in pooled]
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
    # plain rows: a day's file makes thousands, and model instances cost more than the rows
    rows_insert(Notification, rows)
    _late_notifications(pooled, point_regions, latency, notified_at)
    return len(rows)


def _late_notifications(
    pooled: Iterable[tuple[int, int]], point_regions: dict[int, int], latency_ms: int, now: datetime
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
    for tube_id, round_id in pooled:
        region_id = point_regions[tube_id]
        if latency_ms > targets[region_id] * 60_000:
            alerts.append(
                LabAlert(
                    kind=AlertKind.LATE_NOTIFICATION,
                    tube_id=tube_id,
                    round_id=round_id,
                    region_id=region_id,
                    raised_at=now,
                    detail={"latency_ms": latency_ms, "target_minutes": targets[region_id]},
                )
            )
    LabAlert.objects.bulk_create(alerts, ignore_conflicts=True)
