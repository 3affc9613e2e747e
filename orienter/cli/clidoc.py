"""The command-line reference (docs/cli.md), generated from the commands themselves so that the
documentation cannot drift: tests/test_clidoc.py fails when the file is not up to date.

    python -m orienter.cli.clidoc > docs/cli.md
"""

from __future__ import annotations

import typer
from typer.main import get_command

from orienter.cli.app import app


def reference() -> str:
    group = get_command(app)
    lines = ["# Référence des commandes", "",
             "Générée depuis le code par `python -m orienter.cli.clidoc > docs/cli.md` (vérifiée en CI).", ""]
    # A fixed width: the reference must not depend on the terminal it was generated in.
    root = typer.Context(group, info_name="orienter", terminal_width=100, max_content_width=100)
    for name in group.list_commands(root):  # type: ignore[attr-defined]
        command = group.get_command(root, name)  # type: ignore[attr-defined]
        ctx = typer.Context(command, info_name=name, parent=root, terminal_width=100, max_content_width=100)
        lines += [f"## `orienter {name}`", "", "```text", command.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(reference(), end="")
