"""The registry of figure sources the command picture counts.

Adding an app's figures to the picture is one line in :data:`SOURCES` (each a
:class:`~fangkong.command_center.picture.measures.FigureSource`). The refresh
job, the roll-up, the table, the page's chain and its map's measure picker follow.
"""

from __future__ import annotations

from fangkong.command_center.picture import sources
from fangkong.command_center.picture.measures import FigureSource, Measure

SOURCES: tuple[FigureSource, ...] = (
    sources.lab_figures,
    sources.cases_figures,
    sources.tracing_figures,
    sources.isolation_figures,
    sources.community_figures,
    sources.supplies_figures,
)


def measures(registered: tuple[FigureSource, ...] = SOURCES) -> dict[str, Measure]:
    """Every registered measure by key, in the sources' order; ``ValueError`` if two sources
    declare the same key."""
    found: dict[str, Measure] = {}
    for source in registered:
        for measure in source.measures:
            if measure.key in found:
                raise ValueError(f"measure {measure.key} declared twice")
            found[measure.key] = measure
    return found
