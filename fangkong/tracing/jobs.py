"""Periodic jobs of the tracing app (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.core.periodic import periodic, periodic_last_ok_start
from fangkong.tracing.companions.selectors import cases_classified_since
from fangkong.tracing.companions.services import MAX_CASES_AT_ONCE, companions_derive_many
from fangkong.tracing.purge import tracing_purge
from fangkong.tracing.store import day_start


@periodic("tracing_purge", every=timedelta(days=1))
def tracing_purge_job() -> str:
    """Delete the scan and dwell days older than the rule set's retention (T24)."""
    purge = tracing_purge()
    return (
        f"{len(purge.days)} day partitions, {purge.files} files, {purge.rows} rows purged "
        f"(scans kept from {purge.scan_cutoff}, dwells from {purge.dwell_cutoff})"
    )


@periodic("companions_batch", every=timedelta(hours=1))
def companions_batch_job() -> str:
    """Derive the spatiotemporal companions (R20) of the open cases classified confirmed or
    asymptomatic since the last good run started (the first run: since the start of today),
    ``MAX_CASES_AT_ONCE`` cases to one pass over the dwell store."""
    since = periodic_last_ok_start("companions_batch") or day_start(timezone.localdate())
    cases = cases_classified_since(since)
    created = passes = 0
    for at in range(0, len(cases), MAX_CASES_AT_ONCE):
        batch = companions_derive_many(actor=SYSTEM, cases=cases[at : at + MAX_CASES_AT_ONCE])
        passes += batch.passes
        created += sum(found.total_created for found in batch.derivations.values())
    return f"{len(cases)} cases, {created} companion leads, {passes} store passes"
