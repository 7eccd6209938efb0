"""The one subtree-scope check (``fangkong.regions.subtree``), in SQL and in Python."""

from __future__ import annotations

import pytest

from fangkong.core.actor import SYSTEM
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree, region_in_scope, subtree_bounds

ROOT = "440000.440100"


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        (ROOT, True),  # the node itself
        (ROOT + ".440106", True),  # a child
        (ROOT + ".440106.440106001", True),  # a grandchild
        ("440000", False),  # the parent
        ("440000.440200", False),  # a sibling
        (ROOT + "0", False),  # sibling-prefix: a code that extends the root's code
        (ROOT + "0.4401000", False),  # ... and a node below it
        ("440000.4401", False),  # the root extends this path's code: not inside either
    ],
)
def test_path_in_subtree_needs_the_separator(path: str, inside: bool) -> None:
    assert path_in_subtree(path, ROOT) is inside
    low, high = subtree_bounds(ROOT)
    assert (low <= path < high) is inside  # the SQL range agrees with the predicate


def test_the_empty_root_is_the_whole_tree() -> None:
    assert path_in_subtree("110000", "")
    assert path_in_subtree("110000.110100", "")


@pytest.mark.django_db
def test_in_subtree_filter_excludes_a_sibling_whose_code_extends_the_root() -> None:
    paths = [ROOT, ROOT + ".440106", ROOT + "0", ROOT + "0.44010001", "440000.440200", "440000"]
    for number, path in enumerate(paths):
        Region.objects.create(code=f"9{number}", name=f"n{number}", level=1, path=path)
    found = set(Region.objects.filter(in_subtree(ROOT)).values_list("path", flat=True))
    assert found == {ROOT, ROOT + ".440106"}
    assert Region.objects.filter(in_subtree("")).count() == len(paths)


@pytest.mark.django_db
def test_in_subtree_filter_follows_a_relation() -> None:
    from fangkong.accounts.models import Membership

    query = str(Membership.objects.filter(in_subtree(ROOT, field="region__path")).query)
    assert '"regions_region"."path" >=' in query
    assert "LIKE" not in query  # a range on the indexed column, not a pattern


def test_region_in_scope_for_the_system_actor_is_everything() -> None:
    assert region_in_scope(SYSTEM, Region(path="650000.650100"))
    assert Region(path=ROOT + ".440106").is_within(ROOT)
    assert not Region(path=ROOT + "0").is_within(ROOT)
