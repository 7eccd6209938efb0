"""Exports of the not-yet-tested list for door-to-door follow-up (补检, R14), and the repair
of a round's tallies when they drift from the rows they count."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import access_record, audit_record
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import ExportPurpose, RoundStatus
from fangkong.lab.coverage.selectors import EXPORT_MAX_ROWS, untested_for_export
from fangkong.lab.coverage.tallies import (
    round_tally_check,
    round_tally_rebuild,
    tube_tally_check,
    tube_tally_rebuild,
)
from fangkong.lab.models import ScreeningRound
from fangkong.lab.roles import UNTESTED_ROLES
from fangkong.people.presentation import person_row
from fangkong.regions.models import Region

#: A cell starting with one of these is read as a formula by spreadsheets (ASVS 5.0 V5).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CoverageExport:
    """The CSV text (UTF-8 with a byte-order mark for spreadsheets), its file name and the
    number of person rows in it (also written in the file's last line)."""

    filename: str
    content: str
    rows: int


def _cell(value: object) -> str:
    text = str(value if value is not None else "")
    return "'" + text if text.startswith(_FORMULA_START) else text


@transaction.atomic
def coverage_export(
    *,
    actor: AnyActor,
    screening_round: ScreeningRound,
    purpose: str,
    region: Region | None = None,
) -> CoverageExport:
    """The not-yet-tested list of the round in the actor's scope (below ``region`` if given)
    as CSV for door-to-door follow-up.

    1. The role must be a coverage role that sees persons (``role_not_allowed``, 403);
       ``purpose`` must be an :class:`ExportPurpose` (``purpose`` field, ``invalid_choice``).
    2. At most ``EXPORT_MAX_ROWS`` persons (``export_too_large`` on the ``region`` field:
       export node by node) — never a silently cut file.
    3. Identity numbers masked for every role (R39: exports are masked; docs/privacy.md),
       phones as the role may see them (``presentation.person_row(export=True)``); formula
       starts neutralised.
    4. One access row (the purpose code, every person code) and one audit row with the count,
       in the same transaction; the file ends with the row count for reconciliation.
    """
    require_role(actor, UNTESTED_ROLES)
    if purpose not in ExportPurpose.values:
        raise ValidationFailed(
            _("The export needs a purpose."),
            errors=[field_error("purpose", "invalid_choice", _("Choose why you export."))],
        )
    persons = untested_for_export(actor=actor, screening_round=screening_round, region=region)
    if len(persons) > EXPORT_MAX_ROWS:
        raise ValidationFailed(
            _("The list is too long for one file."),
            errors=[
                field_error(
                    "region",
                    "export_too_large",
                    _("More than %(max)s persons: export one part of the area at a time.")
                    % {"max": EXPORT_MAX_ROWS},
                )
            ],
        )
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("Jurisdiction code"),
            _("Jurisdiction"),
            _("Household"),
            _("Name"),
            _("Sex"),
            _("Birth date"),
            _("Document type"),
            _("Identity number"),
            _("Phone"),
            _("Person code"),
        ]
    )
    for person in persons:
        row = person_row(actor, person, export=True)
        writer.writerow(
            [
                _cell(row.region_code),
                _cell(row.region_name),
                _cell(row.household_address),
                _cell(row.name),
                _cell(row.sex_label),
                row.birth_date.isoformat() if row.birth_date else "",
                _cell(row.id_type),
                _cell(row.id_number),
                _cell(row.phone),
                str(row.code),
            ]
        )
    writer.writerow(["#", _("Rows: %(count)s") % {"count": len(persons)}])
    codes = [person.code for person in persons]
    access_record(
        actor=actor,
        purpose=purpose,
        action="round_untested_export",
        subject_type="person",
        subject_ids=codes,
    )
    audit_record(
        actor=actor,
        action="round_untested_export",
        object_type="screening_round",
        object_id=screening_round.code,
        reason=purpose,
        extra={"region": region.code if region else "", "rows": len(persons)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    where = region.code if region else screening_round.region.code
    return CoverageExport(
        filename=f"untested-{where}-{stamp}.csv", content=buffer.getvalue(), rows=len(persons)
    )


@dataclass(frozen=True)
class TallyRepair:
    """What :func:`round_tallies_repair` looked at: the open rounds, the rounds closed since the
    last check, and the ids of the rounds whose tallies it rebuilt."""

    open_rounds: int
    closed_rounds: int
    repaired: list[int]


def round_tallies_repair(*, closed_since: datetime | None) -> TallyRepair:
    """Recount the tallies (coverage per node, tubes by status) of the rounds that can still
    drift, and rebuild any that differ from the rows they count.

    The tallies are kept exact as they change; only a person moving in the same instant as
    their sampling can slip between two transactions. A closed round samples no one, so it
    cannot drift that way once it has been checked after closing. So the cost follows what is
    open, not every round ever run:

    1. Every open round is checked.
    2. A closed round is checked once more if it closed at or after ``closed_since`` (the start
       of the last check that finished well; every closed round when there was none). Closing
       writes the round's ``updated_at``.
    3. For each, :func:`round_tally_check` and :func:`tube_tally_check` recount it in one
       statement each; a difference is repaired by the matching rebuild.

    Side effects: rebuilt tally rows, and an audit row (by the system) per round repaired,
    naming the tallies rebuilt. No personal data is read or shown.
    """
    open_ids = list(
        ScreeningRound.objects.filter(status=RoundStatus.OPEN)
        .order_by("id")
        .values_list("id", flat=True)
    )
    closed = ScreeningRound.objects.filter(status=RoundStatus.CLOSED)
    if closed_since is not None:
        closed = closed.filter(updated_at__gte=closed_since)
    closed_ids = list(closed.order_by("id").values_list("id", flat=True))
    repaired = []
    for round_id in open_ids + closed_ids:
        rebuilt = []
        with transaction.atomic():
            if round_tally_check(round_id):
                round_tally_rebuild(round_id)
                rebuilt.append("round_tally")
            if tube_tally_check(round_id):
                tube_tally_rebuild(round_id)
                rebuilt.append("tube_tally")
            if rebuilt:
                audit_record(
                    actor=SYSTEM,
                    action="round_tally_repair",
                    object_type="screening_round",
                    object_id=round_id,
                    fields=rebuilt,
                    reason="the tally differed from a direct count",
                )
        if rebuilt:
            repaired.append(round_id)
    return TallyRepair(open_rounds=len(open_ids), closed_rounds=len(closed_ids), repaired=repaired)
