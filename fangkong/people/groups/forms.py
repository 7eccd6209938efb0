"""The forms of the group pages: the list's filters and the bulk-load upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from fangkong.people.choices import GroupKind
from fangkong.people.groups.bulk import MAX_SOURCE
from fangkong.people.groups.selectors import MAX_QUERY_LENGTH


class GroupFilterForm(forms.Form):
    """What the list of groups narrows to: a kind, a name containing some text, a node."""

    kind = forms.ChoiceField(
        label=pgettext_lazy("field", "Kind"),
        choices=[("", pgettext_lazy("group kind", "Any kind")), *GroupKind.choices],
        required=False,
    )
    q = forms.CharField(
        label=pgettext_lazy("thing", "Name"), max_length=MAX_QUERY_LENGTH, required=False
    )
    region = forms.RegexField(
        label=gettext_lazy("Jurisdiction code"),
        regex=r"^[0-9]{1,15}$",
        max_length=15,
        required=False,
    )


class GroupsLoadForm(forms.Form):
    """A bulk load as two CSV files with the columns the API's rows have."""

    source = forms.CharField(
        label=pgettext_lazy("field", "Source"),
        max_length=MAX_SOURCE,
        help_text=gettext_lazy(
            "The registry or office the lists come from; the same source sent again finds "
            "the groups it made."
        ),
    )
    groups = forms.FileField(
        label=gettext_lazy("Groups (.csv: key, kind, name, region_code)"),
    )
    members = forms.FileField(
        label=gettext_lazy("Members (.csv: group_key, person)"),
        required=False,
    )
