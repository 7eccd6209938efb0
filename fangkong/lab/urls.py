"""Screening pages under ``/lab/``: each sub-package's views bring their own patterns."""

from django.urls import path

from fangkong.lab import views
from fangkong.lab.coverage import views as coverage
from fangkong.lab.obligations import views as obligations
from fangkong.lab.results import views as results
from fangkong.lab.rounds import views as rounds
from fangkong.lab.sampling import views as sampling
from fangkong.lab.transport import views as transport

app_name = "lab"
urlpatterns = [
    path("", views.home_view, name="home"),
    *sampling.urlpatterns,
    *transport.urlpatterns,
    *results.urlpatterns,
    *coverage.urlpatterns,
    *rounds.urlpatterns,
    *obligations.urlpatterns,
]
