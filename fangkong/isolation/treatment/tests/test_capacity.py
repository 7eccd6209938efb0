"""The capacity and occupancy view: its figures equal direct counts of rooms, beds and
occupants, per site and per district, and it covers only the actor's subtree."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from fangkong.isolation.choices import AdmissionStatus, OrderStatus, RoomStatus
from fangkong.isolation.models import Admission, IsolationOrder, Room
from fangkong.isolation.tests.factories import facility_make
from fangkong.isolation.treatment.access import access_bed
from fangkong.isolation.treatment.roles import TREATMENT_WRITE_ROLES
from fangkong.isolation.treatment.selectors import capacity_report
from fangkong.isolation.treatment.services import admission_admit
from fangkong.isolation.treatment.tests.factories import ward_make

pytestmark = pytest.mark.django_db


def test_capacity_figures_equal_direct_counts_per_site_and_district(
    tree, django_assert_max_num_queries
):
    ward = ward_make(tree, rooms=4)
    admission_admit(
        actor=ward.clinician,
        case=ward.case,
        room=access_bed(ward.clinician, ward.hospital.code, "0002", roles=TREATMENT_WRITE_ROLES),
        reason="收治",
    )
    Room.objects.filter(facility=ward.fangcang, number="0003").update(status=RoomStatus.CLEANING)
    other = facility_make(ward.staff, name="乙区隔离点", rooms=5, region_key="district_b")
    with django_assert_max_num_queries(6):
        report = capacity_report(actor=ward.staff.commander)
    sites = {site.name: site for site in report.sites}
    assert other.name not in sites  # district B is outside the commander's subtree
    for facility in (ward.fangcang, ward.hospital):
        rooms = Room.objects.filter(facility=facility)
        occupants = (
            Admission.objects.filter(facility=facility, status=AdmissionStatus.ADMITTED).count()
            + IsolationOrder.objects.filter(
                room__facility=facility, status=OrderStatus.OPEN
            ).count()
        )
        usable = rooms.filter(
            ready_at__isnull=False, status__in=[RoomStatus.FREE, RoomStatus.OCCUPIED]
        )
        site = sites[facility.name]
        assert site.rooms_total == rooms.count()
        assert site.rooms_occupied == rooms.filter(status=RoomStatus.OCCUPIED).count()
        assert (
            site.rooms_free == rooms.filter(status=RoomStatus.FREE, ready_at__isnull=False).count()
        )
        assert site.beds_total == rooms.aggregate(n=Sum("beds"))["n"]
        assert site.beds_occupied == occupants
        assert site.beds_free == usable.aggregate(n=Sum("beds"))["n"] - occupants
    assert sites[ward.hospital.name].beds_occupied == 1
    assert sites[ward.fangcang.name].rooms_out_of_use == 1
    assert [d.name for d in report.districts] == [tree["district_a"].name]
    district = report.districts[0]
    assert district.rooms_total == Room.objects.filter(facility__region=tree["district_a"]).count()
    assert district.beds_occupied == report.total.beds_occupied == 1
    everything = capacity_report(actor=ward.staff.manager)
    assert everything.total.rooms_total == district.rooms_total
