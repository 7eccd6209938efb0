"""The treatment and care side of ``fangkong demo`` (issue 20 §6–§8): positives of the demo
district are admitted to Fangcang beds, one worsens and moves to the designated hospital,
their release tests are recorded as their days come, and each is discharged on the day the
rule set allows — not before; persons under an order file care requests, and an appeal is
decided by someone other than the order's issuer.

1. A city override carrying the 9th edition's ``positives`` (Fangcang exit: 7 days, two
   tests ≥ 24 h apart with N and ORF1ab Ct ≥ 35, then 7 days of home health monitoring) and
   its close-contact quarantine (read from the published edition ``nhc-9``, not copied into
   code): today's national edition (the 10th) isolates no one.
2. As the demo isolation-site manager: a Fangcang shelter hospital (cabins of four beds) and
   a designated hospital (single rooms) in the demo district, active, their rooms imported.
3. As the demo clinician, the district's open positive cases (those the risk-area step
   classified; up to :data:`ADMITTED`) are admitted to Fangcang beds from their first
   positive day; one is recorded mild, one severe and transferred to the designated
   hospital.
4. Every run: each patient's release tests (the day before and the day of the rule set's
   day count, 08:00) are recorded once that time has passed, with Ct values above the
   threshold; patients whose conditions hold are discharged (and handed to home health
   monitoring), the others are refused and the demo prints the first discharge day. Run the
   demo again on that day to see the discharge.
5. Once: the household members of the first patient get close-contact orders; a request for
   medicine is filed by staff, a special diet by the family through the resident service,
   and an appeal is filed and decided by the demo commander (the epidemiologist issued the
   orders, so may not decide it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from fangkong.cases.choices import CaseClassification
from fangkong.cases.models import Case
from fangkong.core.actor import SYSTEM, Actor
from fangkong.isolation.care.services import (
    care_request_decide,
    care_request_file,
    care_request_file_by_resident,
)
from fangkong.isolation.choices import AdmissionStatus, FacilityKind, FacilityStatus
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
)
from fangkong.isolation.models import Admission, CareRequest, Facility, TreatmentTest
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.treatment.discharge import discharge_blockers, discharge_day
from fangkong.isolation.treatment.selectors import bed_free
from fangkong.isolation.treatment.services import (
    admission_admit,
    admission_discharge,
    admission_severity_change,
    admission_transfer,
    treatment_test_add,
    treatment_test_result,
)
from fangkong.people.models import Person
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rules_for
from fangkong.policy.services import rule_set_override_create
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

OVERRIDE_KEY = "demo-city-treatment"
EDITION = "nhc-9"
#: How many positives of the demo district are admitted.
ADMITTED = 6
FANGCANG = ("示范区会展中心方舱医院", FacilityKind.FANGCANG, 50, 4)
HOSPITAL = ("示范区定点医院", FacilityKind.DESIGNATED_HOSPITAL, 40, 1)
#: Release tests are sampled at this local hour on their day.
SAMPLING_HOUR = time(8, 0)
#: Ct values of recovering patients (above the 9th edition's 35 for both genes).
RELEASE_CT = (36.4, 35.8)


@dataclass
class DemoTreatment:
    """What the step did this run."""

    admitted: int = 0
    transferred: int = 0
    tests: int = 0
    discharged: int = 0
    next_discharge: date | None = None
    refused: list[str] = field(default_factory=list)
    requests: int = 0
    appeal_decided_by: str = ""


def treatment_override(city: Region) -> None:
    """The city's override with the 9th edition's positives and close-contact quarantine
    (once)."""
    if RuleSet.objects.filter(key=OVERRIDE_KEY).exists():
        return
    edition = RuleSet.objects.filter(key=EDITION, region__isnull=True).order_by("-revision")
    parameters = edition.values_list("parameters", flat=True).first()
    if parameters is None or not parameters.get("positives"):
        return
    rule_set_override_create(
        actor=SYSTEM,
        key=OVERRIDE_KEY,
        region=city,
        name_zh="示范市疫情处置期方舱出舱与密接隔离（参照第九版）",
        name_en="Demo city: Fangcang discharge and close-contact quarantine (as the 9th edition)",
        effective_from=timezone.localdate() - timedelta(days=60),
        parameters={
            "positives": parameters["positives"],
            "contacts": parameters["contacts"],
            "quarantine": {"close_contact": parameters["quarantine"]["close_contact"]},
        },
        reason="Outbreak in the demo city: positives treated in Fangcang, contacts quarantined",
        source_notes=[
            {
                "topic": "positives",
                "source": "domain-reference §3.4 and R25 (9th edition)",
                "note": "Fangcang exit and close-contact quarantine re-enabled for the demo.",
            }
        ],
    )


def _site(district: Region, manager: Actor, spec: tuple[str, str, int, int]) -> Facility:
    name, kind, rooms, beds = spec
    found = Facility.objects.filter(region=district, name=name).first()
    if found is not None:
        return found
    facility = facility_create(
        actor=manager,
        region=district,
        data=FacilityInput(name=name, kind=kind, address=f"{district.name}{name}"),
    )
    for to in (FacilityStatus.ACTIVATING, FacilityStatus.ACTIVE):
        facility_transition(actor=manager, facility=facility, to=to, reason="疫情处置启用")
    lines = ["number,floor,beds,own_bathroom,accessible"]
    lines += [f"{n:03d},{n // 20 + 1},{beds},1,0" for n in range(1, rooms + 1)]
    rooms_import(actor=manager, facility=facility, content="\n".join(lines) + "\n")
    return facility


def _positives(district: Region) -> list[Case]:
    """Open positive (confirmed or asymptomatic) cases of the district not yet admitted, up to
    :data:`ADMITTED` admissions in all."""
    admitted = set(Admission.objects.values_list("case_id", flat=True))
    cases = Case.objects.filter(
        in_subtree(district.path, field="region__path"),
        closed_at__isnull=True,
        classification__in=[CaseClassification.ASYMPTOMATIC, CaseClassification.CONFIRMED],
    ).order_by("opened_at", "id")
    return [case for case in cases if case.pk not in admitted][: max(0, ADMITTED - len(admitted))]


def _admit(cases: list[Case], clinician: Actor, fangcang: Facility, out: DemoTreatment) -> None:
    for case in cases:
        room = bed_free(actor=clinician, facility=fangcang)
        if room is None:
            return
        admission_admit(
            actor=clinician,
            case=case,
            room=room,
            isolated_since=case.first_positive_on,
            reason="无症状感染者集中收治方舱",
        )
        out.admitted += 1


def _worsen(clinician: Actor, hospital: Facility, out: DemoTreatment) -> None:
    """The first patient mild; the second severe and moved to the designated hospital."""
    patients = list(
        Admission.objects.select_related("case", "facility", "room", "region")
        .filter(status=AdmissionStatus.ADMITTED, facility__kind=FacilityKind.FANGCANG)
        .order_by("admitted_at", "id")[:2]
    )
    if not patients or patients[0].case.severity:
        return
    admission_severity_change(
        actor=clinician, admission=patients[0], severity="mild", reason="轻型，对症治疗"
    )
    if len(patients) < 2:
        return
    second = patients[1]
    admission_severity_change(
        actor=clinician, admission=second, severity="severe", reason="血氧饱和度下降，重型"
    )
    second.refresh_from_db()
    room = bed_free(actor=clinician, facility=hospital)
    if room is not None:
        admission_transfer(
            actor=clinician, admission=second, room=room, reason="病情加重，转定点医院"
        )
        out.transferred += 1


def _release_tests(clinician: Actor, out: DemoTreatment) -> None:
    """Each patient's tests on the day before and the day of the day count, once due."""
    now = timezone.now()
    today = timezone.localdate()
    admissions = Admission.objects.select_related("region").filter(status=AdmissionStatus.ADMITTED)
    for admission in admissions:
        positives = rules_for(admission.region, today).parameters.positives
        if positives is None:
            continue
        last = discharge_day(admission.isolated_since, positives)
        taken = set(
            TreatmentTest.objects.filter(admission=admission).values_list("sampled_at", flat=True)
        )
        for day in (last - timedelta(days=1), last):
            at = timezone.make_aware(datetime.combine(day, SAMPLING_HOUR))
            if at > now or at in taken:
                continue
            test = treatment_test_add(actor=clinician, admission=admission, sampled_at=at)
            treatment_test_result(
                actor=clinician,
                test=test,
                result="positive",
                ct_n=RELEASE_CT[0],
                ct_orf1ab=RELEASE_CT[1],
            )
            out.tests += 1


