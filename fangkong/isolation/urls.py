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

from fangkong.isolation.intake import views as intake_views  # noqa: E402

urlpatterns += [
    path("intake/", intake_views.intake_view, name="intake"),
    path(
        "intake/cases/<uuid:code>/contact-orders/",
        intake_views.contact_orders_view,
        name="contact_orders",
    ),
]
