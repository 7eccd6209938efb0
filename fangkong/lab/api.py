"""Screening endpoints under ``/api/v1/lab``: one router per sub-package, gathered here.

Each operation names its ``operation_id`` explicitly: the ids were derived from the modules of
the earlier layer-by-layer layout (``fangkong_lab_api_<module>_<function>``), and generated
clients depend on them, so moving an endpoint between modules must not change its id.
"""

from __future__ import annotations

from ninja import Router

from fangkong.lab.coverage.api import router as coverage_router
from fangkong.lab.exchange.api import router as exchange_router
from fangkong.lab.obligations.api import router as obligations_router
from fangkong.lab.results.api import router as results_router
from fangkong.lab.rounds.api import router as rounds_router
from fangkong.lab.sampling.api import router as sampling_router
from fangkong.lab.transport.api import router as transport_router

router = Router(tags=["screening"])
for sub in (  # sampling first: the busiest route is tried first
    sampling_router,
    rounds_router,
    transport_router,
    results_router,
    coverage_router,
    obligations_router,
    exchange_router,
):
    router.add_router("", sub)
