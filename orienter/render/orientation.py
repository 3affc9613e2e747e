"""The orientation for a GP between two appointments (terminal), and the whole trace for
trainers (`explain`). The printable sheet (Markdown, HTML) is in orienter/render/sheet.py; both
read the orientation through `sheet.model`, so they say the same things in the same words.

Nothing is cut (issue 13.3): one block per service at every width, identifiers, phones, e-mails
and web addresses on lines rich never wraps; data scrubbed of terminal control characters.
"""

from __future__ import annotations

import io
import re
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from orienter.render import labels as fr
from orienter.render.safe import clean, scrub
from orienter.render.sheet import model
from orienter.render.terminal import NR, atomic, console, fictional_banner, line, prose, table_or_blocks

LEVELS = fr.LEVELS  # kept for callers of the former module


def terminal(o: dict[str, Any], out: Console | None = None, quotes: bool = True) -> None:
    """The screen view. `quotes`: the words read in the situation are shown next to the needs
    (on the screen of the person who typed them; a file gets them only with --avec-texte)."""
    out = out or console()
    m = model(o, quotes=quotes, ids=True)
    if m["urgence"]:
        _emergency(out, m)
    if m["fictif"]:
        fictional_banner(out)
    line(out, Text(f"{m['commune']['nom']} ({m['commune']['code']})", style="bold")
         + Text(" · " + (" ; ".join(m["territoires"]) or "aucun territoire")))
    line(out, Text(f"Situation {'COMPLEXE' if m['complexe'] else 'non complexe'} ({m['axes']}) · "
                   f"niveau de recours : {m['niveau']}"))
    if m["besoins"]:
        needs = Text("Besoins : ", style="bold")
        for i, n in enumerate(m["besoins"]):
            needs += Text((" ; " if i else "") + n["libelle"])
            if n["indice"]:
                needs += Text(f" (« {n['indice']} »)", style="dim")
        line(out, needs)
    for w in m["avertissements"]:
        out.print(Panel(Text(w), border_style="yellow"))
    out.print(Text(m["titre"], style="bold underline"))
    if m["vide"]:
        line(out, Text(m["vide"], style="bold"))
    for i, s in enumerate(m["services"]):
        if i:
            out.print()
        _block(out, s)
    if m["exclus"]:
        shown = m["exclus"][:6]
        out.print(Text(f"Écartés ({len(m['exclus'])}) :", style="bold"))
        for x in shown:
            line(out, Text(f"- {x['type']} {x['nom']} : {' ; '.join(x['raisons'])}", style="dim"), 2)
        if len(m["exclus"]) > len(shown):
            line(out, Text("… `orienter explain` ou --format json pour la liste complète.", style="dim"), 2)
    out.print(Text("Aide à l'orientation : elle ne remplace pas votre jugement clinique.", style="dim italic"))


def _emergency(out: Console, m: dict[str, Any]) -> None:
    body = Text("URGENCE : appelez d'abord", style="bold")
    for c in m["appels"]:
        body += Text("\n") + Text(f"{c['numero']}", style="bold") + Text(f"  {c['libelle']}")
        if c["description"]:
            body += Text(f" — {c['description']}", style="")
    for w in m["urgence_pourquoi"]:
        body += Text(f"\n{w}", style="italic")
    body += Text("\nLes services de l'annuaire ne viennent qu'après.")
    out.print(Panel(body, border_style="bold red", style="bold white on red" if out.is_terminal else ""))


def _block(out: Console, s: dict[str, Any]) -> None:
    head = Text(f"{s['rang']}. ", style="bold") + Text(s["structure"], style="bold")
    head += Text(f"  {s['type']} · {s['niveau']}", style="cyan")
    line(out, head, 0, 3)
    line(out, Text(s["service"]), 3)
    if s["retard"]:
        line(out, Text(f"Attention : {s['retard']}.", style="bold red"), 3)
    if s["repond_a"]:
        prose(out, "Répond à", s["repond_a"])
    for note in s["notes"]:
        line(out, Text(note), 3)
    if s["conditions"]:
        prose(out, "Conditions", " ; ".join(s["conditions"]))
    if s["orienteurs"]:
        prose(out, "Qui peut orienter", s["orienteurs"])
    if s["adresse"]:
        prose(out, "Adresse", s["adresse"])
    items = [x for x in (s["telephone"], s["courriel"], s["site"]) if x]
    if not items:
        atomic(out, "Contact", None)
    elif len("   Contact : " + " · ".join(items)) <= out.width:
        atomic(out, "Contact", " · ".join(items))
    else:
        for label, key in (("Téléphone", "telephone"), ("Courriel", "courriel"), ("Site", "site")):
            if s[key]:
                atomic(out, label, s[key])
    if s["horaires"]:
        prose(out, "Horaires", s["horaires"])
    checked = f"Vérifié le {s['verifie_le']}" if s["verifie_le"] else "Jamais vérifié"
    line(out, Text(checked, style="bold red" if s["retard"] else "dim"), 3)


