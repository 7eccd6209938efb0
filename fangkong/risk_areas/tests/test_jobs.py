"""The hourly lifting job: registered on the periodic schedule, it steps down what is due as
the system actor and says what it did in one line; the policy migration gives stored rule
sets the designation units the designation reads."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.core.periodic import periodic_jobs
from fangkong.policy.loader import EDITIONS_DIR
from fangkong.policy.schema import parameters_validate
from fangkong.regions.models import Region
from fangkong.risk_areas.services import risk_area_designate
from fangkong.risk_areas.tests.conftest import Clock

pytestmark = pytest.mark.django_db


def test_the_lifting_job_runs_hourly_and_steps_down_what_is_due(
    tree: dict[str, Region], clock: Callable[[str], Clock]
) -> None:
    time = clock("measures-20")
    commander = actor_make(role=Role.COMMANDER, region=tree["district_a"])
    due = risk_area_designate(
        actor=commander,
        region=tree["grid_a1"],
        unit="building",
        building="3",
        name="3号楼",
        level="high",
        reason="x",
    )
    job = periodic_jobs()["risk_area_lifting"]
    assert job.every == timedelta(hours=1)
    assert (
        job.run()
        == "1 areas checked, 0 stepped down, 0 lifted, 0 need a level of the rules in force"
    )
    time.day(5)
    assert job.run().startswith("1 areas checked, 1 stepped down, 0 lifted")
    due.refresh_from_db()
    assert due.level == "low"
    entry = AuditEntry.objects.filter(action="risk_area_lift").get()
    assert (entry.actor_username, entry.rule_set[:12]) == ("system", "measures-20@")
    # the low area lifts in the next run: no high area is left in the county
    assert job.run().startswith("1 areas checked, 0 stepped down, 1 lifted")
    assert job.run().startswith("0 areas checked")


def test_stored_rule_sets_gain_designation_units() -> None:
    migration = importlib.import_module(
        "fangkong.policy.migrations.0004_risk_levels_designation_units"
    )
    for name, edition in (("02-nhc-9.json", "nhc-9"), ("03-measures-20.json", "measures-20")):
        current = json.loads((EDITIONS_DIR / name).read_text(encoding="utf-8"))["parameters"]
        old = copy.deepcopy(current)
        for level in old["risk_areas"]["levels"]:
            del level["designation_units"]
        assert migration.parameters_upgrade(old, edition=edition)
        assert old == current
        assert not migration.parameters_upgrade(old, edition=edition)
        parameters_validate(old)
    override: dict[str, Any] = {"risk_areas": {"levels": [{"code": "high"}, {"code": "low"}]}}
    assert migration.parameters_upgrade(override, edition="measures-20")
    assert [level["designation_units"] for level in override["risk_areas"]["levels"]] == [
        ["building", "unit"],
        ["county_remainder"],
    ]
    assert not migration.parameters_upgrade({"pooling": {"max_ratio": 10}}, edition="nhc-9")


def test_a_level_may_not_list_a_designation_unit_twice() -> None:
    data: dict[str, Any] = json.loads((EDITIONS_DIR / "02-nhc-9.json").read_text("utf-8"))
    data["parameters"]["risk_areas"]["levels"][0]["designation_units"] = ["building", "building"]
    with pytest.raises(ValidationFailed) as refused:
        parameters_validate(data["parameters"])
    assert "designation units repeat" in refused.value.errors[0]["message"]
