"""Every list says how many rows it has and pages them.

- a template that lists rows of a table (``<tbody>…{% for``) either shows the shared pager
  (``web/pager.html``: the total and the page links) or names, in a ``{# bounded: … #}``
  comment on the loop, why its rows are few whatever the data (the 20 latest of something,
  the members of one tube, the sections of a rule set);
- the pager shows the total, capped at ``COUNT_CAP`` ("more than 10,000");
- the two lists the probe found (a round's pooled positives, a point's packages) page.
"""

from __future__ import annotations

import re
from pathlib import Path

from fangkong.core.paging import COUNT_CAP, Page

ROOT = Path(__file__).resolve().parents[1] / "fangkong"
LOOP = re.compile(r"<tbody>\s*(\{#(?P<note>.*?)#\})?\s*\{% for ", re.DOTALL)
#: The pager (or its total, in a pager of its own) follows the table, before the next block.
PAGER = re.compile(r"(?:(?!<table|<h[1-6]|<section).){0,400}?web/pager(?:_total)?\.html", re.DOTALL)


def unpaged_tables(text: str) -> list[int]:
    """Lines of the row loops in ``text`` whose table is neither followed by the pager nor
    marked ``{# bounded: <why> #}``."""
    lines = []
    for match in LOOP.finditer(text):
        note = (match.group("note") or "").strip()
        if note.startswith("bounded:") and len(note) >= len("bounded:") + 10:
            continue
        end = text.find("</table>", match.end())
        if end >= 0 and PAGER.match(text, end + len("</table>")):
            continue
        lines.append(text.count("\n", 0, match.start()) + 1)
    return lines


def test_every_table_of_rows_is_paged_or_says_why_it_is_bounded() -> None:
    unpaged = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(ROOT.rglob("templates/**/*.html"))
        for line in unpaged_tables(path.read_text(encoding="utf-8"))
    ]
    assert unpaged == [], "page the list (web/pager.html) or say why it is bounded"


def test_the_check_finds_an_unpaged_table_and_accepts_a_paged_or_bounded_one() -> None:
    rows = "<table><tbody>{% for r in rows %}<tr></tr>{% endfor %}</tbody></table>"
    assert unpaged_tables(rows) == [1]
    assert unpaged_tables(rows + '\n{% include "web/pager.html" with page=rows %}') == []
    bounded = rows.replace("<tbody>", "<tbody>{# bounded: the seven days of a week #}")
    assert unpaged_tables(bounded) == []


def _render(page: Page[int]) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("zh-hans"):
        return render_to_string("web/pager.html", {"page": page, "query": "a=1"})


def test_the_pager_says_how_many_and_links_the_pages() -> None:
    html = _render(Page(items=[1] * 50, page=2, page_size=50, has_next=True, total=171))
    assert "共 171 条" in html
    assert 'href="?a=1&amp;page=1"' in html
    assert 'href="?a=1&amp;page=3"' in html
    capped = _render(
        Page(items=[1], page=1, page_size=50, has_next=True, total=COUNT_CAP, total_capped=True)
    )
    assert re.search(r"超过 10,?000 条", capped)
    single = _render(Page(items=[1, 2], page=1, page_size=50, has_next=False, total=2))
    assert "共 2 条" in single
    assert "href" not in single
