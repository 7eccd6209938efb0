from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from fangkong.core.actor import SYSTEM
from fangkong.core.audit import audit_chain_verify, audit_record
from fangkong.core.dbguard import audit_guard_install, audit_guard_remove
from fangkong.core.models import AuditEntry


def _write(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(
                actor=SYSTEM,
                action="thing_update",
                object_type="thing",
                object_id=i,
                fields=["name"],
            )


@pytest.mark.django_db
def test_chain_verifies_and_catches_an_edited_row():
    _write(5)
    assert audit_chain_verify().ok
    assert audit_chain_verify().checked == 5
    target = AuditEntry.objects.order_by("id")[2]
    audit_guard_install(connection)
    # The application cannot edit the ledger: the database refuses.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=target.pk).update(reason="tampered")
    # Someone with the power to drop the guard (a DBA) edits a row: the chain check finds it.
    audit_guard_remove(connection)
    AuditEntry.objects.filter(pk=target.pk).update(reason="tampered")
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_at == target.pk


@pytest.mark.django_db(transaction=True)
def test_audit_refuses_to_run_outside_the_transaction_of_a_write():
    with pytest.raises(RuntimeError):
        audit_record(actor=SYSTEM, action="x", object_type="y", object_id=1)


@pytest.mark.django_db
def test_audit_row_rolls_back_with_the_write():
    def write_then_fail() -> None:
        with transaction.atomic():
            audit_record(actor=SYSTEM, action="thing_update", object_type="thing", object_id=1)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        write_then_fail()
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_actors_write_separate_chains_and_an_edit_in_one_is_still_found():
    from fangkong.core.actor import Actor

    def actor(user_id: int) -> Actor:
        return Actor(
            user_id=user_id,
            username=f"u{user_id}",
            role="sampler",
            membership_id=user_id,
            region_id=1,
            region_path="110000",
            region_code="110000",
        )

    for position in range(6):
        with transaction.atomic():
            audit_record(
                actor=actor(1 + position % 2),
                action="tube_bind",
                object_type="tube",
                object_id=position,
            )
    rows = list(AuditEntry.objects.order_by("id"))
    assert {row.chain for row in rows} == {1, 2}
    assert rows[2].prev_hash == rows[0].row_hash  # the previous row of its own chain
    assert audit_chain_verify().ok
    audit_guard_remove(connection)
    AuditEntry.objects.filter(pk=rows[3].pk).update(object_id="forged")
    assert audit_chain_verify().broken_at == rows[3].pk
