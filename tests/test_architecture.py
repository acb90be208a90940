"""The shape of the house (docs/ARCHITECTURE.md), checked: imports go one way, no circles, no
folder too big to read. Every import counts here, module-level or inside a function."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("findings", "reviewbench", "github_app")
SKIP_PARTS = {"migrations", "__pycache__"}
# The workflow rooms, lowest first: a room may import the rooms before it, never one after it.
ROOMS = (
    "reviewbench.policy",
    "reviewbench.access",
    "reviewbench.audit",
    "reviewbench.notifications",
    "reviewbench.checklist",
    "reviewbench.calibration",
    "reviewbench.approvals",
    "reviewbench.insights",
    "reviewbench.reviews",
    "reviewbench.queue",
    "reviewbench.evidence",
)
# Shared, domain-free modules every room may use.
COMMON = ("reviewbench.text", "reviewbench.charts", "reviewbench.celery", "reviewbench.apitools")
MAX_FOLDER_LINES = 3000


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if SKIP_PARTS & set(path.relative_to(ROOT).parts):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path, *, top_level_only: bool = False) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:
        # module level: the body, including try/if blocks, but not functions or TYPE_CHECKING
        nodes = []
        pending = list(tree.body)
        while pending:
            node = pending.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            nodes.append(node)
            for field in ("body", "orelse", "finalbody", "handlers"):
                pending.extend(getattr(node, field, []) or [])
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _project_target(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _room_of(module: str) -> str | None:
    return next((room for room in ROOMS if module == room or module.startswith(room + ".")), None)


def test_the_engine_imports_no_django_and_nothing_above_it():
    offenders = [
        (module, name)
        for module, path in MODULES.items()
        if module.startswith("findings.engine")
        for name in _imports(module, path)
        if name.split(".")[0] in ("django", "rest_framework", "celery", "reviewbench", "github_app")
        or (name.startswith("findings.") and not name.startswith("findings.engine"))
    ]
    assert offenders == []


def test_analysis_never_imports_the_workflow_or_the_edge():
    offenders = [
        (module, name)
        for module, path in MODULES.items()
        if module.startswith("findings")
        for name in _imports(module, path)
        if name.split(".")[0] in ("reviewbench", "github_app")
    ]
    assert offenders == []


def test_the_workflow_never_imports_the_edge():
    offenders = [
        (module, name)
        for module, path in MODULES.items()
        if module.startswith("reviewbench")
        for name in _imports(module, path)
        if name.split(".")[0] == "github_app"
    ]
    assert offenders == []


def test_rooms_import_only_the_rooms_below_them():
    offenders = []
    for module, path in MODULES.items():
        room = _room_of(module)
        if room is None:
            continue
        for name in _imports(module, path):
            target = _project_target(name)
            if target is None or not target.startswith("reviewbench"):
                continue
            other = _room_of(target)
            if other is None:
                if target not in COMMON and target != "reviewbench":
                    offenders.append((module, target))
            elif ROOMS.index(other) > ROOMS.index(room):
                offenders.append((module, target))
    assert offenders == []


def test_no_module_level_import_circle():
    graph = {
        module: {
            target
            for name in _imports(module, path, top_level_only=True)
            if (target := _project_target(name))
            and target != module
            # a package's own __init__ is imported on the way to its modules; not an edge back
            and not module.startswith(target + ".")
        }
        for module, path in MODULES.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert circles == []


def test_no_folder_holds_more_than_3000_lines_of_its_own_python():
    sizes: dict[Path, int] = {}
    for path in MODULES.values():
        sizes[path.parent] = sizes.get(path.parent, 0) + len(
            path.read_text(encoding="utf-8").splitlines()
        )
    too_big = {str(folder.relative_to(ROOT)): lines for folder, lines in sizes.items()}
    assert {k: v for k, v in too_big.items() if v > MAX_FOLDER_LINES} == {}
