"""Command pages: the rounds (and opening one), the round's command view, the
not-yet-tested export, a person's test history — for the commander, anonymous, wrong-role
and other-district users; query counts that do not grow with the data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.actor import SYSTEM
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.lab.coverage.selectors import round_coverage
from fangkong.lab.models import RoundArea, ScreeningRound
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.rounds.services import exemption_grant
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.scope import package_scope
from fangkong.lab.tests.factories import residents_make, screening_make
from fangkong.lab.transport.services import package_handover, package_receive, package_seal


def _bind(s, barcode, ids):
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
    )


def _busy(s, *, tubes: int, prefix: str = "T"):
    """``tubes`` tubes of 2 people: the first half sealed and received (the first one a
    pooled positive, the rest negative), the second half on the road."""
    barcodes = [f"{prefix}{n:04d}" for n in range(tubes)]
    for n, barcode in enumerate(barcodes):
        _bind(s, barcode, s.ids[2 * n : 2 * n + 2])
    half = max(1, tubes // 2)
    package_seal(
        actor=s.sampler,
        point=s.point,
        screening_round=s.round,
        lab=s.lab,
        code=f"{prefix}P01",
        barcodes=barcodes[:half],
    )
    package_handover(actor=s.sampler, package=_package(f"{prefix}P01"), vehicle="京A12345")
    package_receive(
        actor=s.technician, lab=s.lab, package_code=f"{prefix}P01", barcodes=barcodes[:half]
    )
    results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[
            ResultInput(barcode=b, result="pooled_positive" if i == 0 else "negative")
            for i, b in enumerate(barcodes[:half])
        ],
    )
    if tubes > half:
        package_seal(
            actor=s.sampler,
            point=s.point,
            screening_round=s.round,
            lab=s.lab,
            code=f"{prefix}P02",
            barcodes=barcodes[half:],
        )
        package_handover(actor=s.sampler, package=_package(f"{prefix}P02"), vehicle="京B67890")


def _package(code):
    return package_scope(SYSTEM).get(code=code)


def _round_url(s, **params):
    url = reverse("lab:round", args=[s.round.code])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def test_round_command_view_for_the_commander(tree, page_client):
    s = screening_make(tree, residents=12)
    _busy(s, tubes=4)
    client = page_client(s.commander)
    response = client.get(_round_url(s))
    assert response.status_code == 200
    html = response.content.decode()
    assert s.round.name in html
    assert 'data-figure="tubes-resulted">2<' in html
    assert 'data-figure="tubes-in_transit">2<' in html
    assert "TP02" in html  # the package on the road
    assert "京B67890" in html
    assert "T0000" in html  # the pooled positive
    assert 'data-figure="tested">8<' in html
    assert 'data-figure="untested">4<' in html
    assert 'data-untested-total="4"' in html
    # Coverage drill-down to the grid shows its households.
    grid = client.get(_round_url(s, level="grid", within=tree["grid_a1"].code))
    assert grid.status_code == 200
    assert 'data-table="households"' in grid.content.decode()
    # Live counters alone for htmx.
    part = client.get(_round_url(s, part="counters"), headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert part.content.decode().lstrip().startswith('<div id="round-counters"')


def test_round_pages_guard_anonymous_wrong_role_and_other_district(
    tree, page_client, make_actor, client
):
    s = screening_make(tree, residents=3)
    url = _round_url(s)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "login" in anonymous["Location"]
    assert page_client(s.technician).get(url).status_code == 403
    assert page_client(s.technician).get(reverse("lab:rounds")).status_code == 403
    other = page_client(make_actor(Role.COMMANDER, tree["district_b"]))
    assert other.get(url).status_code == 404
    assert s.round.name not in other.get(reverse("lab:rounds")).content.decode()
    csv_url = reverse("lab:round_untested_csv", args=[s.round.code]) + "?purpose=door_to_door"
    assert other.get(csv_url).status_code == 404
    person_url = reverse("lab:person_tests", args=[s.people[0].code])
    assert other.get(person_url).status_code == 404
    assert page_client(s.technician).get(person_url).status_code == 403
    assert client.get(person_url).status_code == 302


def test_commander_opens_a_round_after_a_preview(tree, page_client, make_actor):
    commander = screening_make(tree, residents=6).commander
    client = page_client(commander)
    listing = client.get(reverse("lab:rounds"))
    assert listing.status_code == 200
    assert "第一轮区域核酸" in listing.content.decode()
    form = {"name": "第二轮", "areas": f"{tree['grid_a1'].code} other\n{tree['grid_a2'].code}"}
    preview = client.post(reverse("lab:rounds"), {**form, "preview": "1"})
    assert preview.status_code == 200
    assert "data-suggestion" in preview.content.decode()
    assert not ScreeningRound.objects.filter(name="第二轮").exists()
    opened = client.post(reverse("lab:rounds"), form)
    assert opened.status_code == 302
    created = ScreeningRound.objects.get(name="第二轮")
    assert created.population_at_open == 6
    assert set(RoundArea.objects.filter(round=created).values_list("region__code", flat=True)) == {
        tree["grid_a1"].code,
        tree["grid_a2"].code,
    }
    bad = client.post(reverse("lab:rounds"), {"name": "x", "areas": tree["grid_b1"].code + "9"})
    assert bad.status_code == 422
    grid_worker = page_client(make_actor(Role.GRID_WORKER, tree["grid_a1"]))
    assert grid_worker.post(reverse("lab:rounds"), form).status_code == 403


def test_export_writes_access_and_audit_rows_and_the_rows_shown(tree, page_client):
    s = screening_make(tree, residents=12)
    _bind(s, "T9001", s.ids[:4])
    exemption_grant(
        actor=s.commander,
        person=s.people[4],
        reason="isolated",
        valid_until=timezone.now() + timedelta(days=2),
    )
    client = page_client(s.commander)
    page = client.get(_round_url(s)).content.decode()
    assert 'data-untested-total="7"' in page
    url = reverse("lab:round_untested_csv", args=[s.round.code])
    refused = client.get(url)
    assert refused.status_code == 422
    assert not AuditEntry.objects.filter(action="round_untested_export").exists()
    response = client.get(url + "?purpose=door_to_door")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body, footer = rows[0], rows[1:-1], rows[-1]
    assert len(header) == 10
    assert len(body) == 7
    assert footer[0] == "#"
    assert "7" in footer[1]
    assert response["X-Row-Count"] == "7"
    expected = {str(s.people[i].code) for i in range(5, 12)}
    assert {row[-1] for row in body} == expected
    assert all("*" in row[7] for row in body)  # commanders see masked numbers
    access = AccessEntry.objects.get(action="round_untested_export")
    assert access.purpose == "door_to_door"
    assert set(access.subject_ids) == expected
    audit = AuditEntry.objects.get(action="round_untested_export")
    assert audit.reason == "door_to_door"
    assert audit.extra["rows"] == 7
    assert audit.object_id == str(s.round.code)


def test_exports_mask_identity_numbers_for_every_role_epidemiologists_included(
    tree, page_client, api, make_actor
):
    """R39: exports are masked. An epidemiologist sees full numbers on screen (each read
    logged) but not in a file that leaves the system, through the page or the API."""
    s = screening_make(tree, residents=3)
    epidemiologist = make_actor(Role.EPIDEMIOLOGIST, tree["district_a"])
    url = reverse("lab:round_untested_csv", args=[s.round.code]) + "?purpose=report"
    page_file = page_client(epidemiologist).get(url).content.decode("utf-8-sig")
    api_file = (
        api(epidemiologist)
        .get(f"/api/v1/lab/rounds/{s.round.code}/untested.csv", purpose="report")
        .content.decode("utf-8-sig")
    )
    masked = sorted(number[:4] + "*" * 10 + number[-4:] for number in s.ids)
    for text in (page_file, api_file):
        body = list(csv.reader(io.StringIO(text)))[1:-1]
        assert sorted(row[7] for row in body) == masked
        for number in s.ids:
            assert number not in text
    on_screen = api(epidemiologist).get(f"/api/v1/lab/rounds/{s.round.code}/untested").json()
    assert sorted(item["id_number"] for item in on_screen["items"]) == sorted(s.ids)


def test_person_tests_page_lists_pcr_and_logs_the_read(tree, page_client):
    s = screening_make(tree, residents=3)
    _bind(s, "T7001", s.ids[:2])
    client = page_client(s.commander)
    response = client.get(reverse("lab:person_tests", args=[s.people[0].code]))
    assert response.status_code == 200
    assert "T7001" in response.content.decode()
    assert AccessEntry.objects.filter(
        action="person_view", subject_ids=[str(s.people[0].code)]
    ).exists()


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.slow
def test_command_view_queries_do_not_grow_with_the_round(tree, page_client):
    s = screening_make(tree, residents=8)
    _busy(s, tubes=2, prefix="A")
    client = page_client(s.commander)
    small = _queries(client, _round_url(s))
    grid_small = _queries(client, _round_url(s, level="grid", within=tree["grid_a1"].code))
    more, more_ids, _ = residents_make(tree["grid_a1"], 40)
    s.people += more
    s.ids += more_ids
    _busy_more(s)
    large = _queries(client, _round_url(s))
    grid_large = _queries(client, _round_url(s, level="grid", within=tree["grid_a1"].code))
    assert large == small
    assert grid_large == grid_small
    # Each list of the page counts its rows (one bounded query each: the not-yet-tested,
    # the pooled positives and the packages on the road).
    assert large <= 36


def _busy_more(s):
    ids = s.ids[8:]
    barcodes = []
    for n in range(0, 40, 2):
        barcode = f"B{n:04d}"
        _bind(s, barcode, ids[n : n + 2])
        barcodes.append(barcode)
    package_seal(
        actor=s.sampler,
        point=s.point,
        screening_round=s.round,
        lab=s.lab,
        code="BP01",
        barcodes=barcodes,
    )
    package_handover(actor=s.sampler, package=_package("BP01"), vehicle="京C00001")
    package_receive(actor=s.technician, lab=s.lab, package_code="BP01", barcodes=barcodes[:10])
    results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[
            ResultInput(barcode=b, result="pooled_positive" if i < 3 else "negative")
            for i, b in enumerate(barcodes[:10])
        ],
    )


def test_rounds_and_round_pages_have_a_query_ceiling(
    tree, page_client, django_assert_max_num_queries
):
    s = screening_make(tree, residents=6)
    _busy(s, tubes=2)
    client = page_client(s.commander)
    with django_assert_max_num_queries(36):  # with each list's count (see above)
        assert client.get(_round_url(s)).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("lab:rounds")).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("lab:person_tests", args=[s.people[0].code])).status_code == 200


def test_late_results_show_once_the_tubes_are_past_due(tree, page_client):
    s = screening_make(tree, residents=4)
    _bind(s, "L0001", s.ids[:2])
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        coverage = round_coverage(actor=s.commander, screening_round=s.round)
        assert coverage.totals.tested == 2
        html = page_client(s.commander).get(_round_url(s)).content.decode()
        assert 'data-figure="late">1<' in html
        assert "L0001" in html


def test_pooled_positives_and_packages_on_the_road_page_with_their_total(tree, page_client):
    """Issue 17 item 18: the round's pooled positives stopped at 50 without saying so."""
    from fangkong.lab.coverage.dashboard import packages_in_transit, pooled_positives

    s = screening_make(tree, residents=8)
    barcodes = [f"PP{n:03d}" for n in range(3)]
    for n, barcode in enumerate(barcodes):
        _bind(s, barcode, s.ids[2 * n : 2 * n + 2])
    package_seal(
        actor=s.sampler,
        point=s.point,
        screening_round=s.round,
        lab=s.lab,
        code="PPK1",
        barcodes=barcodes,
    )
    package_handover(actor=s.sampler, package=_package("PPK1"), vehicle="京A00001")
    package_receive(actor=s.technician, lab=s.lab, package_code="PPK1", barcodes=barcodes)
    results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[ResultInput(barcode=b, result="pooled_positive") for b in barcodes],
    )
    second = pooled_positives(actor=s.commander, screening_round=s.round, page=2, page_size=1)
    assert (len(second), second.total, second.has_next, second.has_previous) == (1, 3, True, True)
    assert packages_in_transit(actor=s.commander, screening_round=s.round).total == 0

    html = page_client(s.commander).get(_round_url(s)).content.decode()
    pooled = html[html.index('data-table="pooled"') :]
    assert 'data-total="3"' in pooled[: pooled.index("</nav>")]
