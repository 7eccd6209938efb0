"""Issues racing for the same stock from many threads (each its own connection and
transaction), some of them retries of the same key: stock never goes negative, no key is
issued twice, and what left the warehouse is exactly what the winning issues took."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.db.models import Sum

from fangkong.core.errors import Conflict
from fangkong.supplies.models import StockIssue, StockLot, StockMove
from fangkong.supplies.stock.services import IssueResult, stock_issue, stock_receive
from fangkong.supplies.tests.factories import items_make, staff_make, warehouse_make

THREADS = 16
UNITS = 7
STOCK = 50  # enough for 7 issues of 7 units: some threads must be refused


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_many_threads_never_take_stock_below_zero_nor_issue_a_key_twice(shared_database, tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items)
    for batch, units in (("A", 20), ("B", 30)):  # two lots: issues lock both, in id order
        stock_receive(
            actor=staff.officer,
            warehouse=warehouse,
            item=items["food"],
            batch=batch,
            quantity=units,
            expires_on=None,
        )
    barrier = threading.Barrier(THREADS)
    results: list[IssueResult] = []
    refused: list[Conflict] = []
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            # every key is sent by two threads: a client retrying while the first is in flight
            results.append(
                stock_issue(
                    actor=staff.officer,
                    warehouse=warehouse,
                    lines=[(items["food"], UNITS)],
                    key=f"key-{n // 2}",
                    reason="发放",
                )
            )
        except Conflict as exc:
            refused.append(exc)
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    issues = StockIssue.objects.filter(warehouse=warehouse)
    made = {r.issue.pk for r in results if r.created}
    assert set(issues.values_list("pk", flat=True)) == made  # one issue per key at most
    assert issues.count() == len({r.issue.key for r in results})
    assert len(made) <= STOCK // UNITS
    assert all(lot.quantity >= 0 for lot in StockLot.objects.all())
    taken = StockMove.objects.filter(issue__isnull=False).aggregate(s=Sum("quantity"))["s"] or 0
    assert taken == UNITS * len(made)
    assert StockLot.objects.aggregate(s=Sum("quantity"))["s"] == STOCK - taken
    assert refused, "the stock was short for some keys"
    assert all(exc.code == "stock_short" for exc in refused)
