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
import re
from datetime import date
from html.parser import HTMLParser
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


class _PageText(HTMLParser):
    """The text a reader sees, less code (parameter paths) and the sources table (provenance
    notes, kept as recorded)."""

    SKIPPED = {"script", "style", "code", "textarea", "header"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "input", "meta", "link", "img", "hr"}:
            return
        skipped = tag in self.SKIPPED or "policy-sources" in (dict(attrs).get("class") or "")
        self.stack.append(skipped)
        self.depth += skipped

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "input", "meta", "link", "img", "hr"} or not self.stack:
            return
        self.depth -= self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def _page_text(html: str) -> str:
    parser = _PageText()
    parser.feed(html)
    return " ".join(parser.parts)


RULE_PAGES = [
    "/rules/",
    "/rules/nhc-8/",
    "/rules/nhc-10/",
    "/rules/measures-20/",
    "/rules/effective/?on=2022-07-01",
    "/rules/compare/?a=nhc-8&b=nhc-10",
    "/rules/compare/?a=nhc-9&b=measures-20",
    "/rules/w-flags/",
]


@pytest.fixture
def rule_pages(tree: Any, make_actor: Any, page_client: Any) -> Any:
    from fangkong.core.actor import SYSTEM
    from fangkong.policy import services

    services.rule_set_override_create(
        actor=SYSTEM,
        key="w-flags",
        region=tree["district_a"],
        name_zh="朝阳区抗原检测调整",
        name_en="Chaoyang antigen adjustment",
        effective_from=date(2022, 7, 1),
        parameters={"antigen": {"pcr_after_positive": False}},
        reason="Local decision",
    )
    client = page_client(make_actor("commander", tree["district_a"]))

    def render(language: str) -> dict[str, str]:
        pages = {}
        for url in RULE_PAGES:
            response = client.get(url, headers={"accept-language": language})
            assert response.status_code == 200, url
            pages[url] = _page_text(response.content.decode())
        return pages

    return render


def test_rule_values_reach_chinese_pages_through_labels(rule_pages: Any) -> None:
    from fangkong.policy import choices as vocabularies

    codes = {
        str(value)
        for item in vars(vocabularies).values()
        if isinstance(item, type) and issubclass(item, models.Choices)
        for value in item.values
        if "_" in str(value)
    }
    raw = re.compile(r"\b(True|False|None)\b|\b(" + "|".join(map(re.escape, codes)) + r")\b")
    found = {
        url: sorted({match.group(0) for match in raw.finditer(text)})
        for url, text in rule_pages("zh-hans").items()
    }
    assert {url: words for url, words in found.items() if words} == {}
    compare = rule_pages("zh-hans")["/rules/compare/?a=nhc-8&b=nhc-10"]
    assert "是" in compare
    assert "否" in compare
    assert "否" in rule_pages("zh-hans")["/rules/w-flags/"]


def test_traditional_chinese_pages_show_rule_text_in_traditional_characters(
    rule_pages: Any,
) -> None:
    from fangkong.core.chinese import _to_traditional
    from fangkong.regions.models import Region

    convert = _to_traditional().convert
    # Place names are shown as the register holds them, in either script.
    places = sorted(Region.objects.values_list("name", flat=True), key=len, reverse=True)
    simplified = {}
    for url, page in rule_pages("zh-hant").items():
        text = page
        for place in places:
            text = text.replace(place, " ")
        runs = re.findall(r"[\u4e00-\u9fff]+", text)
        left = sorted({run for run in runs if convert(run) != run})
        if left:
            simplified[url] = left[:10]
    assert simplified == {}
    assert "高風險區" in rule_pages("zh-hant")["/rules/nhc-8/"]
