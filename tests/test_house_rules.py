"""Rules of the house checked over the source tree itself.

- every public function in a ``services`` module leaves an audit row (calls ``audit_record``
  directly or through another service of the same module), bar a short, reasoned allow-list;
- interface code (views, api) never queries a model manager directly: reads go through
  selectors and ``access_*`` functions;
- no raw SQL string-building in interface code.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "fangkong"

# Public service functions that write no domain data, with the reason.
NOT_AUDITED = {
    "login_is_throttled": "a read",
    "login_failure_record": "the failed-login table is itself the log of failures",
    "mfa_secret_of": "a read",
    "mfa_provisioning_uri": "a read",
    "mfa_code_accept": "uses up a sign-in code (its time step, the replay guard); no domain data",
    "export_destinations": "a read of the settings",
    "export_records": "a read, logged with access_record (each attempt's send is audited)",
    "case_areas_infect": "writes through risk_areas' area_infections_at_residence, which audits "
    "each area's infection",
    "companions_derive": "stores through tracing.contacts.services.contact_links_store, which "
    "audits it (action companions_derive)",
}


def _service_modules() -> list[Path]:
    return [p for p in ROOT.rglob("services*.py") if "tests" not in p.parts] + [
        p for p in ROOT.rglob("services/*.py") if "tests" not in p.parts
    ]


def _calls(function: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            target = node.func
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute):
                names.add(target.attr)
    return names


def test_every_public_service_leaves_an_audit_row():
    missing = []
    for path in _service_modules():
        tree = ast.parse(path.read_text())
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        audited = {
            name
            for name, fn in functions.items()
            if {"audit_record", "audit_record_many"} & _calls(fn)
        }
        changed = True
        while changed:  # a service that calls an audited service of its module is audited
            changed = False
            for name, fn in functions.items():
                if name not in audited and _calls(fn) & audited:
                    audited.add(name)
                    changed = True
        for name in functions:
            if name.startswith("_") or name in audited or name in NOT_AUDITED:
                continue
            missing.append(f"{path.relative_to(ROOT.parent)}:{name}")
    assert missing == [], "services without an audit row"


def test_interface_code_reads_through_selectors_and_access_functions():
    offenders = []
    interface = ("views.py", "api.py", "views/*.py", "api/*.py")
    for path in [p for pattern in interface for p in ROOT.rglob(pattern)]:
        source = path.read_text()
        for line_number, line in enumerate(source.splitlines(), 1):
            stripped = line.strip()
            if ".objects." in stripped and not stripped.startswith("#"):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line_number}")
            if ".raw(" in stripped or ".extra(" in stripped or "cursor.execute" in stripped:
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line_number} (raw SQL)")
    assert offenders == []


# Modules outside fangkong/regions that may still test a path prefix themselves, with the reason.
OWN_SUBTREE_CHECK_ALLOWED: dict[str, str] = {}


def _own_subtree_checks(source: str) -> list[int]:
    """Lines that decide subtree membership by hand: a ``path__startswith`` lookup, a range on
    a path column (``path__gte``/``path__lt``), or ``<…path>.startswith(``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg:
            if node.arg.endswith(("path__startswith", "path__gte", "path__lt")):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            url = isinstance(target, ast.Attribute) and getattr(target.value, "id", "") == "request"
            if node.func.attr == "startswith" and "path" in name.lower() and not url:
                lines.append(node.lineno)
    return lines


def test_subtree_scope_is_checked_only_by_regions_subtree():
    """``fangkong.regions.subtree`` is the one place that decides whether a node lies in a
    subtree (the separator and the index range are easy to get wrong)."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("regions/") or "tests" in path.parts or "migrations" in path.parts:
            continue
        if relative in OWN_SUBTREE_CHECK_ALLOWED:
            continue
        offenders += [f"{relative}:{line}" for line in _own_subtree_checks(path.read_text())]
    assert not offenders, "use fangkong.regions.subtree: " + ", ".join(offenders)


def test_the_subtree_rule_sees_a_hand_written_check():
    assert _own_subtree_checks("ok = region.path.startswith(root + '.')\n") == [1]
    assert _own_subtree_checks("q = Q(region__path__startswith=root)\n") == [1]
    assert _own_subtree_checks("q = Q(path__gte=low, path__lt=high)\n") == [1, 1]
    assert _own_subtree_checks("ok = language.startswith('zh')\n") == []
    assert _own_subtree_checks("api = request.path.startswith('/api/')\n") == []  # a URL


def _test_module_imports(source: str) -> list[tuple[int, str]]:
    """(line, name) for each private name (``_x``) imported from a test package: helpers one
    test module shares with another are public (``factories``, ``fixtures``, ``builders`` or
    the test module itself)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and ".tests" in f".{node.module}":
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name[0] == "_")
    return found


def test_no_test_imports_another_test_modules_helpers():
    """Issue 18 §5: no test imports another test module's private helpers."""
    offenders = []
    for base in (ROOT, ROOT.parent / "tests"):
        for path in sorted(base.rglob("*.py")):
            offenders += [
                f"{path.relative_to(ROOT.parent)}:{line} {what}"
                for line, what in _test_module_imports(path.read_text(encoding="utf-8"))
            ]
    assert offenders == []


def test_the_test_import_rule_sees_a_private_helper():
    assert _test_module_imports("from fangkong.lab.tests.factories import _make\n") == [
        (1, "_make")
    ]
    assert _test_module_imports("from fangkong.lab.tests.factories import make\n") == []
