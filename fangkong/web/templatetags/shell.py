"""Template helpers of the page shell: ``{% load shell %}``."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.web.navigation import may_visit as _may_visit

register = template.Library()


@register.filter
def may_visit(actor: Any, url_name: str) -> bool:
    """``{% if actor|may_visit:"lab:keygroups" %}``: the actor's role is admitted by that page
    (a link is shown only to the roles its page lets in)."""
    return _may_visit(getattr(actor, "role", None), url_name)
