"""Periodic jobs of the tracing app (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from fangkong.core.periodic import periodic
from fangkong.tracing.purge import tracing_purge


@periodic("tracing_purge", every=timedelta(days=1))
def tracing_purge_job() -> str:
    """Delete the scan and dwell days older than the rule set's retention (T24)."""
    purge = tracing_purge()
    return (
        f"{len(purge.days)} day partitions, {purge.files} files, {purge.rows} rows purged "
        f"(scans kept from {purge.scan_cutoff}, dwells from {purge.dwell_cutoff})"
    )
