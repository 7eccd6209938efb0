from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "fangkong.tracing"
    label = "tracing"
    verbose_name = "Venue scans and cell dwell intervals"

    def ready(self) -> None:
        from fangkong.tracing import jobs  # noqa: F401 - registers the periodic jobs
