"""Registering warehouses, receiving points and key items; receiving and issuing stock by
batch (issue 21 §5).

Stock never goes negative: every issue locks the lots it may take from in one fixed order
(by id), takes first from the lot that expires first, and the database refuses a negative
quantity anyway (``stock_lot_not_negative``). An issue carries a key unique per warehouse:
the same issue retried, even racing itself, takes the goods once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.people.validation import require_in_scope
from fangkong.regions.models import Region
from fangkong.supplies.checks import (
    Errors,
    clean_text,
    quantity_check,
    refuse_if,
    require_role,
)
from fangkong.supplies.choices import ItemKind, MoveKind, SupplyEventKind
from fangkong.supplies.events import supply_event_record
from fangkong.supplies.models import (
    Item,
    ReceivingPoint,
    StockIssue,
    StockLot,
    StockMove,
    Warehouse,
)
from fangkong.supplies.roles import SUPPLIES_WRITE_ROLES
from fangkong.supplies.stock.selectors import usable


def _place_checked(name: str, address: str) -> tuple[str, str]:
    errors: Errors = []
    cleaned_name = clean_text(name, field="name", max_length=120, errors=errors)
    cleaned_address = clean_text(address, field="address", max_length=255, errors=errors)
    refuse_if(errors, _("The place was not registered."))
    return cleaned_name, cleaned_address


def warehouse_create(*, actor: AnyActor, region: Region, name: str, address: str) -> Warehouse:
    """Register a warehouse at ``region`` (in the actor's subtree). Raises
    ``PermissionDenied``, ``NotFound`` (node out of scope), ``ValidationFailed`` per field."""
    require_role(actor, SUPPLIES_WRITE_ROLES)
    require_in_scope(actor, region)
    name, address = _place_checked(name, address)
    with transaction.atomic():
        warehouse = Warehouse.objects.create(name=name, region=region, address=address)
        audit_record(
            actor=actor,
            action="warehouse_create",
            object_type="warehouse",
            object_id=warehouse.code,
            fields=["name", "region", "address"],
        )
    return warehouse


def receiving_point_create(
    *, actor: AnyActor, region: Region, name: str, address: str, households: int
) -> ReceivingPoint:
    """Register a compound's fixed receiving point at the compound's node ``region``, with
    the number of households it serves."""
    require_role(actor, SUPPLIES_WRITE_ROLES)
    require_in_scope(actor, region)
    name, address = _place_checked(name, address)
    if not 0 <= households <= 1_000_000:
        refuse_if(
            [field_error("households", "out_of_range", _("Between 0 and 1,000,000."))],
            _("The place was not registered."),
        )
    with transaction.atomic():
        point = ReceivingPoint.objects.create(
            name=name, region=region, address=address, households=households
        )
        audit_record(
            actor=actor,
            action="receiving_point_create",
            object_type="receiving_point",
            object_id=point.code,
            fields=["name", "region", "address", "households"],
        )
    return point


def item_create(*, actor: AnyActor, sku: str, name: str, kind: str, unit: str) -> Item:
    """Add a key item to the one list (``sku``: lower-case letters, digits, ``-`` and ``_``).
    A code in use is refused naming ``sku``."""
    require_role(actor, SUPPLIES_WRITE_ROLES)
    errors: Errors = []
    code = (sku or "").strip()
    if (
        not code
        or len(code) > 40
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        errors.append(field_error("sku", "invalid", _("Letters, digits, - and _; at most 40.")))
    elif Item.objects.filter(sku=code).exists():
        errors.append(field_error("sku", "item_exists", _("This item code is in use.")))
    cleaned = clean_text(name, field="name", max_length=120, errors=errors)
    cleaned_unit = clean_text(unit, field="unit", max_length=40, errors=errors)
    if kind not in ItemKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    refuse_if(errors, _("The item was not added."))
    with transaction.atomic():
        item = Item.objects.create(sku=code, name=cleaned, kind=kind, unit=cleaned_unit)
        audit_record(
            actor=actor,
            action="item_create",
            object_type="item",
            object_id=item.sku,
            fields=["sku", "name", "kind", "unit"],
        )
    return item


def stock_receive(
    *,
    actor: AnyActor,
    warehouse: Warehouse,
    item: Item,
    batch: str,
    quantity: int,
    expires_on: date | None,
) -> StockLot:
    """Add ``quantity`` units of ``item`` from ``batch`` to ``warehouse`` (a new lot, or the
    lot of that batch; a batch keeps one expiry date, another one is refused naming
    ``expires_on``). One receipt move, a history row and an audit row."""
    require_role(actor, SUPPLIES_WRITE_ROLES)
    errors: Errors = []
    batch_code = clean_text(batch, field="batch", max_length=40, errors=errors)
    quantity_check(quantity, field="quantity", errors=errors)
    refuse_if(errors, _("The receipt was not recorded."))
    now = timezone.now()
    with transaction.atomic():
        lot, _created = StockLot.objects.select_for_update().get_or_create(
            warehouse=warehouse,
            item=item,
            batch=batch_code,
            defaults={"expires_on": expires_on},
        )
        if lot.expires_on != expires_on:
            refuse_if(
                [
                    field_error(
                        "expires_on",
                        "batch_expiry_differs",
                        _("This batch is held with another expiry date."),
                    )
                ],
                _("The receipt was not recorded."),
            )
        StockLot.objects.filter(pk=lot.pk).update(quantity=F("quantity") + quantity)
        StockMove.objects.create(
            lot=lot,
            kind=MoveKind.RECEIPT,
            quantity=quantity,
            at=now,
            day=timezone.localdate(now),
            actor=actor.username,
        )
        supply_event_record(
            object_type="warehouse",
            code=warehouse.code,
            region=warehouse.region,
            kind=SupplyEventKind.RECEIVED,
            actor=actor,
            detail={"item": item.sku, "batch": batch_code, "quantity": quantity},
        )
        audit_record(
            actor=actor,
            action="stock_receive",
            object_type="warehouse",
            object_id=warehouse.code,
            fields=["quantity"],
            extra={"item": item.sku, "batch": batch_code, "quantity": quantity},
        )
    lot.refresh_from_db()
    return lot


@dataclass(frozen=True)
class IssueResult:
    """The issue, and whether this call made it (``False``: the key was used before and the
    first issue is answered again)."""

    issue: StockIssue
    created: bool


def _takes(lots: Sequence[StockLot], wanted: int) -> list[tuple[StockLot, int]]:
    """First expiry first (lots without expiry last): how much to take from which lot."""
    takes = []
    for lot in sorted(lots, key=lambda lot: (lot.expires_on is None, lot.expires_on, lot.pk)):
        if wanted <= 0:
            break
        take = min(lot.quantity, wanted)
        if take > 0:
            takes.append((lot, take))
            wanted -= take
    return takes


def stock_issue(
    *,
    actor: AnyActor,
    warehouse: Warehouse,
    lines: Sequence[tuple[Item, int]],
    key: str,
    reason: str,
) -> IssueResult:
    """Take ``lines`` (item, units) out of ``warehouse`` as one issue, all or nothing.

    1. The key is checked (``key``: 1–100 printable characters); an issue with this key at
       this warehouse is answered again, nothing is taken twice.
    2. The issue row is written first: a concurrent call with the same key waits on it and
       then answers the winner's issue.
    3. The usable lots of the items are locked in id order (every issuer locks in the same
       order, so two issues never wait on each other in a circle) and read afresh.
    4. Each line takes from the lot that expires first; a line the stock cannot cover
       refuses the whole issue (``stock_short``, 409, naming the item).
    5. Lots are decremented in the database, one issue move per lot taken from, a history
       row and an audit row, in the same transaction.
    """
    require_role(actor, SUPPLIES_WRITE_ROLES)
    errors: Errors = []
    cleaned_key = (key or "").strip()
    if not cleaned_key or len(cleaned_key) > 100 or not cleaned_key.isprintable():
        errors.append(field_error("key", "invalid", _("1 to 100 printable characters.")))
    why = clean_text(reason, field="reason", max_length=255, errors=errors)
    totals: dict[int, int] = {}
    items: dict[int, Item] = {}
    for row, (item, units) in enumerate(lines, start=1):
        quantity_check(units, field="quantity", errors=errors, row=row)
        totals[item.pk] = totals.get(item.pk, 0) + units
        items[item.pk] = item
    if not totals:
        errors.append(field_error("lines", "required", _("Name at least one item.")))
    refuse_if(errors, _("Nothing was issued."))
    existing = StockIssue.objects.filter(warehouse=warehouse, key=cleaned_key).first()
    if existing is not None:
        return IssueResult(existing, created=False)
    now = timezone.now()
    today = timezone.localdate(now)
    try:
        with transaction.atomic():
            issue = StockIssue.objects.create(
                warehouse=warehouse, key=cleaned_key, reason=why, at=now, actor=actor.username
            )
            _issue_lots(issue=issue, totals=totals, items=items, day=today, actor=actor)
            supply_event_record(
                object_type="warehouse",
                code=warehouse.code,
                region=warehouse.region,
                kind=SupplyEventKind.ISSUED,
                actor=actor,
                reason=why,
                detail={
                    "issue": str(issue.code),
                    "items": {items[i].sku: n for i, n in totals.items()},
                },
            )
            audit_record(
                actor=actor,
                action="stock_issue",
                object_type="warehouse",
                object_id=warehouse.code,
                fields=["quantity"],
                reason=why,
                extra={"issue": str(issue.code)},
            )
    except IntegrityError:
        # the same key committed meanwhile (the unique index made us wait for it)
        winner = StockIssue.objects.filter(warehouse=warehouse, key=cleaned_key).first()
        if winner is None:
            raise
        return IssueResult(winner, created=False)
    return IssueResult(issue, created=True)


def _issue_lots(
    *, issue: StockIssue, totals: dict[int, int], items: dict[int, Item], day: date, actor: AnyActor
) -> None:
    lots = list(
        StockLot.objects.select_for_update()
        .filter(usable(day), warehouse=issue.warehouse, item_id__in=sorted(totals))
        .order_by("id")
    )
    moves = []
    for item_id in sorted(totals):
        held = [lot for lot in lots if lot.item_id == item_id]
        takes = _takes(held, totals[item_id])
        if sum(take for _, take in takes) < totals[item_id]:
            raise Conflict(
                _("Not enough %(item)s in stock: %(have)d of %(want)d.")
                % {
                    "item": items[item_id].name,
                    "have": sum(lot.quantity for lot in held),
                    "want": totals[item_id],
                },
                code="stock_short",
                detail={"item": items[item_id].sku},
            )
        for lot, take in takes:
            StockLot.objects.filter(pk=lot.pk).update(quantity=F("quantity") - take)
            moves.append(
                StockMove(
                    lot=lot,
                    kind=MoveKind.ISSUE,
                    quantity=take,
                    issue=issue,
                    at=issue.at,
                    day=day,
                    actor=actor.username,
                )
            )
    StockMove.objects.bulk_create(moves)
