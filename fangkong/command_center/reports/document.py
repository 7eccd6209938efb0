"""The rolled-up daily report as a Word document (DOCX, python-docx) to print and file: the
node's own figures, each unit below with its figures, corrections and lateness, the units
missing, and the sums."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document

from fangkong.command_center.reports.figures import FIGURES
from fangkong.command_center.reports.selectors import Rollup, UnitReport


def _status(unit: UnitReport) -> str:
    if unit.report is None:
        return _("Missing") if unit.missing else _("Not yet filed")
    label = str(unit.report.get_kind_display())
    return f"{label} · {_('late')}" if unit.report.late else label


def rollup_docx(rollup: Rollup) -> bytes:
    """The document's bytes (no personal data: units, counts and the units' own notes)."""
    document = Document()
    document.add_heading(
        _("Daily report of %(unit)s for %(day)s")
        % {"unit": rollup.region.name, "day": rollup.day.isoformat()},
        level=1,
    )
    document.add_paragraph(
        _("Due %(deadline)s; rules %(rule_set)s")
        % {"deadline": rollup.deadline.strftime("%Y-%m-%d %H:%M %Z"), "rule_set": rollup.rule_set}
    )
    names = list(FIGURES)
    units = [rollup.own, *rollup.children]
    table = document.add_table(rows=1, cols=2 + len(names))
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text = _("Unit")
    header[1].text = _("Status")
    for index, name in enumerate(names, start=2):
        header[index].text = str(FIGURES[name])
    for unit in units:
        cells = table.add_row().cells
        cells[0].text = unit.region.name
        cells[1].text = _status(unit)
        for index, name in enumerate(names, start=2):
            cells[index].text = str(unit.figures[name]) if unit.report else "—"
    if rollup.children:
        cells = table.add_row().cells
        cells[0].text = _("Units below, total")
        totals = rollup.totals
        for index, name in enumerate(names, start=2):
            cells[index].text = str(totals[name])
    corrections = [
        (unit, c) for unit in units if unit.report for c in unit.report.corrections.all()
    ]
    if corrections:
        document.add_heading(_("Corrections"), level=2)
        for unit, c in corrections:
            document.add_paragraph(
                _("%(unit)s: %(figure)s %(filled)d → %(corrected)d (%(note)s)")
                % {
                    "unit": unit.region.name,
                    "figure": FIGURES.get(c.figure, c.figure),
                    "filled": c.filled,
                    "corrected": c.corrected,
                    "note": c.note,
                },
                style="List Bullet",
            )
    notes = [unit for unit in units if unit.report and unit.report.notes]
    if notes:
        document.add_heading(_("Notes"), level=2)
        for unit in notes:
            assert unit.report is not None
            document.add_paragraph(f"{unit.region.name}: {unit.report.notes}")
    if rollup.missing:
        document.add_heading(_("Missing reports"), level=2)
        for unit in rollup.missing:
            document.add_paragraph(unit.region.name, style="List Bullet")
    out = BytesIO()
    document.save(out)
    return out.getvalue()
