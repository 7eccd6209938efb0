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


@register.filter
def in_script(text: Any) -> str:
    """``{{ rule_set.name_zh|in_script }}``: Simplified data text in the page's script."""
    from fangkong.core.chinese import in_script as convert

    return convert(str(text)) if text is not None else ""


@register.filter
def yes_no(value: Any) -> str:
    """``{{ flag|yes_no }}``: 是/否, Yes/No — never ``True``/``False`` on a page."""
    from django.utils.translation import gettext

    if value is None:
        return "—"
    return gettext("Yes") if value else gettext("No")
