"""Every rule-set parameter is used by the code its name describes, or it is not in the schema
(issue 17 item 14).

The parameters are enumerated from the pydantic schema itself (``RuleParameters`` and the
models under it), so a new field is checked the day it is added. A leaf parameter counts as
used when some module of product code reads it: an attribute access of the field's name, in a
module that also reaches the field's owner (the attribute that holds it, e.g. ``.pooling``
for ``pooling.max_ratio``, or the owner model's class name, e.g. ``KeyGroupSchedule``).
Reading a property or public method of a schema model counts as reading the fields its body
reads (``plan.total_days`` reads ``central_days`` and ``home_days``).

Product code is ``fangkong/**`` without tests and migrations. From the policy app only
``policy/rules.py`` counts: its pure helpers are the one implementation of the rules that
the later apps (tracing, isolation) call; the schema's own validators, the presentation of a
rule set, its forms, pages and API show or check values and use none of them.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fangkong.policy import schema
from fangkong.policy.loader import EDITIONS_DIR
from fangkong.policy.schema import RuleParameters, parameters_validate

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ROOT / "fangkong"
POLICY_USES = {"rules.py"}  # the policy app's modules that implement rules


# --------------------------------------------------------------------------- the schema


@dataclass(frozen=True)
class Leaf:
    """One leaf parameter: its path (``*`` for a dict key, ``[]`` for a list item), the
    model that declares it, and the attribute that holds that model (``""`` at the top)."""

    path: tuple[str, ...]
    owner: type[BaseModel]
    holder: str

    @property
    def dotted(self) -> str:
        return ".".join(self.path).replace(".[]", "[]")

    @property
    def field(self) -> str:
        return self.path[-1]


def _models_in(annotation: Any) -> tuple[str, type[BaseModel] | None]:
    """``("", Model)``, ``("*", Model)`` or ``("[]", Model)`` when the annotation holds a
    model directly, as dict values or as tuple items; ``("", None)`` for a leaf value."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _models_in(args[0])
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            found = _models_in(arg)
            if found[1] is not None:
                return found
        return "", None
    if origin is dict:
        step, model = _models_in(args[1])
        return ("*", model) if model is not None and not step else ("", None)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        step, model = _models_in(args[0])
        return ("[]", model) if model is not None and not step else ("", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "", annotation
    return "", None


def schema_leaves(
    model: type[BaseModel] = RuleParameters, prefix: tuple[str, ...] = (), holder: str = ""
) -> list[Leaf]:
    """Every leaf parameter under ``model``, from its pydantic fields."""
    leaves: list[Leaf] = []
    for name, info in model.model_fields.items():
        step, inner = _models_in(info.annotation)
        if inner is None:
            leaves.append(Leaf((*prefix, name), model, holder))
            continue
        path = (*prefix, name, step) if step else (*prefix, name)
        leaves.extend(schema_leaves(inner, path, name))
    return leaves


def _self_reads(model: type[BaseModel]) -> dict[str, set[str]]:
    """Public methods and properties of a schema model → the ``self.<field>`` they read (from
    the source of the section module that defines it)."""
    source = inspect.getsourcefile(model)
    assert source is not None, model
    tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    reads: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == model.__name__:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    reads[item.name] = {
                        sub.attr
                        for sub in ast.walk(item)
                        if isinstance(sub, ast.Attribute)
                        and isinstance(sub.value, ast.Name)
                        and sub.value.id == "self"
                    }
    return reads


# --------------------------------------------------------------------------- the code


@dataclass
class ModuleNames:
    """What one module reads: attribute names and names (including imported class names)."""

    path: str
    attributes: set[str]
    names: set[str]


def module_names(path: str, source: str) -> ModuleNames:
    tree = ast.parse(source)
    attributes: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            attributes.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return ModuleNames(path, attributes, names)


def product_sources(root: Path = PRODUCT) -> Iterator[tuple[str, str]]:
    """``(relative path, source)`` of every product module (see the module docstring)."""
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if "tests" in parts or "migrations" in parts:
            continue
        if parts[0] == "policy" and parts[-1] not in POLICY_USES:
            continue
        yield str(path.relative_to(root)), path.read_text(encoding="utf-8")


def unused_parameters(sources: Iterable[tuple[str, str]]) -> list[str]:
    """Dotted paths of the leaf parameters that no module of ``sources`` reads."""
    modules = [module_names(path, source) for path, source in sources]
    top = _self_reads(RuleParameters)
    unused = []
    for leaf in schema_leaves():
        # the field itself, or a property or public method of its model that reads it
        readers = {leaf.field} | {
            method for method, fields in _self_reads(leaf.owner).items() if leaf.field in fields
        }
        # the model holding it: the attribute that holds it, its class name, or a method of
        # the rule set that hands it out (``rules.plan(group)`` for ``quarantine.*``)
        holders = {leaf.holder} | {
            method for method, fields in top.items() if leaf.path[0] in fields
        }
        if not any(
            module.attributes & readers
            and (
                not leaf.holder
                or module.attributes & holders
                or leaf.owner.__name__ in module.names
            )
            for module in modules
        ):
            unused.append(leaf.dotted)
    return unused


# --------------------------------------------------------------------------- the tests


def test_the_schema_walk_finds_every_leaf_parameter():
    paths = {leaf.dotted for leaf in schema_leaves()}
    assert {
        "pooling.max_ratio",
        "pooling.by_zone.*.ratio",
        "key_groups.*.test_kind",
        "screening.area_screening_enabled",
        "screening.round_deadline[].hours",
        "risk_areas.levels[].lift.last_close_contact_more_than_days",
        "quarantine.*.home_test_days",
        "arrivals.test_within_hours",
        "antigen.pcr_after_positive",
    } <= paths
    # every leaf value of a shipped edition is one of these fields
    edition = json.loads((EDITIONS_DIR / "02-nhc-9.json").read_text(encoding="utf-8"))
    flat = schema.parameters_flatten(edition["parameters"])
    fields = {
        path.rsplit(".", 1)[-1]
        for path, value in flat.items()
        if value is not None and not isinstance(value, list)
    }
    assert fields <= {leaf.field for leaf in schema_leaves()}
    assert len(paths) >= 40


def test_every_rule_set_parameter_is_used_by_product_code():
    unused = unused_parameters(product_sources())
    assert unused == [], (
        "Rule-set parameters no product code reads (wire each into the code its name "
        "describes, or remove it from fangkong/policy/schema/, the editions and the stored "
        f"rule sets): {', '.join(unused)}"
    )


def test_the_check_lists_a_parameter_nobody_reads():
    """The detector on hand-made sources: ``pooling.max_ratio`` read only where the pooling
    section is not reached, or not read at all, is listed; a real read is not."""
    real = list(product_sources())
    without = [(path, source.replace(".max_ratio", ".max_ratio_gone")) for path, source in real]
    assert "pooling.max_ratio" in unused_parameters(without)
    elsewhere = [*without, ("x.py", "def f(tube):\n    return tube.max_ratio\n")]
    assert "pooling.max_ratio" in unused_parameters(elsewhere)
    reached = [*without, ("x.py", "def f(rules):\n    return rules.pooling.max_ratio\n")]
    assert "pooling.max_ratio" not in unused_parameters(reached)
    # validators, presentation, forms, pages and API of the policy app are not uses
    assert {path for path, _source in real if path.startswith("policy/")} == {"policy/rules.py"}


def test_stored_rule_sets_are_brought_to_the_new_shape():
    """Migration policy 0003 on a rule set stored before it: removed keys go, R6's key is
    renamed, national rows get the landing-test window by date; overrides stay partial. Then
    0005 puts the investigation timers back (issue 19), by date."""
    migration = importlib.import_module("fangkong.policy.migrations.0003_parameters_used_only")
    timers = importlib.import_module("fangkong.policy.migrations.0005_investigation_timers")
    current = json.loads((EDITIONS_DIR / "01-nhc-8.json").read_text(encoding="utf-8"))
    new = current["parameters"]
    old = copy.deepcopy(new)
    del old["arrivals"]
    old["investigation"] = {"report_hours": 2, "core_hours": 4, "full_hours": 24}
    old["positives"] = {"isolation_required": True}
    old["pooling"]["lab_repooling_allowed"] = False
    old["screening"]["stop_after_clean_rounds"] = None
    for target in old["turnaround"]["targets"].values():
        target["goal_hours"] = None
    for plan in old["quarantine"].values():
        if plan:
            plan["min_hours_between_tests"] = None
    for level in old["risk_areas"]["levels"]:
        level["units"] = ["compound"]
        level["measures_zh"] = "足不出户"
        for key in ("lift", "lift_after_step_down"):
            rule = level[key]
            if rule:
                rule["last_close_contact_min_days"] = rule.pop("last_close_contact_more_than_days")
    assert migration.parameters_upgrade(old, national=True, effective_from=date(2021, 5, 1))
    assert "investigation" not in old
    assert not migration.parameters_upgrade(old, national=True, effective_from=date(2021, 5, 1))
    old["investigation"] = timers.investigation_for(date(2021, 5, 11))
    # 0009 puts the positives' release rules back (issue 20 §6), from the shipped edition
    treatment = importlib.import_module("fangkong.policy.migrations.0012_treatment")
    old["positives"] = treatment.shipped_sections()["nhc-8"]["positives"]
    assert old == new
    parameters_validate(old)
    assert timers.investigation_for(date(2023, 1, 8))["full_hours"] is None
    ninth = copy.deepcopy(new)
    del ninth["arrivals"]
    migration.parameters_upgrade(ninth, national=True, effective_from=date(2022, 7, 1))
    assert ninth["arrivals"] == {"test_within_hours": 24}
    override = {"positives": {"home_isolation_allowed": True}, "pooling": {"max_ratio": 10}}
    assert migration.parameters_upgrade(override, national=False, effective_from=date(2022, 7, 1))
    assert override == {"pooling": {"max_ratio": 10}}
