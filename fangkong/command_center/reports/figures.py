"""The figures a daily report fills from the data: for one unit's whole subtree and one local
day, one aggregate query per source app (lab, cases, tracing, isolation).

A day is the unit's local day (its node's time zone), ``[00:00, 24:00)``. Counts that are a
state rather than a flow (tubes pending, orders active) are taken at the end of the day;
rooms free is the state when the report is filed (rooms keep no history of their status).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import CaseClassification
from fangkong.cases.models import Case
from fangkong.isolation.choices import RoomStatus
from fangkong.isolation.models import IsolationOrder, Room
from fangkong.lab.models import Tube
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.tracing.contacts.choices import ContactStatus
from fangkong.tracing.contacts.models import ContactLink

#: The figures in the order a report shows them, with their labels.
FIGURES = {
    "tests_done": _("Tubes tested"),
    "tests_pending": _("Tubes awaiting a result"),
    "new_cases": _("New cases (not ruled out)"),
    "contacts_traced": _("Contacts traced"),
    "contacts_confirmed": _("Close contacts confirmed"),
    "orders_active": _("Quarantine orders in force"),
    "rooms_free": _("Isolation rooms free"),
}
#: Figures that count something new that day: a zero report has them all at 0.
NEW_FIGURES = ("new_cases", "contacts_traced", "contacts_confirmed")


def day_bounds(region: Region, day: date) -> tuple[datetime, datetime]:
    """``[start, end)`` of ``day`` in the node's time zone, as aware datetimes."""
    zone = ZoneInfo(region.time_zone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def report_figures(region: Region, day: date) -> dict[str, int]:
    """Every figure of :data:`FIGURES` for ``region``'s subtree on ``day`` (five queries)."""
    start, end = day_bounds(region, day)
    root = region.path
    tubes = Tube.objects.filter(in_subtree(root, field="point__region__path")).aggregate(
        done=Count("id", filter=Q(reported_at__gte=start, reported_at__lt=end)),
        pending=Count(
            "id",
            filter=Q(sampled_at__lt=end) & (Q(reported_at__isnull=True) | Q(reported_at__gte=end)),
        ),
    )
    cases = Case.objects.filter(
        in_subtree(root, field="region__path"), opened_at__gte=start, opened_at__lt=end
    ).exclude(classification=CaseClassification.DISCARDED)
    contacts = ContactLink.objects.filter(in_subtree(root, field="region__path")).aggregate(
        traced=Count("id", filter=Q(derived_at__gte=start, derived_at__lt=end)),
        confirmed=Count(
            "id",
            filter=Q(status=ContactStatus.CONFIRMED, decided_at__gte=start, decided_at__lt=end),
        ),
    )
    orders = IsolationOrder.objects.filter(
        Q(released_at__isnull=True) | Q(released_at__gte=end),
        in_subtree(root, field="region__path"),
        issued_at__lt=end,
    )
    rooms = Room.objects.filter(
        in_subtree(root, field="facility__region__path"),
        status=RoomStatus.FREE,
        ready_at__isnull=False,
    )
    return {
        "tests_done": tubes["done"],
        "tests_pending": tubes["pending"],
        "new_cases": cases.count(),
        "contacts_traced": contacts["traced"],
        "contacts_confirmed": contacts["confirmed"],
        "orders_active": orders.count(),
        "rooms_free": rooms.count(),
    }


def report_deadline(region: Region, day: date, due_hour: int) -> datetime:
    """When the report for ``day`` is due: ``due_hour`` o'clock local time the next day (the
    rule set's ``command.daily_report_due_hour``)."""
    _start, end = day_bounds(region, day)
    return end + timedelta(hours=due_hour)
