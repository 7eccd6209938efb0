from django.urls import path

from fangkong.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("effective/", views.effective_view, name="effective"),
    path("compare/", views.compare_view, name="compare"),
    path("overrides/new/", views.override_create_view, name="override_create"),
    path("<slug:key>/", views.detail_view, name="detail"),
    path("<slug:key>/revise/", views.revise_view, name="revise"),
    path("<slug:key>/<int:revision>/status/", views.status_view, name="status"),
]
