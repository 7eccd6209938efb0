from django.apps import AppConfig


class RiskAreasConfig(AppConfig):
    name = "fangkong.risk_areas"
    label = "risk_areas"
    verbose_name = "Risk areas"

    def ready(self) -> None:
        from fangkong.risk_areas import jobs  # noqa: F401 - registers the periodic job
