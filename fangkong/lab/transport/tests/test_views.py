"""The lab technician's pages: what they show, who may see them, and that receipt, results
and result files through the page change the database (once per form, however often it is
submitted)."""

from __future__ import annotations

import re
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.lab.choices import AnomalyKind, PackageStatus, TubeResult, TubeStatus
from fangkong.lab.models import Anomaly, Package, ResultUpload, Tube
from fangkong.lab.tests.factories import package_sealed, screening_make


def _key(page: str, action: str) -> str:
    form = page.split(f'action="{action}"', 1)[1]
    found = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form)
    assert found is not None
    return found.group(1)


def test_lab_home_lists_the_technicians_labs(tree, api, page_client):
    s = screening_make(tree)
    package_sealed(s, api)
    page = page_client(s.technician).get("/lab/labs/")
    assert page.status_code == 200
    body = page.content.decode()
    assert s.lab.name in body
    assert f"/lab/labs/{s.lab.code}/" in body


def test_lab_page_shows_packages_on_the_way_and_the_forms(tree, api, page_client):
    s = screening_make(tree)
    package_sealed(s, api)
    page = page_client(s.technician).get(f"/lab/labs/{s.lab.code}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "P0001" in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert body.count('name="idempotency_key"') == 3
    assert 'enctype="multipart/form-data"' in body


def test_anonymous_is_sent_to_login(tree):
    s = screening_make(tree)
    for url in ("/lab/labs/", f"/lab/labs/{s.lab.code}/"):
        answer = Client().get(url)
        assert answer.status_code == 302
        assert "login" in answer["Location"]
    assert Client().post(f"/lab/labs/{s.lab.code}/receive", {}).status_code in (302, 403)
    assert Package.objects.filter(status=PackageStatus.RECEIVED).count() == 0


def test_wrong_role_is_forbidden(tree, page_client):
    s = screening_make(tree)
    for actor in (s.sampler, s.commander):
        client = page_client(actor)
        assert client.get("/lab/labs/").status_code == 403
        assert client.get(f"/lab/labs/{s.lab.code}/").status_code == 403


def test_technician_of_another_lab_sees_nothing_of_this_one(tree, api, page_client):
    s = screening_make(tree)
    package_sealed(s, api)
    other = actor_make(role=Role.LAB_TECHNICIAN, region=tree["district_a"])
    client = page_client(other)
    home = client.get("/lab/labs/")
    assert home.status_code == 200
    assert s.lab.name not in home.content.decode()
    assert client.get(f"/lab/labs/{s.lab.code}/").status_code == 404
    answer = client.post(
        f"/lab/labs/{s.lab.code}/receive", {"package": "P0001", "tubes": "T0001\nT0002"}
    )
    assert answer.status_code == 404
    assert Tube.objects.filter(received_at__isnull=False).count() == 0


def test_receive_report_and_upload_through_the_page(tree, api, page_client):
    s = screening_make(tree)
    package_sealed(s, api)
    client = page_client(s.technician)
    url = f"/lab/labs/{s.lab.code}/"
    page = client.get(url).content.decode()
    key = _key(page, f"/lab/labs/{s.lab.code}/receive")
    form = {"package": "P0001", "tubes": "T0001\nT0002\nT9999\n", "idempotency_key": key}
    answer = client.post(f"{url}receive", form)
    assert answer.status_code == 302
    assert answer["Location"] == url
    again = client.post(f"{url}receive", form)  # double submit: the same write, replayed
    assert again.status_code == 302
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.RECEIVED}
    assert list(Anomaly.objects.values_list("kind", "barcode")) == [
        (AnomalyKind.UNKNOWN_TUBE, "T9999")
    ]
    after = client.get(url).content.decode()
    assert "T9999" in after
    assert str(AnomalyKind.UNKNOWN_TUBE.label) in after
    assert "T0001" in after  # waiting for a result

    key = _key(after, f"/lab/labs/{s.lab.code}/results")
    reported = client.post(
        f"{url}results",
        {"barcode_0": "T0001", "result_0": "negative", "idempotency_key": key},
    )
    assert reported.status_code == 302
    assert Tube.objects.get(barcode="T0001").result == TubeResult.NEGATIVE

    bad = client.post(
        f"{url}upload",
        {
            "file": SimpleUploadedFile("r.csv", "管码,结果\nT0002,阳性\nT0003,阴性\n".encode()),
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "single_result_for_pool" in body
    assert "tube_not_found" in body
    assert Tube.objects.get(barcode="T0002").result == TubeResult.PENDING
    assert ResultUpload.objects.count() == 0

    page = client.get(url).content.decode()
    key = _key(page, f"/lab/labs/{s.lab.code}/upload")
    data = "管码,结果\nT0002,混管可疑阳性\nT0001,阴性\n".encode()
    for _ in range(2):
        sent = client.post(
            f"{url}upload",
            {"file": SimpleUploadedFile("r.csv", data), "idempotency_key": key},
        )
        assert sent.status_code == 302
    assert Tube.objects.get(barcode="T0002").result == TubeResult.POOLED_POSITIVE
    assert ResultUpload.objects.count() == 1
    shown = client.get(url).content.decode()
    assert "r.csv" in shown
    assert "Every received tube has a result." in shown


def test_bad_receipt_form_is_422_and_writes_nothing(tree, api, page_client):
    s = screening_make(tree)
    package_sealed(s, api)
    answer = page_client(s.technician).post(
        f"/lab/labs/{s.lab.code}/receive", {"package": "P0001", "tubes": ""}
    )
    assert answer.status_code == 422
    assert Package.objects.get(code="P0001").status == PackageStatus.IN_TRANSIT
