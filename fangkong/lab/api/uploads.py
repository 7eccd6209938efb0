"""Screening endpoints: uploads."""

from __future__ import annotations

from ninja import Router

router = Router()
