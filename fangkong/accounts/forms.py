from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.choices import Role
from fangkong.accounts.usernames import MAX_LENGTH, username_validator
from fangkong.core.times import epidemic_date_validator
from fangkong.core.widgets import IsoDateInput


class LoginForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=1024)


class MfaForm(forms.Form):
    code = forms.CharField(label=_("6-digit code"), max_length=12)


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=MAX_LENGTH, validators=[username_validator]
    )
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, max_length=1024
    )
    region = forms.CharField(label=_("Jurisdiction code"), max_length=15)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class GrantForm(forms.Form):
    region = forms.CharField(label=_("Jurisdiction code"), max_length=15)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    membership = forms.IntegerField(label=_("Role"))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=366, initial=90)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput, max_length=1024
    )
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput, max_length=1024
    )


class AuditFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=60)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=IsoDateInput(),
        validators=[epidemic_date_validator],
    )
