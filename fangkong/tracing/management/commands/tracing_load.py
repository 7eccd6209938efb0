"""``fangkong manage tracing_load --kind scans --source FEED FILE...``: load bulk files of
venue scans or cell dwell intervals, each file one batch, through the same path as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.accounts.actors import actor_from_membership
from fangkong.accounts.models import Membership
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.tracing.choices import FeedKind
from fangkong.tracing.files import file_frame, file_key, refusal_lines
from fangkong.tracing.services import batch_ingest


class Command(BaseCommand):
    help = (
        "Load CSV or Parquet files of venue scans or cell dwell intervals into the tracing "
        "store, one batch per file (its SHA-256 is the batch key: a file loaded twice is "
        "stored once). A file with rejected rows is stored not at all; every rejected row is "
        "printed and the command exits 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="CSV or Parquet files")
        parser.add_argument("--kind", choices=FeedKind.values, required=True)
        parser.add_argument("--source", default="file", help="the feed's name (default: file)")
        parser.add_argument(
            "--membership",
            type=int,
            default=None,
            help="act as this membership id (an administrator's); default: the system",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=2 * 1024**3,
            help="refuse files larger than this (default 2 GiB)",
        )

    def _actor(self, membership_id: int | None) -> AnyActor:
        if membership_id is None:
            return SYSTEM
        membership = (
            Membership.objects.select_related("user", "region")
            .filter(pk=membership_id, is_active=True, user__is_active=True)
            .first()
        )
        if membership is None:
            raise CommandError(f"no active membership {membership_id}")
        return actor_from_membership(membership)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["membership"])
        failed = 0
        for path in options["files"]:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from None
            try:
                frame, first_row = file_frame(data, max_bytes=options["max_bytes"])
                answer = batch_ingest(
                    actor=actor,
                    kind=options["kind"],
                    frame=frame,
                    source=options["source"],
                    batch_key=file_key(data),
                    first_row=first_row,
                )
            except ValidationFailed as exc:
                failed += 1
                self.stderr.write(f"{path.name}: refused")
                for line in refusal_lines(exc):
                    self.stderr.write(f"  {line}")
                continue
            except FangkongError as exc:
                raise CommandError(f"{path.name}: {exc.message}") from None
            verb = "already stored" if answer.repeat else "stored"
            self.stdout.write(
                f"{path.name}: {verb}, {answer.rows_accepted:,} rows, "
                f"{answer.first_day} to {answer.last_day} (batch {answer.code})"
            )
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files refused")
