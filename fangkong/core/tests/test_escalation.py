"""The shared escalation loop: each batch claimed once, recorded in the claim's transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.core.escalation import claim_row, escalate_overdue
from fangkong.core.models import PeriodicJobState

pytestmark = pytest.mark.django_db


def _rows(count: int) -> list[PeriodicJobState]:
    return [PeriodicJobState.objects.create(job=f"job-{n}") for n in range(count)]


def test_each_row_is_escalated_once_across_runs() -> None:
    rows = _rows(3)
    now = timezone.now()
    due = PeriodicJobState.objects.filter(retry_at__isnull=True)
    recorded: list[tuple[str, list[int]]] = []

    def run() -> int:
        return escalate_overdue(
            rows,
            claim=lambda row: claim_row(due, row.pk, retry_at=now),
            record=lambda row, ids: recorded.append((row.job, ids)),
        )

    assert run() == 3
    assert run() == 0  # a second run (or a concurrent one) claims nothing again
    assert recorded == [(row.job, [row.pk]) for row in rows]
    assert PeriodicJobState.objects.filter(retry_at=now).count() == 3


def test_a_failed_record_undoes_its_claim_and_stops_the_run() -> None:
    first, second = _rows(2)
    later = timezone.now() + timedelta(hours=1)
    due = PeriodicJobState.objects.filter(retry_at__isnull=True)

    def record(row: PeriodicJobState, ids: list[int]) -> None:
        if row.pk == second.pk:
            raise RuntimeError("notice failed")

    with pytest.raises(RuntimeError):
        escalate_overdue(
            [first, second],
            claim=lambda row: claim_row(due, row.pk, retry_at=later),
            record=record,
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.retry_at == later  # its own transaction, committed
    assert second.retry_at is None  # claimed and rolled back with its record


def test_batches_count_every_claimed_row() -> None:
    rows = _rows(4)
    ids = [row.pk for row in rows]
    seen: list[list[int]] = []
    count = escalate_overdue(
        [ids[:3], ids[3:], []],
        claim=lambda batch: list(batch),
        record=lambda batch, claimed: seen.append(claimed),
    )
    assert count == 4
    assert seen == [ids[:3], ids[3:]]  # an empty claim records nothing