def _discharge(clinician: Actor, out: DemoTreatment) -> None:
    today = timezone.localdate()
    admissions = Admission.objects.select_related(
        "case", "person", "region", "facility", "room"
    ).filter(status=AdmissionStatus.ADMITTED)
    for admission in admissions:
        positives = rules_for(admission.region, today).parameters.positives
        blockers = discharge_blockers(
            positives=positives,
            isolated_since=admission.isolated_since,
            tests=list(TreatmentTest.objects.filter(admission=admission)),
            today=today,
        )
        if blockers:
            out.refused = sorted({str(b["code"]) for b in blockers} | set(out.refused))
            if positives is not None:
                first = discharge_day(admission.isolated_since, positives)
                out.next_discharge = min(filter(None, (out.next_discharge, first)))
            continue
        admission_discharge(actor=clinician, admission=admission, reason="达到出舱标准")
        out.discharged += 1


def _care(
    district: Region,
    *,
    manager: Actor,
    epidemiologist: Actor,
    commander: Actor,
    out: DemoTreatment,
) -> None:
    if CareRequest.objects.exists():
        return
    first = Admission.objects.select_related("person").order_by("admitted_at", "id").first()
    if first is None or first.person.household_id is None:
        return
    household = Person.objects.filter(
        in_subtree(district.path, field="region__path"),
        household_id=first.person.household_id,
    ).exclude(pk=first.person_id)
    persons = list(household.select_related("region")[:4])
    if not persons:
        return
    report = orders_issue(
        actor=epidemiologist,
        persons=persons,
        group="close_contact",
        day0=timezone.localdate() - timedelta(days=1),
        reason="同住家庭成员，判定为密切接触者",
    )
    orders = report.orders
    medicine = care_request_file(
        actor=manager, order=orders[0], category="medicine", text="高血压常用药（氨氯地平）两盒"
    )
    care_request_decide(
        actor=manager, request=medicine, outcome="granted", note="已协调社区卫生服务中心配送"
    )
    care_request_file_by_resident(
        order=orders[-1], category="special_diet", text="孩子对花生过敏，请调整餐食", family=True
    )
    appeal = care_request_file(
        actor=manager,
        order=orders[0],
        category="appeal",
        text="本人称与病例分室居住、无共同用餐，申请改为居家隔离",
    )
    care_request_decide(
        actor=commander,
        request=appeal,
        outcome="upheld",
        note="同住共用卫生间，符合密接判定，维持集中隔离",
    )
    out.requests = CareRequest.objects.count()
    out.appeal_decided_by = commander.username


def treatment_run(
    *,
    city: Region,
    district: Region,
    manager: Actor,
    epidemiologist: Actor,
    clinician: Actor,
    commander: Actor,
) -> DemoTreatment:
    """Steps 1–5 of the module's docstring; safe to run again (each step does what is due)."""
    out = DemoTreatment()
    treatment_override(city)
    fangcang = _site(district, manager, FANGCANG)
    hospital = _site(district, manager, HOSPITAL)
    _admit(_positives(district), clinician, fangcang, out)
    _worsen(clinician, hospital, out)
    _release_tests(clinician, out)
    _discharge(clinician, out)
    _care(district, manager=manager, epidemiologist=epidemiologist, commander=commander, out=out)
    return out
