"""The earlier days of ``fangkong demo``'s outbreak (补录): the cases the direct reporting
system already holds when the city starts using Fangkong.

1. From the simulated ground truth, the district's residents whose symptoms began on an
   earlier day of the run were seen at a fever clinic and reported 1–2 days after onset, in
   clinic hours; the reports made before today are kept, at most :data:`MAX_REPORTS` of them
   (a sample, so that the curve keeps its shape), as confirmed cases with their onset day.
2. After the other demo steps (which start from the cases the screening opened today), the
   demo epidemiologist imports them as an export of the direct reporting system, through
   ``cases.imports.services.case_import_csv``: each case opens at its report time, so the
   command picture's epidemic curve, by onset and by report, covers the earlier days.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl
from django.utils import timezone

from fangkong.cases.imports.services import CaseImportReport, case_import_csv
from fangkong.core.actor import AnyActor
from fangkong.sim.outbreak import OutbreakResult

#: At most this many earlier reports are imported (tens, for the 50,000-resident demo).
MAX_REPORTS = 60
#: Fever clinics report from 08:00 to 21:00 local time.
CLINIC_OPENS, CLINIC_HOURS = 8, 13


@dataclass(frozen=True)
class EarlierReport:
    """A case the direct reporting system holds: who, onset day, report time."""

    id_number: str
    onset_date: date
    reported_at: datetime


def earlier_reports(
    result: OutbreakResult, residents: pl.DataFrame, *, now: datetime, seed: int
) -> tuple[EarlierReport, ...]:
    """The reports of symptomatic infections among ``residents`` (``person_key``,
    ``number``) with onset on a day of the run and a report time before today, oldest
    first; see the module docstring."""
    courses = result.courses.filter(pl.col("onset").is_not_null()).select("person", "onset")
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    midnight = datetime.combine(today, time(), tzinfo=zone)
    numbers = dict(
        zip(residents["person_key"].to_list(), residents["number"].to_list(), strict=True)
    )
    rng = np.random.default_rng([seed, 29])
    reports = []
    for person, onset in courses.iter_rows():
        number = numbers.get(int(person))
        delay = int(rng.integers(1, 3))
        minutes = int(rng.integers(0, CLINIC_HOURS * 60))
        if number is None:
            continue
        onset_day = timezone.localdate(datetime.fromtimestamp(int(onset), tz=zone))
        day = onset_day + timedelta(days=delay)
        reported = datetime.combine(day, time(CLINIC_OPENS), tzinfo=zone) + timedelta(
            minutes=minutes
        )
        if reported < midnight:
            reports.append(EarlierReport(number, onset_day, reported))
    if len(reports) > MAX_REPORTS:
        keep = np.sort(rng.choice(len(reports), size=MAX_REPORTS, replace=False))
        reports = [reports[int(i)] for i in keep]
    return tuple(sorted(reports, key=lambda report: report.reported_at))


def demo_cases_import(
    reports: tuple[EarlierReport, ...], *, epidemiologist: AnyActor
) -> CaseImportReport:
    """Import ``reports`` as the direct reporting system's export (its Chinese header and
    labels, report card numbers), as the demo epidemiologist."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["报告卡编号", "证件号码", "病例分类", "发病日期", "报告时间"])
    for serial, report in enumerate(reports, 1):
        writer.writerow(
            [
                f"DEMO{report.reported_at:%Y%m%d}{serial:04d}",
                report.id_number,
                "确诊病例",
                report.onset_date.isoformat(),
                timezone.localtime(report.reported_at).strftime("%Y-%m-%d %H:%M:%S"),
            ]
        )
    return case_import_csv(
        actor=epidemiologist,
        file=text.getvalue().encode("utf-8-sig"),
        filename="传染病报告卡导出.csv",
    )