def as_text(o: dict[str, Any], width: int = 100, quotes: bool = False) -> str:
    """The terminal view as plain text (no colour, no control character), for `--output x.txt`;
    with the trace when the orientation carries one (`--explain`)."""
    buffer = io.StringIO()
    out = Console(file=buffer, width=width, color_system=None, force_terminal=False, highlight=False,
                  emoji=False, markup=False, soft_wrap=False)
    if "trace" in o:
        explain(o, None, out)
    else:
        terminal(o, out, quotes)
    return buffer.getvalue()


# --- explain ------------------------------------------------------------------------------------


def _fr_numbers(text: str) -> str:
    """0.50 -> 0,50 in sentences built by the engine (effects of rules)."""
    return re.sub(r"(?<![\w.])([+-]?\d+)\.(\d+)", r"\1,\2", text)


def explain(o: dict[str, Any], labels: dict[str, Any] | None = None, out: Console | None = None) -> None:
    """Everything `suggest` shows, then the trace. `labels`: French names of the criteria
    (`{"criteres": {code: libelle}}`), from the vocabulary."""
    out = out or console()
    terminal(o, out)
    text = clean(o["trace"].get("texte") or "")
    o = scrub(o)
    criteria = (labels or {}).get("criteres", {})
    t = o["trace"]
    out.rule(Text("Trace de la décision"))
    out.print(Text("1. Texte lu", style="bold"))
    line(out, Text(text or "(aucun texte)", style="italic"), 3)
    words = t["mots_lus"]
    if words["corrections"]:
        line(out, Text("Corrections : " + ", ".join(f"{c['ecrit']} → {c['lu']}" for c in words["corrections"])), 3)
    out.print(Text("2. Besoins détectés", style="bold"))
    for n in o["besoins"]:
        hint = f" : « {n['indice']} »" if n["indice"] and n["origine"] == "texte" else (
            f" : {n['indice']}" if n["indice"] else "")
        line(out, Text(f"- {n['libelle']} ", style="") + Text(f"[{n['code']}]", style="dim")
             + Text(f" — {fr.ORIGINS.get(n['origine'], n['origine'])}{hint}"
                    + (" (demandé)" if n.get("demande") else "")), 3)
    _words_read(out, words, {n["code"]: n["libelle"] for n in o["besoins"]}, criteria)
    out.print(Text("3. Faits", style="bold"))
    if not o["criteres"]:
        line(out, Text("(aucun)", style="dim"), 3)
    numbers = words.get("nombres", {})
    for k, v in o["criteres"].items():
        name = criteria.get(k) or k.replace("_", " ").capitalize()
        # The words a number was read from ("mere, 91 ans": the note asks for the mother).
        said = f" (« {numbers[k]['indice']} »)" if k in numbers and numbers[k]["valeur"] == v else ""
        line(out, Text(f"- {name} : {fr.yes_no(v)}{said}"), 3)
    for neg in words["negations"]:
        line(out, Text(f"- nié : {criteria.get(neg['code'], neg['code'])} (« {neg['mots']} »)", style="dim"), 3)
    for typ, w in words["refus"].items():
        line(out, Text(f"- refus : {typ} (« {w} »)"), 3)
    out.print(Text("4. Complexité", style="bold"))
    for r in o["complexite"]["raisons"]:
        axis, sep, rest = r.partition(" : ")
        said = f"{fr.AXES.get(axis, axis)}{sep}{rest}" if sep and axis in fr.AXES else r
        line(out, Text(f"- {said}"), 3)
    out.print(Text("5. Règles", style="bold"))
    for r in t["regles"]:
        mark = "✔" if r["declenchee"] else "·"
        style = "" if r["declenchee"] else "dim"
        line(out, Text(f"{mark} ", style=style) + Text(r["id"], style=style) + Text(f" : {r['description']}", style=style), 3)
        if r["declenchee"]:
            if r["pourquoi"]:
                why = ", ".join(_named(w, criteria) for w in r["pourquoi"])
                line(out, Text(f"parce que : {why}", style="green"), 7)
            if r["effets"]:
                effects = [_effect(e) for e in r["effets"]]
                line(out, Text(f"effets : {'; '.join(effects)}"), 7)
            line(out, Text(f"référence : {r['reference']}", style="dim"), 7)
    f = t["filtres"]
    out.print(Text("6. Filtres", style="bold"))
    line(out, Text(f"{f['services_examines']} service(s) couvrant la commune ; {f['retenus']} retenu(s) ; "
                   f"{f['ecartes']} écarté(s) avec raison"), 3)
    names = {s["structure"]["id"]: s["structure"]["nom"] for s in [*o["suggestions"], *o.get("apres_urgence", [])]}
    for x in o["exclus"]:
        reasons = "; ".join(fr.exclusion_reason(r, names) for r in x["raisons"])
        line(out, Text(f"- {x['type']} ", style="dim") + Text(x["service"], style="dim")
             + Text(f" : {reasons}", style="dim"), 3)
    weights = ", ".join(f"{k.replace('fraicheur', 'fraîcheur')} {fr.number(v)}" for k, v in t["ponderations"].items())
    line(out, Text(f"7. Classement (pondérations : {weights} ; + règles)", style="bold"), 0, 3)
    _ranking(out, t["classement"])


