"""Our side of the screening benchmark, timed by parts by ``bench.screening.round_run``: tubes
bound through the binding service, packages sealed, handed over and received, results through
``results_apply`` as a lab's files bring them, and the answers read as the command view reads
them; then, untimed by the figures, the round's follow-up. See ``bench.screening``."""

from __future__ import annotations

import time
from typing import Any

from bench.screening_setup import Setup

#: Tubes per call of ``tubes_bind``: the binding API's batcher gathers up to 64.
BIND_BATCH = 64


def store(setup: Setup, screening_round: Any, prefix: str) -> int:
    """Every tube through the binding service in batches of ``BIND_BATCH``, each batch in its
    own transaction; returns the bindings stored. A refusal fails the benchmark."""
    from django.db import transaction

    from fangkong.core.errors import FangkongError
    from fangkong.lab.choices import EntryMethod
    from fangkong.lab.sampling.services import BindRequest, MemberInput, TubeInput, tubes_bind

    barcodes = setup.tubes["barcode"].to_list()
    ratios = setup.tubes["ratio"].to_list()
    groups = setup.tubes["group"].to_list()
    bound = 0
    for start in range(0, len(barcodes), BIND_BATCH):
        requests = [
            BindRequest(
                actor=setup.sampler,
                data=TubeInput(
                    barcode=prefix + barcodes[index],
                    members=[
                        MemberInput(
                            doc_type=doc_type,
                            id_number=number,
                            method=EntryMethod.ID_CARD if doc_type == "01" else EntryMethod.MANUAL,
                        )
                        for doc_type, number in setup.members[index]
                    ],
                    group=groups[index],
                    ratio=ratios[index],
                ),
                screening_round=screening_round,
                point=setup.point,
            )
            for index in range(start, min(start + BIND_BATCH, len(barcodes)))
        ]
        with transaction.atomic():
            answers = tubes_bind(requests)
        for answer in answers:
            if isinstance(answer, FangkongError):
                raise AssertionError(f"tube refused: {answer.code} {answer.message}")
            bound += len(answer.persons)
    return bound


def transport(setup: Setup, screening_round: Any, prefix: str) -> int:
    """Every tube sealed into packages at the point, handed over and received at the lab;
    returns the packages. An anomaly fails the benchmark."""
    from fangkong.lab.transport.services import (
        MAX_TUBES_PER_PACKAGE,
        package_handover,
        package_receive,
        package_seal,
    )

    barcodes = [prefix + barcode for barcode in setup.tubes["barcode"].to_list()]
    packages = 0
    for start in range(0, len(barcodes), MAX_TUBES_PER_PACKAGE):
        chunk = barcodes[start : start + MAX_TUBES_PER_PACKAGE]
        package = package_seal(
            actor=setup.sampler,
            point=setup.point,
            screening_round=screening_round,
            lab=setup.lab,
            code=f"{prefix}P{packages:06d}",
            barcodes=chunk,
        )
        package_handover(actor=setup.dispatcher, package=package, vehicle="沪A12345")
        receipt = package_receive(
            actor=setup.technician, lab=setup.lab, package_code=package.code, barcodes=chunk
        )
        if receipt.anomalies or len(receipt.received) != len(chunk):
            raise AssertionError(f"package {package.code}: {receipt.anomalies}")
        packages += 1
    return packages


def results_report(setup: Setup, prefix: str) -> None:
    """The round's results as a lab's files bring them: ``MAX_UPLOAD_ROWS`` rows per call of
    the service behind uploads, each call its own transaction."""
    from fangkong.lab.results.result_file import MAX_UPLOAD_ROWS
    from fangkong.lab.results.services import ResultInput, results_apply

    barcodes = setup.tubes["barcode"].to_list()
    results = setup.tubes["result"].to_list()
    for start in range(0, len(barcodes), MAX_UPLOAD_ROWS):
        rows = [
            ResultInput(barcode=prefix + barcode, result=result, row=row)
            for row, (barcode, result) in enumerate(
                zip(
                    barcodes[start : start + MAX_UPLOAD_ROWS],
                    results[start : start + MAX_UPLOAD_ROWS],
                    strict=True,
                ),
                start=2,  # below the header line
            )
        ]
        results_apply(actor=setup.technician, lab=setup.lab, rows=rows, source="upload")


def answers_read(setup: Setup, round_id: int) -> dict[str, Any]:
    """People held, re-test tasks as ``lab.results.retests`` counts them (derived and written),
    coverage per grid and the untested count as the command view reads them
    (:func:`fangkong.lab.coverage.selectors.round_coverage`, a commander over the city)."""
    from django.db import connection

    from fangkong.lab.coverage.selectors import round_coverage
    from fangkong.lab.models import ScreeningRound
    from fangkong.lab.results.retests import round_retest_tasks
    from fangkong.regions.choices import RegionLevel

    read = round_coverage(
        actor=setup.commander, screening_round=ScreeningRound.objects.get(pk=round_id)
    )
    coverage = {
        node.region_id: (node.population, node.tested)
        for node in read.at_level(RegionLevel.GRID)
        if node.population
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(b.person_id), 0) FROM lab_tube t "
            "JOIN lab_binding b ON b.tube_id = t.id "
            "WHERE t.round_id = %s AND t.result = 'pooled_positive' AND b.outcome = 'held'",
            [round_id],
        )
        held = tuple(int(v) for v in cursor.fetchone())
    return {
        "held": held,
        "tasks": round_retest_tasks(round_id),
        "coverage": coverage,
        "untested": read.totals.untested,
    }


def task_list_read(round_id: int) -> float:
    """Seconds to read the city's open re-test task list (the 500 newest, as the task API
    reads it), then, untimed, the round's follow-up done: each task written (a re-test
    sampled) and closed negative, so the next round's list has this round behind it as
    history."""
    from fangkong.core.actor import SYSTEM
    from fangkong.lab.choices import RetestStatus, TubeResult
    from fangkong.lab.models import RetestTask
    from fangkong.lab.results.retests import (
        derived_bindings,
        retest_tasks_in_scope,
        retest_tasks_materialise,
    )

    started = time.perf_counter()
    tasks = retest_tasks_in_scope(SYSTEM, status=RetestStatus.OPEN, limit=500)
    seconds = time.perf_counter() - started
    assert tasks, "a round with pooled positives has open re-test tasks"
    people = set(derived_bindings().filter(round_id=round_id).values_list("person_id", flat=True))
    retest_tasks_materialise(people)
    RetestTask.objects.filter(source_tube__round_id=round_id).update(
        status=RetestStatus.DONE, outcome=TubeResult.NEGATIVE
    )
    return seconds
