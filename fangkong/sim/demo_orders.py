"""The demo's isolation intake (issue 20 §2, §3, §6): after the tracing step, the demo
epidemiologist confirms the close-contact candidates of the investigated cases, the confirmed
contacts get their orders in bulk from the intake service, the isolation-site manager puts the
central-quarantine orders into the district's site in one allocation, the tests whose day has
come go through the lab for the first orders (each test is a lab task of the person: a re-test
tube is bound at the site, received and resulted negative, and the result comes back to the
order through ``lab.findings``) and are entered by hand for the others (an outside lab), and
the orders whose plan has ended are released on their day.

A fresh demo's outbreak is days old: no plan has ended yet. So that a release happens within
the demo, on its right day, the step also enters the close contacts of an earlier cluster
(``EARLIER_CLUSTER`` residents of the district without an order) with day 0 back-dated by the
plan's length: their orders release today, after their tests, from the site, with the
closed-loop transfer home (see ``DemoOrders.released`` and ``transfers_home``).

Everything goes through the services a user's page or API call reaches; the rules are the
demo city's override below, laid over today's national edition, which quarantines nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from fangkong.cases.models import Case
from fangkong.cases.selectors import case_scope
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.errors import FangkongError
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.choices import (
    FacilityKind,
    FacilityStatus,
    OrderKind,
    OrderStatus,
    OrderTestStatus,
    TransferKind,
)
from fangkong.isolation.facilities.selectors import facility_list
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
)
from fangkong.isolation.intake.services import contact_orders_issue
from fangkong.isolation.models import IsolationOrder, TransferTask
from fangkong.isolation.orders.release import order_release, order_test_record
from fangkong.isolation.orders.selectors import order_list, order_tests
from fangkong.isolation.orders.services import orders_issue
from fangkong.lab.choices import EntryMethod, RetestStatus, TubeKind, TubeResult
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.codes import sampling_code_issue
from fangkong.lab.sampling.members import MemberInput
from fangkong.lab.sampling.services import TubeInput, tube_bind
from fangkong.lab.transport.services import package_receive
from fangkong.people.selectors import person_scope
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rules_for
from fangkong.policy.services import rule_set_override_create
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.sim.demo_screening import DemoScreening
from fangkong.tracing.contacts.choices import ContactKind, ContactStatus
from fangkong.tracing.contacts.selectors import contact_list
from fangkong.tracing.contacts.services import contacts_decide

OVERRIDE_KEY = "demo-city-quarantine"
#: The edition whose close-contact plan the demo city follows (the 20 measures: 5 days
#: central quarantine + 3 days at home, tests on central days 1, 2, 3, 5 and home days 1, 3).
PLAN_DAY = date(2022, 11, 20)
#: Close-contact candidates an epidemiologist confirms per case in the demo (the closest).
CONFIRM_PER_CASE = 60
#: Rooms of the demo district's central site.
SITE_ROOMS = 400
#: Open orders whose due tests go through the lab (the others' are entered by hand).
LAB_ORDERS = 20
#: Close contacts of an earlier cluster entered with their day 0 back-dated (released today).
EARLIER_CLUSTER = 12
EARLIER_REASON = "补录：上一轮聚集性疫情的密切接触者，按末次暴露日计算隔离期"


@dataclass
class DemoOrders:
    """What the step did, for the demo's printout."""

    confirmed: int = 0
    created: int = 0
    existing: int = 0
    placed: int = 0
    unplaced: int = 0
    negatives: int = 0
    #: Of ``negatives``: the tests sampled and resulted through the lab (the rest by hand).
    through_lab: int = 0
    released: int = 0
    earlier: int = 0
    transfers_home: int = 0
    next_release: date | None = None
    site: str = ""
    refused: list[str] = field(default_factory=list)


def quarantine_override(city: Region) -> None:
    """The demo city quarantines its close contacts as the 20 measures did (today's national
    edition has no quarantine plan); created once, from a month before today."""
    if RuleSet.objects.filter(key=OVERRIDE_KEY).exists():
        return
    then = rules_for(city, PLAN_DAY).parameters
    plan = then.plan("close_contact")
    if plan is None:
        raise RuntimeError("the 20 measures have no close-contact plan")
    rule_set_override_create(
        actor=SYSTEM,
        key=OVERRIDE_KEY,
        region=city,
        name_zh="示范市密切接触者隔离管控措施",
        name_en="Demo city: quarantine of close contacts",
        effective_from=timezone.localdate() - timedelta(days=30),
        parameters={
            "contacts": then.contacts.model_dump(mode="json"),
            "quarantine": {"close_contact": plan.model_dump(mode="json")},
        },
        reason="Outbreak in the demo city: close contacts quarantined as in the 20 measures",
    )


