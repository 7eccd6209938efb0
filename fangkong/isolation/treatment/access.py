"""The only way an interface gets one admission or one treatment bed.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.core.text import text_problem
from fangkong.isolation.checks import require_role
from fangkong.isolation.facilities.access import access_facility
from fangkong.isolation.models import Admission, Room, TreatmentTest
from fangkong.isolation.treatment.roles import TREATMENT_READ_ROLES
from fangkong.isolation.treatment.selectors import TREATMENT_KINDS, admission_scope
from fangkong.people.access import parse_code


def access_admission(
    actor: AnyActor, code: object, *, roles: Collection[str] = TREATMENT_READ_ROLES
) -> Admission:
    """The admission ``code`` in the actor's subtree, with its case, person, node, facility
    and room loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        admission_scope(actor)
        .select_related("case", "person", "region", "facility", "room", "monitoring_order")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such admission."), code="admission_not_found")
    return found


def access_bed(
    actor: AnyActor, facility_code: object, room_number: str, *, roles: Collection[str]
) -> Room:
    """The room ``room_number`` of the treatment site ``facility_code`` in the actor's
    subtree (a designated or Fangcang hospital); another kind of site or a missing room
    answers like a missing site (404, ``facility_not_found``/``room_not_found``)."""
    facility = access_facility(actor, facility_code, roles=roles)
    if facility.kind not in TREATMENT_KINDS:
        raise NotFound(_("No such facility."), code="facility_not_found")
    number = str(room_number).strip()
    # a number outside the text policy (NUL, controls) names no room; PostgreSQL refuses NUL
    room = (
        Room.objects.filter(facility=facility, number=number).first()
        if number and len(number) <= 20 and text_problem(number) is None
        else None
    )
    if room is None:
        raise NotFound(_("No such room."), code="room_not_found")
    room.facility = facility
    return room


def access_treatment_test(admission: Admission, code: object) -> TreatmentTest:
    """The test ``code`` of an admission the caller holds (through ``access_admission``)."""
    parsed = parse_code(code)
    found = (
        TreatmentTest.objects.filter(admission=admission, code=parsed).first() if parsed else None
    )
    if found is None:
        raise NotFound(_("No such test."), code="test_not_found")
    return found
