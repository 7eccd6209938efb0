"""Tracing pages under ``/tracing/``."""

from django.urls import path

from fangkong.tracing import views

app_name = "tracing"
urlpatterns = [
    path("", views.home_view, name="home"),
]
