from django.apps import AppConfig


class RiskAreasConfig(AppConfig):
    name = "fangkong.risk_areas"
    label = "risk_areas"
    verbose_name = "Risk areas"

    def ready(self) -> None:
        from fangkong.lab.zones import zone_source_register
        from fangkong.risk_areas import jobs  # noqa: F401 - registers the periodic job
        from fangkong.risk_areas.zones import risk_area_zones

        # The lab's zone of a grid follows the area it lies in (docs/architecture.md): lab
        # asks, risk_areas answers.
        zone_source_register(risk_area_zones)
