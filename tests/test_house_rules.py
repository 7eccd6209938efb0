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
