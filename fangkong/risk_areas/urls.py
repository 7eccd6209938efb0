"""Risk-area pages under ``/risk-areas/``."""

from django.urls import path

from fangkong.risk_areas import views

app_name = "risk_areas"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("<uuid:code>/", views.detail_view, name="detail"),
    path("<uuid:code>/<slug:action>/", views.change_view, name="change"),
]
