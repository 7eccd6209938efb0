"""What other apps show on a restricted compound's page (the deliveries of ``supplies``).

``community`` imports none of them: an app registers a panel in its ``AppConfig.ready`` with
:func:`compound_panel_register`, and the compound page asks :func:`compound_panels`. A panel
is a function of the actor and the compound's node that answers ``None`` when the actor's role
may not see what it shows, else the context of its template (``template`` names it); it reads
through its own app's scoped selectors, so it shows nothing outside the actor's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region

CompoundPanel = Callable[[AnyActor, Region], dict[str, Any] | None]

_PANELS: list[CompoundPanel] = []


def compound_panel_register(panel: CompoundPanel) -> None:
    """Show ``panel`` on every compound page (once, however often it is registered)."""
    if panel not in _PANELS:
        _PANELS.append(panel)


def compound_panels(actor: AnyActor, region: Region) -> list[dict[str, Any]]:
    """The registered panels' contexts for ``actor`` at the compound ``region``, in
    registration order, without those that answered ``None``."""
    found = (panel(actor, region) for panel in _PANELS)
    return [context for context in found if context is not None]
