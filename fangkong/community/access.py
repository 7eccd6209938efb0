"""The one way community interfaces get a household: in the actor's subtree and, for a grid
worker, one they answer for; anything else is the same 404 as a missing one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.community.scope import households_of
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.people.models import Household, Person


def access_community_household(actor: AnyActor, code: object) -> Household:
    """The household ``code`` the actor works with (its node loaded); logs the read."""
    parsed = parse_code(code)
    found = (
        households_of(actor).select_related("region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such household."), code="household_not_found")
    access_record(
        actor=actor,
        purpose="care",
        action="household_view",
        subject_type="household",
        subject_ids=[found.code],
    )
    return found


def access_member(household: Household, code: str | None) -> Person | None:
    """The member ``code`` of a household the caller holds (``None`` for no code); 404 when
    the code names nobody of that household."""
    if not code:
        return None
    parsed = parse_code(code)
    person = Person.objects.filter(household=household, code=parsed).first() if parsed else None
    if person is None:
        raise NotFound(_("No such person in this household."), code="person_not_found")
    return person
