"""The zone of a place as another app knows it: a grid inside a risk area pools at its
level's ratio (issue 19 §8: "the lab's zone of a grid follows the area it lies in").

A round's areas carry the zone chosen when it was opened (``RoundArea.zone``). The app that
designates risk areas registers a *zone source* here (``risk_areas`` does so in its
``AppConfig.ready``), so ``lab`` never imports it and the apps stay one-directional
(``tests/test_import_layers.py``, like :mod:`fangkong.lab.findings`). Where a source names a
zone for a node holding the sampling point, at or below the round's area holding it, that
zone wins over the round's (the deepest such node when several do); once the area is lifted
the source names nothing and the round's own zone holds again.

Sampling keeps rounds in a per-process cache (:mod:`fangkong.lab.sampling.placing`); a source
calls :func:`zones_changed` when its zones change (a designation, a level, a lifting), which
drops that cache now and again when the transaction commits. Other processes see the change
when their cache expires (``PLACES_SECONDS``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from django.db import transaction

from fangkong.regions.subtree import path_in_subtree

#: A source takes the paths of a round's area nodes and answers ``{node path: zone}`` for the
#: nodes inside or above them that have a zone of their own today.
ZoneSource = Callable[[Collection[str]], Mapping[str, str]]
_SOURCES: list[ZoneSource] = []
_LISTENERS: list[Callable[[], None]] = []


def zone_source_register(source: ZoneSource) -> None:
    """Add ``source``; registering the same function twice keeps one."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def zones_changed_register(listener: Callable[[], None]) -> None:
    """Call ``listener`` (no arguments) whenever a source says its zones changed."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def zones_changed() -> None:
    """A source's zones changed: tell the listeners now and once the change commits."""
    for listener in _LISTENERS:
        listener()
        transaction.on_commit(listener)


def zones_within(paths: Collection[str]) -> dict[str, str]:
    """Every source's zones for the nodes inside or above ``paths`` (the later source wins
    on the same node); one call per source, nothing without paths or sources."""
    found: dict[str, str] = {}
    if not paths:
        return found
    for source in _SOURCES:
        found.update(source(paths))
    return found


def zone_at(point_path: str, area: tuple[str, str], zones: Mapping[str, str]) -> str:
    """The zone a sampling point at ``point_path`` pools in, given the round's area holding
    it (``(node path, zone)``): the zone of the deepest node holding the point among the
    area's node and those of ``zones``, a zone of ``zones`` on the same node as the area
    winning (a district-wide zone does not undo a grid's own, a compound's does)."""
    area_path, best_zone = area
    best_depth = area_path.count(".") - 1
    for path, zone in zones.items():
        depth = path.count(".")
        if depth > best_depth and path_in_subtree(point_path, path):
            best_depth, best_zone = depth, zone
    return best_zone
