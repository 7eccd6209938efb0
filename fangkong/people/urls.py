"""People pages under ``/people/``."""

from django.urls import path

from fangkong.people import views

app_name = "people"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("new/", views.create_view, name="create"),
    path("duplicates/", views.duplicates_view, name="duplicates"),
    path("households/", views.households_view, name="households"),
    path("households/<uuid:code>/", views.household_view, name="household"),
    path("<uuid:code>/", views.person_view, name="person"),
]
