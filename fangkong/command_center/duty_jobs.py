"""Periodic jobs of the duty work: overdue directives escalate (R33)."""

from __future__ import annotations

from datetime import timedelta

from fangkong.command_center.directives.services import directives_escalate_overdue
from fangkong.command_center.duty.services import duty_checks_review
from fangkong.command_center.reports.services import reports_flag_missing
from fangkong.command_center.supervision.services import findings_escalate_overdue
from fangkong.core.actor import SYSTEM
from fangkong.core.periodic import periodic


@periodic("command_directives_escalate", every=timedelta(minutes=5))
def directives_escalate_job() -> str:
    """Escalate overdue directives one level up."""
    return f"escalated {directives_escalate_overdue(actor=SYSTEM)}"


@periodic("command_duty_checks_review", every=timedelta(minutes=1))
def duty_checks_review_job() -> str:
    """Tell senders which localities did not answer a duty check in time."""
    return f"reviewed {duty_checks_review(actor=SYSTEM)}"


@periodic("command_reports_flag_missing", every=timedelta(minutes=15))
def reports_flag_missing_job() -> str:
    """Flag the units whose daily report is not in by its deadline (R31)."""
    return f"flagged {reports_flag_missing(actor=SYSTEM)}"


@periodic("command_findings_escalate", every=timedelta(minutes=5))
def findings_escalate_job() -> str:
    """Escalate overdue inspection findings one level up (R33)."""
    return f"escalated {findings_escalate_overdue(actor=SYSTEM)}"
