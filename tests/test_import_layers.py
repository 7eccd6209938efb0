"""The import layers of the product, checked over the source (issue 18 §2).

Every non-test, non-migration module under ``fangkong/`` is parsed with :mod:`ast` and each
``fangkong.<app>`` import is collected, imports inside functions and under ``TYPE_CHECKING``
included. The apps sit in the layers of docs/architecture.md ("Who may import whom"):

    core, engine → regions → accounts, people, policy → domain apps → web → sim, cli, api

``engine`` (pure computation over arrays) is stricter still: it imports nothing of the
product but itself, and no Django (:func:`test_engine_imports_neither_django_nor_other_apps`).

A module may import its own app, its own layer and the layers under it, never a layer above;
and no two apps may import each other, directly or round a longer circle. The imports that
break the order today are listed, pair by pair, in :data:`EXCEPTIONS`: a new one fails the
check, and so does an exception that no longer occurs, so that the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ROOT / "fangkong"

DOMAIN_APPS = (
    "lab",
    "risk_areas",
    "cases",
    "tracing",
    "isolation",
    "community",
    "supplies",
    "command_center",
)

#: app (the second part of a ``fangkong.<app>`` module name) → layer; higher sits on top.
LAYERS: dict[str, int] = {
    "core": 0,
    "engine": 0,
    "regions": 1,
    "accounts": 2,
    "people": 2,
    "policy": 2,
    **dict.fromkeys(DOMAIN_APPS, 3),
    "web": 4,
    "sim": 5,
    "cli": 5,
    "api": 5,
}

#: Upward imports as they stand, each an exact (importer module, imported module) pair. None is
#: left; one added here needs its reason, and the check fails once it no longer occurs.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules(root: Path = ROOT) -> dict[str, Path]:
    """Every non-test, non-migration module of the product, by dotted name."""
    modules = {}
    for path in sorted((root / "fangkong").rglob("*.py")):
        relative = path.relative_to(root).parts
        if "tests" in relative or "migrations" in relative:
            continue
        modules[_module_name(path, root)] = path
    return modules


def imports_of(
    module: str, source: str, known: Iterable[str] = (), *, is_package: bool = False
) -> set[str]:
    """The ``fangkong`` and ``bench`` modules ``module`` imports anywhere in ``source``.

    ``from package import name`` counts as an import of ``package.name`` where that is a
    module (in ``known``), else of ``package``; relative imports are resolved (``is_package``:
    ``source`` is the ``__init__`` of ``module``).
    """
    known = set(known)
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                package = ".".join(base + ([node.module] if node.module else []))
            else:
                package = node.module or ""
            for alias in node.names:
                candidate = f"{package}.{alias.name}"
                found.add(candidate if candidate in known else package)
    return {name for name in found if name.split(".")[0] in ("fangkong", "bench")}


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def import_graph(root: Path = ROOT) -> set[tuple[str, str]]:
    """(importer, imported) for every import between two different apps of the product."""
    modules = product_modules(root)
    edges = set()
    for name, path in modules.items():
        source = path.read_text()
        for imported in imports_of(name, source, modules, is_package=path.name == "__init__.py"):
            if app_of(imported) and app_of(imported) != app_of(name):
                edges.add((name, imported))
    return edges


def upward(edges: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges that import from a higher layer (an app without a layer counts as one)."""
    return {
        (importer, imported)
        for importer, imported in edges
        if LAYERS.get(app_of(imported), 99) > LAYERS.get(app_of(importer), -1)
    }


