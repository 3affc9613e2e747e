"""Commands `rapport` (territory diagnostics) and `graphe` (the territory as a graph).

Same rules as every command module: parse options, call one function, pick a renderer and the
exit code; nothing heavy at module level.
"""


import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, List, Optional, TextIO

import typer

from orienter.cli.common import DONNEES, REGLES, _workspace, commands, guarded
from orienter.core.diagnostics import ExitCode, OrienterError


class RapportFormat(str, Enum):
    texte = "texte"
    json = "json"
    markdown = "markdown"
    html = "html"


class GrapheFormat(str, Enum):
    texte = "texte"
    mermaid = "mermaid"
    dot = "dot"
    graphml = "graphml"
    json = "json"


_RAPPORT_EXT = {".md": RapportFormat.markdown, ".markdown": RapportFormat.markdown,
                ".html": RapportFormat.html, ".htm": RapportFormat.html, ".json": RapportFormat.json}
_GRAPHE_EXT = {".mmd": GrapheFormat.mermaid, ".mermaid": GrapheFormat.mermaid, ".dot": GrapheFormat.dot,
               ".gv": GrapheFormat.dot, ".graphml": GrapheFormat.graphml, ".json": GrapheFormat.json}


def _pick_format(given: Any, output: Optional[Path], by_ext: dict[str, Any], default: Any, names: str) -> Any:
    """An explicit --format wins; otherwise the extension of --output; otherwise the terminal."""
    fmt = given
    if fmt is None and output is not None:
        fmt = by_ext.get(output.suffix.lower())
        if fmt is None:
            raise OrienterError(f"Impossible de deviner le format de « {output} » d'après son extension : "
                                f"précisez --format ({names}).", ExitCode.USAGE)
    fmt = fmt or default
    if output is not None and fmt.value == "texte":
        raise OrienterError(f"--output s'utilise avec --format {names} ; le format texte s'affiche "
                            "dans le terminal.", ExitCode.USAGE)
    return fmt


def _scope(donnees: Optional[List[Path]], regles: Optional[Path], territoire: Optional[str], strict: bool,
           national: bool = True) -> Any:
    """Everything without a territory; with one, what its report or graph needs."""
    if not territoire:
        return _workspace(donnees, regles, strict_data=strict)
    from orienter.directory.scope import load_scope

    return load_scope(donnees, regles, territoire, strict=strict, national=national)


def check_output(path: Optional[Path], force: bool) -> None:
    """Refuse early, before any computation, to overwrite a file or to write into nowhere."""
    if path is None:
        return
    if path.is_dir():
        raise OrienterError(f"« {path} » est un dossier : donnez un nom de fichier à --output.", ExitCode.USAGE)
    if path.exists() and not force:
        raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer, ou "
                            "choisissez un autre nom.", ExitCode.USAGE)
    if not path.parent.exists():
        raise OrienterError(f"Le dossier « {path.parent} » n'existe pas : créez-le ou choisissez un autre "
                            "chemin pour --output.", ExitCode.USAGE)


def write_output(path: Path, write: Callable[[TextIO], None], force: bool, what: str) -> None:
    try:
        # "x" refuses a file created meanwhile: the check above is not a promise.
        with open(path, "w" if force else "x", encoding="utf-8", newline="\n") as f:
            write(f)
    except FileExistsError:
        raise OrienterError(f"Le fichier « {path} » existe déjà : ajoutez --force pour le remplacer.",
                            ExitCode.USAGE) from None
    except OSError as exc:
        raise OrienterError(f"Impossible d'écrire « {path} » : {exc.strerror or exc}.", ExitCode.USAGE) from None
    sys.stderr.write(f"{what} écrit dans {path}\n")


def _emit(text: str, output: Optional[Path], force: bool, what: str) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, lambda f: f.write(text), force, what)


