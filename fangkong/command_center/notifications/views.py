"""The inbox page: the actor's notifications, unread first marked, and delivery settings."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.duty_forms import ContactForm, page_number
from fangkong.command_center.notifications.access import access_notification
from fangkong.command_center.notifications.selectors import (
    notification_list,
    notify_contact_get,
    unread_count,
)
from fangkong.command_center.notifications.services import (
    notification_read,
    notifications_read_all,
    notify_contact_set,
)
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate


@actor_required()
def inbox_view(request: HttpRequest) -> HttpResponse:
    """The actor's notifications, newest first, with the unread count; the delivery form
    (posted here) sets e-mail and text-message delivery."""
    actor = actor_of(request)
    contact = notify_contact_get(actor=actor)
    initial = {
        "email_enabled": contact.email_enabled if contact else True,
        "sms_enabled": contact.sms_enabled if contact else False,
    }
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notify_contact_set(actor=actor, **form.cleaned_data)
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Delivery settings saved."))
            return redirect("command_center:inbox")
    page = paginate(notification_list(actor=actor), page=page_number(request), page_size=50)
    return render(
        request,
        "command_center/inbox.html",
        {
            "page": page,
            "unread": unread_count(actor=actor),
            "form": form,
            "mobile_set": bool(contact and contact.mobile),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@actor_required()
def notification_open_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Mark one notification read and go to the page it is about."""
    actor = actor_of(request)
    notification = notification_read(actor=actor, notification=access_notification(actor, code))
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("command_center:inbox")


@require_POST
@actor_required()
def inbox_read_all_view(request: HttpRequest) -> HttpResponse:
    notifications_read_all(actor=actor_of(request))
    return redirect("command_center:inbox")
