from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.people.choices import GroupKind
from fangkong.people.groups.tests.factories import group_make
from fangkong.people.tests.factories import person_make
from fangkong.tracing.contacts.choices import ContactKind, ContactSetting, ContactStatus
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.services import contacts_decide, contacts_derive
from fangkong.tracing.contacts.tests.factories import overlapping_guests, scene_make

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)
EIGHTH = datetime(2022, 5, 15, 12, 0, tzinfo=LOCAL)
TWENTY = datetime(2022, 11, 20, 12, 0, tzinfo=LOCAL)
TENTH = datetime(2023, 2, 15, 12, 0, tzinfo=LOCAL)


def _exposure_three_days_before_onset(tree, now):
    """Onset yesterday; the visit (and the guests' overlapping scans) 3 days before onset."""
    onset = now.date() - timedelta(days=1)
    visit_at = datetime.combine(onset - timedelta(days=3), datetime.min.time(), LOCAL).replace(
        hour=18
    )
    scene = scene_make(tree, onset=onset, visit_at=visit_at)
    guests = overlapping_guests(scene, visit_at, 3)
    return scene, guests


def _venue_people(scene):
    return set(
        ContactLink.objects.filter(case=scene.case, setting=ContactSetting.VENUE).values_list(
            "person_id", flat=True
        )
    )


