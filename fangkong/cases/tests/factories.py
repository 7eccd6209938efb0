"""Builders for case tests: a pooled positive whose members are re-tested singly through the
lab services, so cases open the way they do in production (``lab.findings``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.models import Case
from fangkong.core.actor import Actor
from fangkong.lab.choices import TubeKind
from fangkong.lab.results.services import ResultInput, ResultReport, results_apply
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_receive


@dataclass
class Outbreak:
    s: Screening
    epidemiologist: Actor
    clinician: Actor
    other_epidemiologist: Actor
    grid: Actor
    tree: dict[str, Any]


def outbreak_make(tree: dict[str, Any], *, residents: int = 6) -> Outbreak:
    return Outbreak(
        s=screening_make(tree, residents=residents),
        epidemiologist=actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"]),
        clinician=actor_make(role=Role.CLINICIAN, region=tree["district_a"]),
        other_epidemiologist=actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_b"]),
        grid=actor_make(role=Role.GRID_WORKER, region=tree["community_a"]),
        tree=tree,
    )


def pooled_positive(o: Outbreak, barcode: str, ids: Sequence[str]) -> None:
    """A pooled tube of ``ids``, received and reported pooled positive."""
    s = o.s
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=[barcode])
    results_apply(
        actor=s.technician, lab=s.lab, rows=[ResultInput(barcode=barcode, result="pooled_positive")]
    )


def retests_bind(o: Outbreak, prefix: str, ids: Sequence[str]) -> list[str]:
    """A single re-test tube for each of ``ids``, bound and received; their barcodes."""
    s = o.s
    barcodes = []
    for position, number in enumerate(ids):
        barcode = f"{prefix}{position:04d}"
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(
                barcode=barcode, members=[MemberInput(id_number=number)], kind=TubeKind.RETEST
            ),
        )
        barcodes.append(barcode)
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=barcodes)
    return barcodes


def results(o: Outbreak, rows: dict[str, str]) -> ResultReport:
    return results_apply(
        actor=o.s.technician,
        lab=o.s.lab,
        rows=[ResultInput(barcode=b, result=r, row=n) for n, (b, r) in enumerate(rows.items(), 1)],
        source="upload",
    )


def case_from_retest(o: Outbreak) -> Case:
    """A pooled positive of the first three residents whose second member re-tests positive:
    the case opened for them."""
    pooled_positive(o, "T0001", o.s.ids[:3])
    barcodes = retests_bind(o, "R", o.s.ids[:3])
    results(o, {b: ("positive" if i == 1 else "negative") for i, b in enumerate(barcodes)})
    return Case.objects.get(person=o.s.people[1])
