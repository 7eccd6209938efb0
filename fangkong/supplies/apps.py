from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "fangkong.supplies"
    label = "supplies"
    verbose_name = "Supplies and essential services"
