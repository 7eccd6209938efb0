"""The clinician page, the patient page and the capacity view: shown to the roles that may
see them, the forms calling the services (refusals on the form, 422), other districts 404,
the persons shown logged, a constant number of queries for the patient list."""

from __future__ import annotations

import pytest

from fangkong.core.models import AccessEntry
from fangkong.isolation.models import Admission
from fangkong.isolation.treatment.tests.factories import second_case, ward_make

pytestmark = pytest.mark.django_db


def test_the_clinician_page_admits_and_the_patient_page_refuses_an_early_discharge(
    tree, page_client
):
    ward = ward_make(tree)
    client = page_client(ward.clinician)
    body = {
        "case": str(ward.case.code),
        "facility": str(ward.fangcang.code),
        "room": "0001",
        "reason": "收治",
    }
    assert client.post("/isolation/treatment/", {**body, "reason": ""}).status_code == 422
    assert client.post("/isolation/treatment/", body).status_code == 302
    admission = Admission.objects.get()
    page = client.get("/isolation/treatment/")
    assert page.status_code == 200
    assert ward.case.person.name in page.content.decode()
    assert 'data-eligible="no"' in page.content.decode()
    before = AccessEntry.objects.count()
    detail = client.get(f"/isolation/treatment/{admission.code}/")
    assert detail.status_code == 200
    assert AccessEntry.objects.count() == before + 1
    refused = client.post(f"/isolation/treatment/{admission.code}/discharge/", {"reason": "出舱"})
    assert refused.status_code == 422
    assert "data-eligible" in refused.content.decode()
    assert Admission.objects.get().status == "admitted"
    moved = client.post(
        f"/isolation/treatment/{admission.code}/transfer/",
        {"facility": str(ward.hospital.code), "room": "0003", "reason": "转定点医院"},
    )
    assert moved.status_code == 302
    assert Admission.objects.get().facility_id == ward.hospital.pk
    other = page_client(ward.other_clinician)
    assert other.get(f"/isolation/treatment/{admission.code}/").status_code == 404
    assert page_client(ward.staff.grid).get("/isolation/treatment/").status_code == 403
    assert page_client(ward.staff.commander).post("/isolation/treatment/", body).status_code == 403


def test_the_patient_list_takes_a_constant_number_of_queries(
    tree, page_client, django_assert_max_num_queries
):
    ward = ward_make(tree)
    client = page_client(ward.clinician)
    counts = []
    for case, room in ((ward.case, "0001"), (second_case(ward), "0002")):
        body = {"case": str(case.code), "facility": str(ward.fangcang.code), "room": room}
        assert client.post("/isolation/treatment/", {**body, "reason": "收治"}).status_code == 302
        client.get("/isolation/treatment/")  # the session and caches settle first
        with django_assert_max_num_queries(40) as captured:
            assert client.get("/isolation/treatment/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_capacity_view_shows_sites_and_districts_to_the_roles_it_admits(tree, page_client):
    ward = ward_make(tree)
    page = page_client(ward.staff.manager).get("/isolation/capacity/")
    assert page.status_code == 200
    text = page.content.decode()
    assert ward.fangcang.name in text
    assert tree["district_a"].name in text
    assert page_client(ward.staff.grid).get("/isolation/capacity/").status_code == 403
    other = page_client(ward.other_clinician).get("/isolation/capacity/").content.decode()
    assert ward.fangcang.name not in other
