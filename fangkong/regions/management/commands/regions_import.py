"""``manage.py regions_import <file.csv>``: load a division table as the system itself;
``manage.py regions_import --boundaries <file.geojson>``: load the nodes' outlines.

For operators seeding or extending the jurisdiction tree (top-level provinces included),
with no user account involved. The same checks as the import page apply: all rows land or
none; every bad row is printed with its row number, field and problem.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.regions.boundaries import MAX_BOUNDARY_BYTES
from fangkong.regions.importer import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS
from fangkong.regions.services import region_boundaries_import, region_import_csv


class Command(BaseCommand):
    help = (
        "Import a division table (CSV: code,name,parent_code[,time_zone]; UTF-8 or GB18030) "
        "as the system actor. All rows are imported or none. With --boundaries, the file is "
        "GeoJSON: a FeatureCollection of Polygon/MultiPolygon outlines keyed by "
        "properties.code (or adcode); all features are stored or none."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path, help="CSV file to import")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report; write nothing"
        )
        parser.add_argument(
            "--boundaries",
            action="store_true",
            help="the file is GeoJSON boundaries keyed by region code, not a division table",
        )
        parser.add_argument(
            "--max-rows",
            type=int,
            default=MAX_IMPORT_ROWS,
            help=f"refuse files with more data rows (default {MAX_IMPORT_ROWS:,})",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=None,
            help=(
                f"refuse larger files (default {MAX_IMPORT_BYTES:,} bytes, "
                f"{MAX_BOUNDARY_BYTES:,} for --boundaries)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if options["max_bytes"] is None:
            options["max_bytes"] = MAX_BOUNDARY_BYTES if options["boundaries"] else MAX_IMPORT_BYTES
        if path.stat().st_size > options["max_bytes"]:
            raise CommandError(f"{path} is larger than {options['max_bytes']:,} bytes; split it")
        if options["boundaries"]:
            self._boundaries(path, options)
            return
        try:
            with path.open("rb") as handle:
                report = region_import_csv(
                    actor=SYSTEM,
                    file=handle,
                    dry_run=options["dry_run"],
                    filename=path.name,
                    max_bytes=options["max_bytes"],
                    max_rows=options["max_rows"],
                )
        except ValidationFailed as exc:
            self._refused(exc)
        except FangkongError as exc:
            raise CommandError(f"not imported: {exc.message}") from None
        verb = "would create" if report.dry_run else "created"
        count = report.new if report.dry_run else report.created
        self.stdout.write(
            f"{report.rows_read} rows read ({report.encoding}): {verb} {count}, "
            f"unchanged {report.unchanged}, rejected {report.rejected}"
        )
        if report.nothing_to_do:
            self.stdout.write("nothing changed: every row is already in the system")

    def _boundaries(self, path: Path, options: dict[str, Any]) -> None:
        try:
            with path.open("rb") as handle:
                report = region_boundaries_import(
                    actor=SYSTEM,
                    file=handle,
                    dry_run=options["dry_run"],
                    filename=path.name,
                    max_bytes=options["max_bytes"],
                )
        except ValidationFailed as exc:
            self._refused(exc)
        except FangkongError as exc:
            raise CommandError(f"not imported: {exc.message}") from None
        verb = "would store" if report.dry_run else "stored"
        count = report.features - report.unchanged if report.dry_run else report.stored
        self.stdout.write(
            f"{report.features} features read: {verb} {count}, unchanged {report.unchanged}"
        )

    def _refused(self, exc: ValidationFailed) -> NoReturn:
        """Print every problem (row or feature, field, code, message) and fail."""
        for error in exc.errors:
            row = error.get("row")
            where = f"row {row}" if row is not None else "file"
            self.stderr.write(f"{where}, {error['field']}: {error['code']}: {error['message']}")
        counts = exc.detail
        summary = (
            f" ({counts.get('rejected', 0)} of {counts.get('rows_read', 0)} rows rejected)"
            if "rows_read" in counts
            else ""
        )
        raise CommandError(f"not imported: {exc.message}{summary}") from None
