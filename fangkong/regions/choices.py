from django.db import models
from django.utils.translation import pgettext_lazy


class RegionLevel(models.IntegerChoices):
    """Depth of a jurisdiction node; a child is always exactly one level below its parent."""

    PROVINCE = 1, pgettext_lazy("region level", "Province")
    CITY = 2, pgettext_lazy("region level", "City")
    COUNTY = 3, pgettext_lazy("region level", "County / district")
    STREET = 4, pgettext_lazy("region level", "Street / township")
    COMMUNITY = 5, pgettext_lazy("region level", "Community / village")
    GRID = 6, pgettext_lazy("region level", "Grid")
