"""The tallies behind coverage (``lab.coverage.tallies``, ``people.population``): kept exact by the
database through bindings, re-tests, moves, deletions and bulk loads, so the coverage read
from them equals the direct count at every node; the check finds drift and the rebuild
repairs it; a binding's round, person, node and kind cannot change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.core.models import AuditEntry, PeriodicRun
from fangkong.lab.choices import TubeKind, TubeStatus
from fangkong.lab.coverage.dashboard import tube_status_counts
from fangkong.lab.coverage.selectors import round_coverage
from fangkong.lab.coverage.tallies import (
    round_tally_check,
    round_tally_fold,
    round_tally_read,
    round_tally_rebuild,
    tube_tally_check,
    tube_tally_rebuild,
)
from fangkong.lab.coverage.tests.builders import coverage_build, coverage_direct
from fangkong.lab.jobs import TALLY_CHECK, round_tally_fold_job, round_tally_job
from fangkong.lab.models import (
    Binding,
    RoundTally,
    RoundTallyDelta,
    Tube,
    TubeTally,
    TubeTallyDelta,
)
from fangkong.lab.obligations.services import antigen_record
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.rounds.services import round_close, sampling_point_create
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.scope import tube_scope
from fangkong.lab.tests.factories import residents_make, screening_make
from fangkong.lab.transport.services import package_handover, package_receive, package_seal
from fangkong.people.models import NodePopulation, Person
from fangkong.people.services.persons import person_update
from fangkong.people.tests.factories import household_make, person_make


def _bind(s, barcode, ids, *, kind=TubeKind.SCREENING):
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids], kind=kind),
    )


def _assert_coverage_is_direct(s):
    coverage = round_coverage(actor=s.commander, screening_round=s.round)
    now = timezone.now()
    for node in coverage.nodes.values():
        got = {
            "population": node.population,
            "exempt": node.exempt,
            "untested": node.untested,
            "tested": node.tested,
        }
        assert got == coverage_direct(s.round, node.path, now), node.name
    assert round_tally_check(s.round.id) == []
    return coverage


def _move(person, household):
    person.refresh_from_db()
    return person_update(
        actor=SYSTEM, person=person, version=person.version, changes={"household": household}
    )


def test_persons_per_node_follow_inserts_moves_and_deletes(tree):
    people, _ids, _ = residents_make(tree["grid_a1"], 5)
    counted = dict(Person.objects.values_list("region_id").annotate(n=Count("id")).order_by())
    assert dict(NodePopulation.objects.values_list("region_id", "persons")) == counted
    _move(people[0], household_make(region=tree["grid_b1"], address="幸福里9号楼1单元101"))
    kept = dict(NodePopulation.objects.values_list("region_id", "persons"))
    assert (kept[tree["grid_a1"].id], kept[tree["grid_b1"].id]) == (4, 1)
    stranger = person_make(region=tree["grid_b1"])
    Person.objects.filter(pk=stranger.pk).delete()
    assert NodePopulation.objects.get(region=tree["grid_b1"]).persons == 1


def test_coverage_stays_the_direct_count_when_sampled_people_move(tree):
    s, a2, _b = coverage_build(tree)
    coverage = _assert_coverage_is_direct(s)
    a1 = coverage.node(tree["grid_a1"].code)
    assert a1 is not None
    before = (a1.population, a1.tested, a1.untested)
    # A person sampled in grid A1 moves to A2, one not yet sampled moves to district B:
    # tested stays where they were sampled; population and untested follow them.
    _move(s.people[3], a2[0].household)
    _move(s.people[8], household_make(region=tree["grid_b1"], address="幸福里8号楼1单元101"))
    coverage = _assert_coverage_is_direct(s)
    a1 = coverage.node(tree["grid_a1"].code)
    assert a1 is not None
    assert (a1.population, a1.tested, a1.untested) == (before[0] - 2, before[1], before[2] - 1)
    assert round_tally_read(s.round.id)[tree["grid_a2"].id] == (2, 3)


def test_coverage_counts_people_re_tested_without_a_screening_tube(tree, make_actor):
    from fangkong.accounts.choices import Role

    s = screening_make(tree, residents=6)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    _bind(s, "G1001", s.ids[:3])
    # A positive antigen self-test sends person 4 to PCR: a single re-test tube, no pool.
    antigen_record(
        actor=grid, person=s.people[4], source="self", result="positive", tested_at=timezone.now()
    )
    _bind(s, "G1002", [s.ids[4]], kind=TubeKind.RETEST)
    assert round_tally_read(s.round.id) == {tree["grid_a1"].id: (3, 3)}  # re-tests are not
    coverage = _assert_coverage_is_direct(s)
    a1 = coverage.node(tree["grid_a1"].code)
    assert a1 is not None
    assert (a1.tested, a1.untested) == (4, 2)
    # Sampled in a pool of the round afterwards, and moved: still one person, counted once.
    _bind(s, "G1003", [s.ids[4], s.ids[5]])
    _move(s.people[4], household_make(region=tree["grid_a2"], address="幸福里7号楼1单元101"))
    coverage = _assert_coverage_is_direct(s)
    a1 = coverage.node(tree["grid_a1"].code)
    assert a1 is not None
    assert (a1.tested, a1.untested) == (5, 1)  # person 3 is left


def test_a_deleted_tube_takes_its_bindings_off_the_tally(tree):
    s, _a2, _b = coverage_build(tree)
    Tube.objects.filter(barcode="T1002").delete()
    coverage = _assert_coverage_is_direct(s)
    a1 = coverage.node(tree["grid_a1"].code)
    assert a1 is not None
    assert a1.tested == 3


def test_a_bindings_round_person_node_and_kind_cannot_change(tree):
    s, _a2, _b = coverage_build(tree)
    binding = Binding.objects.filter(round=s.round).order_by("id").first()
    assert binding is not None
    for change in (
        {"region": tree["grid_b1"]},
        {"person": Person.objects.exclude(pk=binding.person_id).first()},
        {"retest": True},
    ):
        with pytest.raises(DatabaseError, match="fixed"), transaction.atomic():
            Binding.objects.filter(pk=binding.pk).update(**change)
    # The outcome changes freely, and saving the whole row unchanged is allowed.
    Binding.objects.filter(pk=binding.pk).update(outcome="negative")
    binding.refresh_from_db()
    binding.save()
    assert round_tally_check(s.round.id) == []


def test_the_fold_moves_the_deltas_into_the_tally_and_changes_no_count(tree):
    s, _a2, _b = coverage_build(tree)
    before = round_tally_read(s.round.id)
    postgres = connection.vendor == "postgresql"
    waiting = RoundTallyDelta.objects.count() + TubeTallyDelta.objects.count()
    assert (waiting > 0) == postgres  # SQLite updates the tally in place
    assert round_tally_fold_job() == f"{waiting} tally deltas folded"
    assert not RoundTallyDelta.objects.exists()
    assert not TubeTallyDelta.objects.exists()
    assert round_tally_read(s.round.id) == before
    kept = {
        r: (a, b) for r, a, b in RoundTally.objects.values_list("region_id", "sampled", "residing")
    }
    assert {r: v for r, v in kept.items() if r in before} == before
    _bind(s, "T1009", [s.ids[9]])  # after the fold: a delta again on PostgreSQL
    assert RoundTallyDelta.objects.exists() == postgres
    _assert_coverage_is_direct(s)
    # one delta for the binding, one for the tube
    assert round_tally_fold_job() == f"{2 * int(postgres)} tally deltas folded"


def test_the_check_finds_a_drifted_tally_and_the_rebuild_repairs_it(tree):
    s, _a2, _b = coverage_build(tree)
    round_tally_fold()
    RoundTally.objects.filter(round=s.round, region=tree["grid_a1"]).update(sampled=99)
    differences = round_tally_check(s.round.id)
    assert [(d.region_id, d.sampled) for d in differences] == [(tree["grid_a1"].id, (99, 5))]
    assert (
        round_tally_job() == "2 open and 0 newly closed rounds checked, 1 repaired"
    )  # _build opens another
    assert round_tally_check(s.round.id) == []
    round_tally_rebuild(s.round.id)  # again: the same counts
    _assert_coverage_is_direct(s)
    assert round_tally_job() == "2 open and 0 newly closed rounds checked, 0 repaired"


def _checked_ok(started_at):
    """A run of the tally check that finished well, as the scheduler records one."""
    PeriodicRun.objects.create(
        job=TALLY_CHECK,
        slot=started_at,
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=1),
        outcome="ok",
    )


def test_the_periodic_check_looks_at_a_closed_round_once_then_never_again(tree):
    s = screening_make(tree, residents=6)
    _bind(s, "T2001", s.ids[:3])
    round_tally_fold()
    _checked_ok(timezone.now() - timedelta(hours=1))  # the last check, before the close
    round_close(actor=s.commander, screening_round=s.round, reason="所有点位采样结束")
    # Drift that only the check can see: the tally says 99 sampled at the grid.
    RoundTally.objects.filter(round=s.round).update(sampled=99)
    assert round_tally_check(s.round.id)
    # The round closed after the last check started: it is checked once more, and repaired.
    assert round_tally_job() == "0 open and 1 newly closed rounds checked, 1 repaired"
    assert round_tally_check(s.round.id) == []
    _assert_coverage_is_direct(s)
    repairs = AuditEntry.objects.filter(action="round_tally_repair", object_id=str(s.round.id))
    assert [entry.fields for entry in repairs] == [["round_tally"]]
    # A check that finished well after the close: the round is not recounted again, even
    # when its tally is (artificially) wrong, so the job's cost follows the open rounds.
    _checked_ok(timezone.now() + timedelta(minutes=1))
    RoundTally.objects.filter(round=s.round).update(sampled=99)
    assert round_tally_job() == "0 open and 0 newly closed rounds checked, 0 repaired"
    assert round_tally_check(s.round.id)
    # With no check on record at all, every closed round is checked (once).
    PeriodicRun.objects.filter(job=TALLY_CHECK).delete()
    assert round_tally_job() == "0 open and 1 newly closed rounds checked, 1 repaired"
    assert round_tally_check(s.round.id) == []


def _tube_counts_direct(actor, screening_round):
    counted = dict(
        tube_scope(actor)
        .filter(round=screening_round)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return {status.value: counted.get(status.value, 0) for status in TubeStatus}


def _tube_counts(actor, screening_round):
    return {
        row.status: row.count
        for row in tube_status_counts(actor=actor, screening_round=screening_round)
    }


def test_tubes_by_status_follow_the_chain_from_the_tally(tree, make_actor):
    s = screening_make(tree, residents=9)
    other_point = sampling_point_create(actor=s.commander, region=tree["community_a"], name="二号")
    for n in range(3):
        _bind(s, f"C000{n}", s.ids[3 * n : 3 * n + 3])
    stranger = make_actor("commander", tree["district_b"])

    def agree():
        assert tube_tally_check(s.round.id) == []
        for actor in (s.commander, s.sampler, s.technician, stranger):
            got = {
                row.status: row.count
                for row in tube_status_counts(actor=actor, screening_round=s.round)
            }
            assert got == _tube_counts_direct(actor, s.round), actor.role

    agree()
    package = package_seal(
        actor=s.sampler,
        point=s.point,
        screening_round=s.round,
        lab=s.lab,
        code="PK0001",
        barcodes=["C0000", "C0001"],
    )
    agree()
    package_handover(actor=s.sampler, package=package, vehicle="沪A12345")
    agree()
    package_receive(
        actor=s.technician, lab=s.lab, package_code="PK0001", barcodes=["C0000", "C0001"]
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["C0002", "C0000"])
    agree()
    report = results_apply(
        actor=s.technician, lab=s.lab, rows=[ResultInput(barcode="C0000", result="negative")]
    )
    assert report.applied == ["C0000"]
    agree()
    counts = {
        row.status: row.count
        for row in tube_status_counts(actor=s.commander, screening_round=s.round)
    }
    assert (counts["received"], counts["resulted"], counts["packaged"]) == (2, 1, 0)
    assert {row.count for row in tube_status_counts(actor=stranger, screening_round=s.round)} == {0}
    # The fold moves the deltas into the tally; a drifted count is found and repaired.
    round_tally_fold()
    assert not TubeTallyDelta.objects.exists()
    agree()
    TubeTally.objects.filter(round=s.round, status="received").update(tubes=7)
    assert tube_tally_check(s.round.id) == [(s.point.id, "received", 7, 2)]
    assert round_tally_job() == "1 open and 0 newly closed rounds checked, 1 repaired"
    agree()
    tube_tally_rebuild(s.round.id)  # again: the same counts
    agree()
    assert other_point.pk  # a point without tubes counts nothing