def _words_read(out: Console, words: dict[str, Any], needs: dict[str, str], criteria: dict[str, str]) -> None:
    """Every hit: the words as written, the vocabulary entry they met, and how."""
    hits = [(needs.get(code, code), h) for code, hs in words["besoins"].items() for h in hs]
    hits += [(criteria.get(code, code), h) for code, hs in words["criteres"].items() for h in hs]
    if not hits:
        return
    line(out, Text("Mots lus :", style="dim"), 3)
    for name, h in hits:
        by = fr.MATCHED_BY.get(h["par"], h["par"])
        line(out, Text(f"« {h['mots']} » → « {h['entree']} » ({by}) : {name}", style="dim"), 5)


def _named(text: str, criteria: dict[str, str]) -> str:
    """Criteria codes in a rule's reasons replaced by their French names (`vit_seul` ->
    « Vit seul(e) ou sans entourage »)."""
    return re.sub(r"[a-z][a-z0-9_]*", lambda m: criteria.get(m.group(0), m.group(0)), text)


def _effect(e: str) -> str:
    m = re.match(r"niveau (\w+)$", e)
    if m:
        return f"niveau {fr.level(m.group(1))}"
    return _fr_numbers(e)


_PARTS = ("besoin", "niveau", "type", "public", "fraicheur", "regles")
_PART_NAMES = {"fraicheur": "fraîcheur", "regles": "règles"}


def _freshness(c: dict[str, Any]) -> str:
    """The freshness part said in words: when the service was last checked, and how late."""
    return fr.checked(c) if "verification_en_retard" in c else ""


def _ranking(out: Console, ranking: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table()
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Service", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    for k in _PARTS:
        table.add_column(_PART_NAMES.get(k, k), justify="right", no_wrap=True)
    table.add_column("Vérification", overflow="fold")
    for c in ranking:
        d = c["detail"]
        fresh = _freshness(c)
        table.add_row(str(c["rang"]), Text(c["service"]), fr.number(c["score"], 3),
                      *(fr.number(d.get(k, 0.0)) for k in _PARTS),
                      Text(fresh or NR, style="bold red" if c.get("verification_en_retard") else ""))

    def blocks() -> None:
        for c in ranking:
            d = c["detail"]
            atomic(out, "", Text(f"{c['rang']}. ", style="bold") + Text(c["service"], style="bold"), 3,
                   suffix=Text(f" — score {fr.number(c['score'], 3)}"))
            parts = " · ".join(f"{_PART_NAMES.get(k, k)} {fr.number(d.get(k, 0.0))}" for k in _PARTS)
            line(out, Text(parts), 6)
            fresh = _freshness(c)
            if fresh:
                line(out, Text(f"fraîcheur : {fresh}", style="bold red" if c.get("verification_en_retard") else "dim"), 6)

    table_or_blocks(out, table, blocks)
