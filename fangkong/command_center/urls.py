"""Command centre pages under ``/command/``."""

from django.urls import URLPattern, URLResolver

app_name = "command_center"
urlpatterns: list[URLPattern | URLResolver] = []
