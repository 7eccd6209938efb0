from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "fangkong.web"
    label = "web"
    verbose_name = "Web shell"