def test_an_exposure_three_days_before_onset_is_in_the_ninth_edition_window(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _exposure_three_days_before_onset(tree, NINTH)
        found = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    assert found.window_start == NINTH.date() - timedelta(days=5)
    assert found.rule_set.startswith("nhc-9")
    # the touching stay (left the minute the case came) is not a contact
    assert _venue_people(scene) == {g.pk for g in guests}
    link = ContactLink.objects.get(case=scene.case, person=guests[0])
    assert (link.kind, link.status, link.overlap_seconds) == ("close", "candidate", 30 * 60)
    assert link.rule_set == found.rule_set
    assert ContactLink.objects.filter(
        case=scene.case, person=scene.housemate, setting=ContactSetting.HOUSEHOLD
    ).exists()
    entry = AuditEntry.objects.get(action="contacts_derive")
    assert entry.extra["created"] == {"venue": 3, "household": 1}
    assert entry.rule_set == found.rule_set


def test_the_same_exposure_is_outside_the_eighth_edition_window(tree):
    with time_machine.travel(EIGHTH, tick=False):
        scene, _guests = _exposure_three_days_before_onset(tree, EIGHTH)
        found = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    assert found.window_start == EIGHTH.date() - timedelta(days=3)
    assert found.rule_set.startswith("nhc-8")
    assert _venue_people(scene) == set()
    assert found.created == {"household": 1}


def test_no_candidates_where_the_rules_identify_no_close_contacts(tree):
    with time_machine.travel(TENTH, tick=False):
        scene, _guests = _exposure_three_days_before_onset(tree, TENTH)
        found = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    assert found.window_start is None
    assert not ContactLink.objects.filter(case=scene.case).exists()


def test_deriving_again_proposes_nothing_twice(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, _guests = _exposure_three_days_before_onset(tree, NINTH)
        contacts_derive(actor=scene.epidemiologist, case=scene.case)
        again = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    assert again.total_created == 0
    assert again.already_linked == 4
    assert ContactLink.objects.filter(case=scene.case).count() == 4


def test_bulk_confirm_and_dismiss_carry_actor_reason_and_rule_set(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _exposure_three_days_before_onset(tree, NINTH)
        contacts_derive(actor=scene.epidemiologist, case=scene.case)
        links = {link.person_id: link for link in ContactLink.objects.filter(case=scene.case)}
        chosen = [links[g.pk].code for g in guests[:2]]
        changed = contacts_decide(
            actor=scene.epidemiologist,
            case=scene.case,
            codes=chosen,
            decision="confirm",
            reason="同桌用餐",
        )
        contacts_decide(
            actor=scene.epidemiologist,
            case=scene.case,
            codes=[links[guests[2].pk].code],
            decision="dismiss",
            reason="另一厅",
        )
    assert changed == 2
    confirmed = ContactLink.objects.filter(case=scene.case, status=ContactStatus.CONFIRMED)
    assert {link.person_id for link in confirmed} == {g.pk for g in guests[:2]}
    for link in confirmed:
        assert link.decided_by == scene.epidemiologist.username
        assert link.decided_role == "epidemiologist"
        assert link.decision_reason == "同桌用餐"
        assert link.decided_rule_set.startswith("nhc-9")
    assert ContactLink.objects.get(person=guests[2]).status == ContactStatus.DISMISSED
    entries = AuditEntry.objects.filter(action="contact_confirm")
    assert {e.object_id for e in entries} == {str(c) for c in chosen}
    assert all(e.reason == "同桌用餐" for e in entries)


def test_a_decision_is_refused_whole_when_one_row_is_not_a_candidate(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, _guests = _exposure_three_days_before_onset(tree, NINTH)
        contacts_derive(actor=scene.epidemiologist, case=scene.case)
        codes = list(ContactLink.objects.filter(case=scene.case).values_list("code", flat=True))
        contacts_decide(
            actor=scene.epidemiologist,
            case=scene.case,
            codes=codes[:1],
            decision="confirm",
            reason="r",
        )
        with pytest.raises(Conflict) as refused:
            contacts_decide(
                actor=scene.epidemiologist,
                case=scene.case,
                codes=codes,
                decision="dismiss",
                reason="r",
            )
        assert refused.value.detail == {"row": 1}
        with pytest.raises(ValidationFailed) as no_reason:
            contacts_decide(
                actor=scene.epidemiologist,
                case=scene.case,
                codes=codes[1:],
                decision="confirm",
                reason=" ",
            )
        assert no_reason.value.errors[0]["field"] == "reason"
        with pytest.raises(ValidationFailed) as bad_row:
            contacts_decide(
                actor=scene.epidemiologist,
                case=scene.case,
                codes=[codes[1], "x"],
                decision="confirm",
                reason="r",
            )
        assert bad_row.value.errors[0] | {"message": ""} == {
            "field": "contacts",
            "code": "invalid",
            "row": 2,
            "message": "",
        }
        with pytest.raises(NotFound):
            contacts_decide(
                actor=scene.epidemiologist,
                case=scene.case,
                codes=["00000000-0000-0000-0000-000000000000"],
                decision="confirm",
                reason="r",
            )
    assert ContactLink.objects.filter(status=ContactStatus.CANDIDATE).count() == 3


def test_only_epidemiologists_derive(tree):
    from fangkong.accounts.choices import Role
    from fangkong.accounts.tests.factories import actor_make

    with time_machine.travel(NINTH, tick=False):
        scene, _guests = _exposure_three_days_before_onset(tree, NINTH)
        with pytest.raises(PermissionDenied):
            contacts_derive(
                actor=actor_make(role=Role.GRID_WORKER, region=tree["district_a"]),
                case=scene.case,
            )


def _secondary_scene(tree, now):
    from fangkong.people.tests.factories import household_make, person_make

    scene, guests = _exposure_three_days_before_onset(tree, now)
    home = household_make(region=tree["grid_a2"], address="guest home")
    guest = guests[0]
    guest.household = home
    guest.save(update_fields=["household"])
    relative = person_make(region=tree["grid_a2"], household=home, name="家属")
    contacts_derive(actor=scene.epidemiologist, case=scene.case)
    link = ContactLink.objects.get(case=scene.case, person=guest)
    contacts_decide(
        actor=scene.epidemiologist,
        case=scene.case,
        codes=[link.code],
        decision="confirm",
        reason="r",
    )
    found = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    return scene, relative, link, found


def test_secondary_contacts_are_derived_where_the_rules_enable_them(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, relative, link, found = _secondary_scene(tree, NINTH)
    assert found.secondary_enabled
    secondary = ContactLink.objects.get(case=scene.case, kind=ContactKind.SECONDARY)
    assert (secondary.person_id, secondary.via_id) == (relative.pk, link.pk)


def test_no_secondary_contacts_under_the_twenty_measures(tree):
    with time_machine.travel(TWENTY, tick=False):
        scene, _relative, _link, found = _secondary_scene(tree, TWENTY)
    assert not found.secondary_enabled
    assert not ContactLink.objects.filter(case=scene.case, kind=ContactKind.SECONDARY).exists()


def test_work_team_and_class_members_are_candidates_labelled_with_the_kind(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, _guests = _exposure_three_days_before_onset(tree, NINTH)
        person = scene.case.person
        colleague = person_make(region=tree["grid_b1"], name="同事", id_number=None)
        classmate = person_make(region=tree["grid_a2"], name="同学", id_number=None)
        group_make(region=tree["district_a"], members=[person, colleague])
        group_make(
            region=tree["district_a"],
            members=[person, classmate, scene.housemate],
            kind=GroupKind.SCHOOL_CLASS,
            name="夜校一班",
        )
        group_make(region=tree["district_b"], members=[colleague], name="与病例无关")
        found = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    settings = dict(
        ContactLink.objects.filter(case=scene.case, person__in=[colleague, classmate]).values_list(
            "person_id", "setting"
        )
    )
    assert settings == {colleague.pk: ContactSetting.WORK, classmate.pk: ContactSetting.CLASS}
    # the housemate shares the class too, but is one close-contact candidate (household first)
    housemate = ContactLink.objects.get(case=scene.case, person=scene.housemate)
    assert (housemate.setting, housemate.kind) == (ContactSetting.HOUSEHOLD, ContactKind.CLOSE)
    assert found.created == {"venue": 3, "household": 1, "work": 1, "class": 1}
    assert ContactLink.objects.filter(case=scene.case, person=scene.case.person).count() == 0


def test_a_colleague_met_at_the_venue_is_one_work_team_link_with_the_venues_times(tree):
    with time_machine.travel(NINTH, tick=False):
        scene, guests = _exposure_three_days_before_onset(tree, NINTH)
        group_make(region=tree["district_a"], members=[scene.case.person, guests[0]])
        found = contacts_derive(actor=scene.epidemiologist, case=scene.case)
    link = ContactLink.objects.get(case=scene.case, person=guests[0])
    assert (link.setting, link.venue_id, link.overlap_seconds) == (
        ContactSetting.WORK,
        scene.venue.pk,
        30 * 60,
    )
    assert found.created == {"venue": 2, "household": 1, "work": 1}
