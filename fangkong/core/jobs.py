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


@periodic("database_optimize", every=timedelta(hours=6))
def database_optimize_job() -> str:
    """Keep the query planner's statistics fresh. SQLite: ``PRAGMA optimize`` (re-analyses the
    tables whose statistics are stale); PostgreSQL's autovacuum does this itself."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return "statistics kept by autovacuum"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize")
    return "PRAGMA optimize done"
