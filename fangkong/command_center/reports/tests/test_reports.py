"""Daily reports: figures filled from the data equal direct counts over the same day and
subtree; a zero report only when nothing new happened; corrections stay visible; reports roll
up level by level; a missing report is flagged after the deadline; the roll-up downloads as
DOCX; a district sees its own reports and not a sibling's."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document

from fangkong.cases.models import Case
from fangkong.cases.tests.factories import case_from_retest, outbreak_make
from fangkong.command_center.models import DailyReport, MissingReport, Notification
from fangkong.command_center.reports.figures import FIGURES
from fangkong.command_center.reports.services import report_correct, report_file
from fangkong.command_center.tests.duty_factories import duty_staff_make
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.core.periodic import periodic_jobs
from fangkong.isolation.models import IsolationOrder, Room
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.lab.models import Tube
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.policy.selectors import rules_for
from fangkong.tracing.contacts.models import ContactLink

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2022, 7, 15)
BASE = "/api/v1/command/reports"


def _next_morning(hour: int) -> datetime:
    return datetime(2022, 7, 16, hour, 30, tzinfo=SHANGHAI)


def _in(path: str, root: str) -> bool:
    return path == root or path.startswith(root + ".")


def _local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(SHANGHAI).date() if moment else None


def _direct_counts(root: str) -> dict[str, int]:
    """The figures counted the plain way, row by row in Python (an independent check)."""
    end = datetime(2022, 7, 16, tzinfo=SHANGHAI)
    tubes = [
        t for t in Tube.objects.select_related("point__region") if _in(t.point.region.path, root)
    ]
    links = [c for c in ContactLink.objects.select_related("region") if _in(c.region.path, root)]
    orders = [
        o for o in IsolationOrder.objects.select_related("region") if _in(o.region.path, root)
    ]
    return {
        "tests_done": sum(_local_day(t.reported_at) == DAY for t in tubes),
        "tests_pending": sum(
            t.sampled_at < end and (t.reported_at is None or t.reported_at >= end) for t in tubes
        ),
        "new_cases": sum(
            _local_day(c.opened_at) == DAY and c.classification != "discarded"
            for c in Case.objects.select_related("region")
            if _in(c.region.path, root)
        ),
        "contacts_traced": sum(_local_day(c.derived_at) == DAY for c in links),
        "contacts_confirmed": sum(
            c.status == "confirmed" and _local_day(c.decided_at) == DAY for c in links
        ),
        "orders_active": sum(
            o.issued_at < end and (o.released_at is None or o.released_at >= end) for o in orders
        ),
        "rooms_free": sum(
            r.status == "free" and r.ready_at is not None and _in(r.facility.region.path, root)
            for r in Room.objects.select_related("facility__region")
        ),
    }


@pytest.fixture
def outbreak_day(tree):
    """On 15 July 2022 in district A: a case from a pooled positive, a pooled tube still
    pending, two quarantine orders in a facility with free rooms, and a confirmed contact."""
    with time_machine.travel(datetime(2022, 7, 15, 9, 0, tzinfo=SHANGHAI), tick=True):
        o = outbreak_make(tree, residents=8)
        case = case_from_retest(o)
        tube_bind(
            actor=o.s.sampler,
            screening_round=o.s.round,
            point=o.s.point,
            data=TubeInput(
                barcode="P0001", members=[MemberInput(id_number=n) for n in o.s.ids[5:]]
            ),
        )
        staff = staff_make(tree)
        facility_make(staff, rooms=4)
        orders_issue(
            actor=staff.epidemiologist,
            persons=o.s.people[3:5],
            group="close_contact",
            day0=DAY,
            reason="密接",
        )
        now = datetime(2022, 7, 15, 15, 0, tzinfo=SHANGHAI)
        ContactLink.objects.create(
            case=case,
            person=o.s.people[3],
            region=case.region,
            kind="close",
            setting="household",
            determined_by="household",
            status="confirmed",
            derived_at=now,
            decided_at=now,
            rule_set="nhc-9",
        )
    return o


def test_figures_equal_direct_counts_for_the_day_and_subtree(tree, outbreak_day):
    staff = duty_staff_make(tree)
    with time_machine.travel(_next_morning(9), tick=False):
        report = report_file(
            actor=staff.commander_a, region=tree["district_a"], day=DAY, zero=False, notes="平稳"
        )
        city = report_file(
            actor=staff.city_commander, region=tree["city"], day=DAY, zero=False, notes=""
        )
        quiet = report_file(
            actor=staff.officer_b, region=tree["district_b"], day=DAY, zero=False, notes=""
        )
        with pytest.raises(ValidationFailed) as refused:
            report_file(
                actor=staff.commander_a,
                region=tree["district_a"],
                day=DAY + timedelta(days=1),
                zero=False,
                notes="",
            )
    assert set(report.figures) == set(FIGURES)
    assert report.figures == _direct_counts(tree["district_a"].path)
    assert city.figures == _direct_counts(tree["city"].path)
    assert report.figures["new_cases"] == 1
    assert report.figures["tests_pending"] >= 1
    assert report.figures["orders_active"] == 2
    assert report.figures["contacts_confirmed"] == 1
    assert not report.late
    assert quiet.figures == _direct_counts(tree["district_b"].path)
    assert quiet.figures["new_cases"] == 0
    assert refused.value.errors[0]["field"] == "day"  # the 16th is not over yet


def test_zero_reports_corrections_late_and_duplicates(tree, outbreak_day, api):
    staff = duty_staff_make(tree)
    due = rules_for(tree["city"], DAY).parameters.command.daily_report_due_hour
    with time_machine.travel(_next_morning(due + 1), tick=False):
        with pytest.raises(ValidationFailed) as refused:
            report_file(
                actor=staff.officer_a, region=tree["district_a"], day=DAY, zero=True, notes=""
            )
        assert refused.value.errors[0]["field"] == "zero"
        zero = report_file(
            actor=staff.officer_b, region=tree["district_b"], day=DAY, zero=True, notes=""
        )
        assert zero.kind == "zero"
        assert zero.late
        with pytest.raises(Conflict):
            report_file(
                actor=staff.officer_b, region=tree["district_b"], day=DAY, zero=True, notes=""
            )
    assert Notification.objects.filter(user_id=staff.city_commander.user_id, kind="report").exists()
    report_correct(
        actor=staff.officer_b, report=zero, figure="rooms_free", corrected=3, note="新增3间"
    )
    rollup = api(staff.city_commander).get(BASE, region_code="110100", day=DAY.isoformat()).json()
    b = next(u for u in rollup["children"] if u["region_code"] == "110108")
    assert b["figures"]["rooms_free"] == 3
    assert b["filled"]["rooms_free"] == zero.figures["rooms_free"]
    refused_figure = api(staff.officer_b).post(
        f"{BASE}/{zero.code}/corrections", {"figure": "nothing", "corrected": 1, "note": "x"}
    )
    assert refused_figure.status_code == 422
    assert [e["field"] for e in refused_figure.json()["detail"]["errors"]] == ["figure"]
    assert (
        api(staff.officer_a)
        .post(
            f"{BASE}/{zero.code}/corrections", {"figure": "rooms_free", "corrected": 1, "note": "x"}
        )
        .status_code
        == 404
    )


def test_missing_reports_are_flagged_after_the_deadline_and_rolled_up(tree, outbreak_day, api):
    staff = duty_staff_make(tree)
    due = rules_for(tree["city"], DAY).parameters.command.daily_report_due_hour
    job = periodic_jobs()["command_reports_flag_missing"]
    with time_machine.travel(_next_morning(due - 1), tick=False):
        assert job.run() == "flagged 0"  # before the deadline
        report_file(
            actor=staff.commander_a, region=tree["district_a"], day=DAY, zero=False, notes=""
        )
    with time_machine.travel(_next_morning(due + 1), tick=False):
        assert job.run() == "flagged 2"  # district B and the city itself
        assert job.run() == "flagged 0"
        rollup = (
            api(staff.city_commander).get(BASE, region_code="110100", day=DAY.isoformat()).json()
        )
    assert {
        MissingReport.objects.values_list("region__code", flat=True).get(region=tree["district_b"])
    } == {"110108"}
    by_unit = {u["region_code"]: u for u in rollup["children"]}
    assert by_unit["110108"]["missing"]
    assert by_unit["110108"]["flagged"]
    assert not by_unit["110105"]["missing"]
    assert rollup["totals"] == by_unit["110105"]["figures"]
    told = set(Notification.objects.filter(kind="late").values_list("user_id", flat=True))
    assert {staff.officer_b.user_id, staff.city_commander.user_id} <= told


def test_a_district_sees_its_own_reports_not_a_siblings_and_downloads_docx(
    tree, outbreak_day, api, page_client
):
    staff = duty_staff_make(tree)
    with time_machine.travel(_next_morning(9), tick=False):
        filed = api(staff.commander_a).post(BASE, {"day": DAY.isoformat(), "notes": "平稳"})
    assert filed.status_code == 201
    assert DailyReport.objects.count() == 1
    own = api(staff.officer_a).get(BASE, region_code="110105", day=DAY.isoformat())
    assert own.status_code == 200
    sibling = api(staff.commander_b).get(BASE, region_code="110105", day=DAY.isoformat())
    missing = api(staff.commander_b).get(BASE, region_code="119999", day=DAY.isoformat())
    assert sibling.status_code == missing.status_code == 404
    assert sibling.json() == missing.json()
    code = filed.json()["own"]["code"]
    assert (
        api(staff.officer_b)
        .post(f"{BASE}/{code}/corrections", {"figure": "rooms_free", "corrected": 1, "note": "x"})
        .status_code
        == 404
    )
    assert api(staff.grid).get(BASE).status_code == 403
    client = page_client(staff.city_commander)
    page = client.get("/command/reports/", {"region": "110100", "day": DAY.isoformat()})
    assert page.status_code == 200
    assert 'data-unit="110105"' in page.content.decode()
    download = client.get("/command/reports/docx/", {"region": "110100", "day": DAY.isoformat()})
    assert download.status_code == 200
    document = Document(BytesIO(download.content))
    text = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "朝阳区" in text
    assert "海淀区" in text
    assert (
        page_client(staff.commander_b)
        .get("/command/reports/docx/", {"region": "110105"})
        .status_code
        == 404
    )
