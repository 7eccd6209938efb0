from django.apps import AppConfig


class IsolationConfig(AppConfig):
    name = "fangkong.isolation"
    label = "isolation"
    verbose_name = "Isolation and quarantine"
