"""The orientation for a GP between two appointments (terminal), as a printable sheet (Markdown),
and the whole trace for trainers (explain)."""

from __future__ import annotations

from typing import Any

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .directory import FICTIF_BANNER, NR, console, fictional_banner

LEVELS = {"acces_direct": "accès direct", "premier_recours": "premier recours", "appui": "appui (DAC)",
          "specialise": "spécialisé", "institutionnel": "institutionnel"}


def _contact(c: dict[str, Any]) -> str:
    parts = [x for x in (c.get("telephone"), c.get("courriel"), c.get("site")) if x]
    return " · ".join(parts) if parts else NR


def terminal(o: dict[str, Any]) -> None:
    out = console()
    if any(t["fictif"] for t in o["territoires"]):
        fictional_banner(out)
    for w in o["avertissements"]:
        style = "bold white on red" if w.startswith("URGENCE") else "bold"
        out.print(Panel(Text(w, style=style), border_style="red" if w.startswith("URGENCE") else "yellow"))
    names = ", ".join(t["nom"] for t in o["territoires"]) or "aucun territoire"
    out.print(Text(f"{o['commune']['nom']} ({o['commune']['code']}) · {names}", style="bold"))
    cx = o["complexite"]
    axes = ", ".join(cx["axes"]) or "aucun axe"
    out.print(Text(f"Situation {'COMPLEXE' if cx['complexe'] else 'non complexe'} ({axes}) · "
                   f"niveau de recours : {LEVELS.get(o['niveau'], o['niveau'])}"))
    if o["besoins"]:
        needs = Text("Besoins : ")
        for i, n in enumerate(o["besoins"]):
            needs += Text(("; " if i else "") + n["libelle"])
            if n["indice"] and n["origine"] == "texte":
                needs += Text(f" (« {n['indice']} »)", style="dim")
        out.print(needs)
    if not o["suggestions"]:
        out.print(Text("Aucune suggestion.", style="bold"))
    elif out.width < 110:
        _blocks(out, o["suggestions"])
    else:
        table = Table(show_lines=True, title="Qui appeler, dans l'ordre", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("Service")
        table.add_column("Pourquoi")
        table.add_column("Conditions")
        table.add_column("Contact")
        for s in o["suggestions"]:
            who = (Text(s["structure"]["nom"], style="bold") + Text(f"\n{s['service']['nom']}")
                   + Text(f"\n{s['type']} · {LEVELS.get(s['niveau'], s['niveau'])}", style="cyan"))
            why = Text("\n".join(r for r in s["raisons"] if not r.startswith("intervient à"))[:400])
            # Who may refer is in the JSON and the printable sheet; the screen keeps what blocks a call.
            short = [c for c in s["conditions"] if not c.startswith("orientation par")]
            conds = Text("\n".join(short[:3]) or "—")
            contact = Text(_contact(s["contact"]), style="" if _contact(s["contact"]) != NR else "dim italic")
            contact += Text(f"\nvérifié le {s['verifie_le'] or NR}", style="dim")
            table.add_row(str(s["rang"]), who, why, conds, contact)
        out.print(table)
    if o["exclus"]:
        shown = o["exclus"][:6]
        out.print(Text(f"Écartés ({len(o['exclus'])}) :", style="bold"))
        for x in shown:
            out.print(Text(f"  - {x['type']} {x['nom']} : {'; '.join(x['raisons'])}", style="dim"))
        if len(o["exclus"]) > len(shown):
            out.print(Text("  … `orienter explain` ou --format json pour la liste complète.", style="dim"))
    out.print(Text("Aide à l'orientation : elle ne remplace pas votre jugement clinique.", style="dim italic"))


def _blocks(out: Any, suggestions: list[dict[str, Any]]) -> None:
    """Narrow terminals (and pipes, 80 columns): one block per service reads better than a table."""
    out.print(Text("Qui appeler, dans l'ordre", style="bold underline"))
    for s in suggestions:
        head = Text(f"{s['rang']}. ", style="bold") + Text(s["structure"]["nom"], style="bold")
        head += Text(f" [{s['type']} · {LEVELS.get(s['niveau'], s['niveau'])}]", style="cyan")
        out.print(head)
        out.print(Text(f"   {s['service']['nom']}"))
        why = [r for r in s["raisons"] if not r.startswith(("intervient à", "niveau de recours"))]
        if why:
            out.print(Text("   Pourquoi : " + " ; ".join(why)))
        short = [c for c in s["conditions"] if not c.startswith("orientation par")]
        if short:
            out.print(Text("   Conditions : " + " ; ".join(short[:3])))
        contact = _contact(s["contact"])
        out.print(Text("   Contact : ") + Text(contact, style="dim italic" if contact == NR else "")
                  + Text(f" (vérifié le {s['verifie_le'] or NR})", style="dim"))


def markdown(o: dict[str, Any]) -> str:
    lines = ["# Fiche d'orientation", ""]
    if any(t["fictif"] for t in o["territoires"]):
        lines += [f"> **{FICTIF_BANNER}**", ""]
    for w in o["avertissements"]:
        lines += [f"> **{_md(w)}**", ""]
    names = ", ".join(t["nom"] for t in o["territoires"]) or "aucun territoire"
    cx = o["complexite"]
    lines += [f"- **Commune** : {_md(o['commune']['nom'])} ({o['commune']['code']})",
              f"- **Territoire** : {_md(names)}",
              f"- **Complexité** : {'complexe' if cx['complexe'] else 'non complexe'} "
              f"({', '.join(cx['axes']) or 'aucun axe'})",
              f"- **Niveau de recours** : {LEVELS.get(o['niveau'], o['niveau'])}",
              "- **Besoins** : " + ("; ".join(_md(n["libelle"]) for n in o["besoins"]) or "aucun"), ""]
    lines += ["## Qui appeler, dans l'ordre", ""]
    if not o["suggestions"]:
        lines += ["Aucune suggestion.", ""]
    for s in o["suggestions"]:
        lines += [f"### {s['rang']}. {_md(s['structure']['nom'])} — {_md(s['service']['nom'])}", "",
                  f"- Type : {s['type']} ({_md(s.get('type_libelle', ''))}), {LEVELS.get(s['niveau'], s['niveau'])}",
                  f"- Pourquoi : {_md('; '.join(s['raisons']))}",
                  f"- Conditions : {_md('; '.join(s['conditions']) or 'aucune')}",
                  f"- Contact : {_md(_contact(s['contact']))}",
                  f"- Vérifié le : {s['verifie_le'] or NR}", ""]
    if o["exclus"]:
        lines += ["## Écartés", ""]
        lines += [f"- {x['type']} {_md(x['nom'])} : {_md('; '.join(x['raisons']))}" for x in o["exclus"]]
        lines.append("")
    lines += ["---", "", "_Aide à l'orientation produite par orienter : elle ne remplace pas le jugement clinique. "
              "Données de l'annuaire à vérifier auprès des structures._", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def explain(o: dict[str, Any]) -> None:
    out = console()
    terminal(o)
    t = o["trace"]
    out.rule(Text("Trace de la décision"))
    out.print(Text("1. Texte lu", style="bold"))
    out.print(Text(t["texte"] or "(aucun texte)", style="italic"))
    words = t["mots_lus"]
    if words["corrections"]:
        out.print(Text("   Corrections : " + ", ".join(f"{c['ecrit']} → {c['lu']}" for c in words["corrections"])))
    out.print(Text("2. Besoins détectés", style="bold"))
    for n in o["besoins"]:
        out.print(Text(f"   - {n['code']} ({n['origine']}) : {n['indice'] or '—'}"))
    out.print(Text("3. Faits", style="bold"))
    for k, v in o["criteres"].items():
        out.print(Text(f"   - {k} = {v}"))
    for neg in words["negations"]:
        out.print(Text(f"   - nié : {neg['code']} (« {neg['mots']} »)", style="dim"))
    for typ, w in words["refus"].items():
        out.print(Text(f"   - refus : {typ} (« {w} »)"))
    out.print(Text("4. Complexité", style="bold"))
    for r in o["complexite"]["raisons"]:
        out.print(Text(f"   - {r}"))
    out.print(Text("5. Règles", style="bold"))
    for r in t["regles"]:
        mark = "✔" if r["declenchee"] else "·"
        style = "" if r["declenchee"] else "dim"
        out.print(Text(f"   {mark} {r['id']} : {r['description']}", style=style))
        if r["declenchee"]:
            if r["pourquoi"]:
                out.print(Text(f"       parce que : {', '.join(r['pourquoi'])}", style="green"))
            if r["effets"]:
                out.print(Text(f"       effets : {'; '.join(r['effets'])}"))
            out.print(Text(f"       référence : {r['reference']}", style="dim"))
    f = t["filtres"]
    out.print(Text("6. Filtres", style="bold"))
    out.print(Text(f"   {f['services_examines']} service(s) couvrant la commune ; {f['retenus']} retenu(s) ; "
                   f"{f['ecartes']} écarté(s) avec raison"))
    for x in o["exclus"]:
        out.print(Text(f"   - {x['type']} {x['service']} : {'; '.join(x['raisons'])}", style="dim"))
    out.print(Text("7. Classement (pondérations : " + ", ".join(f"{k} {v}" for k, v in t["ponderations"].items())
                   + " ; + règles)", style="bold"))
    table = Table()
    for col in ("#", "Service", "Score", "besoin", "niveau", "type", "public", "fraîcheur", "règles"):
        table.add_column(col)
    for c in t["classement"]:
        d = c["detail"]
        table.add_row(str(c["rang"]), Text(c["service"]), f"{c['score']:.3f}", *(f"{d[k]:.2f}" for k in
                      ("besoin", "niveau", "type", "public", "fraicheur", "regles")))
    out.print(table)
