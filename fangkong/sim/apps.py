from django.apps import AppConfig


class SimConfig(AppConfig):
    """The synthetic city: generator (pure), loader and the ``sim_city`` command; no models."""

    name = "fangkong.sim"
    label = "sim"
    verbose_name = "Synthetic city"
