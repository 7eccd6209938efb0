"""People, households and groups: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from typing import Any

from fangkong.lab.tests.factories import unique_id_number
from tests.personal_reads.world import Call, World


def _person_create(w: World, api: Any) -> Any:
    body = {
        "name": "新来的",
        "region_code": w.tree["grid_a1"].code,
        "documents": [{"doc_type": "01", "number": unique_id_number()}],
    }
    return api(w.grid).post("/api/v1/people", body)


def _review(w: World, api: Any) -> Any:
    path = f"/api/v1/people/duplicates/{w.pair.code}/review"
    return api(w.grid).post(path, {"status": "not_duplicate", "note": "two people"})


def _update(w: World, api: Any) -> Any:
    path = f"/api/v1/people/{w.person.code}/update"
    return api(w.grid).post(path, {"version": w.person.version, "occupation": "教师"})


def _household_update(w: World, api: Any) -> Any:
    path = f"/api/v1/households/{w.household.code}/update"
    return api(w.grid).post(path, {"version": w.household.version, "address": "幸福里9号"})


def _group(w: World) -> Any:
    """A work team at the person's node with the person in it."""
    from fangkong.core.actor import SYSTEM
    from fangkong.people.groups.services import group_create, group_members_add

    group = group_create(actor=SYSTEM, kind="work_team", name="一班", region=w.person.region)
    group_members_add(actor=SYSTEM, group=group, persons=[w.person.code])
    return group


#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/groups": "groups: kind, name, node, member counts",
    "POST /api/v1/groups": "a new group: kind, name, node",
    "POST /api/v1/groups/bulk": "counts of groups and members loaded",
    "POST /api/v1/groups/{code}/members/add": "counts of members added",
    "POST /api/v1/groups/{code}/members/remove": "counts of members removed",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {
    "POST /api/v1/people": _person_create,
    "GET /api/v1/people": lambda w, api: api(w.grid).get("/api/v1/people"),
    "POST /api/v1/people/search": lambda w, api: api(w.grid).post(
        "/api/v1/people/search", {"q": w.s.ids[5]}
    ),
    "GET /api/v1/people/duplicates": lambda w, api: api(w.grid).get("/api/v1/people/duplicates"),
    "POST /api/v1/people/duplicates/{code}/review": _review,
    "GET /api/v1/people/{code}": lambda w, api: api(w.grid).get(f"/api/v1/people/{w.person.code}"),
    "POST /api/v1/people/{code}/update": _update,
    "POST /api/v1/people/{code}/documents": lambda w, api: api(w.grid).post(
        f"/api/v1/people/{w.person.code}/documents", {"doc_type": "03", "number": "E12345678"}
    ),
    "POST /api/v1/people/{code}/needs": lambda w, api: api(w.grid).post(
        f"/api/v1/people/{w.person.code}/needs", {"kind": "dialysis"}
    ),
    "POST /api/v1/households": lambda w, api: api(w.grid).post(
        "/api/v1/households", {"region_code": w.tree["grid_a1"].code, "address": "幸福里8号"}
    ),
    "GET /api/v1/households": lambda w, api: api(w.grid).get("/api/v1/households"),
    "GET /api/v1/households/{code}": lambda w, api: api(w.grid).get(
        f"/api/v1/households/{w.household.code}"
    ),
    "GET /api/v1/groups/{code}": lambda w, api: api(w.grid).get(f"/api/v1/groups/{_group(w).code}"),
    "POST /api/v1/households/{code}/update": _household_update,
}
