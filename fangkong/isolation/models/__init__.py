"""The isolation app's models, one module per sub-domain."""

from fangkong.isolation.models.care import CareEvent, CareRequest
from fangkong.isolation.models.facilities import Facility, FacilityEvent, Room
from fangkong.isolation.models.intake import OrderSource
from fangkong.isolation.models.monitoring import *  # noqa: F403 - monitoring
from fangkong.isolation.models.orders import IsolationOrder, OrderEvent, OrderTestTask
from fangkong.isolation.models.positives import HomeIsolationTest
from fangkong.isolation.models.transfers import *  # noqa: F403 - transfers
from fangkong.isolation.models.treatment import Admission, TreatmentEvent, TreatmentTest

__all__ = [
    "Facility",
    "FacilityEvent",
    "HomeIsolationTest",
    "IsolationOrder",
    "OrderEvent",
    "OrderSource",
    "OrderTestTask",
    "Room",
]
__all__ += ["Admission", "CareEvent", "CareRequest", "TreatmentEvent", "TreatmentTest"]
