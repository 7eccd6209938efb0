from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "fangkong.lab"
    label = "lab"
    verbose_name = "Screening and laboratories"

    def ready(self) -> None:
        from fangkong.lab import jobs  # noqa: F401 - registers the periodic jobs
