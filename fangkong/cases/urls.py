from django.urls import path

from fangkong.cases import views
from fangkong.cases.imports import views as imports

app_name = "cases"
urlpatterns = [
    path("", views.list_view, name="list"),
    path("import/", imports.import_view, name="import"),
    path("alerts/<uuid:code>/<str:to>/", views.alert_view, name="alert"),
    path("<uuid:code>/", views.detail_view, name="detail"),
    path("<uuid:code>/classify/", views.classify_view, name="classify"),
    path("<uuid:code>/clinical/", views.clinical_view, name="clinical"),
    path("<uuid:code>/take/", views.take_view, name="take"),
    path("<uuid:code>/steps/<slug:step>/", views.step_view, name="step"),
    path("<uuid:code>/investigation/", views.investigation_view, name="investigation"),
    path("<uuid:code>/investigation/visits/", views.visit_add_view, name="visit_add"),
    path(
        "<uuid:code>/investigation/visits/<uuid:visit>/remove/",
        views.visit_remove_view,
        name="visit_remove",
    ),
    path("<uuid:code>/investigation/exposures/", views.exposure_add_view, name="exposure_add"),
]
