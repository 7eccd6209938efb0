"""The command picture's pages, included by the app's ``urls.py`` under ``/command/``."""

from django.urls import URLPattern, path

from fangkong.command_center.picture import views

urlpatterns: list[URLPattern] = [
    path("picture/", views.picture_view, name="picture"),
    path("picture/<str:code>/", views.picture_node_view, name="picture_node"),
    path("picture/<str:code>/data/", views.picture_data_view, name="picture_data"),
    path("picture/<str:code>/refresh/", views.picture_refresh_view, name="picture_refresh"),
]
