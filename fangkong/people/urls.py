"""People pages under ``/people/``."""

from django.urls import path

from fangkong.people import views
from fangkong.people.groups import views as group_views

app_name = "people"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("new/", views.create_view, name="create"),
    path("duplicates/", views.duplicates_view, name="duplicates"),
    path("households/", views.households_view, name="households"),
    path("households/<uuid:code>/", views.household_view, name="household"),
    path("groups/", group_views.groups_view, name="groups"),
    path("groups/load/", group_views.groups_load_view, name="groups_load"),
    path("groups/<uuid:code>/", group_views.group_view, name="group"),
    path("<uuid:code>/", views.person_view, name="person"),
]
