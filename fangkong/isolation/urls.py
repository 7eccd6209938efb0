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

# Transfer (issue 20 §4) and monitoring (issue 20 §5).
from fangkong.isolation.care import views as care_views  # noqa: E402
from fangkong.isolation.intake import views as intake_views  # noqa: E402
from fangkong.isolation.monitoring import views as monitoring_views  # noqa: E402
from fangkong.isolation.transfers import views as transfer_views  # noqa: E402
from fangkong.isolation.treatment import views as treatment_views  # noqa: E402

urlpatterns += [
    path("transfers/", transfer_views.dispatch_view, name="transfers"),
    path("transfers/vehicles/", transfer_views.vehicle_create_view, name="vehicle_create"),
    path("transfers/<uuid:code>/", transfer_views.task_view, name="transfer"),
    path("transfers/<uuid:code>/assign/", transfer_views.task_assign_view, name="transfer_assign"),
    path(
        "transfers/<uuid:code>/pickup/",
        transfer_views.task_move_view,
        {"step": "pickup"},
        name="transfer_pickup",
    ),
    path(
        "transfers/<uuid:code>/deliver/",
        transfer_views.task_move_view,
        {"step": "deliver"},
        name="transfer_deliver",
    ),
    path("transfers/<uuid:code>/cancel/", transfer_views.task_cancel_view, name="transfer_cancel"),
    path("checks/", monitoring_views.checks_today_view, name="checks_today"),
    path("orders/<uuid:code>/check/", monitoring_views.check_entry_view, name="check_entry"),
    path(
        "orders/<uuid:code>/resident-link/",
        monitoring_views.resident_link_view,
        name="resident_link",
    ),
    path("r/<str:token>/", monitoring_views.resident_view, name="resident"),
    # Orders for confirmed contacts (issue 20 §2).
    path("intake/", intake_views.intake_view, name="intake"),
    path(
        "intake/cases/<uuid:code>/contact-orders/",
        intake_views.contact_orders_view,
        name="contact_orders",
    ),
    # Orders for registered arrivals and a positive's home isolation (issue 20 §2, §6).
    path("intake/arrivals/", intake_views.arrivals_view, name="arrivals"),
    path(
        "intake/cases/<uuid:code>/home-isolation/",
        intake_views.home_isolation_view,
        name="home_isolation",
    ),
    # Treatment, capacity and care (issue 20 §6–§8).
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
