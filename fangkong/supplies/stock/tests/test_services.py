"""Stock by batch: receipts, first-expiry-first issues, never negative, one issue per key
(a property over random sequences of receipts, issues and retries)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.supplies.choices import MoveKind
from fangkong.supplies.models import StockIssue, StockLot, StockMove
from fangkong.supplies.stock.access import access_warehouse
from fangkong.supplies.stock.services import stock_issue, stock_receive
from fangkong.supplies.tests.factories import items_make, staff_make, warehouse_make

pytestmark = pytest.mark.django_db


def test_issue_takes_the_batch_that_expires_first(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items)
    today = timezone.localdate()
    late = stock_receive(
        actor=staff.officer,
        warehouse=warehouse,
        item=items["food"],
        batch="LATE",
        quantity=10,
        expires_on=today + timedelta(days=30),
    )
    soon = stock_receive(
        actor=staff.officer,
        warehouse=warehouse,
        item=items["food"],
        batch="SOON",
        quantity=10,
        expires_on=today + timedelta(days=3),
    )
    stock_receive(
        actor=staff.officer,
        warehouse=warehouse,
        item=items["food"],
        batch="GONE",
        quantity=50,
        expires_on=today - timedelta(days=1),
    )
    stock_issue(
        actor=staff.officer,
        warehouse=warehouse,
        lines=[(items["food"], 12)],
        key="k1",
        reason="发放",
    )
    soon.refresh_from_db()
    late.refresh_from_db()
    assert (soon.quantity, late.quantity) == (0, 8)
    with pytest.raises(Conflict) as refused:  # expired stock is never issued
        stock_issue(
            actor=staff.officer,
            warehouse=warehouse,
            lines=[(items["food"], 9)],
            key="k2",
            reason="发放",
        )
    assert refused.value.code == "stock_short"
    late.refresh_from_db()
    assert late.quantity == 8


def test_a_retried_issue_takes_the_goods_once(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 10})
    first = stock_issue(
        actor=staff.officer, warehouse=warehouse, lines=[(items["food"], 4)], key="x", reason="r"
    )
    again = stock_issue(
        actor=staff.officer, warehouse=warehouse, lines=[(items["food"], 4)], key="x", reason="r"
    )
    assert first.created
    assert not again.created
    assert first.issue.pk == again.issue.pk
    assert StockLot.objects.get().quantity == 6


def test_the_database_refuses_negative_stock(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse_make(staff, items, stock={"food": 1})
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.update(quantity=-1)


def test_bad_input_names_the_field_and_roles_and_scope_are_kept(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 5})
    with pytest.raises(ValidationFailed) as bad:
        stock_issue(
            actor=staff.officer, warehouse=warehouse, lines=[(items["food"], 0)], key="", reason=""
        )
    assert {e["field"] for e in bad.value.errors} == {"key", "reason", "quantity"}
    with pytest.raises(PermissionDenied):
        stock_issue(
            actor=staff.grid, warehouse=warehouse, lines=[(items["food"], 1)], key="g", reason="r"
        )
    with pytest.raises(NotFound):
        access_warehouse(staff.other_officer, warehouse.code)
    with pytest.raises(ValidationFailed) as expiry:
        stock_receive(
            actor=staff.officer,
            warehouse=warehouse,
            item=items["food"],
            batch="B-food",
            quantity=1,
            expires_on=date(2030, 1, 1),
        )
    assert expiry.value.errors[0]["field"] == "expires_on"


operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(1, 40), st.sampled_from(["A", "B", "C"])),
        st.tuples(st.just("issue"), st.integers(1, 60), st.sampled_from(["k1", "k2", "k3", "k4"])),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
def test_stock_equals_receipts_less_issues_and_never_goes_negative(tree, steps):
    """Any sequence of receipts, issues and retried issue keys: every lot stays ≥ 0, the
    stock equals receipts less issues, each key issued at most once, a refused issue takes
    nothing."""
    with transaction.atomic():
        staff = staff_make(tree)
        items = items_make(staff)
        warehouse = warehouse_make(staff, items)
        expected = 0
        used: dict[str, int] = {}
        for kind, units, label in steps:
            if kind == "receive":
                stock_receive(
                    actor=staff.officer,
                    warehouse=warehouse,
                    item=items["food"],
                    batch=label,
                    quantity=units,
                    expires_on=None,
                )
                expected += units
                continue
            try:
                result = stock_issue(
                    actor=staff.officer,
                    warehouse=warehouse,
                    lines=[(items["food"], units)],
                    key=label,
                    reason="r",
                )
            except Conflict:
                assert units > expected
                continue
            if result.created:
                used[label] = units
                expected -= units
            else:
                assert label in used
        lots = StockLot.objects.filter(warehouse=warehouse)
        assert all(lot.quantity >= 0 for lot in lots)
        assert sum(lot.quantity for lot in lots) == expected
        moves = StockMove.objects.filter(lot__warehouse=warehouse)
        received = moves.filter(kind=MoveKind.RECEIPT).aggregate(s=Sum("quantity"))["s"] or 0
        issued = moves.filter(kind=MoveKind.ISSUE).aggregate(s=Sum("quantity"))["s"] or 0
        assert received - issued == expected
        assert StockIssue.objects.filter(warehouse=warehouse).count() == len(used)
        transaction.set_rollback(True)
