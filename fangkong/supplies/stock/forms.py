"""Forms of the stock pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.widgets import IsoDateInput
from fangkong.supplies.models import Item


class ReceiptForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.all(), to_field_name="sku")
    batch = forms.CharField(label=_("Batch"), max_length=40)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1_000_000_000)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=IsoDateInput())
