"""Community pages under ``/community/``."""

from django.urls import path

from fangkong.community.closures import views as closures
from fangkong.community.grids import views as grids
from fangkong.community.requests import views as requests
from fangkong.community.sweeps import door_views as door
from fangkong.community.sweeps import views as sweeps

app_name = "community"
urlpatterns = [
    path("", grids.home_view, name="home"),
    path("needs/", grids.needs_view, name="needs"),
    path("sweeps/", sweeps.sweeps_view, name="sweeps"),
    path("sweeps/<uuid:code>/", sweeps.sweep_view, name="sweep"),
    path("sweeps/<uuid:code>/visit/<uuid:household>/", sweeps.visit_view, name="visit"),
    path("door-sampling/", door.door_sweeps_view, name="door_sweeps"),
    path("sweeps/<uuid:code>/door-sampling/", door.door_sampling_view, name="door_sampling"),
    path("sweeps/<uuid:code>/door-sampling/<int:entry>/", door.door_bind_view, name="door_bind"),
    path("sweeps/<uuid:code>/door-sampling/team/", door.door_team_view, name="door_team"),
    path("compounds/", closures.restrictions_view, name="restrictions"),
    path("compounds/<uuid:code>/", closures.compound_view, name="compound"),
    path("compounds/<uuid:code>/lift/", closures.compound_lift_view, name="compound_lift"),
    path("compounds/<uuid:code>/gate/", closures.compound_gate_view, name="compound_gate"),
    path("requests/", requests.requests_view, name="requests"),
    path("requests/<uuid:code>/", requests.request_view, name="request"),
    path("requests/<uuid:code>/act/", requests.request_action_view, name="request_action"),
    path("r/<str:token>/", requests.resident_view, name="resident"),
]
