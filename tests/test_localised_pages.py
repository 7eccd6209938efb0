"""Classes of localisation faults, checked over the whole project rather than page by page:

- every ``<input type="date">`` of every form renders its value in ISO form in both Chinese
  languages (the browser's date control shows the localised ``2026/12/07`` as an empty box);
- every label of every choice set is context-qualified (``pgettext_lazy``), so one English
  word with two meanings ("Open" round, "Open" duplicate review) is never one msgid;
- rule values reach the rule-set pages through labels: no ``True``/``False``/``None`` or raw
  vocabulary value in a Chinese rendering;
- rule text from the editions is shown in the page's own script (Traditional for zh-Hant).
"""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from typing import Any

import pytest
from django import forms
from django.db import models
from django.utils import translation
from django.utils.translation import pgettext_lazy

import fangkong

#: Modules not imported by the walk: commands and migrations run as scripts, tests are tests.
_SKIPPED_PARTS = {"tests", "migrations", "management"}


def _project_modules() -> list[Any]:
    importlib.import_module("config.urls")  # the app's own import order first (no cycles)
    modules = []
    for info in pkgutil.walk_packages(fangkong.__path__, "fangkong."):
        if _SKIPPED_PARTS & set(info.name.split(".")):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def _subclasses(base: type) -> list[type]:
    found: list[type] = []
    todo = [base]
    while todo:
        cls: type
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.startswith("fangkong."):
                found.append(cls)
    return found


@pytest.fixture(scope="module")
def project() -> None:
    _project_modules()


@pytest.mark.usefixtures("project")
@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_every_date_input_of_every_form_renders_an_iso_value(language: str) -> None:
    day = date(2026, 12, 7)
    checked = []
    wrong = []
    with translation.override(language):
        for form in _subclasses(forms.BaseForm):
            for name, field in getattr(form, "base_fields", {}).items():
                widget = field.widget
                if getattr(widget, "input_type", "") != "date":
                    continue
                checked.append(f"{form.__qualname__}.{name}")
                rendered = widget.format_value(day)
                if rendered != "2026-12-07":
                    wrong.append(f"{form.__module__}.{form.__qualname__}.{name}: {rendered!r}")
    assert len(checked) >= 5
    assert wrong == []


_CONTEXTUAL = type(pgettext_lazy("context", "text"))


@pytest.mark.usefixtures("project")
def test_every_choice_label_is_context_qualified_and_translated() -> None:
    """One English word can mean two things ("Open" round: 进行中; "Open" duplicate review:
    待核查); a label with its enum as context never shares a msgid with another meaning."""
    enums: list[Any] = _subclasses(models.Choices)
    assert len(enums) >= 30
    plain = []
    untranslated = []
    for enum in enums:
        for member in enum:
            label = member.label
            if type(label) is not _CONTEXTUAL:
                plain.append(f"{enum.__module__}.{enum.__qualname__}.{member.name}")
                continue
            with translation.override("zh-hans"):
                if str(label) == label._args[1]:  # type: ignore[attr-defined]
                    untranslated.append(f"{enum.__qualname__}.{member.name}")
    assert plain == [], "label choices with pgettext_lazy('<enum in words>', ...)"
    assert untranslated == [], "translate them in fangkong/locale/zh_Hans"


def test_a_word_with_two_meanings_is_translated_by_its_meaning() -> None:
    from fangkong.lab.choices import AlertStatus, RoundStatus
    from fangkong.people.choices import DuplicateStatus

    with translation.override("zh-hans"):
        assert str(RoundStatus.OPEN.label) == "进行中"
        assert str(AlertStatus.OPEN.label) == "待处理"
        assert str(DuplicateStatus.OPEN.label) == "待核查"
        assert translation.gettext("Tested") == "已检测"
        assert translation.pgettext("how often a key group is tested", "Tested") == "检测频次"
    with translation.override("zh-hant"):
        assert str(RoundStatus.OPEN.label) == "進行中"
