from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "fangkong.people"
    label = "people"
    verbose_name = _("People and households")

    def ready(self) -> None:
        from fangkong.people import tallies  # noqa: F401  (registers the periodic job)
