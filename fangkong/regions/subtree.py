"""The one subtree-scope check: does a node (or a record hanging off one) lie in the subtree
rooted at another node. Every app asks this question through these functions only
(``tests/test_house_rules.py`` keeps it so).

A node's ``path`` is the materialised path of the codes from the root down, joined by ``.``
(``440000.440100.440106``; see :class:`fangkong.regions.models.Region`). The subtree of the
node with path ``root`` is that node and every node whose path starts with ``root + "."``.
The separator matters: a plain prefix test would put ``44010…`` under ``4401``, the node
whose code is a prefix of a sibling's or cousin's code. Codes are digits, and ``.`` and
``/`` sort just below the digits, so the subtree is exactly the half-open range
``[root, root + "/")``: it holds ``root`` and ``root.…`` but not ``root0…`` — safe by
construction, whatever the lengths of codes. The empty root is the whole tree (the system
actor's scope).

In SQL the range is two comparisons on the path column, answered by its unique B-tree index
(``LIKE 'x%'`` from ``__startswith`` is not, on SQLite or a non-C PostgreSQL collation). It
needs byte-order comparison: SQLite compares bytes, and ``Region.path`` is declared
``COLLATE "C"`` on PostgreSQL (regions migration 0002).
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Q

from fangkong.core.actor import AnyActor


class _Node(Protocol):
    """A node (``Region``, imported by nothing here so that ``models`` may use this module)."""

    path: str


#: Sorts right after the separator ``.`` and below every digit.
_AFTER_SEPARATOR = "/"
#: Sorts above every digit: ``["", "~")`` is the whole tree (and, on a relation, still leaves
#: out records with no node, as a range on the column does).
_ABOVE_DIGITS = "~"


def subtree_bounds(root: str) -> tuple[str, str]:
    """``[low, high)`` of the paths in the subtree of ``root``, for raw SQL."""
    if not root:
        return "", _ABOVE_DIGITS
    return root, root + _AFTER_SEPARATOR


def in_subtree(root: str, *, field: str = "path") -> Q:
    """Filter: the path in ``field`` (``"path"``, ``"region__path"``, ``"person__region__path"``
    …) lies in the subtree of ``root``, as an index range. ``root=""`` matches every node."""
    low, high = subtree_bounds(root)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def path_in_subtree(path: str, root: str) -> bool:
    """``path`` is ``root`` itself or below it (the Python twin of :func:`in_subtree`);
    ``root=""`` is the whole tree."""
    return not root or path == root or path.startswith(root + ".")


def region_in_scope(actor: AnyActor, region: _Node) -> bool:
    """``region`` lies in the actor's subtree (everything, for the system actor)."""
    return path_in_subtree(region.path, actor.region_path)
