"""The package's import graph: no cycles, and layers that only point down (README, Architecture)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "bot"

# (importer prefix, forbidden prefixes): a lower layer never reaches up or sideways.
FORBIDDEN = [
    ("bot.segment", ("bot.slack", "bot.state", "bot.wiring", "bot.sandbox", "bot.audit")),
    ("bot.state", ("bot.slack", "bot.wiring", "bot.sandbox")),
    ("bot.slack.cards", ("bot.slack.listeners", "bot.slack.middleware", "bot.slack.delivery")),
    ("bot.slack", ("bot.wiring", "bot.serve", "bot.cli", "bot.demo", "bot.check", "bot.sandbox")),
    ("bot.settings", ("bot.segment", "bot.state", "bot.slack", "bot.wiring", "bot.sandbox")),
    ("bot.identifiers", ("bot.",)),
    ("bot.trait_policy", ("bot.",)),
    ("bot.wording", ("bot.",)),
    ("bot.sandbox", ("bot.segment", "bot.state", "bot.slack", "bot.wiring", "bot.settings")),
    ("bot", ("tests", "bench")),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of the project (bot, tests, bench) that `path` imports, at any depth."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from bot.slack import cards` imports the submodule bot.slack.cards; a name defined
            # in the package itself is an import of the package.
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m.split(".")[0] in ("bot", "tests", "bench")}


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (only those that exist under bot/)."""
    modules = _modules()
    return {
        name: {m for m in imports_of(path, modules) if m in modules or not m.startswith("bot")}
        for name, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first repeated last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if target == node or target not in graph:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def _within(name: str, prefix: str) -> bool:
    return (
        name == prefix
        or name.startswith(prefix.rstrip(".") + ".")
        or (prefix.endswith(".") and name.startswith(prefix))
    )


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Every import that runs against FORBIDDEN, as 'importer -> imported'."""
    problems = []
    for importer, targets in sorted(graph.items()):
        for prefix, forbidden in FORBIDDEN:
            if not _within(importer, prefix):
                continue
            for target in sorted(targets):
                if target == importer or (_within(target, prefix) and prefix != "bot"):
                    continue
                if any(_within(target, bad) for bad in forbidden):
                    problems.append(f"{importer} -> {target}")
    return problems


def test_the_package_has_no_import_cycle() -> None:
    assert find_cycle(import_graph()) is None


def test_layers_only_import_downwards() -> None:
    assert layer_violations(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b"}, "b": set()}, None),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle


def test_the_layer_check_catches_an_upward_import() -> None:
    graph = {
        "bot.segment.lookup": {"bot.state.memory"},
        "bot.state.memory": {"bot.slack.services"},
        "bot.slack.cards.profile": {"bot.slack.listeners.common"},
        "bot.slack.cards.text": {"bot.identifiers"},
    }
    assert layer_violations(graph) == [
        "bot.segment.lookup -> bot.state.memory",
        "bot.slack.cards.profile -> bot.slack.listeners.common",
        "bot.state.memory -> bot.slack.services",
    ]
