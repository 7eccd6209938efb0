"""Command centre pages under ``/command/``."""

from django.urls import URLPattern, URLResolver

app_name = "command_center"
urlpatterns: list[URLPattern | URLResolver] = []

from fangkong.command_center.picture.urls import urlpatterns as picture_urls  # noqa: E402

urlpatterns += picture_urls
