"""Periodic jobs of accounts: the dormant-account report (baseline item 7, T30)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.periodic import periodic

DORMANT_AFTER = timedelta(days=90)


def dormant_accounts() -> list[str]:
    """Active accounts with no sign-in for 90 days (or never, if created over 90 days ago)."""
    cutoff = timezone.now() - DORMANT_AFTER
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .order_by("username")
        .values_list("username", flat=True)
    )


@periodic("dormant_accounts_report", every=timedelta(days=1))
def dormant_accounts_job() -> str:
    """List dormant accounts for administrators to review (disable leavers the same day)."""
    names = dormant_accounts()
    return f"{len(names)} dormant: {', '.join(names[:50])}" if names else "0 dormant"
