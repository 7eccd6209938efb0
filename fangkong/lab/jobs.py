"""Periodic jobs of the screening chain (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.periodic import periodic
from fangkong.lab.choices import RoundStatus
from fangkong.lab.coverage.tallies import (
    round_tally_check,
    round_tally_fold,
    round_tally_rebuild,
    tube_tally_check,
    tube_tally_rebuild,
)
from fangkong.lab.exchange.services import result_exports_run
from fangkong.lab.models import ScreeningRound
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


@periodic("round_tally_check", every=timedelta(hours=6))
def round_tally_job() -> str:
    """Recount the open rounds' tallies (coverage, tubes by status) and repair any that
    differ. They are kept exact as they change; only a person moving in the same instant as
    their sampling can slip between two transactions, so this is a safety net, not the way
    the counts are kept."""
    repaired = []
    open_rounds = list(
        ScreeningRound.objects.filter(status=RoundStatus.OPEN).values_list("id", flat=True)
    )
    for round_id in open_rounds:
        drifted = False
        if round_tally_check(round_id):
            round_tally_rebuild(round_id)
            drifted = True
        if tube_tally_check(round_id):
            tube_tally_rebuild(round_id)
            drifted = True
        if drifted:
            repaired.append(round_id)
    return f"{len(open_rounds)} open rounds checked, {len(repaired)} repaired"
