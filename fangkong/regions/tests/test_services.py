"""Code rules, and the services that create and rename nodes."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import Conflict, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.regions import services
from fangkong.regions.codes import code_problem, name_problem
from fangkong.regions.models import Region


@pytest.mark.parametrize(
    ("code", "parent", "level", "problem"),
    [
        ("110000", None, None, None),
        ("810000", None, None, None),
        ("110100", None, None, "code_parent_mismatch"),
        ("910000", None, None, "code_parent_mismatch"),
        ("110100", "110000", 1, None),
        ("120100", "110000", 1, "code_parent_mismatch"),
        ("110000", "110000", 1, "code_parent_mismatch"),
        ("110101", "110000", 1, "code_parent_mismatch"),
        ("110105", "110100", 2, None),
        ("110205", "110100", 2, "code_parent_mismatch"),
        ("110100", "110100", 2, "code_parent_mismatch"),
        ("110105001", "110105", 3, None),
        ("110105000", "110105", 3, "code_parent_mismatch"),
        ("110106001", "110105", 3, "code_parent_mismatch"),
        ("110105001", "110100", 2, "code_parent_mismatch"),
        ("110105001001", "110105001", 4, None),
        ("110105001001001", "110105001001", 5, None),
        ("110105001001001001", "110105001001001", 6, "code_format"),
        ("110105001001002", "110105001001001", 6, "level_too_deep"),
        ("11010", "110000", 1, "code_format"),
        ("11o100", "110000", 1, "code_format"),
        ("１１０１００", "110000", 1, "code_format"),
    ],
)
def test_code_structure(code, parent, level, problem):
    assert code_problem(code, parent, level) == problem


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("朝阳区", None),
        ("", "name_required"),
        ("x" * 101, "name_too_long"),
        ("a\x00b", "name_control_characters"),
        ("evil\u202etxt", "name_control_characters"),
        ("line\nbreak", "name_control_characters"),
    ],
)
def test_names(name, problem):
    assert name_problem(name) == problem


@pytest.mark.django_db
def test_administrator_adds_a_street_to_their_district(tree, make_actor):
    admin = make_actor("administrator", tree["district_a"])
    street = services.region_create(
        actor=admin, parent=tree["district_a"], code="110105002", name=" 第二街道 "
    )
    assert (street.name, street.level, street.parent, street.time_zone) == (
        "第二街道",
        4,
        tree["district_a"],
        "Asia/Shanghai",
    )
    assert street.path == f"{tree['district_a'].path}.110105002"
    entry = AuditEntry.objects.get(action="region_create")
    assert entry.object_id == "110105002"
    assert entry.actor_username == admin.username


@pytest.mark.django_db
def test_create_refuses_bad_codes_levels_names_and_time_zones(tree):
    district = tree["district_a"]
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"code": "110106001"}, "code", "code_parent_mismatch"),
        ({"code": "110105001"}, "code", "code_taken"),
        ({"code": "110105003", "level": 5}, "level", "level_mismatch"),
        ({"code": "110105003", "name": ""}, "name", "name_required"),
        ({"code": "110105003", "time_zone": "Mars/Olympus"}, "time_zone", "time_zone_unknown"),
    ]
    for overrides, field, code in cases:
        kwargs: dict[str, Any] = {
            "actor": SYSTEM,
            "parent": district,
            "code": "110105003",
            "name": "街道",
        }
        kwargs.update(overrides)
        with pytest.raises(ValidationFailed) as caught:
            services.region_create(**kwargs)
        assert (caught.value.errors[0]["field"], caught.value.errors[0]["code"]) == (field, code)
    assert not Region.objects.filter(code="110105003").exists()


@pytest.mark.django_db
def test_create_checks_role_and_jurisdiction(tree, make_actor):
    admin_a = make_actor("administrator", tree["district_a"])
    with pytest.raises(PermissionDenied) as caught:
        services.region_create(actor=admin_a, parent=tree["district_b"], code="110108002", name="x")
    assert caught.value.code == "region_out_of_scope"
    with pytest.raises(PermissionDenied):
        services.region_create(actor=admin_a, parent=None, code="120000", name="天津市")
    commander = make_actor("commander", tree["district_a"])
    with pytest.raises(PermissionDenied):
        services.region_create(
            actor=commander, parent=tree["district_a"], code="110105002", name="x"
        )
    province = services.region_create(actor=SYSTEM, parent=None, code="120000", name="天津市")
    assert (province.level, province.path) == (1, "120000")


@pytest.mark.django_db
def test_rename_is_version_checked_and_audited(tree, make_actor):
    admin = make_actor("administrator", tree["district_a"])
    street = tree["street_a"]
    services.region_rename(
        actor=admin, region=street, name="新名字", version=street.version, reason="Merger"
    )
    street.refresh_from_db()
    assert (street.name, street.version) == ("新名字", 2)
    with pytest.raises(Conflict):
        services.region_rename(actor=admin, region=street, name="再改", version=1)
    with pytest.raises(ValidationFailed):
        services.region_rename(actor=admin, region=street, name="新名字", version=2)
    with pytest.raises(PermissionDenied):
        services.region_rename(actor=admin, region=tree["street_b"], name="x", version=1)
    entry = AuditEntry.objects.get(action="region_rename")
    assert entry.extra == {"from": "朝阳区第一街道", "to": "新名字"}
    assert entry.reason == "Merger"
