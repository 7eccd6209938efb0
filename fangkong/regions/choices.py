from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    """Depth of a jurisdiction node; a child is always exactly one level below its parent."""

    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County / district")
    STREET = 4, _("Street / township")
    COMMUNITY = 5, _("Community / village")
    GRID = 6, _("Grid")
