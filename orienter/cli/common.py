"""What every command shares: the command registry, the guard that turns errors into French
messages and exit codes, the common options, and loading the workspace.

Nothing heavy is imported at module level (pydantic, yaml, rapidfuzz, rich tables, networkx):
`orienter --help` and `suggest --format json` stay fast (DESIGN §6).
"""

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, List, Optional, TypeVar

# No pydantic plugin is used; their discovery scans every installed package's metadata at
# the first model (about 15 ms of each command's start-up).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402

from orienter.cli import french  # noqa: E402
from orienter.core.diagnostics import ExitCode, OrienterError  # noqa: E402

french.install()
F = TypeVar("F", bound=Callable[..., Any])

_SETTINGS: dict[str, Any] = dict(
    name="orienter",
    help="Annuaire vérifié des services d'appui, de soins et d'accompagnement d'un territoire, "
    "et aide à l'orientation : qui appeler d'abord, et pourquoi.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Commands:
    """Commands are recorded, then registered: the full app for help and tests, and for a run
    an app holding only the command invoked. Typer builds the parameters of every registered
    command at start-up (about 0.13 s for all of them); one command costs a tenth of that."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []

    def command(self, name: str, **kwargs: Any) -> Callable[[F], F]:
        def record(func: F) -> F:
            self.entries.append((name, func, kwargs))
            return func

        return record

    def app(self, only: str | None = None) -> typer.Typer:
        built = typer.Typer(**_SETTINGS)
        built.callback()(_root)  # a group even with one command: `orienter suggest ...` keeps its name
        for name, func, kwargs in self.entries:
            if only is None or name == only:
                built.command(name, **kwargs)(func)
        return built


commands = _Commands()


def _show_version(value: bool) -> None:
    if value:
        from orienter import __version__

        sys.stdout.write(f"orienter {__version__}\n")
        raise typer.Exit(0)


def _root(version: Optional[bool] = typer.Option(None, "--version", "-V", callback=_show_version, is_eager=True,
                                                  help="Affiche la version d'orienter et quitte.")) -> None:
    """Annuaire vérifié des services d'appui, de soins et d'accompagnement d'un territoire, et aide à
    l'orientation : qui appeler d'abord, et pourquoi."""




class Format(str, Enum):
    texte = "texte"
    json = "json"


class ValidateFormat(str, Enum):
    texte = "texte"
    json = "json"
    github = "github"


DONNEES = typer.Option(None, "--donnees", "-d", help="Dossier(s) de territoires (défaut : ./data/territories "
                       "s'il existe, sinon l'annuaire livré avec orienter).")
REGLES = typer.Option(None, "--regles", help="Dossier du vocabulaire et des règles (défaut : ./rules s'il existe, "
                      "sinon celui livré avec orienter).")
FORMAT = typer.Option(Format.texte, "--format", "-f", help="texte (tableaux) ou json.")


def guarded(func: F) -> F:
    """Turn the tool's own errors into a French message and an exit code; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OrienterError as exc:
            sys.stderr.write(exc.text.rstrip("\n") + "\n")
            raise typer.Exit(int(exc.exit_code)) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.stderr.write("Interrompu.\n")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `orienter ... | head -1`: the reader has what it wanted
            _silence_stdout()
            raise typer.Exit(0) from None
        except Exception as exc:  # noqa: BLE001 - last resort: no traceback, no case data echoed
            sys.stderr.write(f"Erreur interne inattendue ({type(exc).__name__}). Rien n'a été modifié. "
                             "Merci de la signaler avec la commande lancée (sans données de patient).\n")
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def _silence_stdout() -> None:
    """Later writes (and the final flush) go nowhere instead of failing on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def note_data(donnees: Optional[List[Path]]) -> None:
    """Human-readable outputs say which data they come from (on standard error: pipes and
    JSON stay clean)."""
    from orienter.core.paths import data_note

    sys.stderr.write(data_note(donnees) + "\n")


def _workspace(donnees: Optional[List[Path]], regles: Optional[Path], strict_data: bool = True,
               **select: Any) -> Any:
    from orienter.load.workspace import load_workspace, require_valid

    ws = load_workspace(donnees, regles, **select)
    return require_valid(ws) if strict_data else ws


def _index(ws: Any) -> Any:
    from orienter.store.index import Index

    return Index(ws.territories, ws.geo)


def _write_output(path: Path, text: str, force: bool) -> None:
    """Writing a case to disk is the user's explicit choice, and never over an existing file."""
    if path.exists() and not force:
        raise OrienterError(f"{path} existe déjà : choisissez un autre nom ou ajoutez --force.", ExitCode.USAGE)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OrienterError(f"Écriture impossible dans {path} : {exc.strerror or exc}", ExitCode.USAGE) from None


def _emit(data: Any, format: Format, view: str) -> None:
    if format == Format.json:
        from orienter.render import print_json

        print_json(data)
        return
    from orienter.render import directory

    getattr(directory, view)(data)
