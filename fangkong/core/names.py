"""Personal names: cleaning for storage, and the keys that let different spellings meet.

* :func:`name_clean` is what we store: the name as entered after NFC, trimmed, whitespace
  folded to single spaces. Control characters, NUL and bidirectional overrides (``U+202E``)
  are refused with a clear error; at most 100 characters. Rare characters (䶮, 龑, 奡, 暐, CJK
  extension planes) and characters newer than Python's Unicode tables pass through unchanged.
  NFC does fold CJK *compatibility* ideographs (U+F900–U+FAFF) into their unified form.
* :func:`name_key` is the search and duplicate key: NFKC, Traditional → Simplified through
  OpenCC ``t2s``, middle-dot variants, spaces and zero-width characters removed, Latin in lower
  case. ``張三`` and ``张三`` share a key, so do ``阿卜杜·热合曼`` and ``阿卜杜・熱合曼``. OpenCC
  maps ``龑`` to ``䶮`` and ``暐`` to ``𬀩``, so those pairs meet as variants too.
* :func:`name_pinyin` is the toneless pinyin without spaces (``zhangsan``), with ``ü`` written
  ``v``. Latin input is folded the same way (tones, hyphens, spaces and case dropped; ``Lyu``,
  ``Lü``, ``Lv`` → ``lv``; ``Nyu`` → ``nv``) so a passport spelling meets the characters.
* :func:`name_query_keys` expands a search: both orders of a Latin name (``San ZHANG``), and
  ``lu``/``nu`` also tried as ``lv``/``nv`` (older passports print ``LU`` for 吕).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.text import BIDI_CONTROLS

MAX_NAME_LENGTH = 100
MAX_PINYIN_LENGTH = 200

#: Middle-dot variants people type in minority and transliterated names.
MIDDLE_DOTS = "·・•.．‧∙⋅･•"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_BIDI_CONTROLS = BIDI_CONTROLS  # the one set of the text policy (core.text)
_KEY_DROP = dict.fromkeys(map(ord, MIDDLE_DOTS + _ZERO_WIDTH), None)
_BRACKETS = frozenset("()[]{}<>（）［］｛｝〈〉《》【】〔〕")

#: Placeholder for a character with no code point (see docs): GETA MARK, used in Chinese
#: typesetting for a missing glyph. Stored as-is and flagged; never ``?``.
PLACEHOLDER = "〓"

#: Heteronymous surnames whose surname reading differs from pypinyin's default reading.
SURNAME_READINGS: dict[str, str] = {
    "万俟": "moqi",
    "尉迟": "yuchi",
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "覃": "qin",
    "翟": "zhai",
    "乐": "yue",
    "缪": "miao",
    "盖": "ge",
    "召": "shao",
    "种": "chong",
    "秘": "bi",
    "繁": "po",
    "员": "yun",
    "句": "gou",
    "黑": "he",
}

# Warning codes (soft: the name is stored, a person reviews it).
WARN_DIGITS = "name_has_digits"
WARN_BRACKETS = "name_has_brackets"
WARN_SYMBOLS = "name_has_symbols"
WARN_PLACEHOLDER = "name_placeholder"
WARN_PRIVATE_USE = "name_private_use"
WARN_MIXED_SCRIPT = "name_mixed_script"

_converter_lock = threading.Lock()
_converter: Any = None


def _t2s() -> Any:
    """The OpenCC Traditional → Simplified converter, built once per process on first use."""
    global _converter  # a lazily built, process-wide cache
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """Traditional → Simplified (OpenCC ``t2s``); other characters are left alone."""
    return str(_t2s().convert(text))


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[field_error(field, code, message)], code=code)


def name_clean(raw: object, *, field: str = "name") -> str:
    """The name to store: NFC, trimmed, inner whitespace folded to one space.

    Raises :class:`ValidationFailed` with ``name_required`` (empty), ``name_too_long`` (over 100
    characters), ``name_control_character`` (NUL or another control character) or
    ``name_bidi_control`` (``U+202E`` and the other direction overrides).
    """
    if not isinstance(raw, str):
        raise _invalid(field, "name_required", _("Enter a name."))
    text = unicodedata.normalize("NFC", raw)
    for char in text:
        if char in _BIDI_CONTROLS:
            raise _invalid(
                field,
                "name_bidi_control",
                _("The name contains an invisible text-direction control character."),
            )
        if unicodedata.category(char) in ("Cc", "Cs") and not char.isspace():
            raise _invalid(
                field,
                "name_control_character",
                _("The name contains a control character (such as NUL)."),
            )
    text = text.translate(dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None))
    text = " ".join(text.split())
    if not text:
        raise _invalid(field, "name_required", _("Enter a name."))
    if len(text) > MAX_NAME_LENGTH:
        raise _invalid(
            field,
            "name_too_long",
            _("A name has at most %(count)d characters.") % {"count": MAX_NAME_LENGTH},
        )
    return text


def _is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x323AF
    )


def name_warnings(name: str) -> list[str]:
    """Soft problems to flag for review: digits, brackets, symbols or emoji, the missing-
    character placeholder, private-use code points, Han mixed with Latin letters."""
    found: list[str] = []
    has_han = has_latin = False
    for char in name:
        category = unicodedata.category(char)
        if char.isdigit():
            found.append(WARN_DIGITS)
        elif char in _BRACKETS:
            found.append(WARN_BRACKETS)
        elif char == PLACEHOLDER:
            found.append(WARN_PLACEHOLDER)
        elif category == "Co":
            found.append(WARN_PRIVATE_USE)
        elif category[0] in "SP" and char not in MIDDLE_DOTS and char not in "-'’":
            found.append(WARN_SYMBOLS)
        elif _is_han(char):
            has_han = True
        elif char.isascii() and char.isalpha():
            has_latin = True
    if has_han and has_latin:
        found.append(WARN_MIXED_SCRIPT)
    return sorted(set(found))


def name_key(raw: str) -> str:
    """The comparison key: NFKC, OpenCC t2s, dots/spaces/zero-width removed, lower case."""
    text = unicodedata.normalize("NFKC", raw)
    text = to_simplified(text)
    text = text.translate(_KEY_DROP)
    text = "".join(text.split()).lower()
    return text[:MAX_NAME_LENGTH]


# ------------------------------------------------------------------------------- pinyin

_TONE_V = str.maketrans({"ü": "v", "Ü": "v", "ǖ": "v", "ǘ": "v", "ǚ": "v", "ǜ": "v"})
_LATIN_ONLY = re.compile(r"[^a-z0-9]")


def _fold_latin_word(word: str) -> str:
    """One Latin word → lower-case ASCII: ``ü`` → ``v``, tone marks dropped, and the passport
    spellings of ``lü``/``nü`` (``LYU``, ``NYU``) and ``lüe``/``nüe`` (``LUE``, ``NUE``) folded to
    the pinyin-input form pypinyin produces (``lv``, ``nv``, ``lve``, ``nve``)."""
    text = unicodedata.normalize("NFKC", word).translate(_TONE_V)
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    text = _LATIN_ONLY.sub("", text.lower())
    if text.startswith(("lyu", "nyu")):
        text = text[0] + "v" + text[3:]
    elif text in ("lue", "nue"):
        text = text[0] + "ve"
    return text


def _latin_words(raw: str) -> list[str]:
    text = unicodedata.normalize("NFKC", raw)
    parts = re.split(r"[\s\-‐‑–—_,，" + re.escape(MIDDLE_DOTS) + r"]+", text)
    return [folded for part in parts if (folded := _fold_latin_word(part))]


def _han_pinyin(text: str) -> list[str]:
    """Toneless pinyin per Han character (surname readings for the first one or two);
    runs of non-Han text are folded as Latin words."""
    from pypinyin import lazy_pinyin

    simplified = to_simplified(unicodedata.normalize("NFKC", text))
    stripped = simplified.lstrip()
    prefix: list[str] = []
    for surname, reading in SURNAME_READINGS.items():
        if stripped.startswith(surname) and len(stripped) > len(surname):
            prefix = [reading]
            stripped = stripped[len(surname) :]
            break
    syllables: list[str] = list(prefix)
    for item in lazy_pinyin(stripped, errors="default"):
        syllables.extend(_latin_words(item))
    return syllables


def has_han(text: str) -> bool:
    return any(_is_han(char) for char in text)


def name_pinyin(raw: str) -> str:
    """Toneless pinyin without spaces, lower case, ``ü`` as ``v``: ``张三`` → ``zhangsan``,
    ``吕布`` → ``lvbu``, ``Zhāng Sān`` → ``zhangsan``, ``LYU Bu`` → ``lvbu``."""
    if has_han(raw):
        return "".join(_han_pinyin(raw))[:MAX_PINYIN_LENGTH]
    return "".join(_latin_words(raw))[:MAX_PINYIN_LENGTH]


@dataclass(frozen=True)
class NameQuery:
    """What a typed name query should be compared with: keys for ``name_key`` and for
    ``name_pinyin`` (exact or prefix)."""

    name_keys: tuple[str, ...]
    pinyin_keys: tuple[str, ...]


def _lv_variants(key: str) -> set[str]:
    """``lubu`` → {``lubu``, ``lvbu``}: older passports write 吕 as ``LU``, 女 as ``NU``."""
    variants = {key}
    if key.startswith(("lu", "nu")):
        variants.add(key[0] + "v" + key[2:])
    return variants


def name_query_keys(raw: str) -> NameQuery:
    """Expand a typed name into the keys to search.

    1. The name key (Traditional folded to Simplified).
    2. For Han text: its pinyin, with and without the surname reading.
    3. For Latin text: the words joined in the order typed and with the last (or first) word
       moved to the front, so ``San ZHANG`` also tries ``zhangsan``; each also tried with a
       leading ``lu``/``nu`` written ``lv``/``nv``.
    """
    key = name_key(raw)
    pinyin: set[str] = set()
    if has_han(raw):
        from pypinyin import lazy_pinyin

        pinyin.add(name_pinyin(raw))
        plain = lazy_pinyin(to_simplified(unicodedata.normalize("NFKC", raw)))
        pinyin.add("".join(word for item in plain for word in _latin_words(item)))
    else:
        words = _latin_words(raw)
        if words:
            orders = {tuple(words), tuple(words[-1:] + words[:-1]), tuple(words[1:] + words[:1])}
            for order in orders:
                joined = "".join(order)
                pinyin.update(_lv_variants(joined))
                # Surname first, given name with the lv variant too (``Zhang Lu`` → zhanglv).
                if len(order) > 1:
                    pinyin.update(order[0] + rest for rest in _lv_variants("".join(order[1:])))
    pinyin = {value[:MAX_PINYIN_LENGTH] for value in pinyin if value}
    return NameQuery(
        name_keys=(key,) if key else (),
        pinyin_keys=tuple(sorted(pinyin)),
    )
