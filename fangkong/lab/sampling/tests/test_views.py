"""The sampling-point pages: choosing a post, the bind screen (and its no-JavaScript form), the
package screen (seal, hand over), the service worker, and who may see what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AuditEntry
from fangkong.lab.choices import PackageStatus, RoundStatus, TubeStatus
from fangkong.lab.models import Binding, Package, Tube
from fangkong.lab.rounds.services import round_close, sampling_point_create
from fangkong.lab.sampling.codes import sampling_code_issue
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_seal

URL = "/lab/sampling/"
PACKAGES = "/lab/sampling/packages/"


def _query(s: Screening) -> str:
    return f"?point={s.point.code}&round={s.round.code}"


def _bind(s: Screening, barcode: str, ids: list[str]) -> Tube:
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
    ).tube


# ----------------------------------------------------------------------------- who sees what


def test_anonymous_is_sent_to_sign_in(client, tree):
    for path in (URL, PACKAGES):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.COMMANDER, Role.LAB_TECHNICIAN, Role.GRID_WORKER])
def test_other_roles_are_refused(tree, page_client, role):
    s = screening_make(tree, residents=0)
    other = page_client(actor_make(role=role, region=tree["district_a"]))
    assert other.get(URL + _query(s)).status_code == 403
    assert other.get(PACKAGES + _query(s)).status_code == 403
    response = other.post(URL + _query(s), {"barcode": "T1000", "members": ""})
    assert response.status_code == 403
    assert not Tube.objects.exists()


def test_the_sampler_lands_on_the_bind_screen_of_their_only_post(tree, page_client):
    s = screening_make(tree, residents=0)
    response = page_client(s.sampler).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert s.point.name in html
    assert s.round.name in html
    assert f'data-point="{s.point.code}"' in html
    assert f'data-round="{s.round.code}"' in html
    # 9th edition, zone "other": 20 people per tube, computed from the rules on the server
    assert 'data-ratio="20"' in html
    assert 'data-api-tubes="/api/v1/lab/tubes"' in html
    assert "fangkong/sampling.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    assert not re.search(r"\son[a-z]+=", html)  # nor inline handlers
    assert 'style="' not in html


def test_the_ratio_follows_the_zone_of_the_point_in_the_round(tree, page_client):
    s = screening_make(tree, residents=0, zone="medium")
    html = page_client(s.sampler).get(URL).content.decode()
    assert 'data-ratio="10"' in html


def test_a_sampler_not_on_the_staff_does_not_see_the_point(tree, page_client):
    s = screening_make(tree, residents=0)
    stranger = actor_make(role=Role.SAMPLER, region=tree["community_a"])
    client = page_client(stranger)
    chooser = client.get(URL)
    assert chooser.status_code == 200
    assert s.point.name not in chooser.content.decode()
    assert str(s.point.code) not in chooser.content.decode()
    assert client.get(URL + _query(s)).status_code == 404
    assert client.get(PACKAGES + _query(s)).status_code == 404


def test_with_two_points_the_sampler_chooses(tree, page_client):
    s = screening_make(tree, residents=0)
    second = sampling_point_create(actor=s.commander, region=tree["community_a"], name="二号采样点")
    second.staff.add(User.objects.get(pk=s.sampler.user_id))
    response = page_client(s.sampler).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "一号采样点" in html
    assert "二号采样点" in html
    assert f"point={second.code}" in html
    assert "tube-form" not in html


def test_a_closed_round_offers_nothing_to_bind(tree, page_client):
    s = screening_make(tree, residents=0)
    round_close(actor=s.commander, screening_round=s.round, reason="done")
    client = page_client(s.sampler)
    assert "tube-form" not in client.get(URL).content.decode()
    assert client.get(URL + _query(s)).status_code == 404
    assert s.round.status == RoundStatus.CLOSED


# ----------------------------------------------------------------------------- binding without JS


def test_the_form_without_javascript_binds_one_whole_tube(tree, page_client):
    s = screening_make(tree, residents=3)
    client = page_client(s.sampler)
    code = sampling_code_issue(
        person_code=s.people[2].code, name=s.people[2].name, masked_id="1101**********0000"
    )
    members = f"{s.ids[0]}\n {s.ids[1].lower()} \n\n{code}\n"
    response = client.post(URL + _query(s), {"barcode": "t-2001", "members": members})
    assert response.status_code == 302
    assert response["Location"].endswith(_query(s))
    tube = Tube.objects.get(barcode="T-2001")
    assert tube.member_count == 3
    assert tube.sampler_id == s.sampler.user_id
    bound = list(Binding.objects.filter(tube=tube).order_by("position"))
    assert [b.person_id for b in bound] == [p.id for p in s.people]
    assert [b.method for b in bound] == ["manual", "manual", "code"]

    again = client.post(URL + _query(s), {"barcode": "T-2001", "members": members}, follow=True)
    assert again.status_code == 200
    assert "T-2001" in again.content.decode()
    assert Tube.objects.count() == 1
    assert Binding.objects.count() == 3


def test_a_population_group_binds_at_its_own_ratio(tree, page_client):
    """Key groups are sampled singly under the 9th edition (R7): the page offers the group
    with its ratio, and the form refuses a second person in a key-group tube."""
    s = screening_make(tree, residents=2)
    client = page_client(s.sampler)
    page = client.get(URL + _query(s)).content.decode()
    assert re.search(r'<option value="key_group" data-ratio="1"', page)
    refused = client.post(
        URL + _query(s), {"barcode": "K-0001", "group": "key_group", "members": "\n".join(s.ids)}
    )
    assert refused.status_code == 422
    assert not Tube.objects.exists()
    stored = client.post(
        URL + _query(s), {"barcode": "K-0002", "group": "key_group", "members": s.ids[0]}
    )
    assert stored.status_code == 302
    tube = Tube.objects.get(barcode="K-0002")
    assert (tube.group, tube.ratio) == ("key_group", 1)


def test_the_form_shows_which_person_is_wrong_and_keeps_the_input(tree, page_client):
    s = screening_make(tree, residents=1)
    bad = s.ids[0][:-1] + ("0" if s.ids[0][-1] != "0" else "1")
    response = page_client(s.sampler).post(
        URL + _query(s), {"barcode": "T2002", "members": f"{s.ids[0]}\n{bad}"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Person 2" in html
    assert bad in html  # kept in the box to fix
    assert not Tube.objects.exists()


# ----------------------------------------------------------------------------- packages


def test_the_package_form_seals_the_point_tubes(tree, page_client):
    s = screening_make(tree, residents=4)
    _bind(s, "T3001", s.ids[:2])
    _bind(s, "T3002", s.ids[2:])
    client = page_client(s.sampler)
    page = client.get(PACKAGES + _query(s))
    assert page.status_code == 200
    html = page.content.decode()
    assert "T3001" in html
    assert "T3002" in html
    assert s.lab.name in html

    response = client.post(
        PACKAGES + _query(s),
        {"action": "seal", "code": "p-9001", "lab": str(s.lab.code), "tubes": ["T3001", "T3002"]},
    )
    assert response.status_code == 302
    package = Package.objects.get(code="P-9001")
    assert package.tube_count == 2
    assert package.lab_id == s.lab.id
    assert package.point_id == s.point.id
    assert package.sealed_by == s.sampler.username
    assert set(Tube.objects.values_list("status", "package_id")) == {
        (TubeStatus.PACKAGED, package.id)
    }
    assert AuditEntry.objects.filter(action="package_seal", object_id="P-9001").exists()
    assert "T3001" not in client.get(PACKAGES + _query(s)).content.decode().split("</form>")[0]


def test_sealing_refuses_a_tube_of_another_point_and_seals_nothing(tree, page_client):
    s = screening_make(tree, residents=2)
    _bind(s, "T3101", s.ids[:1])
    response = page_client(s.sampler).post(
        PACKAGES + _query(s),
        {"action": "seal", "code": "P9101", "lab": str(s.lab.code), "tubes": ["T3101", "T9999"]},
    )
    assert response.status_code == 422
    assert "Not a tube of this point and round." in response.content.decode()
    assert not Package.objects.exists()
    assert Tube.objects.get(barcode="T3101").status == TubeStatus.CLOSED


def test_a_sealed_package_is_handed_over_to_a_vehicle(tree, page_client):
    s = screening_make(tree, residents=1)
    _bind(s, "T3201", s.ids)
    client = page_client(s.sampler)
    client.post(
        PACKAGES + _query(s),
        {"action": "seal", "code": "P9201", "lab": str(s.lab.code), "tubes": ["T3201"]},
    )
    response = client.post(
        PACKAGES + _query(s),
        {"action": "handover", "package": "P9201", "vehicle": " 沪A12345 ", "carrier": "张师傅"},
    )
    assert response.status_code == 302
    package = Package.objects.get(code="P9201")
    assert package.status == PackageStatus.IN_TRANSIT
    assert package.vehicle == "沪A12345"
    assert Tube.objects.get(barcode="T3201").status == TubeStatus.IN_TRANSIT
    refused = client.post(
        PACKAGES + _query(s), {"action": "handover", "package": "P9201", "vehicle": "沪A1"}
    )
    assert refused.status_code == 409
    assert Package.objects.get(code="P9201").vehicle == "沪A12345"


# ----------------------------------------------------------------------------- offline support


def test_the_service_worker_loads_the_sampling_script_with_its_scope(tree, client):
    response = client.get("/lab/sampling/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert 'importScripts("/static/fangkong/sampling.js");' in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_form_binds_a_single_re_test_tube_for_a_held_person(tree, page_client):
    from fangkong.lab.choices import RetestStatus, TubeKind
    from fangkong.lab.models import RetestTask, Tube
    from fangkong.lab.obligations.services import antigen_record
    from fangkong.lab.tests.factories import screening_make as make

    s = make(tree, residents=2)
    from django.utils import timezone

    from fangkong.accounts.tests.factories import actor_make

    clinician = actor_make(role="clinician", region=tree["district_a"])
    antigen_record(
        actor=clinician,
        person=s.people[0],
        source="clinic",
        result="positive",
        tested_at=timezone.now(),
    )
    client = page_client(s.sampler)
    response = client.post(
        f"/lab/sampling/?point={s.point.code}&round={s.round.code}",
        {"barcode": "RT0001", "members": s.ids[0], "kind": "retest", "doc_type": "01"},
    )
    assert response.status_code in (200, 302)
    tube = Tube.objects.get(barcode="RT0001")
    assert (tube.kind, tube.ratio) == (TubeKind.RETEST, 1)
    assert RetestTask.objects.get().status == RetestStatus.SAMPLED


def test_the_packages_page_pages_the_points_packages_and_says_how_many(tree, page_client):
    """Issue 17 item 18: a point's packages rendered 71 rows in one page."""
    from fangkong.lab.sampling.views import PACKAGES_PER_PAGE

    s = screening_make(tree, residents=2 * PACKAGES_PER_PAGE + 2)
    for n in range(PACKAGES_PER_PAGE + 1):
        barcode = f"PK{n:04d}"
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(barcode=barcode, members=[MemberInput(id_number=s.ids[n])]),
        )
        package_seal(
            actor=s.sampler,
            point=s.point,
            screening_round=s.round,
            lab=s.lab,
            code=f"PKG{n:04d}",
            barcodes=[barcode],
        )
    client = page_client(s.sampler)
    first = client.get(reverse("lab:sampling_packages")).content.decode()
    assert f'data-total="{PACKAGES_PER_PAGE + 1}"' in first
    assert first.count('name="action" value="handover"') == PACKAGES_PER_PAGE
    assert 'rel="next"' in first
    second = client.get(reverse("lab:sampling_packages"), {"page": 2}).content.decode()
    assert second.count('name="action" value="handover"') == 1
