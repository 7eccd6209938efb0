"""Companions (R20) from dwell intervals: more than the rule set's minutes in one cell with the
case; stored as spatiotemporal leads that can be dismissed but never confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import time_machine

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import Conflict
from fangkong.people.tests.factories import person_make
from fangkong.tracing.companions.services import companions_derive
from fangkong.tracing.contacts.choices import ContactKind
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.services import contacts_decide, contacts_derive
from fangkong.tracing.contacts.tests.factories import scene_make
from fangkong.tracing.services import batch_ingest

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)
TENTH = datetime(2023, 2, 15, 12, 0, tzinfo=LOCAL)


def _dwell(person, cell, start, minutes):
    return {
        "person": str(person.code),
        "cell": str(cell),
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=minutes)).isoformat(),
    }


def _scene(tree, now):
    at = now - timedelta(days=3)
    scene = scene_make(tree, onset=now.date() - timedelta(days=1), visit_at=at)
    fifteen = person_make(region=tree["grid_a2"], name="伴随")
    ten = person_make(region=tree["grid_a2"], name="十分钟")
    elsewhere = person_make(region=tree["grid_a2"], name="别处")
    rows = [
        _dwell(scene.case.person, 7, at, 60),
        _dwell(fifteen, 7, at + timedelta(minutes=10), 15),
        _dwell(ten, 7, at + timedelta(minutes=10), 10),  # exactly 10 minutes: not more
        _dwell(elsewhere, 8, at, 60),
    ]
    keys = list(rows[0])
    frame = pl.DataFrame(rows, schema=dict.fromkeys(keys, pl.String))
    batch_ingest(actor=SYSTEM, kind="dwells", frame=frame, source="test", batch_key="d1")
    return scene, fifteen


def test_more_than_ten_minutes_in_the_case_s_cell_makes_a_companion_lead(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, fifteen = _scene(tree, NINTH)
        assert (
            contacts_derive(actor=scene.epidemiologist, case=scene.case).created.get("cell") is None
        )
        found = companions_derive(actor=scene.epidemiologist, case=scene.case)
        link = ContactLink.objects.get(case=scene.case, kind=ContactKind.SPATIOTEMPORAL)
        assert (link.person_id, link.overlap_seconds, link.status) == (
            fifteen.pk,
            15 * 60,
            "candidate",
        )
        assert found.created["cell"] == 1
        with pytest.raises(Conflict) as refused:
            contacts_decide(
                actor=scene.epidemiologist,
                case=scene.case,
                codes=[link.code],
                decision="confirm",
                reason="r",
            )
        assert refused.value.code == "companion_not_confirmable"
        contacts_decide(
            actor=scene.epidemiologist,
            case=scene.case,
            codes=[link.code],
            decision="dismiss",
            reason="基站漂移",
        )
    link.refresh_from_db()
    assert link.status == "dismissed"


def test_no_companions_where_the_rules_search_none(tree):
    with time_machine.travel(TENTH, tick=False):
        scene, _fifteen = _scene(tree, TENTH)
        companions_derive(actor=scene.epidemiologist, case=scene.case)
    assert not ContactLink.objects.filter(kind=ContactKind.SPATIOTEMPORAL).exists()
