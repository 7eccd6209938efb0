from django.apps import AppConfig


class IsolationConfig(AppConfig):
    name = "fangkong.isolation"
    label = "isolation"
    verbose_name = "Isolation and quarantine"

    def ready(self) -> None:
        from fangkong.isolation.monitoring import jobs as monitoring_jobs  # noqa: F401 - registers
        from fangkong.isolation.transfers import jobs as transfers_jobs  # noqa: F401 - registers
