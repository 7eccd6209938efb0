"""Chinese text from data (rule editions, vocabularies) in the script of the page's language.

Texts stored in Simplified characters (the rule editions' ``name_zh``, level and group names)
are shown converted to Traditional characters under zh-Hant, by OpenCC's ``s2t`` as the
message catalogue's zh-Hant is derived (``translations_sync``); English pages get the English
name where the data has one. Names of people and places are not run through this: they are
what the registers hold.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils import translation


@cache
def _to_traditional() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _language() -> str:
    return (translation.get_language() or "").lower()


def in_script(text: str) -> str:
    """``text`` (Simplified) in the script of the active language: Traditional under
    zh-Hant, unchanged otherwise."""
    if text and _language() in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}:
        return str(_to_traditional().convert(text))
    return text


def localised_name(name_zh: str, name_en: str) -> str:
    """The Chinese name in the page's script, or the English one on an English page (the
    Chinese one when there is no English name)."""
    if _language().startswith("en") and name_en:
        return name_en
    return in_script(name_zh)
