"""The packages of webapp/ stand on each other in layers: a module imports its own package or a lower
layer, never a higher one nor a neighbour on its own layer, and no modules import each other in a
circle. Every import statement counts, wherever it stands: a lazy import (inside a function) or one
for annotations only (`if TYPE_CHECKING:`) hides a cycle without breaking it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# From the bottom up; "" is webapp/__init__.py (create_app, which wires the layers together).
LAYERS = [
    {"extensions"},
    {"core"},
    {"notifications"},
    {"accounts"},
    {"taxonomy"},
    {"listings"},
    {"achievements", "needs"},
    {"dedupe", "matching", "imports"},
    {"challenges"},
    {"deals", "subscriptions"},
    {"performance"},
    {"dashboard", "rooms"},
    {"admin", "demo"},
    {"cli", "models", "assets"},
    {"api"},
    {""},
]
RANK = {package: rank for rank, layer in enumerate(LAYERS) for package in layer}
MAX_LINES = 450


def modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "webapp").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The webapp modules `name` imports, wherever in the file the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target:
                    found.add(target)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in known:
                    found.add(f"{source}.{alias.name}")
                elif source in known:
                    found.add(source)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def package_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_package_has_a_layer():
    assert {package_of(name) for name in modules()} <= RANK.keys()


def test_no_module_imports_a_higher_or_neighbouring_package():
    wrong = [
        f"{name} imports {target}"
        for name, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if package_of(name) != package_of(target) and RANK[package_of(target)] >= RANK[package_of(name)]
    ]
    assert wrong == []


def test_no_modules_import_each_other_in_a_circle():
    assert cycles(import_graph()) == []


def test_the_checks_see_lazy_imports_and_cycles(tmp_path):
    """An import inside a function or for annotations only is an edge like any other."""
    module = tmp_path / "lifecycle.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from webapp.challenges.models import Challenge\n"
        "def publish():\n    from webapp.deals import services\n    from . import models\n",
        encoding="utf-8",
    )
    known = dict.fromkeys(
        ["webapp.listings.lifecycle", "webapp.listings.models", "webapp.deals.services", "webapp.challenges.models"],
        module,
    )
    assert imports_of("webapp.listings.lifecycle", module, known) == {
        "webapp.challenges.models",
        "webapp.deals.services",
        "webapp.listings.models",
    }
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_file_is_too_long_to_hold_in_ones_head():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / "webapp").rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
