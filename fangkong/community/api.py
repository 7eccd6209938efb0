"""Community endpoints under ``/api/v1/community``: the routers of the sub-domains gathered
(grids, sweeps, restrictions, requests)."""

from __future__ import annotations

from ninja import Router

from fangkong.community.closures.api import router as closures_router
from fangkong.community.grids.api import router as grids_router
from fangkong.community.requests.api import router as requests_router
from fangkong.community.sweeps.api import router as sweeps_router

router = Router(tags=["community"])
router.add_router("", grids_router)
router.add_router("", sweeps_router)
router.add_router("", closures_router)
router.add_router("", requests_router)
