"""Tracing pages under ``/tracing/``."""

from django.urls import path

from fangkong.tracing import views
from fangkong.tracing.chains import views as chains
from fangkong.tracing.companions import views as companions
from fangkong.tracing.contacts import views as contacts
from fangkong.tracing.leads import views as leads

app_name = "tracing"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("cases/<uuid:code>/contacts/", contacts.contacts_view, name="contacts"),
    path(
        "cases/<uuid:code>/contacts/derive/", contacts.contacts_derive_view, name="contacts_derive"
    ),
    path(
        "cases/<uuid:code>/contacts/decide/", contacts.contacts_decide_view, name="contacts_decide"
    ),
    path(
        "cases/<uuid:code>/companions/derive/",
        companions.companions_derive_view,
        name="companions_derive",
    ),
    path("cases/<uuid:code>/leads/push/", leads.push_view, name="leads_push"),
    path("leads/", leads.inbox_view, name="leads"),
    path("leads/<uuid:code>/", leads.list_view, name="lead_list"),
    path("leads/items/<uuid:code>/check/", leads.check_view, name="lead_check"),
    path("chains/", chains.clusters_view, name="chains"),
    path("chains/<uuid:code>/", chains.chain_view, name="chain"),
]