def _site(district: Region, manager: AnyActor) -> str:
    """The district's active central site with its rooms (made once); returns its name."""
    existing = facility_list(actor=manager).filter(status=FacilityStatus.ACTIVE).first()
    if existing is not None:
        return existing.name
    facility = facility_create(
        actor=manager,
        region=district,
        data=FacilityInput(
            name="示范区集中隔离点（健康驿站）",
            kind=FacilityKind.CENTRAL_SITE,
            address="示范区健康路1号",
        ),
    )
    for to in (FacilityStatus.ACTIVATING, FacilityStatus.ACTIVE):
        facility_transition(actor=manager, facility=facility, to=to, reason="疫情处置启用")
    lines = ["number,floor,beds,own_bathroom,accessible"]
    for n in range(1, SITE_ROOMS + 1):
        beds = 2 if n % 10 == 0 else 1
        lines.append(f"{n // 40 + 1}{n % 40:02d},{n // 40 + 1},{beds},1,{int(n % 25 == 0)}")
    rooms_import(actor=manager, facility=facility, content="\n".join(lines) + "\n")
    return facility.name


def _confirm(epidemiologist: AnyActor, found: DemoOrders) -> list[Case]:
    """Confirm the closest close-contact candidates of the open cases in scope; returns the
    cases that have confirmed contacts."""
    cases: list[Case] = []
    for case in case_scope(epidemiologist).filter(closed_at__isnull=True).order_by("opened_at"):
        candidates = [
            link.code
            for link in contact_list(
                actor=epidemiologist, case=case, status=ContactStatus.CANDIDATE
            ).filter(kind=ContactKind.CLOSE)[:CONFIRM_PER_CASE]
        ]
        if candidates:
            found.confirmed += contacts_decide(
                actor=epidemiologist,
                case=case,
                codes=candidates,
                decision="confirm",
                reason="流调核实：同场所同时段暴露",
            )
        if (
            candidates
            or contact_list(
                actor=epidemiologist, case=case, status=ContactStatus.CONFIRMED
            ).exists()
        ):
            cases.append(case)
    return cases


def _earlier_cluster(
    district: Region, epidemiologist: AnyActor, manager: AnyActor, found: DemoOrders
) -> None:
    """Orders for ``EARLIER_CLUSTER`` residents of the district without an order, day 0 the
    plan's length before today (released today); once."""
    if order_list(actor=manager).filter(reason=EARLIER_REASON).exists():
        return
    plan = rules_for(district, timezone.localdate()).parameters.plan("close_contact")
    if plan is None:  # the rules in force quarantine no one
        return
    ordered = IsolationOrder.objects.values("person_id")
    persons = list(
        person_scope(epidemiologist)
        .filter(in_subtree(district.path, field="region__path"))
        .exclude(pk__in=ordered)
        .exclude(pk__in=Case.objects.values("person_id"))
        .select_related("region")
        .order_by("id")[:EARLIER_CLUSTER]
    )
    if not persons:
        return
    report = orders_issue(
        actor=epidemiologist,
        persons=persons,
        group="close_contact",
        day0=timezone.localdate() - timedelta(days=plan.total_days),
        reason=EARLIER_REASON,
    )
    found.earlier = len(report.created)


