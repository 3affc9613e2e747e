"""docs/cli.md is generated from the commands: it must match them (regenerate with
`python -m orienter.cli.clidoc > docs/cli.md`)."""

from pathlib import Path

from orienter.cli.clidoc import reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), "régénérez : python -m orienter.cli.clidoc > docs/cli.md"


def test_every_command_is_documented() -> None:
    from orienter.cli.app import commands

    text = DOC.read_text(encoding="utf-8")
    for name, _, _ in commands.entries:
        assert f"## `orienter {name}`" in text
