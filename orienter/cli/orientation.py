"""Commands `suggest`, `explain` and `test`: a situation in, an orientation out."""

import sys
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.cli.common import (DONNEES, FORMAT, REGLES, Format, _index, _workspace, commands, guarded)


# --- orientation ----------------------------------------------------------------------------


class SuggestFormat(str, Enum):
    texte = "texte"
    json = "json"
    markdown = "markdown"
    html = "html"
    mermaid = "mermaid"
    dot = "dot"


def _engine(donnees: Optional[List[Path]], regles: Optional[Path]) -> tuple[Any, Any]:
    from orienter.engine.orient import Engine

    from orienter.store.lexicons import compiled_for

    ws = _workspace(donnees, regles)
    return ws, Engine(_index(ws), ws.vocab, compiled=compiled_for(ws.vocab, ws.rules, ws.rules_key))


def _read_stdin() -> str:
    """A note on standard input: at most MAX_TEXT characters are read (a pipe from a large
    file must not be read whole), decoded with replacement (never an error quoting it)."""
    from orienter.engine.situation import MAX_TEXT

    stream = getattr(sys.stdin, "buffer", None)
    raw = stream.read(4 * MAX_TEXT + 1) if stream is not None else sys.stdin.read(MAX_TEXT + 1).encode("utf-8", "surrogateescape")
    text = raw.decode("utf-8", "replace")
    if len(raw) > 4 * MAX_TEXT or len(text) > MAX_TEXT:
        raise OrienterError(f"Texte de la situation trop long sur l'entrée standard (au plus {MAX_TEXT} caractères) : "
                            "gardez l'essentiel de la note.", ExitCode.INPUT)
    return text


def _situation(fichier: Optional[Path], commune: Optional[str], age: Optional[int], besoin: List[str],
               critere: List[str], complexe: Optional[str], texte: Optional[str]) -> Any:
    from orienter.engine.situation import merge, parse_criteria, situation_from_file

    if texte == "-" or (texte is None and fichier is None and not sys.stdin.isatty() and not besoin):
        texte = _read_stdin()
    flag = None
    if complexe is not None:
        flag = complexe.strip().lower() in {"oui", "o", "1", "true", "vrai"}
        if complexe.strip().lower() not in {"oui", "o", "1", "true", "vrai", "non", "n", "0", "false", "faux"}:
            raise OrienterError("--complexe attend oui ou non (votre jugement de la situation).", ExitCode.USAGE)
    base = situation_from_file(fichier) if fichier else None
    situation = merge(base, commune, age, besoin, parse_criteria(critere), texte, flag)
    if not situation.commune:
        raise OrienterError("Commune manquante : indiquez --commune (nom, code INSEE ou code postal), "
                            "ou `commune:` dans le fichier de situation.", ExitCode.INPUT)
    return situation


def _orient(fichier: Optional[Path], commune: Optional[str], age: Optional[int], besoin: List[str],
            critere: List[str], complexe: Optional[str], texte: Optional[str], territoire: Optional[str],
            top: int, donnees: Optional[List[Path]], regles: Optional[Path]) -> Any:
    from datetime import date

    from orienter.directory.queries import resolve_in
    from orienter.engine.orient import Engine
    from orienter.load.geo import load_geo
    from orienter.load.workspace import load_workspace, require_valid
    from orienter.store.index import Index
    from orienter.store.lexicons import compiled_for

    situation = _situation(fichier, commune, age, besoin, critere, complexe, texte)
    place = resolve_in(load_geo(), situation.commune)
    # The perimeters first, then only the territories that hold the commune (and the national
    # layer), or the one asked for.
    ws = require_valid(load_workspace(donnees, regles, date.today(), commune=None if territoire else place,
                                      only=[territoire, "national"] if territoire else None))
    if territoire and territoire not in {t.id for t in ws.territories}:
        ws = require_valid(load_workspace(donnees, regles))  # say which territories exist
    engine = Engine(Index(ws.territories, ws.geo), ws.vocab, date.today(),
                    compiled_for(ws.vocab, ws.rules, ws.rules_key))
    return engine.orient(situation, place, territoire, top)


