"""The supplies app's models, one module per sub-domain."""

from fangkong.supplies.models.allocation import (
    Allocation,
    AllocationLine,
    RequestLine,
    SupplyRequest,
)
from fangkong.supplies.models.deliveries import Delivery, DoorDelivery
from fangkong.supplies.models.events import SupplyEvent
from fangkong.supplies.models.power import (
    PriorityUser,
    ServiceIncident,
    ShortagePlan,
    ShortagePlanLine,
)
from fangkong.supplies.models.stock import (
    Item,
    ReceivingPoint,
    StockIssue,
    StockLot,
    StockMove,
    Warehouse,
)

__all__ = [
    "Allocation",
    "AllocationLine",
    "Delivery",
    "DoorDelivery",
    "Item",
    "PriorityUser",
    "ReceivingPoint",
    "RequestLine",
    "ServiceIncident",
    "ShortagePlan",
    "ShortagePlanLine",
    "StockIssue",
    "StockLot",
    "StockMove",
    "SupplyEvent",
    "SupplyRequest",
    "Warehouse",
]
