from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    label = "supplies"
    verbose_name = "Supplies and essential services"

    def ready(self) -> None:
        from fangkong.community.closures.panels import compound_panel_register
        from fangkong.supplies.deliveries.panel import compound_deliveries

        # A compound's page shows its deliveries and their doors (docs/supplies.md);
        # community imports nothing of supplies.
        compound_panel_register(compound_deliveries)
