"""Isolation pages under ``/isolation/``."""

from django.urls import path

from fangkong.isolation import views

app_name = "isolation"
urlpatterns = [
    path("", views.facilities_view, name="facilities"),
    path("facilities/<uuid:code>/", views.facility_view, name="facility"),
    path(
        "facilities/<uuid:code>/transition/",
        views.facility_transition_view,
        name="facility_transition",
    ),
    path("facilities/<uuid:code>/rooms/", views.facility_rooms_view, name="facility_rooms"),
    path("orders/", views.orders_view, name="orders"),
    path("orders/<uuid:code>/", views.order_view, name="order"),
]

from fangkong.isolation.care import views as care_views  # noqa: E402
from fangkong.isolation.treatment import views as treatment_views  # noqa: E402

urlpatterns += [
    path("treatment/", treatment_views.clinician_view, name="clinician"),
    path("treatment/<uuid:code>/", treatment_views.patient_view, name="patient"),
    path(
        "treatment/<uuid:code>/<slug:action>/",
        treatment_views.patient_action_view,
        name="patient_action",
    ),
    path("capacity/", treatment_views.capacity_view, name="capacity"),
    path("care/", care_views.care_requests_view, name="care_requests"),
    path("care/<uuid:code>/", care_views.care_request_view, name="care_request"),
    path("care/<uuid:code>/take/", care_views.care_request_take_view, name="care_request_take"),
    path(
        "care/<uuid:code>/decide/", care_views.care_request_decide_view, name="care_request_decide"
    ),
]
