"""The message catalogues are complete, zh_Hant follows zh_Hans, and the compiled .mo files
match their sources (``manage.py translations_sync`` keeps all three in step). The catalogues
are read with ``polib``: contexts (``pgettext``) and plural forms are checked like the rest."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest
from django.utils import translation

from fangkong.core.management.commands.translations_sync import derive_traditional

LOCALE = Path(__file__).resolve().parents[1] / "fangkong" / "locale"


def _path(language: str, suffix: str = "po") -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"django.{suffix}"


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(_path(language)))


def test_every_simplified_chinese_message_is_translated_and_none_is_fuzzy():
    catalogue = _catalogue("zh_Hans")
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert len(catalogue) > 300


def test_traditional_chinese_is_derived_from_simplified():
    derived = derive_traditional(_path("zh_Hans").read_text(encoding="utf-8"))
    assert _path("zh_Hant").read_text(encoding="utf-8").strip() == derived.strip()


def test_deriving_keeps_contexts_plurals_and_converts_every_form():
    source = (
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "round status"\nmsgid "Open"\nmsgstr "进行中"\n\n'
        'msgid "%(n)s tube"\nmsgid_plural "%(n)s tubes"\nmsgstr[0] "%(n)s 个样本管"\n'
    )
    derived = polib.pofile(derive_traditional(source))
    assert derived.metadata["Language"] == "zh_Hant"
    by_id = {e.msgid: e for e in derived}
    assert by_id["Open"].msgctxt == "round status"
    assert by_id["Open"].msgstr == "進行中"
    assert by_id["%(n)s tube"].msgstr_plural[0] == "%(n)s 個樣本管"


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_compiled_catalogues_match_their_sources(language):
    with _path(language, "mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _catalogue(language).translated_entries():
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            want = entry.msgstr_plural[0]
        elif entry.msgctxt:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
            want = entry.msgstr
        else:
            got = compiled.gettext(entry.msgid)
            want = entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], "run: manage.py translations_sync"


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "概览"), ("zh-hant", "概覽"), ("en", "Overview")]
)
def test_the_shell_speaks_three_languages(language, expected):
    with translation.override(language):
        assert translation.gettext("Overview") == expected
