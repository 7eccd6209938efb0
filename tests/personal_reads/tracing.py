"""Tracing: scans, contacts, leads: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from typing import Any

import time_machine

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.models import Household, Person
from tests.personal_reads.world import Call, World, case_opened, epidemiologist_of


def _contacts(w: World, api: Any) -> Any:
    """A case with its housemate as a derived candidate, listed by the epidemiologist."""
    case = case_opened(w)
    epidemiologist = epidemiologist_of(w)
    api(epidemiologist).post(f"/api/v1/tracing/cases/{case.code}/contacts/derive")
    return api(epidemiologist).get(f"/api/v1/tracing/cases/{case.code}/contacts")


def _lead_items(w: World, api: Any) -> Any:
    """The housemate of a case, living in district B, pushed there and read by district B."""
    from fangkong.tracing.contacts.services import contacts_derive
    from fangkong.tracing.leads.services import lead_lists_push

    person = w.s.people[2]
    household = Household.objects.create(region=w.tree["grid_b1"], address="外区1号")
    person.household = household
    person.save(update_fields=["household"])
    Person.objects.create(region=w.tree["grid_b1"], household=household, name="同住")
    with time_machine.travel(NINTH_EDITION_DAY, tick=True):  # close contacts identified then
        case = case_opened(w)
        epidemiologist = epidemiologist_of(w)
        contacts_derive(actor=epidemiologist, case=case)
        [pushed] = lead_lists_push(actor=epidemiologist, case=case)
        receiver = actor_make(role=Role.EPIDEMIOLOGIST, region=w.tree["district_b"])
        return api(receiver).get(f"/api/v1/tracing/leads/{pushed.code}/items")


#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "POST /api/v1/tracing/companions/derive": "counts of companion leads per case code",
    "POST /api/v1/tracing/scans": "a batch's counts and days; no row comes back",
    "POST /api/v1/tracing/dwells": "a batch's counts and days; no row comes back",
    "GET /api/v1/tracing/batches": "batches: source, key, counts, days",
    "POST /api/v1/tracing/venues": "a venue: a place, not a person",
    "POST /api/v1/tracing/cases/{code}/contacts/derive": "counts of new candidates by setting",
    "POST /api/v1/tracing/cases/{code}/companions/derive": "counts of new companions",
    "POST /api/v1/tracing/cases/{code}/contacts/confirm": "how many candidates changed",
    "POST /api/v1/tracing/cases/{code}/contacts/dismiss": "how many candidates changed",
    "POST /api/v1/tracing/cases/{code}/leads/push": "lists pushed: district, count, deadline",
    "GET /api/v1/tracing/leads": "lead lists: districts, counts, deadlines",
    "GET /api/v1/tracing/leads/not-checked": "counts per district",
    "POST /api/v1/tracing/leads/items/{code}/check": "the item's code, outcome and time",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {
    "GET /api/v1/tracing/cases/{code}/contacts": lambda w, api: _contacts(w, api),
    "GET /api/v1/tracing/leads/{code}/items": lambda w, api: _lead_items(w, api),
    "GET /api/v1/tracing/persons/{code}/scans": lambda w, api: api(
        actor_make(role=Role.EPIDEMIOLOGIST, region=w.tree["city"])
    ).get(f"/api/v1/tracing/persons/{w.s.people[0].code}/scans"),
}
