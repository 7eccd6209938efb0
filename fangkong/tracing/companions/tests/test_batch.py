"""Companions of many cases from one pass over the dwell store: the same leads as one case at
a time, the batch API scoped like the one-case one, and the job over the day's classified
cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
import time_machine

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.models import Case
from fangkong.cases.services.opening import case_open
from fangkong.core.actor import SYSTEM
from fangkong.core.models import AuditEntry
from fangkong.people.tests.factories import person_make
from fangkong.policy.selectors import rules_for
from fangkong.tracing.companions.selectors import companions_of_cases
from fangkong.tracing.companions.services import companions_derive, companions_derive_many
from fangkong.tracing.contacts.choices import ContactKind
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.services import batch_ingest

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)


def _city(tree, *, people=40, cases=4, seed=5):
    """``people`` persons moving between 6 cells over 5 days (no gaps or overlaps of their
    own), the first ``cases`` of them cases (one of district B)."""
    persons = [
        person_make(region=tree["grid_a1" if i % 3 else "grid_b1"], name=f"人{i}", id_number=None)
        for i in range(people)
    ]
    rng = np.random.default_rng(seed)
    rows = []
    for person in persons:
        moment = NINTH - timedelta(days=5)
        while moment < NINTH - timedelta(hours=1):
            length = timedelta(minutes=int(rng.integers(5, 6 * 60)))
            end = min(moment + length, NINTH - timedelta(minutes=1))
            rows.append(
                {
                    "person": str(person.code),
                    "cell": str(int(rng.integers(0, 6))),
                    "start": moment.isoformat(),
                    "end": end.isoformat(),
                }
            )
            moment = end
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
    batch_ingest(actor=SYSTEM, kind="dwells", frame=frame, source="test", batch_key="d")
    clinician = actor_make(role=Role.CLINICIAN, region=tree["city"])
    opened = [
        case_open(
            actor=clinician,
            person=person,
            how_found="fever_clinic",
            reason="fever",
            onset_date=NINTH.date(),
        )[0]
        for person in persons[:cases]
    ]
    return [Case.objects.select_related("person", "region").get(pk=c.pk) for c in opened]


def _links():
    return sorted(
        ContactLink.objects.filter(kind=ContactKind.SPATIOTEMPORAL).values_list(
            "case_id", "person_id", "overlap_seconds", "setting", "rule_set"
        )
    )


def test_one_pass_for_many_cases_gives_the_per_case_companions(tree):
    with time_machine.travel(NINTH, tick=False):
        cases = _city(tree)
        rules = rules_for(cases[0].region, NINTH.date())
        together = companions_of_cases(cases, rules, NINTH)
        for case in cases:
            assert together[case.pk] == companions_of_cases([case], rules, NINTH)[case.pk]
        assert sum(len(found) for found in together.values()) > 20
        epidemiologist = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["city"])
        batch = companions_derive_many(actor=epidemiologist, cases=cases)
        batched = _links()
        ContactLink.objects.all().delete()
        for case in cases:
            companions_derive(actor=epidemiologist, case=case)
        assert _links() == batched
    assert batch.passes == 1
    assert set(batch.derivations) == {str(case.code) for case in cases}
    assert AuditEntry.objects.filter(action="companions_derive").count() == 2 * len(cases)
    assert AuditEntry.objects.get(action="companions_derive_batch").extra["passes"] == 1


def test_the_batch_api_refuses_another_districts_case_and_derives_nothing(tree, api):
    with time_machine.travel(NINTH, tick=True):
        cases = _city(tree, people=12, cases=3)
        own = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
        codes = [str(case.code) for case in cases]
        refused = api(own).post("/api/v1/tracing/companions/derive", {"cases": codes})
        assert (refused.status_code, refused.json()["code"]) == (404, "case_not_found")
        assert not ContactLink.objects.exists()
        nurse = api(actor_make(role=Role.CLINICIAN, region=tree["city"]))
        assert nurse.post("/api/v1/tracing/companions/derive", {"cases": codes}).status_code == 403
        city = api(actor_make(role=Role.EPIDEMIOLOGIST, region=tree["city"]))
        answer = city.post("/api/v1/tracing/companions/derive", {"cases": codes + codes[:1]})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert (set(body["derivations"]), body["passes"]) == (set(codes), 1)


def test_the_job_derives_the_companions_of_the_cases_classified_today(tree):
    from fangkong.cases.models import CaseEvent
    from fangkong.tracing.jobs import companions_batch_job

    with time_machine.travel(NINTH, tick=False):
        cases = _city(tree, people=20, cases=3)
        for case in cases[:2]:  # classified as the classification service records it
            CaseEvent.objects.create(
                case=case,
                kind="classified",
                at=NINTH,
                actor="t",
                from_value="suspected",
                to_value="confirmed" if case == cases[0] else "asymptomatic",
            )
        outcome = companions_batch_job()
    linked = set(ContactLink.objects.values_list("case_id", flat=True))
    assert linked == {cases[0].pk, cases[1].pk}
    assert outcome.startswith("2 cases")
