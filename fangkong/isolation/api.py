"""Isolation endpoints under ``/api/v1/isolation``: one router per sub-package, gathered here.

Each sub-package's ``api`` holds its operations; facilities and orders name their
``operation_id`` explicitly because they were first written here and generated clients depend
on the ids.
"""

from __future__ import annotations

from ninja import Router

from fangkong.isolation.care.api import router as care_router
from fangkong.isolation.facilities.api import router as facilities_router
from fangkong.isolation.intake.api import router as intake_router
from fangkong.isolation.monitoring.api import router as monitoring_router
from fangkong.isolation.orders.api import router as orders_router
from fangkong.isolation.transfers.api import router as transfers_router
from fangkong.isolation.treatment.api import router as treatment_router

router = Router(tags=["isolation"])
router.add_router("", facilities_router)  # issue 20 §1
router.add_router("", orders_router)  # issue 20 §2, §3, §6
router.add_router("", transfers_router)  # issue 20 §4
router.add_router("", monitoring_router)  # issue 20 §5
router.add_router("", intake_router)
router.add_router("/treatment", treatment_router)
router.add_router("/care", care_router)
