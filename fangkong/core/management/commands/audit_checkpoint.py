"""Write a signed checkpoint of both ledgers now (the schedule writes one every
``FANGKONG_AUDIT_CHECKPOINT_MINUTES``) and print it as a JSON line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from fangkong.core.checkpoints import Checkpoint, checkpoint_write


class Command(BaseCommand):
    help = "Write a signed checkpoint of the audit ledger and the access log and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="write one even when no chain moved"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        row = checkpoint_write(force=options["force"])
        if row is None:
            self.stderr.write("no new rows since the last checkpoint; nothing written")
            return
        self.stdout.write(Checkpoint.from_row(row).line())
