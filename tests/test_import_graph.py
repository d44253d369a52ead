"""The import graph, read from the source: apps import downward only (docs/architecture.md), and in people the
PDF modules and the services do not import each other (issue 13: ``people.slips`` imported ``people.services`` for
a code's printed form while the services imported ``people.slips`` for the activation link)."""

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Highest first: an app may import only the apps after it.
APPS = ["rotation", "dashboard", "grading", "training", "certificates", "assessments", "courses", "people"]
PDF_MODULES = {"people.pdf", "people.slips"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _graph() -> dict[str, set[str]]:
    """Every app module and the modules it imports (at the top or inside a function), relative ones resolved."""
    graph = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            name = _module_name(path)
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            imported = set()
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    imported |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom):
                    base = package.rsplit(".", node.level - 1)[0] if node.level else ""
                    module = ".".join(part for part in (base, node.module) if part)
                    imported.add(module)
                    imported |= {f"{module}.{alias.name}" for alias in node.names}  # perhaps a submodule
            graph[name] = imported
    return graph


def _reachable(start: str) -> set[str]:
    graph, seen, todo = _graph(), set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target in graph and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_apps_import_only_the_apps_below_them():
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items() for target in targets
        if (top := target.partition(".")[0]) in APPS and APPS.index(top) < APPS.index(module.partition(".")[0]))
    assert upward == []


@pytest.mark.parametrize("pdf_module", sorted(PDF_MODULES))
def test_the_pdf_modules_and_the_services_do_not_import_each_other(pdf_module):
    services = {name for name in _graph() if name.startswith("people.services")}
    assert services, "people.services moved: update this test"
    assert not services & _reachable(pdf_module), f"{pdf_module} reaches the services"
    assert not [name for name in services if PDF_MODULES & _graph()[name]], "a service imports a PDF module"


def test_the_services_package_re_exports_nothing():
    """Each write is imported from the module that owns it (people.services.<concern>), so the package is only
    its docstring: a newcomer finds a function where its import says."""
    tree = ast.parse((ROOT / "people" / "services" / "__init__.py").read_text())
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)
