"""Importing cases reported before Fangkong was in use (补录): the service, the API, the page,
who may import for whom, and how the command picture counts imported cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make, token_make
from fangkong.cases.choices import CaseClassification, CaseEventKind, HowFound
from fangkong.cases.imports.services import case_import_csv
from fangkong.cases.models import Case, CaseEvent, InvestigationTimer
from fangkong.cases.services.investigation import investigation_timers_check
from fangkong.cases.services.opening import BEFORE_IMPORT, case_open
from fangkong.cases.tests.factories import outbreak_make
from fangkong.command_center.models import NodeDayFigure
from fangkong.command_center.picture.services import figures_refresh
from fangkong.core.actor import SYSTEM
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.lab.tests.factories import residents_make, unique_id_number

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def o(tree):
    return outbreak_make(tree)


def _local(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


def _file(rows: list[tuple[str, ...]], *, chinese: bool = False, encoding: str = "utf-8") -> bytes:
    header = (
        "证件号码,姓名,病例分类,发病日期,报告时间,报告卡编号"
        if chinese
        else "id_number,name,classification,onset_date,reported_at,report_card"
    )
    lines = [header, *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def _good(o) -> bytes:
    ids = o.s.ids
    return _file(
        [
            (
                ids[0],
                "甲",
                "confirmed",
                str(_local(4).date()),
                _local(3).strftime("%Y-%m-%d %H:%M"),
                "C1",
            ),
            (ids[1], "乙", "asymptomatic", "", _local(2).strftime("%Y-%m-%d %H:%M"), "C2"),
            (ids[2], "丙", "suspected", str(_local(1).date()), _local(0, 8).isoformat(), ""),
        ]
    )


def test_a_good_file_opens_each_case_at_its_report_time_classified_as_reported(o):
    report = case_import_csv(actor=o.epidemiologist, file=_good(o), filename="直报.csv")
    assert (report.rows_read, report.new, report.created, report.unchanged) == (3, 3, 3, 0)
    cases = {case.person_id: case for case in Case.objects.all()}
    first = cases[o.s.people[0].id]
    assert first.classification == CaseClassification.CONFIRMED
    assert first.how_found == HowFound.DIRECT_REPORT
    assert first.opened_at == _local(3)
    assert first.onset_date == timezone.localdate() - timedelta(days=4)
    assert first.report_card == "C1"
    assert first.rule_set
    assert cases[o.s.people[1].id].classification == CaseClassification.ASYMPTOMATIC
    assert cases[o.s.people[1].id].onset_date is None
    assert cases[o.s.people[2].id].opened_at == _local(0, 8)
    events = CaseEvent.objects.filter(kind=CaseEventKind.OPENED)
    assert events.count() == 3
    assert events.get(case=first).detail["report_card"] == "C1"
    imported = AuditEntry.objects.get(action="case_import_csv")
    assert imported.extra["created"] == 3
    assert imported.object_id == report.sha256
    assert AuditEntry.objects.filter(action="case_open").count() == 3


def test_chinese_headers_and_labels_in_gb18030_are_read(o):
    data = _file(
        [
            (o.s.ids[0], "甲", "确诊病例", "2022-07-12", "2022/07/13 09:30", "C1"),
            (o.s.ids[1], "乙", "无症状感染者", "2022-07-13", "2022-07-14 09:30", ""),
        ],
        chinese=True,
        encoding="gb18030",
    )
    report = case_import_csv(actor=o.epidemiologist, file=data)
    assert (report.created, report.encoding) == (2, "gb18030")
    # an asymptomatic infection's "onset" on the card is the day it tested positive
    asymptomatic = Case.objects.get(person=o.s.people[1])
    assert asymptomatic.onset_date is None
    assert asymptomatic.first_positive_on == date(2022, 7, 13)


def test_every_bad_row_is_reported_with_row_and_field_and_nothing_is_written(o):
    ids = o.s.ids
    now = timezone.localtime()
    data = _file(
        [
            (ids[0], "甲", "confirmed", "", _local(1).isoformat(), ""),  # no onset
            (unique_id_number(), "乙", "confirmed", "2022-07-10", _local(1).isoformat(), ""),
            (ids[1], "丙", "sick", "2022-07-10", _local(1).isoformat(), ""),
            (ids[2], "丁", "suspected", "2022-07-10", (now + timedelta(days=1)).isoformat(), ""),
            (ids[3], "戊", "suspected", "2022-07-10", _local(500).isoformat(), ""),
            (ids[4], "己", "suspected", str(timezone.localdate()), _local(1).isoformat(), ""),
            (ids[4], "己", "asymptomatic", "", _local(1).isoformat(), ""),
            ("not a number", "庚", "confirmed", "2022-07-10", "yesterday", ""),
        ]
    )
    with pytest.raises(ValidationFailed) as refused:
        case_import_csv(actor=o.epidemiologist, file=data)
    assert refused.value.code == "import_rejected"
    found = {(e["row"], e["field"], e["code"]) for e in refused.value.errors}
    assert found == {
        (2, "onset_date", "required"),
        (3, "id_number", "person_not_found"),
        (4, "classification", "invalid_choice"),
        (5, "reported_at", "in_the_future"),
        (6, "reported_at", "too_old"),
        (7, "onset_date", "onset_after_report"),
        (8, "id_number", "duplicate_person"),
        (9, "id_number", "id_number_invalid"),
        (9, "reported_at", "datetime_invalid"),
    }
    assert refused.value.detail["rejected"] == 8
    assert Case.objects.count() == 0
    assert not AuditEntry.objects.filter(action="case_import_csv").exists()


def test_a_person_outside_the_actor_s_subtree_is_refused_like_a_missing_one(o, tree):
    _people, far_ids, _homes = residents_make(tree["grid_b1"], 1)
    row = ("", "x", "confirmed", "2022-07-10", _local(1).isoformat(), "")
    unknown = unique_id_number()
    data = _file([(far_ids[0], *row[1:]), (unknown, *row[1:])])
    with pytest.raises(ValidationFailed) as refused:
        case_import_csv(actor=o.epidemiologist, file=data)
    errors = refused.value.errors
    assert (errors[0]["row"], errors[0]["code"]) == (2, "person_not_found")
    assert errors[0]["message"] == "No such person."
    assert all(
        e["message"] == errors[0]["message"] for e in errors if e["code"] == "person_not_found"
    )
    # the sibling district's epidemiologist imports its own resident
    report = case_import_csv(actor=o.other_epidemiologist, file=_file([(far_ids[0], *row[1:])]))
    assert report.created == 1


def test_the_same_file_twice_opens_nothing_more_and_an_open_case_is_unchanged(o):
    case_open(
        actor=o.epidemiologist,
        person=o.s.people[2],
        how_found=HowFound.FEVER_CLINIC,
        reason="发热门诊",
    )
    first = case_import_csv(actor=o.epidemiologist, file=_good(o))
    assert (first.created, first.unchanged) == (2, 1)
    again = case_import_csv(actor=o.epidemiologist, file=_good(o))
    assert (again.new, again.created, again.unchanged) == (0, 0, 3)
    assert Case.objects.count() == 3
    assert AuditEntry.objects.filter(action="case_import_csv").count() == 1


def test_a_dry_run_checks_everything_and_writes_nothing(o):
    report = case_import_csv(actor=o.epidemiologist, file=_good(o), dry_run=True)
    assert (report.dry_run, report.new, report.created) == (True, 3, 0)
    assert Case.objects.count() == 0
    assert InvestigationTimer.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="case_").exists()


def test_steps_due_before_the_import_are_settled_and_later_ones_stay_pending(o):
    now = timezone.now()
    data = _file(
        [
            (o.s.ids[0], "甲", "confirmed", "2022-07-10", _local(3).isoformat(), ""),
            (
                o.s.ids[1],
                "乙",
                "confirmed",
                "2022-07-10",
                (now - timedelta(hours=3)).isoformat(),
                "",
            ),
        ]
    )
    case_import_csv(actor=o.epidemiologist, file=data)
    old = Case.objects.get(person=o.s.people[0])
    timers = list(InvestigationTimer.objects.filter(case=old))
    assert timers
    assert all(t.met_at is not None and t.note == BEFORE_IMPORT for t in timers)
    assert all(t.due_at == old.opened_at + timedelta(hours=t.hours) for t in timers)
    recent = Case.objects.get(person=o.s.people[1])
    by_hours = {t.hours: t for t in InvestigationTimer.objects.filter(case=recent)}
    assert by_hours[2].note == BEFORE_IMPORT
    assert by_hours[24].met_at is None
    assert by_hours[24].note == ""
    # no alert for a step done before the import
    assert investigation_timers_check() == 0
    assert by_hours[4].met_at is None
    # a day on, the two steps still ahead at the import are late; nothing settled is
    assert investigation_timers_check(now=timezone.now() + timedelta(days=1)) == 2


def test_only_epidemiologists_import(o):
    with pytest.raises(PermissionDenied):
        case_import_csv(actor=o.clinician, file=_good(o))
    commander = actor_make(role=Role.COMMANDER, region=o.tree["city"])
    with pytest.raises(PermissionDenied):
        case_import_csv(actor=commander, file=_good(o))


def test_the_picture_counts_imported_cases_on_their_report_day(o):
    case_import_csv(actor=o.epidemiologist, file=_good(o))
    figures_refresh(actor=SYSTEM, days=7)
    three_days_ago = timezone.localdate() - timedelta(days=3)
    by_report = NodeDayFigure.objects.get(
        region=o.tree["district_a"], day=three_days_ago, measure="cases_by_report"
    )
    assert by_report.value == 1
    by_onset = NodeDayFigure.objects.get(
        region=o.tree["city"],
        day=timezone.localdate() - timedelta(days=4),
        measure="cases_by_onset",
    )
    assert by_onset.value == 1
    assert not NodeDayFigure.objects.filter(measure="timers_late", value__gt=0).exists()


# --- API -------------------------------------------------------------------------------


def _upload(actor, data: bytes, *, dry_run: bool = False, key: str | None = None):
    client = Client()
    headers = {"Authorization": f"Bearer {token_make(actor)}"}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(
        "/api/v1/cases/imports",
        {"file": SimpleUploadedFile("export.csv", data, "text/csv"), "dry_run": dry_run},
        headers=headers,
    )


def test_the_api_imports_a_file_and_a_retry_with_the_same_key_answers_the_same(o):
    key = str(uuid.uuid4())
    answer = _upload(o.epidemiologist, _good(o), key=key)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["created"] == 3
    again = _upload(o.epidemiologist, _good(o), key=key)
    assert again.json() == answer.json()
    assert Case.objects.count() == 3
    checked = _upload(o.epidemiologist, _good(o), dry_run=True)
    assert checked.json()["unchanged"] == 3


def test_the_api_refuses_bad_rows_wrong_roles_and_anonymous_callers(o, tree):
    bad = _file([(o.s.ids[0], "甲", "confirmed", "", _local(1).isoformat(), "")])
    refused = _upload(o.epidemiologist, bad)
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"][0] == {
        "field": "onset_date",
        "code": "required",
        "message": refused.json()["detail"]["errors"][0]["message"],
        "row": 2,
    }
    assert _upload(o.clinician, _good(o)).status_code == 403
    anonymous = Client().post(
        "/api/v1/cases/imports", {"file": SimpleUploadedFile("a.csv", _good(o), "text/csv")}
    )
    assert anonymous.status_code == 401
    sibling = _upload(o.other_epidemiologist, _good(o))
    assert sibling.status_code == 422
    assert {e["code"] for e in sibling.json()["detail"]["errors"]} == {"person_not_found"}
    assert Case.objects.count() == 0


# --- page ------------------------------------------------------------------------------


def test_the_page_uploads_shows_rejected_rows_and_is_linked_from_the_list(o, page_client):
    client = page_client(o.epidemiologist)
    assert "/cases/import/" in client.get("/cases/").content.decode()
    bad = _file(
        [
            (o.s.ids[0], "甲", "confirmed", "", _local(1).isoformat(), ""),
            (o.s.ids[1], "乙", "sick", "2022-07-10", _local(1).isoformat(), ""),
        ]
    )
    refused = client.post("/cases/import/", {"file": SimpleUploadedFile("a.csv", bad)})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'data-outcome="rejected"' in html
    assert "invalid_choice" in html
    assert ">required<" in html
    assert Case.objects.count() == 0
    checked = client.post(
        "/cases/import/", {"file": SimpleUploadedFile("a.csv", _good(o)), "dry_run": "on"}
    )
    assert checked.status_code == 200
    assert Case.objects.count() == 0
    done = client.post("/cases/import/", {"file": SimpleUploadedFile("a.csv", _good(o))})
    assert done.status_code == 200
    assert 'data-count="created">3<' in done.content.decode()
    assert Case.objects.count() == 3
    # the case page shows the report card and why its past steps count as done
    imported = Case.objects.get(report_card="C1")
    detail = client.get(f"/cases/{imported.code}/").content.decode()
    assert "C1" in detail
    assert "Investigated before import" in detail


def test_the_page_is_for_epidemiologists_only(o, page_client):
    assert page_client(o.clinician).get("/cases/import/").status_code == 403
    assert "/cases/import/" not in page_client(o.clinician).get("/cases/").content.decode()
    assert Client().get("/cases/import/").status_code in (302, 401)


def test_imported_infections_are_recorded_in_the_open_risk_areas_of_their_residence(o, tree):
    """An imported confirmed or asymptomatic case counts in the open areas its residence lies
    in (their lifting clocks restart), as a case classified here does; a suspected one not."""
    from fangkong.risk_areas.models import AreaInfection
    from fangkong.risk_areas.services import risk_area_designate

    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    district = risk_area_designate(
        actor=commander,
        region=tree["district_a"],
        level="low",
        unit="county_remainder",
        name="其余地区",
        reason="本土疫情",
    )
    case_import_csv(actor=o.epidemiologist, file=_good(o))
    cases = {case.person_id: case for case in Case.objects.all()}
    infected = {str(cases[o.s.people[n].id].code) for n in (0, 1)}
    recorded = AreaInfection.objects.filter(area=district)
    assert set(recorded.values_list("reference", flat=True)) == infected
    assert set(recorded.values_list("recorded_by", flat=True)) == {o.epidemiologist.username}
