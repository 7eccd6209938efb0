"""A generated city reads, in Chinese, as a real register would: no English codes on the pages
of its persons.

The simulation keeps occupation categories (``student``, ``delivery``…) for its own use; what
it writes to the registry is the register's text (学生, 快递员…). A zh-Hans rendering of the
person and household pages of generated persons of every category shows no occupation in
ASCII letters, and no ``True``/``False``/``None``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import polars as pl
import pytest
from django.utils import translation

from fangkong.accounts.choices import Role
from fangkong.core.actor import SYSTEM
from fangkong.sim.city import city_generate
from fangkong.sim.occupations import OCCUPATION_TEXT, Occupation, register_occupations

ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
PYTHON_WORDS = re.compile(r"\b(True|False|None)\b")
TAG = re.compile(r"<[^>]+>")


def test_every_occupation_category_has_chinese_register_text() -> None:
    assert {str(o) for o in Occupation} <= set(OCCUPATION_TEXT)
    for code, entries in OCCUPATION_TEXT.items():
        assert entries, code
        assert not [e for e in entries if ASCII_WORD.search(e)], code


def test_register_text_follows_the_category_and_is_stable() -> None:
    city = city_generate(residents=500, seed=5, as_of=date(2022, 4, 1))
    registered = register_occupations(city.persons)
    assert registered.height == city.persons.height
    pairs = pl.DataFrame(
        {"code": city.persons["occupation"].cast(pl.String), "text": registered["occupation"]}
    ).unique()
    for code, text in pairs.iter_rows():
        assert text in OCCUPATION_TEXT[code]
    assert (
        registered["occupation"].to_list()
        == register_occupations(city.persons)["occupation"].to_list()
    )
    unknown = city.persons.with_columns(pl.lit("astronaut").alias("occupation"))
    with pytest.raises(ValueError, match="astronaut"):
        register_occupations(unknown)


def _visible(html: str) -> str:
    """The page's text as read: tags, scripts and styles taken out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return TAG.sub(" ", html)


def _occupation_shown(text: str) -> str:
    found = re.search(r"职业\s+(\S+)", text)
    assert found is not None, "the person page shows the occupation"
    return found.group(1)


@pytest.mark.django_db
def test_person_pages_of_a_generated_city_show_no_english_words(
    page_client: Any, make_actor: Any
) -> None:
    from fangkong.people.models import Person
    from fangkong.regions.models import Region
    from fangkong.sim.load import city_load

    city = city_generate(residents=600, seed=11, as_of=date(2022, 4, 1))
    loaded = city_load(city, actor=SYSTEM, workers=1)
    top = Region.objects.get(code=city.regions["code"][0])
    client = page_client(make_actor(Role.COMMANDER, top))

    # one person of each occupation category the city drew
    keys = (
        city.persons.with_columns(pl.col("occupation").cast(pl.String))
        .group_by("occupation")
        .agg(pl.col("person_key").min())
        .sort("occupation")
    )
    by_key = dict(
        zip(
            city.persons["person_key"].to_list(),
            register_occupations(city.persons)["occupation"].to_list(),
            strict=True,
        )
    )
    first_id = loaded.people.person_first_id
    checked = 0
    for code, key in keys.iter_rows():
        person = Person.objects.select_related("household").get(id=first_id + key)
        assert person.occupation == by_key[key]
        with translation.override("zh-hans"):
            page = client.get(f"/people/{person.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200
        text = _visible(page.content.decode())
        assert PYTHON_WORDS.findall(text) == [], code
        if person.occupation:
            shown = _occupation_shown(text)
            assert shown == person.occupation
            assert not ASCII_WORD.search(shown), (code, shown)
        if person.household is not None:
            household = client.get(
                f"/people/households/{person.household.code}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
            )
            assert household.status_code == 200
            assert PYTHON_WORDS.findall(_visible(household.content.decode())) == [], code
        checked += 1
    assert checked >= 8  # children, pupils, the retired and most working categories
