"""Refresh the message catalogues and compile them.

1. ``makemessages`` for zh_Hans, zh_Hant and en (English is the source language, its catalogue
   stays empty so strings fall back to the msgid).
2. Every zh_Hant entry is derived from its zh_Hans translation with OpenCC (Simplified →
   Traditional characters); a zh_Hant entry is never edited by hand.
3. ``compilemessages`` writes the .mo files that ship in the repository (so installs need no
   gettext tools).

The catalogues are read and written with ``polib`` (entries, contexts, plurals and flags as
objects, not lines).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import opencc
import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

LOCALE = Path(settings.LOCALE_PATHS[0])


def derive_traditional(simplified: str) -> str:
    """The zh_Hant catalogue from the zh_Hans one: the same entries (comments, contexts, flags
    kept), each ``msgstr`` and plural form converted to Traditional characters by OpenCC."""
    convert = opencc.OpenCC("s2t").convert
    catalogue = polib.pofile(simplified)
    catalogue.metadata["Language"] = "zh_Hant"
    for entry in catalogue:
        entry.msgstr = convert(entry.msgstr)
        entry.msgstr_plural = {k: convert(v) for k, v in entry.msgstr_plural.items()}
    return str(catalogue)


class Command(BaseCommand):
    help = "Refresh zh_Hans/zh_Hant/en catalogues, derive zh_Hant from zh_Hans, compile."

    def handle(self, *args: Any, **options: Any) -> None:
        ignore = [".venv/*", "var/*", "tests/*", "bench/*", "build/*"]
        call_command(
            "makemessages",
            locale=["zh_Hans", "zh_Hant", "en"],
            ignore_patterns=ignore,
            no_obsolete=True,
            verbosity=0,
        )
        simplified = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
        traditional = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"
        traditional.write_text(derive_traditional(simplified.read_text("utf-8")), "utf-8")
        call_command("compilemessages", locale=["zh_Hans", "zh_Hant", "en"], verbosity=0)
        self.stdout.write("zh_Hant derived from zh_Hans; catalogues compiled")
