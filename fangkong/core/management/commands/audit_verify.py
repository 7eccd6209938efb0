"""Verify the audit ledger and the read-access log against their chains, seals and checkpoints.

``fangkong manage audit_verify [--checkpoints FILE ...]`` prints one line per part checked and
exits with status 1 and a one-line reason at the first break. Give it the checkpoints kept
off-site (``audit_checkpoints --append``): a database whose newest rows *and* newest
checkpoints were deleted is caught only against such a copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.checkpoints import Checkpoint, checkpoints_read, ledgers_verify


class Command(BaseCommand):
    help = (
        "Verify the audit ledger and the access log (hash chains, row seals, signed "
        "checkpoints); exit 1 with the reason at the first break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            action="append",
            default=[],
            metavar="FILE",
            help="exported checkpoints (JSON lines) to compare with the database; repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        external: list[Checkpoint] = []
        for name in options["checkpoints"]:
            path = Path(name)
            try:
                text = path.read_text(encoding="utf-8")
                external.extend(checkpoints_read(text.splitlines(), source=str(path)))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise CommandError(f"cannot read checkpoints: {exc}") from None
        reports = ledgers_verify(external)
        for report in reports:
            if not report.ok:
                raise CommandError(f"ledger check failed: {report.reason}")
        for report in reports:
            if report.ledger == "checkpoints":
                self.stdout.write(f"checkpoints: {report.checked} verified")
            else:
                self.stdout.write(
                    f"{report.ledger}: {report.checked} rows verified, "
                    f"{report.unanchored} written since the newest checkpoint"
                )