def app_cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Circles in the app graph, each as the list of apps round it."""
    graph: dict[str, set[str]] = {}
    for importer, imported in edges:
        graph.setdefault(app_of(importer), set()).add(app_of(imported))
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(app: str, path: list[str]) -> Iterator[list[str]]:
        state[app] = "open"
        for target in sorted(graph.get(app, ())):
            if state.get(target) == "open":
                yield [*path[path.index(target) :], target]
            elif target not in state:
                yield from visit(target, [*path, target])
        state[app] = "done"

    for app in sorted(graph):
        if app not in state:
            cycles.extend(visit(app, [app]))
    return cycles


def test_every_app_has_a_layer():
    apps = {app_of(name) for name in product_modules()} - {""}
    assert apps <= set(LAYERS), (
        f"give these apps a layer here and in the docs: {apps - set(LAYERS)}"
    )


def test_no_upward_import_beyond_the_known_exceptions():
    edges = import_graph()
    new = sorted(upward(edges) - set(EXCEPTIONS))
    assert not new, (
        "imports from a higher layer (docs/architecture.md, 'Who may import whom'):\n"
        + ("\n".join(f"{importer} -> {imported}" for importer, imported in new))
    )


def test_every_exception_still_occurs():
    edges = import_graph()
    gone = sorted(set(EXCEPTIONS) - upward(edges))
    assert not gone, "these exceptions no longer occur; delete them from EXCEPTIONS:\n" + (
        "\n".join(f"{importer} -> {imported}" for importer, imported in gone)
    )


def test_no_import_circle_between_apps():
    edges = import_graph() - set(EXCEPTIONS)
    assert app_cycles(edges) == []


def module_circles(modules: dict[str, Path]) -> list[set[str]]:
    """The strongly connected sets of two or more modules in the import graph of ``modules``."""
    graph = {
        name: {
            imported
            for imported in imports_of(
                name, path.read_text(), modules, is_package=path.name == "__init__.py"
            )
            if imported in modules and imported != name
        }
        for name, path in modules.items()
    }
    reaches = {name: _reachable(graph, name) for name in graph}
    circles: list[set[str]] = []
    for name in sorted(graph):
        circle = {other for other in reaches[name] if name in reaches[other]}
        if len(circle) > 1 and circle not in circles:
            circles.append(circle)
    return circles


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def outside_imports(root: Path, package: str) -> set[tuple[str, str]]:
    """(module, imported top-level package or ``fangkong`` module) for every import in
    ``fangkong/<package>`` (its tests included) that is Django or another part of the product."""
    found = set()
    for path in sorted((root / "fangkong" / package).rglob("*.py")):
        name = _module_name(path, root)
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for imported in names:
                top = imported.split(".")[0]
                if top in ("django", "ninja") or (
                    top == "fangkong" and not imported.startswith(f"fangkong.{package}")
                ):
                    found.add((name, imported))
    return found


def test_engine_imports_neither_django_nor_other_apps():
    assert outside_imports(ROOT, "engine") == set(), (
        "fangkong/engine is pure computation: no Django, nothing of the product but itself"
    )


def test_no_module_circle_in_the_product_or_the_benchmarks():
    modules = product_modules()
    modules.update(
        (_module_name(path, ROOT), path) for path in sorted((ROOT / "bench").glob("*.py"))
    )
    assert module_circles(modules) == []


# The check itself, on made-up modules.


def _fake_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path


def test_the_check_catches_an_upward_import(tmp_path):
    root = _fake_tree(
        tmp_path,
        {
            "fangkong/__init__.py": "",
            "fangkong/regions/__init__.py": "",
            "fangkong/regions/services.py": (
                "from fangkong.core.audit import audit_record\n"
                "def region_close():\n"
                "    from fangkong.lab.models import Tube  # upward, hidden in a function\n"
            ),
            "fangkong/regions/views.py": "from ..web import decorators\n",
            "fangkong/regions/tests/test_x.py": "from fangkong.lab import models\n",
            "fangkong/lab/__init__.py": "",
            "fangkong/lab/models.py": "from fangkong.regions import services\n",
            "fangkong/web/__init__.py": "",
            "fangkong/web/decorators.py": "",
        },
    )
    edges = import_graph(root)
    assert upward(edges) == {
        ("fangkong.regions.services", "fangkong.lab.models"),
        ("fangkong.regions.views", "fangkong.web.decorators"),
    }
    assert ("fangkong.regions.services", "fangkong.core.audit") in edges
    assert app_cycles(edges) == [["lab", "regions", "lab"]]


def test_the_engine_check_catches_django_and_other_apps(tmp_path):
    root = _fake_tree(
        tmp_path,
        {
            "fangkong/engine/__init__.py": "",
            "fangkong/engine/copresence.py": (
                "import numpy as np\n"
                "from fangkong.engine.inputs import as_int64\n"
                "def f():\n"
                "    from django.db import connection\n"
            ),
            "fangkong/engine/chains.py": "import fangkong.core.audit\n",
        },
    )
    assert outside_imports(root, "engine") == {
        ("fangkong.engine.copresence", "django.db"),
        ("fangkong.engine.chains", "fangkong.core.audit"),
    }


def test_the_check_catches_a_circle_within_a_layer(tmp_path):
    root = _fake_tree(
        tmp_path,
        {
            "fangkong/people/selectors.py": "import fangkong.policy.rules\n",
            "fangkong/policy/rules.py": "from fangkong.accounts.choices import Role\n",
            "fangkong/accounts/choices.py": "from fangkong.people import selectors\n",
        },
    )
    edges = import_graph(root)
    assert upward(edges) == set()
    assert app_cycles(edges) == [["accounts", "people", "policy", "accounts"]]


def test_the_check_catches_a_module_circle(tmp_path):
    root = _fake_tree(
        tmp_path,
        {
            "fangkong/sim/day.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from fangkong.sim.life import Plan\n",
            "fangkong/sim/life.py": "from fangkong.sim.day import Day\n",
            "fangkong/sim/city.py": "from fangkong.sim import life\n",
        },
    )
    assert module_circles(product_modules(root)) == [{"fangkong.sim.day", "fangkong.sim.life"}]
