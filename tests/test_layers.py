"""The floors of the code run one way, and no modules import each other in a circle.

Every ``import`` in the installed packages (also those inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency) is checked against the table below, so a
newcomer can trust the README's picture of the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

from newsclean.core.paths import PROJECT_ROOT

# the top-level folders are installed under the one import name ``newsclean``
FOLDERS = {
    "newsclean": PROJECT_ROOT / "newsclean",
    "newsclean.pipelines": PROJECT_ROOT / "pipelines",
    "newsclean.classifiers": PROJECT_ROOT / "classifiers",
    "newsclean.spiders": PROJECT_ROOT / "spiders",
    "bench": PROJECT_ROOT / "bench",
}

# floor -> the floors it may import from (besides itself)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "pipelines": {"core"},
    "classifiers": {"core", "pipelines"},
    "api": {"core", "pipelines", "classifiers"},
    "crawling": {"core", "pipelines", "classifiers", "api"},
    "distributed": {"core", "pipelines", "classifiers", "api", "crawling"},
    "commands": {"core", "pipelines", "classifiers", "api", "crawling", "distributed"},
    "spiders": {"core", "pipelines", "classifiers", "api", "crawling"},
    "bench": {"core", "pipelines", "classifiers", "api", "crawling", "distributed", "commands", "spiders"},
}

# Imports that break the rules today, to be removed as the code moves; strict: a fixed one must
# leave this list, so it only ever shrinks.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()
KNOWN_CYCLES: set[frozenset[str]] = set()


def floor(module: str) -> str | None:
    if module == "bench" or module.startswith("bench."):
        return "bench"
    if not (module == "newsclean" or module.startswith("newsclean.")):
        return None
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("chain", "api"):
        return "api"
    return parts[1] if parts[1] in ALLOWED else "api"


def modules() -> dict[str, Path]:
    found = {}
    for prefix, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([prefix, *parts])
            if prefix == "newsclean" and parts and parts[0] in ("pipelines", "classifiers", "spiders"):
                continue  # not a real folder of newsclean/
            found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if candidate in known else base)
    resolved = set()
    for target in out:
        while target and target not in known and "." in target:
            target = target.rpartition(".")[0]
        if target in known and target != name:
            resolved.add(target)
    return resolved


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def test_floors_import_one_way():
    bad = set()
    for name, targets in graph().items():
        here = floor(name)
        for target in targets:
            there = floor(target)
            if there and there != here and there not in ALLOWED[here]:
                bad.add((name, target))
    assert bad == KNOWN_VIOLATIONS, (
        f"new: {sorted(bad - KNOWN_VIOLATIONS)}; fixed: {sorted(KNOWN_VIOLATIONS - bad)}"
    )


def test_no_import_cycles():
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: set[frozenset[str]] = set()

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.add(w)
                if w == v:
                    break
            if len(part) > 1:
                cycles.add(frozenset(part))

    for v in sorted(g):
        if v not in index:
            visit(v)
    # a package's __init__ re-exporting its modules is not a cycle of logic
    cycles = {c for c in cycles if not any(m == "newsclean" for m in c) or len(c) > 2}
    assert cycles == KNOWN_CYCLES, f"new: {[sorted(c) for c in cycles - KNOWN_CYCLES]}"


def test_the_table_knows_every_module():
    assert {floor(name) for name in modules()} <= set(ALLOWED)
    assert len(modules()) > 40
