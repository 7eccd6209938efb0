"""Every API operation that hands out personal data writes a read-access row, for every person
and household it shows: a class test driven by our own OpenAPI document.

The operations come from ``/api/v1/openapi.json``; each is either in ``NO_PERSONAL_DATA`` with
the reason it shows nobody, or in ``CALLS`` with a real request as a role that sees persons.
Both tables are kept one module an app in ``tests/personal_reads/`` (its ``__init__`` says
which module holds which paths) and merged there.
A new operation that is in neither fails the test until someone classifies it. For each call
the answer must be 2xx, at least one access row must be written, and every person or
household code in the answer must be among the subject ids of the rows the call wrote (so a
list that logs half its page fails too).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import time_machine
from django.db.models import Max

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AccessEntry
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import screening_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.lab.transport.services import package_receive
from fangkong.people.models import DuplicateCandidate, Household, Person
from fangkong.people.tests.factories import person_make
from tests.personal_reads import CALLS, NO_PERSONAL_DATA
from tests.personal_reads.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree) -> Any:
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        s = screening_make(tree, residents=9)
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(barcode="T0001", members=[MemberInput(id_number=n) for n in s.ids[:3]]),
        )
        package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["T0001"])
        results_apply(
            actor=s.technician,
            lab=s.lab,
            rows=[ResultInput(barcode="T0001", result="pooled_positive", row=1)],
        )
        born = s.people[4].birth_date
        twin = person_make(
            region=tree["grid_a1"], name=s.people[4].name, birth_date=born, id_number=None
        )
        pair = DuplicateCandidate.objects.get(person_b=twin)
        yield World(
            s=s,
            grid=actor_make(role=Role.GRID_WORKER, region=tree["community_a"]),
            clinician=actor_make(role=Role.CLINICIAN, region=tree["district_a"]),
            person=s.people[5],
            household=s.households[0],
            pair=pair,
            tree=tree,
        )


_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def _operations(api: Any, actor: Any) -> set[str]:
    schema = api(actor).get("/api/v1/openapi.json").json()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def test_every_operation_is_classified(tree, api):
    operations = _operations(api, actor_make(role=Role.ADMINISTRATOR, region=tree["city"]))
    unclassified = operations - set(NO_PERSONAL_DATA) - set(CALLS)
    assert not unclassified, f"classify these operations (personal data or not): {unclassified}"
    stale = (set(NO_PERSONAL_DATA) | set(CALLS)) - operations
    assert not stale, f"no longer in the OpenAPI document: {stale}"
    assert not set(NO_PERSONAL_DATA) & set(CALLS)


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_an_operation_with_personal_data_logs_every_subject_it_shows(operation, world, api):
    known = {code.hex for code in Person.objects.values_list("code", flat=True)}
    known |= {code.hex for code in Household.objects.values_list("code", flat=True)}
    before = AccessEntry.objects.aggregate(last=Max("id"))["last"] or 0
    response = CALLS[operation](world, api)
    assert 200 <= response.status_code < 300, (operation, response.content[:500])
    rows = list(AccessEntry.objects.filter(id__gt=before))
    assert rows, f"{operation} showed personal data without an access row"
    logged = {uuid.UUID(str(value)).hex for row in rows for value in row.subject_ids}
    # A household shown as the address of a person whose read is logged is logged with them.
    logged |= {
        code.hex
        for code in Household.objects.filter(
            members__code__in=[uuid.UUID(value) for value in logged]
        ).values_list("code", flat=True)
    }
    known |= {code.hex for code in Person.objects.values_list("code", flat=True)}
    known |= {code.hex for code in Household.objects.values_list("code", flat=True)}
    shown = {match.replace("-", "") for match in _UUID.findall(response.content.decode())}
    unlogged = (shown & known) - logged
    assert not unlogged, f"{operation} showed {len(unlogged)} subjects it did not log"