FICHIER = typer.Option(None, "--situation", "-s", help="Fichier de situation YAML ou JSON.")
COMMUNE = typer.Option(None, "--commune", "-c", help="Commune de la personne (nom, code INSEE ou code postal).")
AGE = typer.Option(None, "--age", "-a", min=0, max=130, help="Âge de la personne.")
BESOIN = typer.Option([], "--besoin", "-b", help="Code de besoin explicite (répétable).")
CRITERE = typer.Option([], "--critere", help="Fait explicite clé=valeur, ex. mmse=21 (répétable).")
COMPLEXE = typer.Option(None, "--complexe", help="Votre jugement : oui ou non (remplace la règle des deux axes).")
TERRITOIRE = typer.Option(None, "--territoire", "-t", help="Limiter à un territoire (ex. le territoire fictif).")
TOP = typer.Option(8, "--top", min=1, max=50, help="Nombre de suggestions.")
TEXTE = typer.Argument(None, help="Description libre de la situation (ou - pour l'entrée standard).")


@commands.command("suggest")
@guarded
def suggest_cmd(
    texte: Optional[str] = TEXTE, fichier: Optional[Path] = FICHIER, commune: Optional[str] = COMMUNE,
    age: Optional[int] = AGE, besoin: List[str] = BESOIN, critere: List[str] = CRITERE,
    complexe: Optional[str] = COMPLEXE, territoire: Optional[str] = TERRITOIRE, top: int = TOP,
    format: Optional[SuggestFormat] = typer.Option(
        None, "--format", "-f", show_default=False,
        help="texte (défaut), json, markdown ou html (fiche imprimable), mermaid ou dot (le parcours en "
             "schéma). Avec --output, déduit de l'extension (.html, .md, .json, .txt, .mmd, .dot)."),
    explain: bool = typer.Option(False, "--explain", help="Affiche toute la trace de la décision."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o",
        help="Écrire le résultat dans ce fichier, lisible par vous seul (seul cas où la situation est écrite). "
             "Jamais à travers un lien symbolique."),
    force: bool = typer.Option(False, "--force", help="Avec --output : remplacer un fichier existant."),
    avec_texte: bool = typer.Option(
        False, "--avec-texte",
        help="Fiche (markdown, html, texte) : inclure le texte de la situation et les mots relevés ; "
             "sans cette option, la fiche ne le reprend jamais."),
    donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Qui appeler d'abord pour cette personne, pourquoi, à quelles conditions, et comment le joindre."""
    fmt = _output_format(format, output, force)
    o = _orient(fichier, commune, age, besoin, critere, complexe, texte, territoire, top, donnees, regles)
    _render_orientation(o, fmt, explain, output, force, avec_texte, regles)


@commands.command("explain")
@guarded
def explain_cmd(
    texte: Optional[str] = TEXTE, fichier: Optional[Path] = FICHIER, commune: Optional[str] = COMMUNE,
    age: Optional[int] = AGE, besoin: List[str] = BESOIN, critere: List[str] = CRITERE,
    complexe: Optional[str] = COMPLEXE, territoire: Optional[str] = TERRITOIRE, top: int = TOP,
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Toute la trace d'une orientation : mots lus, besoins, faits, complexité, règles, filtres, classement."""
    o = _orient(fichier, commune, age, besoin, critere, complexe, texte, territoire, top, donnees, regles)
    _render_orientation(o, SuggestFormat(format.value), True, None, False, True, regles)


_WRITTEN = {SuggestFormat.html: "Fiche d'orientation (HTML) écrite dans",
            SuggestFormat.markdown: "Fiche d'orientation (Markdown) écrite dans",
            SuggestFormat.texte: "Orientation (texte) écrite dans",
            SuggestFormat.json: "Orientation (JSON) écrite dans",
            SuggestFormat.mermaid: "Parcours (Mermaid) écrit dans",
            SuggestFormat.dot: "Parcours (DOT) écrit dans"}


def _output_format(given: Optional["SuggestFormat"], output: Optional[Path], force: bool) -> "SuggestFormat":
    """The format asked, or the one the --output extension names (a mismatch is refused), and
    the output path checked before any work."""
    if output is None:
        return given or SuggestFormat.texte
    from orienter.render import output as written

    fmt = written.format_for(output, given.value if given else None, [f.value for f in SuggestFormat])
    written.check(output, force)
    return SuggestFormat(fmt)


def _criteria_labels(regles: Optional[Path]) -> dict[str, Any]:
    """French names of the criteria, for `explain` (« Aidant épuisé ou absent : oui »)."""
    try:
        from orienter.core.paths import rules_dir
        from orienter.store.vocabularies import load_vocabulary, rules_key

        rules = regles or rules_dir()
        vocab, _ = load_vocabulary(rules, rules_key(rules))
        return {"criteres": {code: c.libelle for code, c in vocab.criteres.items()}}
    except Exception:  # noqa: BLE001 - labels are a courtesy: the codes are shown instead
        return {}


def _render_orientation(o: Any, format: "SuggestFormat", explain: bool, output: Optional[Path], force: bool,
                        avec_texte: bool = False, regles: Optional[Path] = None) -> None:
    data = o.to_json(with_trace=explain)
    texte = (o.trace or {}).get("texte") if avec_texte else None
    if format == SuggestFormat.texte and output is None:
        from orienter.render import orientation as view

        if explain:
            view.explain(data, _criteria_labels(regles))
        else:
            view.terminal(data)
        return
    text = _as_text(data, format, avec_texte, texte)
    if output:
        from orienter.render import output as written

        written.write(output, text, force, _WRITTEN[format])
    else:
        sys.stdout.write(text)


def _as_text(data: dict[str, Any], format: "SuggestFormat", avec_texte: bool = False,
             texte: Optional[str] = None) -> str:
    if format == SuggestFormat.json:
        import json

        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if format in (SuggestFormat.markdown, SuggestFormat.html):
        from orienter.render import sheet

        page = sheet.markdown if format == SuggestFormat.markdown else sheet.html_page
        return page(data, quotes=avec_texte, texte=texte)
    if format == SuggestFormat.texte:
        from orienter.render import orientation as view

        return view.as_text(data, quotes=avec_texte)
    from orienter.render import path

    return path.mermaid(data) if format == SuggestFormat.mermaid else path.dot(data)


@commands.command("test")
@guarded
def test_cmd(
    chemins: Optional[List[Path]] = typer.Argument(None, help="Fichiers ou dossiers de cas (défaut : tests/cas)."),
    verbeux: bool = typer.Option(False, "--verbeux", "-v", help="Affiche aussi les cas réussis."),
    format: Format = FORMAT, donnees: Optional[List[Path]] = DONNEES, regles: Optional[Path] = REGLES,
) -> None:
    """Rejoue des cas d'orientation (YAML) : types attendus dans les K premiers, types interdits."""
    from orienter.engine.casetests import load_cases, run_case
    from orienter.directory.queries import resolve_commune
    from orienter.core.paths import PACKAGE

    paths = chemins or [PACKAGE.parent / "tests" / "cas"]
    cases, problems = load_cases(paths)
    if problems:
        raise OrienterError(problems, ExitCode.INPUT)
    if not cases:
        raise OrienterError("Aucun cas trouvé : un fichier de cas est une liste YAML de cas "
                            "(nom, situation, attendu).", ExitCode.INPUT)
    ws, engine = _engine(donnees, regles)
    results = [run_case(engine, lambda q: resolve_commune(ws, q), f, line, case) for f, line, case in cases]
    failed = [r for r in results if not r.ok]
    if format == Format.json:
        from orienter.render import print_json

        from orienter.engine.casetests import figures

        print_json({"schema": "orienter/tests@1", "cas": len(results), "reussis": len(results) - len(failed),
                    "echoues": len(failed), "par_domaine": {k: vars(v) for k, v in figures(results).items()},
                    "resultats": [vars(r) for r in results]})
    else:
        for r in results:
            if not r.ok or verbeux:
                status = "OK  " if r.ok else "ÉCHEC"
                sys.stdout.write(f"{status} {r.file}:{r.line} {r.nom}\n")
                for p in r.problems:
                    sys.stdout.write(f"      {p} ; obtenu : {', '.join(r.top) or 'rien'}\n")
        if any(r.mots_cles for r in results):
            sys.stdout.write(_figures_table(results))
        sys.stdout.write(f"{len(results) - len(failed)} passed, {len(failed)} failed\n")
    raise typer.Exit(int(ExitCode.INPUT if failed else ExitCode.OK))


def _figures_table(results: List[Any]) -> str:
    """The figures per field that docs/qualite.md records (plain text: read in a CI log too)."""
    from orienter.engine.casetests import figures

    rows = [("domaine", "cas", "attendu (3 premiers)", "exclu présent", "urgences reconnues", "numéros",
             "fausses alertes")]
    for name, f in sorted(figures(results).items(), key=lambda kv: (kv[0] == "tous", kv[0])):
        rows.append((name, str(f.cas), f"{f.trouves}/{f.cas}", str(f.interdits),
                     f"{f.urgences_reconnues}/{f.urgences}", f"{f.numeros_complets}/{f.urgences}",
                     str(f.fausses_alertes)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() + "\n" for r in rows)
