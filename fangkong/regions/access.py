"""The one way an interface gets a single jurisdiction node."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.regions.codes import code_format_ok
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_scope


def access_region(actor: AnyActor, code: str) -> Region:
    """The node with ``code`` if it lies in the actor's subtree; otherwise the same 404 as for
    a code that does not exist."""
    if not code_format_ok(code):
        raise NotFound(_("No such jurisdiction."), code="region_not_found")
    region = region_scope(actor).filter(code=code).first()
    if region is None:
        raise NotFound(_("No such jurisdiction."), code="region_not_found")
    return region
