"""Screening endpoints under ``/api/v1/lab``: one router per sub-domain, gathered here."""

from __future__ import annotations

from ninja import Router

from fangkong.lab.api.binding import router as binding_router
from fangkong.lab.api.coverage import router as coverage_router
from fangkong.lab.api.exports import router as exports_router
from fangkong.lab.api.labwork import router as labwork_router
from fangkong.lab.api.people import router as people_router
from fangkong.lab.api.rounds import router as rounds_router
from fangkong.lab.api.uploads import router as uploads_router

router = Router(tags=["screening"])
for sub in (  # binding first: the busiest route is tried first
    binding_router,
    rounds_router,
    labwork_router,
    uploads_router,
    coverage_router,
    people_router,
    exports_router,
):
    router.add_router("", sub)
