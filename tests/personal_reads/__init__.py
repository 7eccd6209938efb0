"""The classification that ``tests/test_personal_reads_are_logged.py`` checks, one module an app.

Every operation of ``/api/v1/openapi.json`` is classified in the module of its app (the first
part of its path after ``/api/v1/``): either in that module's ``NO_PERSONAL_DATA`` (operation →
why it shows nobody) or in its ``CALLS`` (operation → a real request as a role that sees
persons, ``(world, api) -> response``). A new operation goes into its app's tables:

=======================================  ==========================
``/api/v1/accounts``, ``regions``,       ``administration``
``rule-sets``
``/api/v1/cases``                        ``cases``
``/api/v1/command``                      ``command_center``
``/api/v1/community``                    ``community``
``/api/v1/isolation``                    ``isolation``
``/api/v1/lab``                          ``lab``
``/api/v1/people``, ``households``,      ``people``
``groups``
``/api/v1/risk-areas``                   ``risk_areas``
``/api/v1/supplies``                     ``supplies``
``/api/v1/tracing``                      ``tracing``
=======================================  ==========================

What more than one app's calls use (the ``World``, ``idempotency_key``, ``case_opened``,
``epidemiologist_of``) is in ``world``. The tables are merged here; an operation classified in
two modules fails at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType
from typing import TypeVar

from tests.personal_reads.world import Call

#: The modules of the apps, one each (the table above).
AREAS: tuple[ModuleType, ...] = tuple(
    import_module(f"tests.personal_reads.{name}")
    for name in (
        "administration",
        "cases",
        "command_center",
        "community",
        "isolation",
        "lab",
        "people",
        "risk_areas",
        "supplies",
        "tracing",
    )
)

V = TypeVar("V")


def _merged(tables: list[Mapping[str, V]]) -> dict[str, V]:
    merged: dict[str, V] = {}
    for table in tables:
        twice = set(merged) & set(table)
        if twice:
            raise AssertionError(f"classified in two modules: {sorted(twice)}")
        merged.update(table)
    return merged


#: Operations that return no personal data, each with the reason (all apps).
NO_PERSONAL_DATA: dict[str, str] = _merged([area.NO_PERSONAL_DATA for area in AREAS])
#: A real call for each operation that returns personal data (all apps).
CALLS: dict[str, Call] = _merged([area.CALLS for area in AREAS])
