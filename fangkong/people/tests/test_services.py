"""People services: normalisation, encryption, duplicates, versions, audit."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction

from fangkong.accounts.choices import Role
from fangkong.core.crypto import blind_index, decrypt
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.people import services
from fangkong.people.choices import DocumentType, DuplicateReason, DuplicateStatus, SpecialNeed
from fangkong.people.models import DuplicateCandidate, IdentityDocument, Person, PersonNeed
from fangkong.people.services import DocumentInput
from fangkong.people.tests.factories import household_make, id_number_make, person_make

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs"
INJECTION = json.loads((CORPUS / "injection.json").read_text())

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(tree, make_actor):
    return make_actor(Role.GRID_WORKER, tree["district_a"])


def _create(actor, region, **fields):
    fields.setdefault("name", "张三")
    return services.person_create(actor=actor, region=region, **fields)


def test_create_normalises_and_stores_the_number_only_encrypted(tree, worker):
    raw = "１１０１０５ １９４９１２３１ ００２ｘ"
    created = _create(
        worker,
        tree["grid_a1"],
        name="  張\u3000三 ",
        phone="+86 138 0013 8000",
        documents=[DocumentInput(DocumentType.RESIDENT_ID, raw)],
    )
    person = Person.objects.get(pk=created.person.pk)
    assert person.name == "張 三"
    assert person.name_key == "张三"
    assert person.name_pinyin == "zhangsan"
    assert person.phone == "13800138000"
    # Birth date and sex come from the number when not given.
    assert person.birth_date == date(1949, 12, 31)
    assert person.sex == "F"
    document = IdentityDocument.objects.get(person=person)
    assert "11010519491231002X" not in document.number_encrypted
    assert decrypt(document.number_encrypted, purpose="id-number") == "11010519491231002X"
    assert document.number_index == blind_index("11010519491231002X", purpose="id-number")
    assert document.masked == "1101**********002X"
    assert document.is_primary


def test_the_audit_keeps_the_raw_input_encrypted_and_no_personal_value(tree, worker):
    raw = "110105 19491231 002x"
    person = _create(
        worker,
        tree["grid_a1"],
        name="王小明",
        phone="13800138000",
        note="住院中",
        documents=[DocumentInput(DocumentType.RESIDENT_ID, raw)],
    ).person
    entry = AuditEntry.objects.get(action="person_create")
    assert entry.object_id == str(person.code)
    assert {"name", "phone", "documents", "note"} <= set(entry.fields)
    stored = entry.extra["documents"][0]
    assert stored["type"] == DocumentType.RESIDENT_ID
    assert decrypt(stored["raw_input"], purpose="audit-raw-id") == raw
    text = json.dumps(
        {f.name: str(getattr(entry, f.name)) for f in AuditEntry._meta.fields},
        ensure_ascii=False,
    )
    for secret in ("11010519491231002", "110105 19491231", "王小明", "13800138000", "住院中"):
        assert secret not in text


def test_legacy_and_modern_numbers_are_the_same_identity(tree, worker):
    first = _create(
        worker,
        tree["grid_a1"],
        documents=[DocumentInput(DocumentType.RESIDENT_ID, "110105491231002")],
    ).person
    document = IdentityDocument.objects.get(person=first)
    assert decrypt(document.legacy_number_encrypted, purpose="id-number") == "110105491231002"
    with pytest.raises(Conflict) as caught:
        _create(
            worker,
            tree["grid_a2"],
            name="张三丰",
            documents=[DocumentInput(DocumentType.RESIDENT_ID, "11010519491231002X")],
        )
    assert caught.value.status == 409
    assert caught.value.code == "identity_exists"
    assert caught.value.detail["person_code"] == str(first.code)
    assert caught.value.detail["field"] == "documents[0].number"
    assert Person.objects.count() == 1


def test_a_registered_number_needs_a_reason_then_opens_a_review_and_overwrites_nothing(
    tree, worker
):
    number = id_number_make()
    first = _create(worker, tree["grid_a1"], name="李四", documents=[DocumentInput("01", number)])
    with pytest.raises(ValidationFailed) as caught:
        _create(
            worker,
            tree["grid_a1"],
            name="李肆",
            documents=[DocumentInput("01", number)],
            allow_duplicate=True,
        )
    assert caught.value.errors[0]["field"] == "duplicate_reason"
    second = _create(
        worker,
        tree["grid_a1"],
        name="李肆",
        birth_date=date(1981, 1, 1),
        documents=[DocumentInput("01", number)],
        allow_duplicate=True,
        duplicate_reason="Two people present the same card; checking with the police station",
    )
    assert len(second.duplicates) == 1
    candidate = second.duplicates[0]
    assert candidate.reason == DuplicateReason.SAME_ID
    assert candidate.status == DuplicateStatus.OPEN
    assert (candidate.person_a_id, candidate.person_b_id) == (first.person.pk, second.person.pk)
    assert "police" in candidate.note
    first.person.refresh_from_db()
    assert first.person.name == "李四"  # never overwritten
    assert first.person.birth_date != date(1981, 1, 1)
    assert AuditEntry.objects.filter(action="duplicate_open").count() == 1


def test_same_name_and_birth_date_opens_a_review_across_scripts(tree, worker):
    born = date(1980, 1, 1)
    first = _create(worker, tree["grid_a1"], name="張三", birth_date=born).person
    second = _create(worker, tree["grid_a2"], name="张三", birth_date=born)
    assert [c.reason for c in second.duplicates] == [DuplicateReason.SAME_NAME_BIRTH]
    assert second.duplicates[0].person_a_id == first.pk


def test_sex_parity_and_birth_date_disagreements_are_flags(tree, worker):
    person = _create(
        worker,
        tree["grid_a1"],
        sex="M",
        birth_date=date(1950, 1, 1),
        documents=[DocumentInput("01", "11010519491231002X")],
    ).person
    assert set(person.flags) == {"id_sex_mismatch", "id_birth_date_mismatch"}
    assert person.sex == "M"  # the declared values are kept; a person reviews them


def test_validation_errors_name_every_field_and_nothing_is_written(tree, worker):
    with pytest.raises(ValidationFailed) as caught:
        _create(
            worker,
            tree["grid_a1"],
            name="a\x00b",
            phone="1380013800",
            note="x\x00",
            needs=["flying"],
            documents=[
                DocumentInput("01", "110105194912310021"),
                DocumentInput("01", "11010519491231002\u0425"),
                DocumentInput("03", "12345678", issuing_country="CHN"),
            ],
        )
    fields = {(e["field"], e["code"]) for e in caught.value.errors}
    assert fields == {
        ("name", "name_control_character"),
        ("phone", "phone_length"),
        ("note", "text_nul"),
        ("needs[0]", "invalid_choice"),
        ("documents[0].number", "id_check_digit"),
        ("documents[1].number", "id_lookalike_x"),
        ("documents[2].number", "passport_format"),
    }
    assert Person.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("text", INJECTION)
def test_injection_strings_are_stored_verbatim(tree, worker, text):
    person = _create(
        worker,
        tree["grid_a1"],
        name=text if text.strip() else "张三",
        note=text,
        occupation=text[:60],
    ).person
    person.refresh_from_db()
    assert person.note == text.strip()
    assert person.occupation == text[:60].strip()
    if text.strip():
        assert person.name == " ".join(text.split())


def test_rare_characters_round_trip_through_the_database(tree, worker):
    for name in ("李䶮", "王龑", "奡", "暐", "阿卜杜·热合曼"):
        person = _create(worker, tree["grid_a1"], name=name).person
        person.refresh_from_db()
        assert person.name == name
    assert Person.objects.filter(name_key="李䶮").count() == 1
    assert Person.objects.get(name="王龑").name_key == "王䶮"


def test_names_with_digits_or_brackets_are_flagged(tree, worker):
    person = _create(worker, tree["grid_a1"], name="张三(2)").person
    assert person.flags == ["name_has_brackets", "name_has_digits"]


def test_update_is_version_checked_and_a_stale_write_changes_nothing(tree, worker):
    person = _create(worker, tree["grid_a1"], name="张三").person
    stale_copy = Person.objects.get(pk=person.pk)
    services.person_update(actor=worker, person=person, version=1, changes={"name": "張三豐"})
    with pytest.raises(Conflict) as caught:
        services.person_update(
            actor=worker, person=stale_copy, version=1, changes={"name": "张老三"}
        )
    assert caught.value.code == "stale_version"
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.name == "張三豐"
    assert fresh.name_key == "张三丰"
    assert fresh.name_pinyin == "zhangsanfeng"
    assert fresh.version == 2
    assert AuditEntry.objects.filter(action="person_update").count() == 1
    assert set(AuditEntry.objects.get(action="person_update").fields) == {
        "name",
        "name_key",
        "name_pinyin",
    }


def test_update_recomputes_flags_and_refuses_unknown_fields(tree, worker):
    person = _create(
        worker, tree["grid_a1"], documents=[DocumentInput("01", "11010519491231002X")]
    ).person
    assert person.flags == []
    services.person_update(actor=worker, person=person, version=1, changes={"sex": "M"})
    assert Person.objects.get(pk=person.pk).flags == ["id_sex_mismatch"]
    with pytest.raises(ValidationFailed) as caught:
        services.person_update(actor=worker, person=person, version=2, changes={"region": 1})
    assert caught.value.errors[0] == {
        "field": "region",
        "code": "not_updatable",
        "message": caught.value.errors[0]["message"],
    }


def test_moving_a_person_into_a_household_moves_them_to_its_node(tree, worker):
    household = household_make(region=tree["grid_a2"], actor=worker)
    person = _create(worker, tree["grid_a1"]).person
    services.person_update(actor=worker, person=person, version=1, changes={"household": household})
    person.refresh_from_db()
    assert (person.household_id, person.region_id) == (household.pk, tree["grid_a2"].pk)


def test_documents_are_added_once_and_other_types_use_their_own_validator(tree, worker):
    person = _create(worker, tree["grid_a1"]).person
    services.document_add(
        actor=worker, person=person, doc_type="03", number="e1234 5678", issuing_country="chn"
    )
    document = IdentityDocument.objects.get(person=person)
    assert document.is_primary
    assert document.issuing_country == "CHN"
    assert decrypt(document.number_encrypted, purpose="id-number") == "E12345678"
    with pytest.raises(Conflict) as caught:
        services.document_add(
            actor=worker, person=person, doc_type="03", number="E12345678", issuing_country="CHN"
        )
    assert caught.value.code == "document_exists"
    with pytest.raises(ValidationFailed) as invalid:
        services.document_add(actor=worker, person=person, doc_type="01", number="4.40524E+17")
    assert invalid.value.errors[0]["field"] == "number"
    assert invalid.value.errors[0]["code"] == "id_excel_damaged"


def test_adding_someone_elses_number_is_refused_unless_reviewed(tree, worker):
    number = id_number_make()
    holder = person_make(region=tree["grid_a1"], id_number=number, name="甲")
    other = person_make(region=tree["grid_a1"], id_number=None, name="乙")
    with pytest.raises(Conflict) as caught:
        services.document_add(actor=worker, person=other, doc_type="02", number=number)
    assert caught.value.detail["person_code"] == str(holder.code)
    services.document_add(
        actor=worker,
        person=other,
        doc_type="02",
        number=number,
        allow_duplicate=True,
        duplicate_reason="household register shows the same number",
    )
    assert DuplicateCandidate.objects.filter(reason="same_id").count() == 1


def test_needs_are_set_updated_and_cleared_with_audit(tree, worker):
    person = _create(worker, tree["grid_a1"], needs=[SpecialNeed.DIALYSIS]).person
    services.person_need_set(actor=worker, person=person, kind=SpecialNeed.PREGNANT, note="32周")
    services.person_need_set(actor=worker, person=person, kind=SpecialNeed.PREGNANT, note="33周")
    assert PersonNeed.objects.get(person=person, kind="pregnant").note == "33周"
    assert services.person_need_unset(actor=worker, person=person, kind=SpecialNeed.DIALYSIS)
    assert not services.person_need_unset(actor=worker, person=person, kind=SpecialNeed.DIALYSIS)
    assert AuditEntry.objects.filter(action="person_need_set").count() == 2
    assert AuditEntry.objects.filter(action="person_need_unset").count() == 1


def test_household_address_is_parsed_and_a_move_carries_its_members(tree, worker):
    household = household_make(region=tree["grid_a1"], address="幸福里3栋2单元501室", actor=worker)
    assert (household.building, household.unit, household.room) == ("3", "2", "501")
    assert household.address_key == "3-2-501"
    member = _create(worker, None, household=household).person
    assert member.region_id == tree["grid_a1"].pk
    services.household_update(
        actor=worker, household=household, version=1, region=tree["grid_a2"], address="3-2-502"
    )
    member.refresh_from_db()
    assert member.region_id == tree["grid_a2"].pk
    assert household.address_key == "3-2-502"
    with pytest.raises(Conflict):
        services.household_update(actor=worker, household=household, version=1, address="x")
    entry = AuditEntry.objects.get(action="household_update")
    assert entry.extra["members_moved"] == 1


def test_duplicate_review_decides_once_with_a_note(tree, worker):
    born = date(1990, 2, 2)
    _create(worker, tree["grid_a1"], name="周五", birth_date=born)
    candidate = _create(worker, tree["grid_a1"], name="周五", birth_date=born).duplicates[0]
    with pytest.raises(ValidationFailed):
        services.duplicate_review(actor=worker, candidate=candidate, status="duplicate", note=" ")
    with pytest.raises(ValidationFailed):
        services.duplicate_review(actor=worker, candidate=candidate, status="merged", note="x")
    services.duplicate_review(
        actor=worker, candidate=candidate, status="not_duplicate", note="twins"
    )
    candidate.refresh_from_db()
    assert (candidate.status, candidate.reviewed_by) == ("not_duplicate", worker.username)
    with pytest.raises(Conflict) as caught:
        services.duplicate_review(actor=worker, candidate=candidate, status="duplicate", note="x")
    assert caught.value.code == "duplicate_already_reviewed"
    assert Person.objects.count() == 2  # nothing merged


def test_wrong_role_and_out_of_scope_node_are_refused(tree, make_actor, worker):
    officer = make_actor(Role.SUPPLIES_OFFICER, tree["district_a"])
    commander = make_actor(Role.COMMANDER, tree["district_a"])
    for actor in (officer, commander):
        with pytest.raises(PermissionDenied):
            _create(actor, tree["grid_a1"])
    with pytest.raises(NotFound):
        _create(worker, tree["grid_b1"])
    with pytest.raises(NotFound):
        services.household_create(actor=worker, region=tree["grid_b1"], address="1-1-101")
    assert Person.objects.count() == 0


def _every_write(tree, worker):
    """Each write path once, returning the action it audits."""
    person = _create(worker, tree["grid_a1"], name="赵六", birth_date=date(1970, 7, 7)).person
    yield "person_create"
    services.person_update(actor=worker, person=person, version=1, changes={"note": "x"})
    yield "person_update"
    services.document_add(actor=worker, person=person, doc_type="01", number=id_number_make())
    yield "document_add"
    services.person_need_set(actor=worker, person=person, kind="chronic")
    yield "person_need_set"
    services.person_need_unset(actor=worker, person=person, kind="chronic")
    yield "person_need_unset"
    household = services.household_create(actor=worker, region=tree["grid_a1"], address="1-1-1")
    yield "household_create"
    services.household_update(actor=worker, household=household, version=1, address="1-1-2")
    yield "household_update"
    twin = _create(worker, tree["grid_a1"], name="赵六", birth_date=date(1970, 7, 7))
    yield "duplicate_open"
    services.duplicate_review(
        actor=worker, candidate=twin.duplicates[0], status="duplicate", note="same person"
    )
    yield "duplicate_review"


def test_every_write_path_leaves_an_audit_row(tree, worker):
    for action in _every_write(tree, worker):
        assert AuditEntry.objects.filter(action=action).exists(), action


def test_a_rolled_back_write_leaves_no_audit_row(tree, worker):
    def fails_after_the_service() -> None:
        with transaction.atomic():
            _create(worker, tree["grid_a1"], documents=[DocumentInput("01", id_number_make())])
            raise RuntimeError("the caller's transaction fails after the service")

    with pytest.raises(RuntimeError):
        fails_after_the_service()
    assert Person.objects.count() == 0
    assert IdentityDocument.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    # A service that fails by itself also leaves nothing.
    number = id_number_make()
    _create(worker, tree["grid_a1"], documents=[DocumentInput("01", number)])
    before = AuditEntry.objects.count()
    with pytest.raises(Conflict):
        _create(worker, tree["grid_a1"], name="另一个", documents=[DocumentInput("01", number)])
    assert AuditEntry.objects.count() == before
    assert Person.objects.count() == 1