def _emit_json(data: Any, output: Optional[Path], force: bool, what: str) -> None:
    """Streamed: a national report is hundreds of megabytes, never built as one string."""
    import json

    def dump(stream: TextIO) -> None:
        json.dump(data, stream, ensure_ascii=False, indent=2, default=str)
        stream.write("\n")

    if output is None:
        dump(sys.stdout)
    else:
        write_output(output, dump, force, what)


def _emit_report_json(head: dict[str, Any], territories: Iterable[dict[str, Any]], output: Optional[Path],
                      force: bool) -> list[dict[str, Any]]:
    """The report as `json.dump(report, indent=2)` would write it, one territory at a time; returns
    what the thresholds read of each territory (id, score, synthese). Encoded by msgspec (the
    standard encoder indents in Python: a fifth of a national run), same text but for very
    small floats (0.000015 for 1.5e-05; the shares are rounded to 4 decimals)."""
    import json

    import msgspec

    encoder = msgspec.json.Encoder(enc_hook=str)
    kept: list[dict[str, Any]] = []

    def dumps(value: Any) -> str:
        return msgspec.json.format(encoder.encode(value), indent=2).decode("utf-8")

    def dump(stream: TextIO) -> None:
        stream.write("{\n")
        for key, value in head.items():
            stream.write(f"  {json.dumps(key)}: " + dumps(value).replace("\n", "\n  ") + ",\n")
        stream.write('  "territoires": [')
        first = True
        for t in territories:
            # formatted JSON has no empty line: indenting is a replace (textwrap is 20 times slower)
            stream.write(("\n    " if first else ",\n    ") + dumps(t).replace("\n", "\n    "))
            kept.append({"id": t["id"], "score": {"total": t["score"]["total"]}, "synthese": t["synthese"]})
            first = False
        stream.write("]\n}\n" if first else "\n  ]\n}\n")

    if output is None:
        dump(sys.stdout)
    else:
        write_output(output, dump, force, "Rapport")
    return kept


@commands.command("rapport")
@guarded
def rapport_cmd(
    territoire: Optional[str] = typer.Argument(None, help="Identifiant du territoire (défaut : tous)."),
    format: Optional[RapportFormat] = typer.Option(
        None, "--format", "-f", help="texte (terminal), json, markdown ou html (page autonome avec "
        "graphiques). Défaut : d'après l'extension de --output, sinon texte."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Écrit le rapport dans ce fichier "
                                          "(markdown, html ou json)."),
    force: bool = typer.Option(False, "--force", help="Remplace le fichier de --output s'il existe."),
    fail_on: Optional[str] = typer.Option(
        None, "--fail-on", help="Liste séparée par des virgules : gaps, overlaps, legacy, stale (ou lacunes, "
        "chevauchements, historiques, anciennes). Code de sortie 1 si un constat de ce genre existe."),
    min_score: Optional[int] = typer.Option(None, "--min-score", help="Code de sortie 1 si le score d'un "
                                            "territoire est inférieur à N (0 à 100)."),
    donnees: Optional[List[Path]] = DONNEES,
    regles: Optional[Path] = REGLES,
) -> None:
    """Diagnostic de lisibilité : chevauchements, lacunes de couverture, dispositifs historiques,
    fiches anciennes, contacts manquants, doublons, et un score sur 100 expliqué."""
    from orienter.directory.checks import failures, parse_fail_on, prepare_report, territory_reports

    try:
        kinds = parse_fail_on(fail_on)
    except ValueError as exc:
        raise OrienterError(f"--fail-on : « {exc} » inconnu ; valeurs possibles : gaps, overlaps, legacy, "
                            "stale (ou lacunes, chevauchements, historiques, anciennes).", ExitCode.USAGE) from None
    if min_score is not None and not 0 <= min_score <= 100:
        raise OrienterError(f"--min-score : {min_score} n'est pas entre 0 et 100.", ExitCode.USAGE)
    fmt = _pick_format(format, output, _RAPPORT_EXT, RapportFormat.texte, "markdown, html ou json")
    check_output(output, force)

    from orienter.core.progress import working

    with working("Lecture de l'annuaire et diagnostic"):
        # One territory: its scope only (itself, the territories whose perimeter meets it, the
        # national layer), never the whole country; no territory: everything.
        ws = _scope(donnees, regles, territoire, strict=False)
        head, ctx, chosen = prepare_report(ws, [territoire] if territoire else None)
        # JSON is written territory by territory (the country's report is never held whole) when
        # it goes to a file or a pipe; on a terminal, after the progress line is gone.
        streamed = fmt == RapportFormat.json and (output is not None or not sys.stdout.isatty())
        if streamed:
            report = {**head, "territoires": _emit_report_json(head, territory_reports(ctx, chosen), output, force)}
        else:
            report = {**head, "territoires": list(territory_reports(ctx, chosen))}
    if fmt == RapportFormat.json:
        if not streamed:
            _emit_json(report, output, force, "Rapport")
    elif fmt == RapportFormat.markdown:
        from orienter.render.report import markdown

        _emit(markdown(report), output, force, "Rapport")
    elif fmt == RapportFormat.html:
        from orienter.render.report import html_page

        _emit(html_page(report), output, force, "Rapport")
    else:
        from orienter.render.report import terminal

        terminal(report)
    problems = failures(report, kinds, min_score)
    if problems:
        sys.stderr.write("Seuils non respectés :\n" + "".join(f"  - {p}\n" for p in problems))
        raise typer.Exit(int(ExitCode.INPUT))

