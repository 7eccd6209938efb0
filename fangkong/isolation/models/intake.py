"""Where an order came from: the confirmed contact (or, later, the arrival) it was issued for
(issue 20 §2). One row per source, so a source is ordered once."""

from __future__ import annotations

from django.db import models

from fangkong.isolation.choices import OrderSourceKind
from fangkong.isolation.models.orders import IsolationOrder


class OrderSource(models.Model):
    """The decision an order carries out: ``kind`` (a confirmed contact link) and the source's
    public code (``ContactLink.code``). Unique per source, so issuing the orders of a case's
    contacts again finds them ordered (idempotent); a person who was a contact of two cases
    keeps one order, with both links pointing at it."""

    order = models.ForeignKey(IsolationOrder, on_delete=models.PROTECT, related_name="sources")
    kind = models.CharField(max_length=12, choices=OrderSourceKind.choices)
    source = models.UUIDField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "source"], name="ordersource_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}"
