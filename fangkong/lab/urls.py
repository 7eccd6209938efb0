"""Screening pages under ``/lab/``: each view module brings its own patterns."""

from django.urls import path

from fangkong.lab.views import command, entry, exemptions, labwork, people, sampling, staff

app_name = "lab"
urlpatterns = [
    path("", entry.home_view, name="home"),
    *sampling.urlpatterns,
    *labwork.urlpatterns,
    *command.urlpatterns,
    *exemptions.urlpatterns,
    *people.urlpatterns,
    *staff.urlpatterns,
]