@commands.command("graphe")
@guarded
def graphe_cmd(
    territoire: Optional[str] = typer.Argument(None, help="Identifiant du territoire (défaut : tous)."),
    besoin: Optional[str] = typer.Option(None, "--besoin", "-b", help="Ne garde que les services qui "
                                         "répondent à ce besoin (code, ex. prevention-chutes)."),
    commune: Optional[str] = typer.Option(None, "--commune", "-c", help="Ne garde que les services qui "
                                          "couvrent cette commune (nom, code INSEE ou code postal)."),
    format: Optional[GrapheFormat] = typer.Option(
        None, "--format", "-f", help="texte (arbre dans le terminal), mermaid, dot (Graphviz), graphml ou "
        "json (node-link de networkx). Défaut : d'après l'extension de --output, sinon texte."),
    sans_types: bool = typer.Option(False, "--sans-types", help="N'ajoute pas les nœuds « type de service »."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Écrit le graphe dans ce fichier."),
    force: bool = typer.Option(False, "--force", help="Remplace le fichier de --output s'il existe."),
    donnees: Optional[List[Path]] = DONNEES,
    regles: Optional[Path] = REGLES,
) -> None:
    """Graphe du territoire : structures, services, besoins, types ; portage, absorptions,
    partenariats. Pour montrer en formation « qui répond à tel besoin dans telle commune »."""
    fmt = _pick_format(format, output, _GRAPHE_EXT, GrapheFormat.texte, "mermaid, dot, graphml ou json")
    check_output(output, force)
    from orienter.directory import graph

    from orienter.core.progress import working

    with working("Lecture de l'annuaire et construction du graphe"):
        ws = _scope(donnees, regles, territoire, strict=True, national=False)
        g = graph.build_graph(ws, territoire=territoire, besoin=besoin, commune=commune, types=not sans_types)
    if fmt == GrapheFormat.mermaid:
        _emit(graph.to_mermaid(g), output, force, "Graphe")
    elif fmt == GrapheFormat.dot:
        _emit(graph.to_dot(g), output, force, "Graphe")
    elif fmt == GrapheFormat.graphml:
        _emit(graph.to_graphml(g), output, force, "Graphe")
    elif fmt == GrapheFormat.json:
        _emit_json(graph.to_json(g), output, force, "Graphe")
    else:
        from orienter.render.report import graph_tree

        graph_tree(graph.outline(g))
