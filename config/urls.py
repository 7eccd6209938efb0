"""URL wiring only: pages per app, the API, the language switch."""

from django.urls import include, path
from django.views.i18n import set_language

from fangkong.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("fangkong.accounts.urls")),
    path("people/", include("fangkong.people.urls")),
    path("regions/", include("fangkong.regions.urls")),
    path("rules/", include("fangkong.policy.urls")),
    path("lab/", include("fangkong.lab.urls")),
    path("risk-areas/", include("fangkong.risk_areas.urls")),
    path("isolation/", include("fangkong.isolation.urls")),
    path("community/", include("fangkong.community.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("cases/", include("fangkong.cases.urls")),
    path("tracing/", include("fangkong.tracing.urls")),
    path("command/", include("fangkong.command_center.urls")),
    path("", include("fangkong.web.urls")),
]

handler404 = "fangkong.web.views.not_found"
handler500 = "fangkong.web.views.server_error"
