from django.urls import path, re_path

from fangkong.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.browse_view, name="browse"),
    path("import/", views.import_view, name="import"),
    re_path(r"^(?P<code>\d{6,15})/$", views.browse_view, name="node"),
    re_path(r"^(?P<code>\d{6,15})/edit/$", views.node_edit_view, name="edit"),
]
