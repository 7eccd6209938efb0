"""Who is told of a pooled positive, and with what (R12) — one rule for the per-tube service
and the set-based round path: the testing working group and the emergency sampling squad at
the round's node, the police there too where the rules in force at that node say so, and each
community with members in the tube, with how many."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.utils import timezone

from fangkong.lab.choices import Recipient
from fangkong.lab.models import Notification
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
) -> list[Notification]:
    """Unsaved notification rows for pooled-positive tubes.

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
    rows: list[Notification] = []
    for tube_id in sorted(members):
        base = {
            "tube_id": tube_id,
            "result_at": result_at,
            "notified_at": notified_at,
            "latency_ms": latency,
            "members": len(members[tube_id]),
        }
        node = round_region[tube_id]
        recipients = [Recipient.WORKING_GROUP, Recipient.EMERGENCY_SQUAD]
        if police[node]:
            recipients.append(Recipient.POLICE)
        for recipient in recipients:
            rows.append(Notification(recipient=recipient, region_id=node, **base))
        counts: dict[int, int] = defaultdict(int)
        for region_id in members[tube_id]:
            counts[community[region_id]] += 1
        for community_id, count in sorted(counts.items()):
            rows.append(
                Notification(
                    recipient=Recipient.COMMUNITY,
                    region_id=community_id,
                    **{**base, "members": count},
                )
            )
    return rows
