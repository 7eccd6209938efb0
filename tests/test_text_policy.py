"""One text policy for every free-text field (``core.text``): direction controls, NUL and
other control characters are refused in every field of every operation of the API and of
every form, with the field named (issue 17 item 9).

The class check walks the OpenAPI document (every operation, every string in its query,
path and JSON body, nested objects and lists included) and every ``CharField`` of every form
in the project, and sends each one a right-to-left override. The policy has no allow-list
(see ``core.text``): a field found here that takes the character fails the test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any
from urllib.parse import quote

import pytest
from django import forms
from django.test import Client

import fangkong
from fangkong.api import api
from fangkong.core.errors import ValidationFailed
from fangkong.core.text import BIDI_CONTROLS, text_clean, text_problem

RLO = "\u202e"
BAD = f"txt{RLO}exe.doc"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def _strings(
    schema: dict[str, Any], components: dict[str, Any], depth: int = 0
) -> list[tuple[list[str | int], Any]]:
    """``(path, wrap)`` for every string reachable in a JSON schema: the path of keys and list
    positions to it."""
    schema = _resolve(schema, components)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        found = []
        for option in options:
            found.extend(_strings(option, components, depth))
        return found[:1] if found else []
    kind = schema.get("type")
    if kind == "string" or (kind is None and "enum" not in schema and depth > 0 and not schema):
        return [([], None)]
    if kind == "object" and depth < 4:
        found = []
        for name, sub in schema.get("properties", {}).items():
            found.extend(([name, *path], None) for path, _ in _strings(sub, components, depth + 1))
        if not schema.get("properties") and schema.get("additionalProperties") is not False:
            found.append((["any_key"], None))
        return found
    if kind == "array" and depth < 4:
        return [
            ([0, *path], None)
            for path, _ in _strings(schema.get("items", {}), components, depth + 1)
        ]
    return []


def _body(path: list[str | int]) -> Any:
    if not path:
        return BAD
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        return [_body(rest)]
    return {head: _body(rest)}


def _field(path: list[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _cases() -> list[tuple[str, str, str, str, Any]]:
    """``(method, url, where, field, body)`` for every string of every operation."""
    document = api.get_openapi_schema()
    components = document.get("components", {}).get("schemas", {})
    cases = []
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            url = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    url = url.replace("{" + parameter["name"] + "}", "X0001")
            for parameter in operation.get("parameters", []):
                schema = _resolve(parameter.get("schema", {}), components)
                if parameter["in"] == "query" and "string" in str(schema):
                    cases.append((method, url, "query", parameter["name"], None))
                if parameter["in"] == "path" and "string" in str(schema):
                    name = parameter["name"]
                    bad_url = template.replace("{" + name + "}", quote(BAD))
                    for other in operation.get("parameters", []):
                        if other["in"] == "path":
                            bad_url = bad_url.replace("{" + other["name"] + "}", "X0001")
                    cases.append((method, bad_url, "path", "path", None))
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            if body is not None:
                for path, _ in _strings(body, components):
                    cases.append((method, url, "body", _field(path), _body(path)))
            form = content.get("multipart/form-data", {}).get("schema")
            if form is not None:
                for name, sub in _resolve(form, components).get("properties", {}).items():
                    if _resolve(sub, components).get("format") != "binary":
                        cases.append((method, url, "form", name, None))
    return cases


CASES = _cases()


def test_the_walk_finds_the_strings_of_the_api():
    """The walk itself: hundreds of strings over every kind of place (a broken walk that finds
    nothing would pass every case below)."""
    assert len(CASES) > 150
    assert {where for *_, where, _f, _b in [(m, u, w, f, b) for m, u, w, f, b in CASES]} >= {
        "query",
        "path",
        "body",
    }
    fields = {field for _m, _u, _w, field, _b in CASES}
    assert {"name", "note", "members[0].id_number", "reason"} <= fields


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url", "where", "field", "body"), CASES)
def test_every_string_of_every_operation_refuses_a_direction_control(
    method, url, where, field, body
):
    client = Client()
    if where == "query":
        response = client.generic(method.upper(), f"{url}?{field}={quote(BAD)}")
    elif where == "path":
        response = client.generic(method.upper(), url)
    elif where == "form":
        response = client.post(url, {field: BAD})
    else:
        response = getattr(client, method)(url, body, content_type="application/json")
    assert response.status_code == 422, (method, url, field, response.content[:300])
    errors = response.json()["detail"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, "text_bidi_control")]


def _form_classes() -> list[type[forms.Form]]:
    found: dict[str, type[forms.Form]] = {}
    for module_info in pkgutil.walk_packages(fangkong.__path__, "fangkong."):
        name = module_info.name
        if (
            ".tests" in name
            or ".migrations" in name
            or not (name.endswith((".forms", ".views")) or ".views." in name or ".forms." in name)
        ):
            continue
        module = importlib.import_module(name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.Form) and value.__module__ == name:
                found[f"{name}.{value.__name__}"] = value
    return [found[key] for key in sorted(found)]


FORM_FIELDS = [
    (form.__name__, name)
    for form in _form_classes()
    for name, field in form.base_fields.items()
    if isinstance(field, forms.CharField)
]


def test_the_walk_finds_the_forms_of_the_pages():
    assert len({form for form, _ in FORM_FIELDS}) >= 10
    assert ("UserCreateForm", "display_name") in FORM_FIELDS


@pytest.mark.django_db
@pytest.mark.parametrize(("form", "field"), FORM_FIELDS)
def test_every_form_text_field_refuses_a_direction_control(form, field):
    """Posted as a form, as a multipart form (an upload page) and in a query string: refused
    before any view, naming the field, whatever page it is sent to."""
    for response in (
        Client().post("/accounts/login/", {field: BAD}),
        Client().post("/lab/", {field: BAD, "file": ("a.csv", b"x")}),
        Client().get("/people/", {field: BAD}),
    ):
        assert response.status_code == 400, (form, field)
        assert response.content.decode().startswith(f"{field}:")


@pytest.mark.parametrize("char", [*sorted(BIDI_CONTROLS), "\x00", "\x07", "\x1b", "\x85", "\ud800"])
def test_the_policy_refuses_every_direction_and_control_character(char):
    problem = text_problem(f"a{char}b")
    assert problem is not None
    with pytest.raises(ValidationFailed) as caught:
        text_clean(f"a{char}b", field="note", row=3)
    assert caught.value.errors == [
        {"field": "note", "row": 3, "code": problem[0], "message": problem[1]}
    ]


@pytest.mark.parametrize(
    "text",
    [
        "张三",
        "阿卜杜·热合曼",
        "ئابدۇرېھىم",
        "line one\nline two\ttab\r\n",
        "<script>alert(1)</script>",
        '=HYPERLINK("x")',
        "'; DROP TABLE cases;--",
        "😀",
        "䶮",
    ],
)
def test_the_policy_keeps_text_that_is_data(text):
    assert text_problem(text) is None
