"""The figure sources of the apps: screening, cases, tracing, isolation, community, supplies.

Each count is one grouped query (``GROUP BY`` node and local day) over the owning app's
tables, so it costs one pass over the window's rows however many nodes there are. The node is
where the thing happened: a binding's node (the person's at sampling), a case's, a contact's
residence, the district a lead list was pushed to, an order's, a site's (the grouped counts
are ``regions.counts``'; community and supplies count in their own ``figures`` modules, which
their per-node figures read too).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from fangkong.cases.choices import CaseClassification
from fangkong.cases.models import Case, InvestigationTimer
from fangkong.command_center.picture.measures import (
    Counts,
    FigureSource,
    Flow,
    Measure,
    Stage,
    Window,
)
from fangkong.community.figures import community_count
from fangkong.isolation.choices import (
    AlertState,
    MonitoringAlertKind,
    OrderStatus,
    OrderTestStatus,
    RoomStatus,
    TransferStatus,
)
from fangkong.isolation.models import (
    IsolationOrder,
    MonitoringAlert,
    OrderTestTask,
    Room,
    TransferTask,
)
from fangkong.lab.choices import TubeResult
from fangkong.lab.models import Binding
from fangkong.regions.counts import now_state, per_date, per_day
from fangkong.supplies.figures import supplies_count
from fangkong.tracing.contacts.choices import ContactStatus
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.leads.choices import LeadOutcome
from fangkong.tracing.leads.models import LeadItem

#: Confirmed and asymptomatic infections: what the curves count (suspected ones may be
#: ruled out, ruled-out ones are no infections).
INFECTIONS = (CaseClassification.CONFIRMED, CaseClassification.ASYMPTOMATIC)
POSITIVE_RESULTS = (TubeResult.POSITIVE, TubeResult.POOLED_POSITIVE)


# --- screening ---------------------------------------------------------------------------

LAB_MEASURES = (
    Measure("tests_sampled", _("People sampled"), Flow.FLOW, Stage.SAMPLING),
    Measure("tests_pending", _("Awaiting results"), Flow.FLOW, Stage.RESULTS),
    Measure("tests_positive", _("In positive tubes"), Flow.FLOW, Stage.RESULTS),
    Measure("results_late", _("Results late"), Flow.STATE, Stage.RESULTS, late=True),
)


def _lab_count(window: Window) -> Iterable[Counts]:
    """People sampled per day (by sampling day), those whose tube has no result yet, those
    in a positive or pooled-positive tube; and now, people whose tube is past its result
    deadline without a result."""
    bindings = Binding.objects.all()
    yield "tests_sampled", per_day(bindings, node="region_id", at="scanned_at", window=window)
    yield (
        "tests_pending",
        per_day(
            bindings.filter(tube__result=TubeResult.PENDING),
            node="region_id",
            at="scanned_at",
            window=window,
        ),
    )
    yield (
        "tests_positive",
        per_day(
            bindings.filter(tube__result__in=POSITIVE_RESULTS),
            node="region_id",
            at="scanned_at",
            window=window,
        ),
    )
    late = bindings.filter(tube__result=TubeResult.PENDING, tube__due_at__lt=window.now)
    yield "results_late", now_state(late, node="region_id", window=window)


lab_figures = FigureSource("lab", LAB_MEASURES, _lab_count)


# --- cases -------------------------------------------------------------------------------

CASE_MEASURES = (
    Measure("cases_by_onset", _("New cases by onset"), Flow.FLOW, Stage.CASES),
    Measure("cases_by_report", _("New cases by report"), Flow.FLOW, Stage.CASES),
    Measure("cases_open", _("Cases under care"), Flow.STATE, Stage.CASES),
    Measure("timers_late", _("Investigations late"), Flow.STATE, Stage.CASES, late=True),
)


def _cases_count(window: Window) -> Iterable[Counts]:
    """Confirmed and asymptomatic cases by onset date and by the local day they were opened
    (reported); now: those under care, and investigation steps ("2+4+24") past due."""
    infections = Case.objects.filter(classification__in=INFECTIONS)
    yield (
        "cases_by_onset",
        per_date(infections, node="region_id", on="onset_date", window=window),
    )
    yield (
        "cases_by_report",
        per_day(infections, node="region_id", at="opened_at", window=window),
    )
    yield (
        "cases_open",
        now_state(infections.filter(closed_at__isnull=True), node="region_id", window=window),
    )
    late = InvestigationTimer.objects.filter(met_at__isnull=True, due_at__lt=window.now)
    yield "timers_late", now_state(late, node="case__region_id", window=window)


cases_figures = FigureSource("cases", CASE_MEASURES, _cases_count)


# --- tracing -----------------------------------------------------------------------------

TRACING_MEASURES = (
    Measure("contacts_traced", _("Contacts traced"), Flow.FLOW, Stage.CONTACTS),
    Measure("contacts_confirmed", _("Contacts confirmed"), Flow.FLOW, Stage.CONTACTS),
    Measure("leads_late", _("Leads not checked in time"), Flow.STATE, Stage.CONTACTS, late=True),
)


def _tracing_count(window: Window) -> Iterable[Counts]:
    """Contact candidates found per day and contacts confirmed per day (at the contact's
    node); now: lead-list entries not checked by their list's deadline, at the receiving
    node."""
    links = ContactLink.objects.all()
    yield "contacts_traced", per_day(links, node="region_id", at="derived_at", window=window)
    yield (
        "contacts_confirmed",
        per_day(
            links.filter(status=ContactStatus.CONFIRMED),
            node="region_id",
            at="decided_at",
            window=window,
        ),
    )
    late = LeadItem.objects.filter(outcome=LeadOutcome.PENDING, lead_list__deadline__lt=window.now)
    yield "leads_late", now_state(late, node="lead_list__to_region_id", window=window)


tracing_figures = FigureSource("tracing", TRACING_MEASURES, _tracing_count)


# --- isolation ---------------------------------------------------------------------------

ISOLATION_MEASURES = (
    Measure("orders_issued", _("Placed under isolation"), Flow.FLOW, Stage.ISOLATION),
    Measure("orders_active", _("Under isolation"), Flow.STATE, Stage.ISOLATION),
    Measure("rooms_free", _("Rooms free"), Flow.STATE, Stage.ISOLATION),
    Measure(
        "isolation_tests_late",
        _("Tests in isolation overdue"),
        Flow.STATE,
        Stage.ISOLATION,
        late=True,
    ),
    Measure("transfers_late", _("Transfers late"), Flow.STATE, Stage.ISOLATION, late=True),
    Measure("checks_missed", _("Health checks missed"), Flow.STATE, Stage.ISOLATION, late=True),
    Measure("orders_released", _("Released"), Flow.FLOW, Stage.RELEASE),
    Measure("releases_overdue", _("Release overdue"), Flow.STATE, Stage.RELEASE, late=True),
)


def _isolation_count(window: Window) -> Iterable[Counts]:
    """Quarantine and monitoring orders issued and released per day; now: open orders, open
    orders past their release day, scheduled tests of open orders whose day has passed,
    transfers not picked up or not delivered by the end of their window (at the task's node),
    missed health checks not yet closed (at the order's node), and free rooms (at the site's
    node)."""
    orders = IsolationOrder.objects.all()
    yield "orders_issued", per_day(orders, node="region_id", at="issued_at", window=window)
    yield (
        "orders_released",
        per_day(
            orders.filter(status=OrderStatus.RELEASED),
            node="region_id",
            at="released_at",
            window=window,
        ),
    )
    open_orders = orders.filter(status=OrderStatus.OPEN)
    yield "orders_active", now_state(open_orders, node="region_id", window=window)
    yield (
        "releases_overdue",
        now_state(open_orders.filter(release_on__lt=window.today), node="region_id", window=window),
    )
    overdue_tests = OrderTestTask.objects.filter(
        status=OrderTestStatus.SCHEDULED, on__lt=window.today, order__status=OrderStatus.OPEN
    )
    yield (
        "isolation_tests_late",
        now_state(overdue_tests, node="order__region_id", window=window),
    )
    late_transfers = TransferTask.objects.filter(
        window_end__lt=window.now,
        status__in=[TransferStatus.REQUESTED, TransferStatus.ASSIGNED, TransferStatus.PICKED_UP],
    )
    yield "transfers_late", now_state(late_transfers, node="region_id", window=window)
    missed = MonitoringAlert.objects.filter(kind=MonitoringAlertKind.MISSED).exclude(
        state=AlertState.CLOSED
    )
    yield "checks_missed", now_state(missed, node="region_id", window=window)
    rooms = Room.objects.filter(status=RoomStatus.FREE)
    yield "rooms_free", now_state(rooms, node="facility__region_id", window=window)


isolation_figures = FigureSource("isolation", ISOLATION_MEASURES, _isolation_count)


# --- community and supplies (issue 21) ---------------------------------------------------

COMMUNITY_MEASURES = (
    Measure("requests_filed", _("Residents' requests filed"), Flow.FLOW, Stage.COMMUNITY),
    Measure("requests_open", _("Residents' requests open"), Flow.STATE, Stage.COMMUNITY),
    Measure(
        "requests_overdue",
        _("Residents' requests overdue"),
        Flow.STATE,
        Stage.COMMUNITY,
        late=True,
    ),
    Measure("emergencies_open", _("Medical emergencies open"), Flow.STATE, Stage.COMMUNITY),
    Measure(
        "requests_confirmed", _("Residents' requests confirmed done"), Flow.FLOW, Stage.COMMUNITY
    ),
    Measure("sweeps_open", _("Door-to-door sweeps open"), Flow.STATE, Stage.COMMUNITY),
    Measure("sweep_households", _("Households in open sweeps"), Flow.STATE, Stage.COMMUNITY),
    Measure("sweep_visited", _("Households visited"), Flow.STATE, Stage.COMMUNITY),
    Measure("restrictions_active", _("Restrictions in force"), Flow.STATE, Stage.COMMUNITY),
)

#: Counted by ``community.figures.community_count`` and ``supplies.figures.supplies_count``:
#: the same counts those apps' own per-node figures read, so the two never disagree.
community_figures = FigureSource("community", COMMUNITY_MEASURES, community_count)

SUPPLIES_MEASURES = (
    Measure("deliveries_made", _("Deliveries made at the doors"), Flow.FLOW, Stage.COMMUNITY),
    Measure("deliveries_waiting", _("Deliveries on the way"), Flow.STATE, Stage.COMMUNITY),
    Measure("supply_requests_open", _("Supply requests not allocated"), Flow.FLOW, Stage.COMMUNITY),
    Measure(
        "supplies_short",
        _("Key supplies short (days of cover)"),
        Flow.STATE,
        Stage.COMMUNITY,
        late=True,
    ),
    Measure("sites_at_risk", _("Priority sites with an incident"), Flow.STATE, Stage.COMMUNITY),
    Measure(
        "power_out_critical",
        _("Hospitals and isolation sites without power"),
        Flow.STATE,
        Stage.COMMUNITY,
        late=True,
    ),
    Measure(
        "incidents_overdue",
        _("Supply incidents overdue"),
        Flow.STATE,
        Stage.COMMUNITY,
        late=True,
    ),
)

supplies_figures = FigureSource("supplies", SUPPLIES_MEASURES, supplies_count)
