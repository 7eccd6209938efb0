"""What a batch of tubes meets already stored: people sampled in the round, tubes under the
same barcodes (read by ``services.binding`` for every batch; open re-test tasks are
``retests.open_retest_tasks_locked``)."""

from __future__ import annotations

from django.db import connection

from fangkong.core.lookups import sql_in
from fangkong.lab.models import Binding, Tube


def sampled_in_rounds(rounds: set[int], people: set[int]) -> set[tuple[int, int]]:
    """``(round, person)`` pairs among these with a screening binding: exactly the rows of the
    partial unique index ``binding_one_per_round``.

    On PostgreSQL each pair is one index probe (a ``LATERAL`` subquery with ``LIMIT 1``, which
    the planner cannot turn into a scan of the round: with ``person_id IN (…)``, or with a
    join whose statistics lag behind a fast-growing round, PostgreSQL 15 reads every binding
    of the round and filters).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.id, p.id FROM unnest(%s::bigint[]) AS r(id) "
                "CROSS JOIN unnest(%s::bigint[]) AS p(id) "
                "CROSS JOIN LATERAL (SELECT 1 FROM lab_binding b WHERE b.round_id = r.id "
                "AND b.person_id = p.id AND NOT b.retest LIMIT 1) AS found",
                [sorted(rounds), sorted(people)],
            )
            return {(int(r), int(p)) for r, p in cursor.fetchall()}
    return set(
        Binding.objects.filter(round_id__in=rounds, person_id__in=people, retest=False).values_list(
            "round_id", "person_id"
        )
    )


def tubes_stored(barcodes: set[str]) -> tuple[dict[str, Tube], dict[int, list[int]]]:
    """The tubes already stored under these barcodes, and their members' person ids in
    position order. Asked for every batch, so the barcodes are looked up in raw SQL; the few
    found are loaded as models."""
    condition, params = sql_in("barcode", barcodes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM lab_tube WHERE {condition}", params)  # noqa: S608 (placeholders only)
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return {}, {}
    tubes = {tube.barcode: tube for tube in Tube.objects.filter(id__in=ids)}
    members: dict[int, list[int]] = {}
    for tube_id, person_id in (
        Binding.objects.filter(tube_id__in=ids)
        .order_by("tube_id", "position")
        .values_list("tube_id", "person_id")
    ):
        members.setdefault(tube_id, []).append(person_id)
    return tubes, members
