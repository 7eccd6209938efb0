"""The message catalogues are complete, zh_Hant follows zh_Hans, and the compiled .mo files
match their sources (``manage.py translations_sync`` keeps all three in step)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

from fangkong.core.management.commands.translations_sync import derive_traditional

LOCALE = Path(__file__).resolve().parents[1] / "fangkong" / "locale"


def _po(language: str) -> str:
    return (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "\nmsgid " in "\n" + block]


def test_every_simplified_chinese_message_is_translated_and_none_is_fuzzy():
    untranslated = []
    for block in _entries(_po("zh_Hans"))[1:]:  # the first entry is the header
        if "#, fuzzy" in block or re.search(r'^msgstr(\[0\])? ""\Z', block, flags=re.MULTILINE):
            untranslated.append(block.splitlines()[-2] if len(block.splitlines()) > 1 else block)
    assert untranslated == []


def test_traditional_chinese_is_derived_from_simplified():
    assert _po("zh_Hant").strip() == derive_traditional(_po("zh_Hans")).strip()


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_compiled_catalogues_match_their_sources(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    plain = "\n\n".join(e for e in _entries(_po(language)) if "msgctxt" not in e)
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', plain, flags=re.MULTILINE)
    assert len(pairs) > 300
    stale = [msgid for msgid, msgstr in pairs if compiled.gettext(msgid) != msgstr]
    assert stale == [], "run: manage.py translations_sync"


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "概览"), ("zh-hant", "概覽"), ("en", "Overview")]
)
def test_the_shell_speaks_three_languages(language, expected):
    with translation.override(language):
        assert translation.gettext("Overview") == expected
