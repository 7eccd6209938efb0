"""Periodic jobs of the core: ledger checkpoints and the ledger check."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings

from fangkong.core.checkpoints import checkpoint_write, ledgers_verify
from fangkong.core.periodic import periodic

logger = logging.getLogger(__name__)


@periodic("ledger_checkpoint", every=timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES))
def ledger_checkpoint_job() -> str:
    """Sign where every chain of both ledgers stands (nothing when no chain moved)."""
    checkpoint = checkpoint_write()
    return f"checkpoint {checkpoint.seq} written" if checkpoint else "no new rows"


@periodic("audit_chain_verify", every=timedelta(hours=1))
def audit_chain_job() -> str:
    """Verify the checkpoints and walk both ledgers; a break is logged at ERROR and the run
    is marked failed."""
    reports = ledgers_verify()
    for report in reports:
        if not report.ok:
            logger.error("ledger check failed: %s", report.reason)
            raise RuntimeError(report.reason)
    return "; ".join(f"{report.ledger}: {report.checked} verified" for report in reports)


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
