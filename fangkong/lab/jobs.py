"""Periodic jobs of the screening chain (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.periodic import periodic, periodic_last_ok_start
from fangkong.lab.coverage.services import round_tallies_repair
from fangkong.lab.coverage.tallies import round_tally_fold
from fangkong.lab.exchange.services import result_exports_run
from fangkong.lab.results.alerts import turnaround_alerts_raise


@periodic("lab_turnaround_alerts", every=timedelta(minutes=5))
def turnaround_alerts_job() -> str:
    """Raise a late-result alert for every tube past its turnaround target (R13)."""
    raised = turnaround_alerts_raise(now=timezone.now())
    return f"{raised} late-result alerts raised"


@periodic("lab_result_exports", every=timedelta(minutes=1))
def result_exports_job() -> str:
    """Send the results recorded since the last batch to each configured target (R17)."""
    sent = result_exports_run(now=timezone.now())
    if not sent:
        return "no export destination configured"
    return ", ".join(f"{target}: {count} batches sent" for target, count in sent.items())


@periodic("round_tally_fold", every=timedelta(minutes=1))
def round_tally_fold_job() -> str:
    """Fold the coverage tally deltas of the last minute's bindings into the tally."""
    return f"{round_tally_fold()} tally deltas folded"


TALLY_CHECK = "round_tally_check"


@periodic(TALLY_CHECK, every=timedelta(hours=6))
def round_tally_job() -> str:
    """Recount the tallies of the open rounds, and of the rounds closed since the last check
    that finished well, and repair any that differ (a safety net, not the way the counts are
    kept: :func:`~fangkong.lab.coverage.services.round_tallies_repair`)."""
    done = round_tallies_repair(closed_since=periodic_last_ok_start(TALLY_CHECK))
    return (
        f"{done.open_rounds} open and {done.closed_rounds} newly closed rounds checked, "
        f"{len(done.repaired)} repaired"
    )
