"""Pages of the screening chain: people (see ``fangkong/lab/urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
