"""Jurisdiction boundaries as data: the GeoJSON import (service, API, command)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from fangkong.accounts.choices import Role
from fangkong.core.actor import SYSTEM
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.regions.models import RegionBoundary
from fangkong.regions.selectors import region_outlines
from fangkong.regions.services import region_boundaries_import

SQUARE = [[[116.0, 39.0], [116.1, 39.0], [116.1, 39.1], [116.0, 39.1], [116.0, 39.0]]]


def _feature(code, coordinates=SQUARE, kind="Polygon", key="code"):
    return {
        "type": "Feature",
        "properties": {key: code, "name": "ignored"},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def _file(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_outlines_are_stored_per_region_and_a_second_import_changes_nothing(tree):
    data = _file(
        _feature(tree["district_a"].code),
        _feature(int(tree["district_b"].code), [SQUARE], "MultiPolygon", key="adcode"),
    )
    report = region_boundaries_import(actor=SYSTEM, file=data)
    assert (report.features, report.stored, report.unchanged) == (2, 2, 0)
    stored = RegionBoundary.objects.get(region=tree["district_a"])
    assert stored.geometry == {"type": "Polygon", "coordinates": SQUARE}
    assert (stored.min_lon, stored.max_lat) == (116.0, 39.1)
    again = region_boundaries_import(actor=SYSTEM, file=data)
    assert (again.stored, again.unchanged) == (0, 2)
    assert AuditEntry.objects.filter(action="region_boundaries_import").count() == 1
    outlines = region_outlines([tree["district_a"].pk, tree["city"].pk])
    assert set(outlines) == {tree["district_a"].pk}


def test_a_changed_outline_replaces_the_stored_one(tree):
    region_boundaries_import(actor=SYSTEM, file=_file(_feature(tree["street_a"].code)))
    moved = [[[x + 1, y] for x, y in SQUARE[0]]]
    report = region_boundaries_import(
        actor=SYSTEM, file=_file(_feature(tree["street_a"].code, moved))
    )
    assert report.stored == 1
    assert RegionBoundary.objects.get(region=tree["street_a"]).min_lon == 117.0


def test_every_bad_feature_is_named_by_index_and_code_and_nothing_is_stored(tree):
    open_ring = [[[116.0, 39.0], [116.1, 39.0], [116.1, 39.1], [116.0, 39.2]]]
    data = _file(
        _feature(tree["district_a"].code),
        _feature(tree["district_b"].code, open_ring),
        _feature("999999"),
        {"type": "Feature", "properties": {}, "geometry": None},
        _feature(
            tree["street_a"].code, [[[200.0, 39.0], [116.1, 39.0], [116.1, 39.1], [200.0, 39.0]]]
        ),
        _feature(tree["street_b"].code, [[116.0, 39.0]], kind="Point"),
        _feature(tree["district_a"].code),
        "not a feature",
    )
    with pytest.raises(ValidationFailed) as refused:
        region_boundaries_import(actor=SYSTEM, file=data)
    problems = {(e["row"], e["code"]) for e in refused.value.errors}
    assert problems == {
        (1, "ring_not_closed"),
        (2, "region_unknown"),
        (3, "code_missing"),
        (4, "position_out_of_range"),
        (5, "geometry_type"),
        (6, "code_repeated"),
        (7, "not_a_feature"),
    }
    fields = {e["row"]: e["field"] for e in refused.value.errors}
    assert fields[1] == f"features[1] ({tree['district_b'].code}).geometry"
    assert refused.value.detail["rejected"] == 7
    assert not RegionBoundary.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe not json", b"[]", b'{"type": "Feature"}', b'{"type": "FeatureCollection"}'],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(tree, data):
    with pytest.raises(ValidationFailed) as refused:
        region_boundaries_import(actor=SYSTEM, file=data)
    assert refused.value.code == "boundaries_not_geojson"


def test_a_node_outside_the_subtree_reads_as_unknown(tree, make_actor):
    admin = make_actor(Role.ADMINISTRATOR, tree["district_a"])
    with pytest.raises(ValidationFailed) as refused:
        region_boundaries_import(actor=admin, file=_file(_feature(tree["district_b"].code)))
    assert refused.value.errors[0]["code"] == "region_unknown"
    report = region_boundaries_import(actor=admin, file=_file(_feature(tree["street_a"].code)))
    assert report.stored == 1
    with pytest.raises(PermissionDenied):
        region_boundaries_import(
            actor=make_actor(Role.COMMANDER, tree["city"]), file=_file(_feature(tree["city"].code))
        )


def _upload(client, data: bytes, **fields):
    return client.client.post(
        "/api/v1/regions/boundaries",
        {
            "file": SimpleUploadedFile("b.geojson", data, content_type="application/geo+json"),
            **fields,
        },
        headers=client.headers,
    )


def test_the_api_imports_and_names_bad_features(api, tree, make_actor):
    client = api(make_actor(Role.ADMINISTRATOR, tree["city"]))
    dry = _upload(client, _file(_feature(tree["district_a"].code)), dry_run="true")
    assert dry.status_code == 200
    assert dry.json()["dry_run"]
    assert dry.json()["stored"] == 0
    assert not RegionBoundary.objects.exists()
    done = _upload(client, _file(_feature(tree["district_a"].code)))
    assert done.status_code == 200
    assert done.json()["stored"] == 1
    bad = _upload(client, _file(_feature("999999")))
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "features[0] (999999).properties.code"
    other = api(make_actor(Role.COMMANDER, tree["city"]))
    assert _upload(other, _file(_feature(tree["district_a"].code))).status_code == 403


def test_the_command_imports_boundaries(tree, tmp_path):
    path = tmp_path / "b.geojson"
    path.write_bytes(_file(_feature(tree["district_a"].code)))
    out = io.StringIO()
    call_command("regions_import", str(path), "--boundaries", stdout=out)
    assert "stored 1" in out.getvalue()
    path.write_bytes(_file(_feature("999999")))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("regions_import", str(path), "--boundaries", stderr=err)
    assert "region_unknown" in err.getvalue()
