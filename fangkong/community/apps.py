from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "fangkong.community"
    label = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from fangkong.community import jobs  # noqa: F401 - registers the periodic job
