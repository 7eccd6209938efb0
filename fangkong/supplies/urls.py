"""Supplies pages under ``/supplies/``."""

from django.urls import path

from fangkong.supplies.allocation import views as allocation
from fangkong.supplies.deliveries import views as deliveries
from fangkong.supplies.power import views as power
from fangkong.supplies.stock import views as stock

app_name = "supplies"
urlpatterns = [
    path("", stock.stock_view, name="stock"),
    path("warehouses/<uuid:code>/", stock.warehouse_view, name="warehouse"),
    path("warehouses/<uuid:code>/receipts/", stock.receipt_view, name="receipt"),
    path("warehouses/<uuid:code>/allocations/", allocation.propose_view, name="propose"),
    path("allocations/", allocation.allocations_view, name="allocations"),
    path("allocations/<uuid:code>/", allocation.allocation_view, name="allocation"),
    path(
        "allocations/<uuid:code>/<str:decision>/",
        allocation.decide_view,
        name="allocation_decide",
    ),
    path("deliveries/", deliveries.deliveries_view, name="deliveries"),
    path("deliveries/<uuid:code>/", deliveries.delivery_view, name="delivery"),
    path("deliveries/<uuid:code>/hand-over/", deliveries.hand_over_view, name="hand_over"),
    path("deliveries/<uuid:code>/confirm/", deliveries.confirm_view, name="confirm"),
    path("doors/<uuid:code>/", deliveries.door_view, name="door"),
    path("r/<str:token>/", deliveries.resident_doors_view, name="resident_doors"),
    path("services/", power.services_view, name="services"),
    path("services/plans/", power.plan_make_view, name="plan_make"),
    path("services/plans/<uuid:code>/", power.plan_view, name="plan"),
    path("services/incidents/", power.incident_report_view, name="incident_report"),
    path(
        "services/incidents/<uuid:code>/resolve/",
        power.incident_resolve_view,
        name="incident_resolve",
    ),
]
