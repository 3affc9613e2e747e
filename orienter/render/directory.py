"""Rich tables for the directory commands. Data always goes through Text(): a name such as
"CMP [adultes]" must not be read as markup (DESIGN §8)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

NR = "non renseigné"
FICTIF_BANNER = "DONNÉES FICTIVES DE FORMATION : aucune de ces structures n'existe, ne les contactez pas."


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def fictional_banner(out: Console) -> None:
    out.print(Panel(Text(FICTIF_BANNER, style="bold black on yellow"), border_style="yellow"))


def _n(number: int) -> str:
    """Thousands separated by a no-break space, so a table never splits a number."""
    return f"{number:,}".replace(",", "\u00a0")


def _t(value: Any, style: str = "") -> Text:
    if value is None or value == "" or value == []:
        return Text(NR, style="dim italic")
    return Text(str(value), style=style)


def territories(rows: list[dict[str, Any]]) -> None:
    out = console()
    table = Table(title="Territoires", title_justify="left")
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Nom", ratio=1, min_width=16)
    for col in ("Structures", "Services", "Types", "Communes", "Population"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Vérifié le", no_wrap=True)
    for r in rows:
        name = Text(r["nom"]) + (Text("  FICTIF", style="bold black on yellow") if r["fictif"] else Text(""))
        table.add_row(Text(r["id"]), name, str(r["structures"]), str(r["services"]), str(r["types"]),
                      _n(r["communes"]), _n(r["population"]),
                      _t(r["verifie_le"]))
    out.print(table)


def structures(data: dict[str, Any]) -> None:
    out = console()
    if data["fictif"]:
        fictional_banner(out)
    where = f" couvrant {data['commune']['nom']} ({data['commune']['code']})" if data["commune"] else ""
    if not data["structures"]:
        out.print(Text(f"Aucune structure{where}."))
        return
    table = Table(title=Text(f"Structures{where}"), title_justify="left")
    for col in ("Structure", "Type", "Services (type, niveau)", "Territoire", "Statut"):
        table.add_column(col)
    for r in data["structures"]:
        services = Text("\n").join(Text(f"{s['type']} · {s['niveau']} · {s['nom']}") for s in r["services"]) \
            if r["services"] else Text("—", style="dim")
        name = Text(r["nom"]) + Text(f"\n{r['id']}", style="dim")
        table.add_row(name, _t(r["type"]), services, Text(r["territoire"]) + (
            Text(" FICTIF", style="bold black on yellow") if r["fictif"] else Text("")), Text(r["statut"]))
    out.print(table)
    out.print(Text(f"{len(data['structures'])} structure(s). `orienter fiche ID` pour le détail.", style="dim"))


def sheet(d: dict[str, Any]) -> None:
    out = console()
    if d["territoire"]["fictif"]:
        fictional_banner(out)
    title = Text(d["nom"], style="bold") + (Text(f" ({d['sigle']})") if d["sigle"] else Text(""))
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Identifiant", Text(d["id"]))
    head.add_row("Territoire", Text(f"{d['territoire']['nom']} ({d['territoire']['id']})"))
    head.add_row("Type", _t(d["type"]))
    head.add_row("Nature", _t(d["nature"]))
    head.add_row("Statut", Text(d["statut"]))
    if d["absorbee_par"]:
        head.add_row("Absorbée par", Text(f"{d['absorbee_par']['structure']} depuis le {d['absorbee_par']['depuis']}"))
    if d["porteur"]:
        head.add_row("Portée par", Text(d["porteur"]))
    if d["partenaires"]:
        head.add_row("Partenaires", Text(", ".join(d["partenaires"])))
    ids = d["identifiants"]
    head.add_row("FINESS", _t(", ".join(ids.get("finess", [])) or None))
    head.add_row("SIRET", _t(ids.get("siret")))
    adr = d["adresse"] or {}
    address = " ".join(x for x in (adr.get("ligne"), adr.get("code_postal"), adr.get("commune")) if x)
    head.add_row("Adresse", _t(address or None))
    c = d["contact"]
    head.add_row("Téléphone", _t(c.get("telephone")))
    head.add_row("Courriel", _t(c.get("courriel")))
    head.add_row("Site", _t(c.get("site")))
    if c.get("source"):
        head.add_row("Source du contact", Text(c["source"], style="dim"))
    v = d["verification"] or {}
    fresh = Text(" (à jour)", style="green") if d["a_jour"] else Text(" (à revérifier)", style="bold red")
    head.add_row("Vérifiée le", _t(v.get("derniere_verification")) + fresh)
    if d["description"]:
        head.add_row("Description", Text(d["description"]))
    out.print(Panel(head, title=title, title_align="left"))
    for s in d["services"]:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        grid.add_row("Type", Text(f"{s['type']} — {s['type_libelle']} ({s['niveau']})"))
        if s["description"]:
            grid.add_row("Description", Text(s["description"]))
        grid.add_row("Besoins", _t(", ".join(b["libelle"] for b in s["besoins"]) or None))
        p = s["publics"]
        ages = _ages(p["age_min"], p["age_max"])
        grid.add_row("Publics", _t(", ".join(p["inclus"]) or None) + Text(f" · {ages} · accueil {p['accueil']}"))
        if p["exclus"]:
            grid.add_row("Exclus", Text(", ".join(p["exclus"])))
        a = s["acces"]
        access = ["sur prescription médicale" if a["prescription"] else "sans prescription"]
        if a["consentement"]:
            access.append("avec le consentement de la personne")
        grid.add_row("Accès", Text(", ".join(access)))
        if a["orienteurs"]:
            grid.add_row("Qui peut orienter", Text(", ".join(a["orienteurs"])))
        for cond in a["conditions"]:
            grid.add_row("Condition", Text(cond))
        cov = s["couverture"]
        grid.add_row("Couverture", Text(f"{_n(cov['communes'])} commune(s), {_n(cov['population'])} habitants"))
        grid.add_row("Modes", _t(", ".join(s["modes"]) or None))
        grid.add_row("Horaires", _t(s["horaires"]))
        if s["suspension"]:
            sus = s["suspension"]
            grid.add_row("Suspendu", Text(f"du {sus['du']} au {sus['au'] or '?'} {sus.get('motif') or ''}", style="bold red"))
        if s["contact"]:
            sc = s["contact"]
            grid.add_row("Contact", _t(" · ".join(x for x in (sc.get("telephone"), sc.get("courriel"), sc.get("site")) if x) or None))
        out.print(Panel(grid, title=Text(f"Service {s['nom']} ({s['id']})"), title_align="left"))
    if d["sources"]:
        out.print(Text("Sources :", style="bold"))
        for src in d["sources"]:
            out.print(Text(f"  - {src['titre']} — {src.get('url') or 'sans adresse'} (consultée le {src['consulte_le']})"))
    else:
        out.print(Text("Sources : aucune", style="bold red"))
    if d["historique"]:
        out.print(Text("Historique :", style="bold"))
        for e in d["historique"]:
            out.print(Text(f"  - {e['date']} {e['evenement']} : {e['description']}"))


def _ages(lo: int | None, hi: int | None) -> str:
    if lo is None and hi is None:
        return "tous âges"
    if hi is None:
        return f"{lo} ans et plus"
    if lo is None:
        return f"jusqu'à {hi} ans"
    return f"{lo} à {hi} ans"


def search_results(rows: list[dict[str, Any]], query: str) -> None:
    out = console()
    if any(r["fictif"] for r in rows):
        fictional_banner(out)
    if not rows:
        out.print(Text(f"Rien ne ressemble à « {query} »."))
        return
    table = Table(title=Text(f"Recherche « {query} »"), title_justify="left")
    for col in ("Score", "Structure", "Types de services", "Territoire"):
        table.add_column(col)
    for r in rows:
        table.add_row(f"{r['score']:.2f}", Text(r["nom"]) + Text(f"\n{r['id']}", style="dim"),
                      Text(", ".join(sorted(set(r["services"]))) or "—"),
                      Text(r["territoire"]) + (Text(" FICTIF", style="bold black on yellow") if r["fictif"] else Text("")))
    out.print(table)


def communes(data: dict[str, Any]) -> None:
    out = console()
    rows = [data["commune"]] if data["commune"] else data["candidats"]
    if data["note"]:
        out.print(Text(data["note"], style="dim"))
    if not rows:
        out.print(Text(f"Aucune commune pour « {data['requete']} »."))
        return
    if not data["commune"]:
        out.print(Text(f"« {data['requete']} » est ambigu : précisez le code INSEE ou le département.", style="bold"))
    table = Table()
    for col in ("INSEE", "Commune", "Dép.", "Codes postaux", "EPCI", "Population"):
        table.add_column(col)
    for c in rows:
        table.add_row(c["code"], Text(c["nom"]), c["departement"], ", ".join(c["codes_postaux"]),
                      Text(f"{c['epci_nom'] or ''} ({c['epci']})" if c["epci"] else "—"),
                      _n(c["population"]))
    out.print(table)
