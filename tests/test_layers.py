"""The house rules of the package, checked from its source (docs/ARCHITECTURE.md): the core
never imports the UI, Textual or the CLI; the UI never imports the CLI; no two modules import
each other, even lazily; every module says in its first line what it is for."""

from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "prodops_tui"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """Imports under `if TYPE_CHECKING:`: names for annotations, never run."""
    skipped: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for inner in node.body:
                skipped.update(ast.walk(inner))
    return skipped


def imports_of(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Every module `path` imports, anywhere in it (a lazy import inside a function counts),
    resolved to absolute names; `from pkg import name` counts as pkg.name when that is a module.
    `runtime_only` leaves out imports for type annotations alone."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def internal_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {i for i in imports_of(path, runtime_only=True) if i in known and i != name} for name, path in known.items()}


def test_the_core_never_imports_the_ui_textual_or_the_cli():
    offenders = {
        name: sorted(i for i in imports_of(path) if i.split(".")[0] in {"textual", "rich"} or i.startswith(("prodops_tui.ui", "prodops_tui.cli")))
        for name, path in modules().items()
        if name.startswith("prodops_tui.core")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_ui_never_imports_the_cli():
    offenders = {name: sorted(i for i in imports_of(path) if i.startswith("prodops_tui.cli"))
                 for name, path in modules().items() if name.startswith("prodops_tui.ui")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_no_import_cycles():
    """Not even through a lazy import inside a function; an import for type annotations
    alone (under TYPE_CHECKING) never runs, so it does not count."""
    graph = internal_graph()
    cycles: list[list[str]] = []
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    # A package's __init__ importing its own modules is not a cycle of ideas.
    real = [c for c in cycles if not any(b.startswith(a + ".") for a, b in pairwise(c))]
    assert real == []


def test_every_module_starts_with_a_docstring_that_says_what_it_is_for():
    missing = [name for name, path in modules().items()
               if path.stat().st_size and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []
