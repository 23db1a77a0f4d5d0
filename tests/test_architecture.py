"""docs/architecture.md matches the tree of app/, and the import graph keeps its rules."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

TREE_LINE = re.compile(r"^(?P<indent>[│├└─ ]*)(?P<name>[\w.]+/?)")
SLASH_PATH = re.compile(r"(?<![\w/.])app(?:/[\w.]+)+/?")
DOTTED_PATH = re.compile(r"`[~:]?(?P<path>app(?:\.\w+)+)")


def tree_entries(text: str) -> list[str]:
    """Paths of the entries of the ``app/`` tree block, rebuilt from their indentation."""
    block = re.search(r"```text\n(app/\n.*?)```", text, re.DOTALL)
    assert block, "docs/architecture.md has no ```text block starting with app/"
    entries, stack = [], []
    for line in block.group(1).splitlines():
        match = TREE_LINE.match(line)
        assert match, line
        depth = len(match.group("indent")) // 4
        stack[depth:] = [match.group("name").rstrip("/")]
        entries.append("/".join(stack) + ("/" if match.group("name").endswith("/") else ""))
    return entries


def packages() -> list[str]:
    return sorted(str(p.parent.relative_to(ROOT)) + "/" for p in APP.rglob("__init__.py")
                  if "__pycache__" not in p.parts)


def exists(path: str) -> bool:
    target = ROOT / path.rstrip("/")
    if path.endswith("/"):
        return (target / "__init__.py").exists() or target.is_dir()
    return target.exists() or target.with_suffix(".py").exists()


def test_tree_entries_exist() -> None:
    entries = tree_entries(ARCHITECTURE.read_text(encoding="utf-8"))
    assert [e for e in entries if not exists(e)] == []
    assert len(entries) > 50


def test_every_package_is_in_the_tree() -> None:
    entries = set(tree_entries(ARCHITECTURE.read_text(encoding="utf-8")))
    assert [p for p in packages() if p not in entries] == []


def resolves(dotted: str) -> bool:
    """``app.x.y`` names a module, or an attribute of the longest module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_module_paths_in_docs_exist(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    missing = [p for p in SLASH_PATH.findall(text) if not exists(p)]
    missing += [m["path"] for m in DOTTED_PATH.finditer(text) if not resolves(m["path"])]
    assert missing == []


def imports_of(path: Path) -> set[str]:
    """The ``app`` modules a file imports, at any depth (lazy imports included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "app":
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if module_file(full) else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "app")
    return out


def module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def module_graph() -> dict[str, set[str]]:
    graph = {}
    for path in APP.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = imports_of(path)
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def test_scim_never_imports_glpi() -> None:
    graph = module_graph()
    wrong = {m: sorted(d for d in deps if d.startswith("app.glpi"))
             for m, deps in graph.items() if m.startswith("app.scim")}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_glpi_never_imports_the_scim_endpoint() -> None:
    """``app/glpi`` uses the protocol model of ``app/scim`` (storage, errors, filter, patch
    engine, schema), never its Flask side."""
    graph = module_graph()
    wrong = {m: sorted(d for d in deps if d.startswith("app.scim.endpoint"))
             for m, deps in graph.items() if m.startswith("app.glpi")}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_simulator_imports_neither_scim_nor_glpi() -> None:
    graph = module_graph()
    wrong = {m: sorted(d for d in deps if d.startswith(("app.scim", "app.glpi")))
             for m, deps in graph.items() if m.startswith("app.simulator")}
    assert {m: d for m, d in wrong.items() if d} == {}


def test_packages_hold_at_most_a_dozen_modules() -> None:
    """One concern per folder: a package that outgrows about a dozen modules is split."""
    crowded = {}
    for init in APP.rglob("__init__.py"):
        modules = [p for p in init.parent.glob("*.py") if p.name != "__init__.py"]
        if len(modules) > 13:
            crowded[str(init.parent.relative_to(ROOT))] = len(modules)
    assert crowded == {}


def test_no_import_cycles() -> None:
    graph = module_graph()
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(trail[trail.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []
