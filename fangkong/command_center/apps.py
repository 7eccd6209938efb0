from django.apps import AppConfig


class CommandCenterConfig(AppConfig):
    name = "fangkong.command_center"
    label = "command_center"
    verbose_name = "Command centre"

    def ready(self) -> None:
        from fangkong.command_center import duty_jobs  # noqa: F401 - registers the periodic jobs
        from fangkong.command_center.picture import jobs  # noqa: F401 - registers the job
