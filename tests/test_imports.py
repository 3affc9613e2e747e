"""Import budget (DESIGN §6, §7): the command line starts without its heavy dependencies.

Each check runs a fresh interpreter with `python -X importtime`, so the modules a previous test
imported do not hide anything, and a failure names the import chain that pulled the module in
(importtime prints a module after its children, indented one level deeper than its parent).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY_FOR_IMPORT = ("yaml", "pydantic", "rapidfuzz", "networkx", "rich.table")

RUN_CLI = """
import sys
sys.argv = ["orienter", *sys.argv[1:]]
from orienter.cli.app import main
try:
    main()
except SystemExit:
    pass
"""


def importtime(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[list[tuple[int, str]], str]:
    """(depth, module) in importtime order, and the child's stdout."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *args], check=False, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)
    modules: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        name = line.rsplit("|", 1)[1]
        stripped = name.lstrip(" ")
        if stripped == "package":  # the header line
            continue
        modules.append(((len(name) - len(stripped) - 1) // 2, stripped))
    return modules, proc.stdout


def chain(modules: list[tuple[int, str]], target: str) -> list[str]:
    """The import chain from a top-level import down to `target` (or a submodule of it)."""
    exact = [i for i, (_, name) in enumerate(modules) if name == target]
    subs = [i for i, (_, name) in enumerate(modules) if name.startswith(target + ".")]
    if not (exact or subs):
        return []
    i = (exact or subs)[0]
    depth, name = modules[i]
    path = [name]
    for later_depth, later in modules[i + 1:]:
        if later_depth < depth:
            path.append(later)
            depth = later_depth
            if depth == 0:
                break
    return path[::-1]


def loaded(modules: list[tuple[int, str]], target: str) -> bool:
    return any(name == target for _, name in modules)


def explain(modules: list[tuple[int, str]], targets: tuple[str, ...]) -> str:
    found = [t for t in targets if loaded(modules, t)]
    return "; ".join(f"{t} importé par " + " -> ".join(chain(modules, t)) for t in found)


def test_import_cli_stays_light() -> None:
    modules, _ = importtime("import orienter.cli.app")
    assert loaded(modules, "orienter.cli.app")
    found = [t for t in HEAVY_FOR_IMPORT if loaded(modules, t)]
    assert not found, explain(modules, HEAVY_FOR_IMPORT)


def test_help_does_not_import_networkx() -> None:
    modules, out = importtime(RUN_CLI, "--help")
    assert "Utilisation" in out
    assert not loaded(modules, "networkx"), explain(modules, ("networkx",))


def test_suggest_json_does_not_import_graph_nor_rich_tables(tmp_path: Path) -> None:
    """DESIGN §6: networkx and rich tables stay off the `suggest --format json` path."""
    modules, out = importtime(RUN_CLI, "suggest", "--help")
    if "--commune" not in out:
        pytest.skip("pas encore de commande suggest avec --commune")
    args = ("suggest", "--commune", "94081", "--age", "82", "--format", "json", "chutes répétées, vit seule")
    importtime(RUN_CLI, *args)  # fills the (session's private) cache
    modules, out = importtime(RUN_CLI, *args)
    assert '"suggestions"' in out, out[-500:]
    # A warm answer parses no YAML, validates nothing, compiles no vocabulary: the data-only
    # cache is decoded straight into the model's dataclasses (issue 14).
    heavy = ("networkx", "rich.table", "pydantic", "yaml", "simplemma")
    assert not any(loaded(modules, t) for t in heavy), explain(modules, heavy)


def test_chain_reconstruction() -> None:
    """The helper itself: a child is printed before its parent, one level deeper."""
    modules = [(2, "c"), (1, "b"), (1, "x"), (0, "a"), (0, "z")]
    assert chain(modules, "c") == ["a", "b", "c"]
    assert chain(modules, "x") == ["a", "x"]
    assert chain(modules, "z") == ["z"]
    assert chain(modules, "absent") == []
