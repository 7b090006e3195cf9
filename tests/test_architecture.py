"""The one-way import rule of docs/architecture.md, checked on every module's imports (function-level too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("benchmark", "leaderboard")
# part -> the parts it may import (itself always allowed)
ALLOWED = {
    "benchmark": {"core", "analysis", "harness", "produce", "cli"},  # the package's lazy public API
    "core": set(),
    "analysis": {"core"},
    "harness": {"core"},
    "produce": {"core", "harness"},
    "leaderboard": {"core", "analysis"},
    "cli": {"core", "analysis", "harness", "produce", "leaderboard"},
}
EXCEPTIONS: set[tuple[str, str]] = set()  # (importer, imported) pairs allowed against the rule, with a reason
# Function-level imports are only for deferring these heavy libraries.
DEFERRABLE = {"torch", "transformers", "lm_eval", "lightgbm", "gradio", "gradio_client", "accelerate",
              "datasets", "huggingface_hub", "matplotlib", "sklearn", "scipy", "tokenizers", "bm25s",
              "playwright", "polars", "pyarrow", "safetensors"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            found[module_name(path)] = path
    return found


def part(module: str) -> str:
    top, _, rest = module.partition(".")
    if top == "leaderboard":
        return "leaderboard"
    return rest.split(".")[0] if rest else "benchmark"


def imports(path: Path, module: str, known: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported module of ours, line, at function level) for every import in the file."""
    tree = ast.parse(path.read_text())
    out: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                out.extend((a.name, child.lineno, nested) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = module if path.name == "__init__.py" else module.rpartition(".")[0]
                    for _ in range(child.level - 1):
                        pkg = pkg.rpartition(".")[0]
                    base = f"{pkg}.{base}" if base else pkg
                for a in child.names:
                    full = f"{base}.{a.name}"
                    out.append((full if full in known else base, child.lineno, nested))
            elif not isinstance(child, ast.If) or not _type_checking(child):
                visit(child, inner)

    visit(tree, False)
    return out


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def graph() -> tuple[dict[str, set[str]], list[str]]:
    """Edges between our modules (all imports), and every import that breaks the rule."""
    known = modules()
    found = {mod: imports(path, mod, known) for mod, path in known.items()}

    def ours(target: str) -> str | None:
        if target.split(".")[0] not in PACKAGES:
            return None
        while target not in known and "." in target:
            target = target.rpartition(".")[0]
        return target if target in known else None

    heavy: dict[str, bool] = {}

    def is_heavy(mod: str, seen: frozenset[str] = frozenset()) -> bool:
        """Whether importing ``mod`` imports a heavy library (top-level imports, transitively)."""
        if mod not in heavy:
            direct = any(t.split(".")[0] in DEFERRABLE for t, _, nested in found[mod] if not nested)
            inner = [o for t, _, nested in found[mod] if not nested and (o := ours(t)) and o not in seen]
            heavy[mod] = direct or any(is_heavy(o, seen | {mod}) for o in inner)
        return heavy[mod]

    edges: dict[str, set[str]] = {m: set() for m in known}
    problems = []
    for mod in known:
        for raw, line, nested in found[mod]:
            target = ours(raw)
            if target is None:
                if nested and raw.split(".")[0] not in DEFERRABLE:
                    problems.append(f"{mod}:{line}: function-level import of {raw} (only heavy libraries)")
                continue
            if target == mod or (mod, target) in EXCEPTIONS:
                continue
            edges[mod].add(target)
            src, dst = part(mod), part(target)
            if src != dst and dst not in ALLOWED[src]:
                problems.append(f"{mod}:{line}: {src} must not import {dst} ({target})")
            if nested and src != "benchmark" and not is_heavy(target):
                problems.append(f"{mod}:{line}: function-level import of {target} defers nothing heavy")
    return edges, sorted(set(problems))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in edges:
        if v not in index:
            strong(v)
    return found


def test_no_import_cycles() -> None:
    found = cycles(graph()[0])
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_layer_rule() -> None:
    problems = graph()[1]
    assert not problems, f"{len(problems)} imports break the layer rule:\n" + "\n".join(problems)


@pytest.mark.parametrize("a,b", [("benchmark.core.x", "core"), ("leaderboard.app", "leaderboard")])
def test_part(a: str, b: str) -> None:
    assert part(a) == b


def test_the_checker_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
