"""The `orienter` command: every command module records its commands on the shared registry;
a run registers only the command invoked (typer builds the parameters of every registered
command at start-up)."""

import sys

# Each module records its commands when imported; this order is the order of `orienter --help`.
from orienter.cli import validate  # noqa: F401
from orienter.cli import orientation  # noqa: F401
from orienter.cli import directory  # noqa: F401
from orienter.cli import report  # noqa: F401
from orienter.cli import registers  # noqa: F401
from orienter.cli import web  # noqa: F401
from orienter.cli.common import commands

app = commands.app()  # every command: `orienter --help`, unknown commands, tests


def main() -> None:
    name = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    known = {entry[0] for entry in commands.entries}
    (commands.app(name) if name in known else app)()


if __name__ == "__main__":
    main()
