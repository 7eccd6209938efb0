"""Periodic jobs of the core: the audit chain check."""

from __future__ import annotations

import logging
from datetime import timedelta

from fangkong.core.audit import audit_chain_verify
from fangkong.core.periodic import periodic

logger = logging.getLogger(__name__)


@periodic("audit_chain_verify", every=timedelta(hours=1))
def audit_chain_job() -> str:
    """Walk the audit chain; a break is logged at ERROR and the run is marked failed."""
    report = audit_chain_verify()
    if not report.ok:
        logger.error("audit chain broken at row %s", report.broken_at)
        raise RuntimeError(
            f"audit chain broken at row {report.broken_at} after {report.checked} good rows"
        )
    return f"{report.checked} rows verified"
