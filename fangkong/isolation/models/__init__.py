"""The isolation app's models, one module per sub-domain."""

from fangkong.isolation.models.facilities import Facility, FacilityEvent, Room
from fangkong.isolation.models.intake import OrderSource
from fangkong.isolation.models.orders import IsolationOrder, OrderEvent, OrderTestTask

__all__ = [
    "Facility",
    "FacilityEvent",
    "IsolationOrder",
    "OrderEvent",
    "OrderSource",
    "OrderTestTask",
    "Room",
]
