"""Export the signed ledger checkpoints as JSON lines, to keep them off-site.

``fangkong manage audit_checkpoints`` prints them all; ``--after N`` only those above number
N; ``--append FILE`` adds to FILE the ones it does not have yet (run it from cron onto storage
the database's administrators cannot rewrite, then give the file to ``audit_verify``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.checkpoints import checkpoints_export


def _last_seq(path: Path) -> int:
    if not path.exists():
        return 0
    last = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            last = max(last, int(json.loads(line)["seq"]))
        except (ValueError, KeyError, TypeError):
            raise CommandError(f"{path} line {number} is not a checkpoint") from None
    return last


class Command(BaseCommand):
    help = "Print the signed ledger checkpoints as JSON lines (or append the new ones to a file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--after", type=int, default=0, help="only checkpoints above N")
        parser.add_argument(
            "--append", metavar="FILE", help="append the checkpoints FILE does not hold yet"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["append"]:
            path = Path(options["append"])
            after = max(options["after"], _last_seq(path))
            lines = list(checkpoints_export(after=after))
            try:
                with path.open("a", encoding="utf-8") as out:
                    out.writelines(line + "\n" for line in lines)
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc}") from None
            self.stderr.write(f"{len(lines)} checkpoints appended to {path}")
            return
        for line in checkpoints_export(after=options["after"]):
            self.stdout.write(line)
