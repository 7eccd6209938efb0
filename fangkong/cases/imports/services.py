"""Importing the cases reported before Fangkong was in use (补录), all or nothing.

The rows come from ``imports.reading``; each new case is opened by ``services.opening`` at its
report time, classified as reported, ``how_found`` "imported report", with its history row and
audit row, and one audit row records the import (file hash, counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.choices import HowFound
from fangkong.cases.imports.reading import MAX_IMPORT_BYTES, ImportRow, import_plan
from fangkong.cases.models import Case
from fangkong.cases.roles import CASE_IMPORT_ROLES
from fangkong.cases.services.areas import case_areas_infect
from fangkong.cases.services.opening import _cases_create, _Opening
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, FangkongError, ValidationFailed
from fangkong.people.models import Person

#: The reason every imported case's history and audit rows carry.
IMPORT_REASON = "imported from the direct reporting system"


@dataclass(frozen=True)
class CaseImportReport:
    """What an import that passed every check did (or, for a dry run, would do): ``new``
    cases to open, ``created`` opened (0 for a dry run), ``unchanged`` rows whose person
    already has an open case or a case with the same report card number."""

    rows_read: int
    new: int
    created: int
    unchanged: int
    dry_run: bool
    sha256: str
    encoding: str


def _read(file: BinaryIO | bytes, max_bytes: int) -> bytes:
    data = file if isinstance(file, bytes) else file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FangkongError(
            _("The file is larger than %(mb)s MB; split it.") % {"mb": max_bytes // (1024 * 1024)},
            code="file_too_large",
            status=413,
        )
    return data


def _already(rows: list[ImportRow]) -> set[int]:
    """Persons of ``rows`` whose report is already in: an open case (the same episode, opened
    by a lab finding, by hand or by an earlier import), or a case of theirs with the row's
    report card number. Their open cases are locked (in id order) for the rest of the
    import."""
    persons = [row.person_id for row in rows]
    open_cases = set(
        Case.objects.select_for_update()
        .filter(person_id__in=persons, closed_at__isnull=True)
        .order_by("id")
        .values_list("person_id", flat=True)
    )
    cards = {row.report_card for row in rows if row.report_card}
    carded = set(
        Case.objects.filter(person_id__in=persons, report_card__in=cards).values_list(
            "person_id", "report_card"
        )
    )
    return open_cases | {
        row.person_id for row in rows if (row.person_id, row.report_card) in carded
    }


@transaction.atomic
def case_import_csv(
    *,
    actor: AnyActor,
    file: BinaryIO | bytes,
    dry_run: bool = False,
    filename: str = "",
    max_bytes: int = MAX_IMPORT_BYTES,
) -> CaseImportReport:
    """Import an export of the direct reporting system (CSV, see ``imports.reading``).

    1. Role (``CASE_IMPORT_ROLES``, else ``PermissionDenied``); a file over ``max_bytes``
       is refused (413) before it is read further.
    2. Every row is checked and its person found in the actor's subtree; on any problem
       ``ValidationFailed`` (``import_rejected``) lists every one with its row, field and
       code, and the counts: nothing is written.
    3. Rows whose person already has an open case, or a case with the same report card, are
       ``unchanged`` (the same file imported twice opens nothing more).
    4. Unless ``dry_run``, the others are opened together (``services.opening``): at the
       report time, classified as reported, ``how_found`` ``direct_report``, under the rules
       of the report day, their "2+4+24" steps already due settled as "investigated before
       import"; a history row and an audit row per case, and one audit row for the import
       (file hash, counts). Confirmed and asymptomatic cases are recorded in the open risk
       areas their residences lie in (``services.areas.case_areas_infect``), as a case
       classified here is. A concurrent writer opening one of them first answers
       ``import_conflict`` (409): import the file again.
    """
    require_role(actor, CASE_IMPORT_ROLES)
    data = _read(file, max_bytes)
    plan = import_plan(data, actor=actor)
    if plan.errors:
        error = ValidationFailed(
            _("The file was not imported: fix the rows listed and import it again."),
            errors=plan.errors,
            code="import_rejected",
        )
        error.detail.update(rows_read=plan.rows_read, rejected=plan.rejected)
        raise error
    already = _already(plan.rows)
    new = [row for row in plan.rows if row.person_id not in already]
    report = CaseImportReport(
        rows_read=plan.rows_read,
        new=len(new),
        created=0,
        unchanged=plan.rows_read - len(new),
        dry_run=dry_run,
        sha256=plan.sha256,
        encoding=plan.encoding,
    )
    if dry_run or not new:
        return report
    people = Person.objects.select_related("region").in_bulk([row.person_id for row in new])
    openings = [
        _Opening(
            person=people[row.person_id],
            how_found=HowFound.DIRECT_REPORT,
            why=IMPORT_REASON,
            sampled_on=row.positive_on,
            onset_date=row.onset_date,
            classification=row.classification,
            opened_at=row.reported_at,
            report_card=row.report_card,
        )
        for row in new
    ]
    cases = _cases_create(actor, openings)
    if cases is None:
        raise Conflict(
            _("Some of these persons had a case opened meanwhile; import the file again."),
            code="import_conflict",
        )
    # the infections are known: the open risk areas their residences lie in count them, as
    # for a case classified here (issue 19 §8; suspected cases record nothing)
    for case in cases:
        case_areas_infect(actor=actor, case=case, reason=IMPORT_REASON)
    audit_record(
        actor=actor,
        action="case_import_csv",
        object_type="case_import",
        object_id=plan.sha256,
        fields=["person", "classification", "onset_date", "opened_at", "report_card"],
        reason=IMPORT_REASON,
        extra={
            "filename": filename[:200],
            "encoding": plan.encoding,
            "rows_read": plan.rows_read,
            "created": len(cases),
            "unchanged": report.unchanged,
        },
    )
    return CaseImportReport(
        rows_read=report.rows_read,
        new=report.new,
        created=len(cases),
        unchanged=report.unchanged,
        dry_run=False,
        sha256=plan.sha256,
        encoding=plan.encoding,
    )
