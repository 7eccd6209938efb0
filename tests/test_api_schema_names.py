"""Every schema the API document names is one class: django-ninja files each operation's
schemas under the class name and a second class of the same name silently replaces the first
in ``components`` (two apps' ``IncidentOut`` made the document describe the supplies incident
where the command centre answered its own). Two classes may share a name only when their JSON
schemas are identical."""

import json

from pydantic import BaseModel

import fangkong.api  # noqa: F401 - imports every router, so every schema class exists


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    sub: type
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_no_two_schemas_of_the_api_share_a_name() -> None:
    by_name: dict[str, list[type[BaseModel]]] = {}
    for schema in _subclasses(BaseModel):
        if schema.__module__.startswith("fangkong."):
            by_name.setdefault(schema.__name__, []).append(schema)
    assert len(by_name) > 100
    clashes = {
        name: sorted(c.__module__ for c in classes)
        for name, classes in by_name.items()
        if len({json.dumps(c.model_json_schema(), sort_keys=True) for c in classes}) > 1
    }
    assert clashes == {}
