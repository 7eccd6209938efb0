"""The arrivals page and the home isolation page: they call the intake services, show refused
input on its field (a file's rows with their row), hide other districts like missing records,
admit only the roles the API admits, and a form posted twice issues one order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.core.models import AccessEntry
from fangkong.isolation.choices import OrderKind
from fangkong.isolation.intake.tests.factories import arrival_make
from fangkong.isolation.models import IsolationOrder, OrderSource
from fangkong.isolation.tests.factories import staff_make
from fangkong.isolation.treatment.tests.factories import ward_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db
ARRIVALS = "/isolation/intake/arrivals/"
MISSING = f"{'0' * 8}-0000-0000-0000-{'0' * 12}"


def _one(person: str, **extra: str) -> dict[str, str]:
    return {"action": "one", "person": person, "group": "inbound", "reason": "入境", **extra}


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("arrivals.csv", text.encode(), content_type="text/csv")


def test_the_arrivals_page_lists_arrivals_waiting_and_logs_the_persons_shown(tree, page_client):
    staff = staff_make(tree)
    arrival, theirs = arrival_make(tree), arrival_make(tree, key="district_b")
    page = page_client(staff.manager).get(ARRIVALS)
    assert page.status_code == 200
    html = page.content.decode()
    assert str(arrival.person.code) in html
    assert str(theirs.person.code) not in html
    logged = AccessEntry.objects.filter(action="arrival_awaiting_order_list").last()
    assert logged is not None
    assert logged.subject_ids == [str(arrival.person.code)]


def test_one_arrival_is_ordered_once_even_when_the_form_is_posted_twice(tree, page_client):
    staff = staff_make(tree)
    arrival = arrival_make(tree)
    client = page_client(staff.manager)
    first = client.post(ARRIVALS, _one(str(arrival.person.code)))
    order = IsolationOrder.objects.get(person=arrival.person)
    assert first.status_code == 302
    assert first["Location"] == f"/isolation/orders/{order.code}/"
    assert OrderSource.objects.filter(order=order, source=arrival.code).exists()
    again = client.post(ARRIVALS, _one(str(arrival.person.code)))
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    assert IsolationOrder.objects.filter(person=arrival.person).count() == 1
    assert str(arrival.person.code) not in client.get(ARRIVALS).content.decode()


def test_refused_input_shows_on_its_field(tree, page_client):
    staff = staff_make(tree)
    arrival = arrival_make(tree)
    client = page_client(staff.manager)
    no_reason = client.post(ARRIVALS, _one(str(arrival.person.code), reason=" "))
    assert no_reason.status_code == 422
    assert "reason" in no_reason.context["one"].errors
    bad_group = client.post(ARRIVALS, _one(str(arrival.person.code), group="close_contact"))
    assert bad_group.status_code == 422
    assert "group" in bad_group.context["one"].errors
    too_old = arrival_make(tree, days_ago=40)
    old = client.post(ARRIVALS, _one(str(too_old.person.code)))
    assert old.status_code == 422
    assert "person" in old.context["one"].errors
    assert not IsolationOrder.objects.exists()


def test_a_person_of_another_district_looks_like_a_missing_one(tree, page_client):
    staff = staff_make(tree)
    theirs = arrival_make(tree, key="district_b")
    never_arrived = person_make(region=tree["grid_a1"])
    client = page_client(staff.manager)
    answers = [
        client.post(ARRIVALS, _one(code))
        for code in (str(theirs.person.code), MISSING, str(never_arrived.code))
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    errors = [a.context["one"].errors["person"] for a in answers]
    assert errors[0] == errors[1] == errors[2]
    assert not IsolationOrder.objects.exists()


def test_the_upload_issues_all_rows_or_names_every_bad_row(tree, page_client):
    staff = staff_make(tree)
    mine = [arrival_make(tree), arrival_make(tree, key="grid_a2")]
    theirs = arrival_make(tree, key="district_b")
    client = page_client(staff.epidemiologist)
    rows = [str(a.person.code) for a in mine]
    bad = client.post(
        ARRIVALS,
        {
            "action": "upload",
            "group": "high_risk_area_arrival",
            "reason": "高风险区来",
            "file": _csv(
                "person,note\n" + "\n".join([rows[0], str(theirs.person.code), ",无编码", "x,"])
            ),
        },
    )
    assert bad.status_code == 422
    shown = [str(e) for e in bad.context["upload"].non_field_errors()]
    assert len(shown) == 3
    assert [s.split("·")[0].strip() for s in shown] == ["Row 3", "Row 4", "Row 5"]
    assert all("Person" in s for s in shown)
    assert not IsolationOrder.objects.exists()
    upload = {"action": "upload", "group": "high_risk_area_arrival", "reason": "高风险区来"}
    done = client.post(ARRIVALS, {**upload, "file": _csv("person\n" + "\n".join(rows))})
    assert (done.status_code, done["Location"]) == (302, ARRIVALS)
    again = client.post(ARRIVALS, {**upload, "file": _csv("person\n" + "\n".join(rows))})
    assert again.status_code == 302
    assert IsolationOrder.objects.count() == 2
    no_column = client.post(ARRIVALS, {**upload, "file": _csv("code\n" + rows[0])})
    assert no_column.status_code == 422
    assert no_column.context["upload"].non_field_errors()
    big = client.post(ARRIVALS, {**upload, "file": _csv("person\n" + "0" * 1_000_001)})
    assert big.status_code == 422
    assert "larger than" in str(big.context["upload"].errors["file"])
    assert IsolationOrder.objects.count() == 2


def test_the_arrivals_page_admits_the_intake_roles_only(tree, page_client):
    staff = staff_make(tree)
    arrival = arrival_make(tree)
    assert page_client(staff.epidemiologist).get(ARRIVALS).status_code == 200
    for actor in (staff.grid, staff.commander):
        client = page_client(actor)
        assert client.get(ARRIVALS).status_code == 403
        assert client.post(ARRIVALS, _one(str(arrival.person.code))).status_code == 403
    assert not IsolationOrder.objects.exists()
    menu = page_client(staff.manager).get("/isolation/intake/").content.decode()
    assert f'href="{ARRIVALS}"' in menu
    assert f'href="{ARRIVALS}"' not in page_client(staff.grid).get("/").content.decode()


def test_home_isolation_from_the_case_page_to_the_order_once(tree, page_client):
    ward = ward_make(tree)
    case_page = page_client(ward.clinician).get(f"/cases/{ward.case.code}/").content.decode()
    url = f"/isolation/intake/cases/{ward.case.code}/home-isolation/"
    assert f'href="{url}"' in case_page
    client = page_client(ward.clinician)
    assert client.get(url).status_code == 200
    first = client.post(url, {"reason": "轻症居家", "isolated_since": ""})
    order = IsolationOrder.objects.get(kind=OrderKind.HOME_ISOLATION)
    assert (first.status_code, first["Location"]) == (302, f"/isolation/orders/{order.code}/")
    assert order.day0 == NINTH_EDITION_DAY.date()
    again = client.post(url, {"reason": "轻症居家", "isolated_since": ""})
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    assert IsolationOrder.objects.filter(kind=OrderKind.HOME_ISOLATION).count() == 1
    assert f"/isolation/orders/{order.code}/" in client.get(url).content.decode()


def test_home_isolation_refusals_show_on_their_field(tree, page_client):
    ward = ward_make(tree)
    url = f"/isolation/intake/cases/{ward.case.code}/home-isolation/"
    client = page_client(ward.clinician)
    no_reason = client.post(url, {"reason": " "})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.context["form"].errors
    future = (NINTH_EDITION_DAY.date() + timedelta(days=3)).isoformat()
    late = client.post(url, {"reason": "居家", "isolated_since": future})
    assert late.status_code == 422
    assert "isolated_since" in late.context["form"].errors
    assert not IsolationOrder.objects.filter(kind=OrderKind.HOME_ISOLATION).exists()


def test_home_isolation_hides_other_districts_and_refuses_other_roles(tree, page_client):
    ward = ward_make(tree)
    url = f"/isolation/intake/cases/{ward.case.code}/home-isolation/"
    other = page_client(ward.other_clinician).post(url, {"reason": "居家"})
    missing = page_client(ward.other_clinician).post(
        f"/isolation/intake/cases/{MISSING}/home-isolation/", {"reason": "居家"}
    )
    assert other.status_code == missing.status_code == 404
    assert (other.context["error_code"], other.context["error_message"]) == (
        missing.context["error_code"],
        missing.context["error_message"],
    )
    manager = page_client(ward.staff.manager)
    assert manager.get(url).status_code == 403
    assert manager.post(url, {"reason": "居家"}).status_code == 403
    case_page = manager.get(f"/cases/{ward.case.code}/")
    if case_page.status_code == 200:
        assert url not in case_page.content.decode()
    assert not IsolationOrder.objects.filter(kind=OrderKind.HOME_ISOLATION).exists()