def _tests_through_lab(
    screening: DemoScreening, orders: list[IsolationOrder], found: DemoOrders
) -> None:
    """The due tests of ``orders`` sampled at the site through their lab tasks (one re-test
    tube per test, the person identified by their signed sampling code), received by the
    district lab and resulted negative in one upload: the results come back to the orders by
    themselves (``isolation.orders.lab_tests``)."""
    today = timezone.localdate()
    point = screening.points[0]
    now = timezone.now()
    barcodes: list[str] = []
    for order in orders:
        person = order.person
        masked = next((document.masked for document in person.documents.all()), "")
        code = sampling_code_issue(person_code=person.code, name=person.name, masked_id=masked)
        for test in order_tests(order):
            due = test.status == OrderTestStatus.SCHEDULED and test.on <= today
            if not due or test.lab_task is None or test.lab_task.status != RetestStatus.OPEN:
                continue
            barcode = f"QT{test.pk:08d}"
            tube_bind(
                actor=SYSTEM,
                screening_round=screening.round,
                point=point,
                data=TubeInput(
                    barcode=barcode,
                    members=[MemberInput(sampling_code=code, method=EntryMethod.SAMPLING_CODE)],
                    kind=TubeKind.RETEST,
                    sampled_at=now - timedelta(minutes=30),
                ),
            )
            barcodes.append(barcode)
    if not barcodes:
        return
    package_receive(actor=SYSTEM, lab=screening.lab, package_code="", barcodes=barcodes)
    report = results_apply(
        actor=SYSTEM,
        lab=screening.lab,
        rows=[ResultInput(barcode=b, result=TubeResult.NEGATIVE) for b in barcodes],
        source="demo",
    )
    found.through_lab += len(report.applied)
    found.negatives += len(report.applied)


def _tests_and_releases(
    manager: AnyActor, found: DemoOrders, screening: DemoScreening | None
) -> None:
    """The tests whose day has come: through the lab for the first ``LAB_ORDERS`` open orders
    (when the screening step set up a round, points and a lab), by hand for the others; then
    an order whose release day has come is released (refused, and counted, when a condition
    is unmet)."""
    today = timezone.localdate()
    open_orders = list(order_list(actor=manager).filter(status=OrderStatus.OPEN).order_by("id"))
    if screening is not None and open_orders:
        _tests_through_lab(screening, open_orders[:LAB_ORDERS], found)
    for order in open_orders:
        for task in order_tests(order):
            if task.status == OrderTestStatus.SCHEDULED and task.on <= today:
                order_test_record(
                    actor=manager, order=order, phase=task.phase, day=task.day, result="negative"
                )
                found.negatives += 1
        if order.release_on > today:
            if found.next_release is None or order.release_on < found.next_release:
                found.next_release = order.release_on
            continue
        try:
            order_release(actor=manager, order=order, reason="隔离期满，核酸检测均为阴性")
        except FangkongError as refused:
            found.refused.append(refused.code)
        else:
            found.released += 1
            found.transfers_home += TransferTask.objects.filter(
                order=order, kind=TransferKind.HOME
            ).count()


def demo_orders_run(
    *,
    city: Region,
    district: Region,
    epidemiologist: AnyActor,
    manager: AnyActor,
    screening: DemoScreening | None = None,
) -> DemoOrders:
    """The step (see the module): rules, site, confirmation, orders, rooms, tests (through
    ``screening``'s round, point and lab for the first orders), releases."""
    found = DemoOrders()
    quarantine_override(city)
    found.site = _site(district, manager)
    for case in _confirm(epidemiologist, found):
        report = contact_orders_issue(
            actor=epidemiologist, case=case, reason="确认密切接触者，按规则集集中隔离"
        )
        found.created += len(report.created)
        found.existing += len(report.existing)
    _earlier_cluster(district, epidemiologist, manager, found)
    waiting = list(
        order_list(actor=manager, status=OrderStatus.OPEN, kind=OrderKind.CENTRAL_QUARANTINE)
        .filter(room__isnull=True)
        .order_by("id")
    )
    if waiting:
        allocation = rooms_allocate(actor=manager, orders=waiting)
        found.placed, found.unplaced = len(allocation.placed), len(allocation.unplaced)
    _tests_and_releases(manager, found, screening)
    return found


def demo_orders_summary(found: DemoOrders) -> str:
    """One line for the demo's printout."""
    line = (
        f"Isolation: {found.confirmed:,} close contacts confirmed, {found.created:,} orders "
        f"issued in bulk ({found.existing:,} already open), {found.placed:,} rooms allocated at "
        f"{found.site} ({found.unplaced:,} without a room), {found.negatives:,} tests negative "
        f"({found.through_lab:,} through the lab, the rest entered by hand), "
        f"{found.released:,} released on their day ({found.earlier:,} contacts of an earlier "
        f"cluster entered with day 0 back-dated; {found.transfers_home:,} transfers home)"
    )
    if found.next_release is not None:
        line += f"; next releases due {found.next_release.isoformat()}"
    if found.refused:
        line += f"; {len(found.refused)} releases refused ({', '.join(sorted(set(found.refused)))})"
    return line + " — /isolation/orders/, /isolation/intake/"
