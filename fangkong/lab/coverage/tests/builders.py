"""Shared builders of the coverage tests: a round with residents, exemptions of every kind
and bindings (``coverage_build``), and coverage counted the straightforward way, by loops over
persons and rows (``coverage_direct``), to compare the selectors and tallies against."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.lab.models import Binding, Exemption, RoundArea
from fangkong.lab.rounds.services import exemption_grant, exemption_revoke, round_open
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import residents_make, screening_make
from fangkong.people.models import Person


def bind_ids(s, barcode, ids):
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
    )


def _within(path, root):
    return path == root or path.startswith(root + ".")


def coverage_direct(screening_round, node_path, now, actor_path=""):
    """Straightforward counts for one node: loops over persons and rows, no aggregation."""
    areas = [a.region.path for a in RoundArea.objects.filter(round=screening_round)]
    people = [
        p
        for p in Person.objects.select_related("region")
        if any(_within(p.region.path, a) for a in areas)
        and _within(p.region.path, node_path)
        and (not actor_path or _within(p.region.path, actor_path))
    ]
    exempt = set()
    for e in Exemption.objects.all():
        if (
            e.valid_until > now
            and e.revoked_at is None
            and (e.round_id is None or e.round_id == screening_round.pk)
        ):
            exempt.add(e.person_id)
    bound = set(Binding.objects.filter(round=screening_round).values_list("person_id", flat=True))
    tested = {
        b.person_id
        for b in Binding.objects.filter(round=screening_round).select_related("region")
        if _within(b.region.path, node_path)
        and any(_within(b.region.path, a) for a in areas)
        and (not actor_path or _within(b.region.path, actor_path))
    }
    return {
        "population": len(people),
        "exempt": sum(1 for p in people if p.pk in exempt),
        "untested": sum(1 for p in people if p.pk not in exempt and p.pk not in bound),
        "tested": len(tested),
    }


def coverage_build(tree):
    """Round over district A; 12 residents in grid A1, 6 in grid A2, 4 in district B;
    exemptions of every kind; 7 people bound (one of them exempt)."""
    s = screening_make(tree, residents=12)
    a2, a2_ids, _ = residents_make(tree["grid_a2"], 6, per_household=2)
    b, _b_ids, _ = residents_make(tree["grid_b1"], 4)
    commander = s.commander
    now = timezone.now()
    # In force for every round / for this round; for another round; revoked; expiring soon.
    exemption_grant(
        actor=commander, person=s.people[0], reason="isolated", valid_until=now + timedelta(days=3)
    )
    exemption_grant(
        actor=commander,
        person=a2[0],
        reason="vaccinated_48h",
        valid_until=now + timedelta(days=2),
        screening_round=s.round,
    )
    other = round_open(actor=SYSTEM, name="other", areas=[(tree["district_b"], "other")])
    exemption_grant(
        actor=commander,
        person=s.people[1],
        reason="away",
        valid_until=now + timedelta(days=2),
        screening_round=other,
    )
    revoked = exemption_grant(
        actor=commander, person=s.people[2], reason="away", valid_until=now + timedelta(days=2)
    )
    exemption_revoke(actor=commander, exemption=revoked, reason="back home")
    exemption_grant(
        actor=commander, person=a2[1], reason="under_two", valid_until=now + timedelta(hours=2)
    )
    exemption_grant(
        actor=commander, person=b[0], reason="isolated", valid_until=now + timedelta(days=3)
    )
    # Bound: person 0 (exempt, tested anyway), 3..6 of A1; two of A2.
    bind_ids(s, "T1001", [s.ids[0], s.ids[3], s.ids[4]])
    bind_ids(s, "T1002", [s.ids[5], s.ids[6]])
    bind_ids(s, "T1003", a2_ids[2:4])
    return s, a2, b
