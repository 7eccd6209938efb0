"""The demo's command picture: outlines for the synthetic city's districts and streets (so the
commander's picture has a map), and the figures computed over the whole demo outbreak."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fangkong.command_center.picture.services import figures_refresh
from fangkong.core.actor import SYSTEM
from fangkong.regions.models import Region
from fangkong.regions.services import region_boundaries_import
from fangkong.sim.outlines import city_outlines

#: Days of figures the demo computes: the outbreak's days and the weeks of trend before.
DEMO_FIGURE_DAYS = 60


@dataclass(frozen=True)
class CommandDemo:
    outlines: int
    figures: int


def command_picture_prepare(*, city: Region, seed: int) -> CommandDemo:
    """Import outlines for ``city``, its districts and streets (``sim.outlines``, through the
    region importer as the system), then compute the figures of the last
    :data:`DEMO_FIGURE_DAYS` days for every node. Idempotent: outlines already stored are
    unchanged, the figures are recomputed."""
    districts = {
        district.code: list(
            Region.objects.filter(parent=district).order_by("code").values_list("code", flat=True)
        )
        for district in Region.objects.filter(parent=city).order_by("code")
    }
    report = region_boundaries_import(
        actor=SYSTEM,
        file=json.dumps(
            city_outlines(city_code=city.code, districts=districts, seed=seed)
        ).encode(),
        filename="synthetic-city.geojson",
    )
    refresh = figures_refresh(actor=SYSTEM, days=DEMO_FIGURE_DAYS)
    return CommandDemo(outlines=report.stored + report.unchanged, figures=refresh.rows)
