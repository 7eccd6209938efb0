"""Screening endpoints under ``/api/v1/lab``: one router per sub-domain, gathered here."""

from __future__ import annotations

from ninja import Router

from fangkong.lab.api.binding import router as binding_router
from fangkong.lab.api.labwork import router as labwork_router
from fangkong.lab.api.rounds import router as rounds_router

router = Router(tags=["screening"])
router.add_router("", rounds_router)
router.add_router("", binding_router)
router.add_router("", labwork_router)
