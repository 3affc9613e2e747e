"""Terminal views of the directory commands (`territoires`, `structures`, `fiche`, `cherche`,
`communes`). Tables when the width allows them without cutting anything, blocks otherwise
(orienter/render/terminal.py); labels in French; data scrubbed of control characters."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from orienter.render import labels as fr
from orienter.render.hours import french as hours_fr
from orienter.render.safe import scrub
from orienter.render.terminal import (FICTIF_BANNER, NR, atomic, console, contacts, fictional_banner, line,
                                      prose, table_or_blocks, value)

__all__ = ["FICTIF_BANNER", "NR", "console", "fictional_banner", "territories", "structures", "sheet",
           "search_results", "communes"]

_FICTIF = Text(" FICTIF", style="bold black on yellow")


def _n(number: int | None) -> str:
    return fr.number(number, 0) if number is not None else NR


def _table() -> Any:
    from rich.table import Table

    return Table()


def _title(out: Any, title: str) -> None:
    line(out, Text(title, style="bold"))


# --- territoires ------------------------------------------------------------------------------


def _coverage_cells(r: dict[str, Any]) -> tuple[str, str, str]:
    """Key types present, services with a sourced contact, situations answered; "s.o." for the
    national layer (it covers no perimeter locally)."""
    c = r.get("couverture")
    if not c:
        return ("s.o.", "s.o.", "s.o.")
    return (f"{c['types_cles_presents']}/{c['types_cles']}", f"{c['services_contact_source']}/{c['services_listes']}",
            f"{c['situations_repondues']}/{len(c['situations'])}")


def _unanswered(r: dict[str, Any]) -> list[dict[str, Any]]:
    c = r.get("couverture")
    return [s for s in c["situations"] if not s["repond"]] if c else []


def territories(rows: list[dict[str, Any]]) -> None:
    out = console()
    rows = scrub(rows)
    table = _table()
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Nom", overflow="fold")
    for col in ("Structures", "Services", "Types", "Communes", "Population"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("Vérifié le", no_wrap=True)
    for col in ("Types clés", "Contacts sourcés", "Situations"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in rows:
        name = Text(r["nom"]) + (_FICTIF if r["fictif"] else Text(""))
        table.add_row(Text(r["id"]), name, _n(r["structures"]), _n(r["services"]), _n(r["types"]),
                      _n(r["communes"]), _n(r["population"]), value(fr.day(r["verifie_le"]) if r["verifie_le"] else None),
                      *_coverage_cells(r))

    def notes() -> None:
        out.print(Text("Types clés : types des quatre situations présents sur le périmètre (services locaux "
                       "disponibles) · Contacts sourcés : services joignables par un téléphone, un courriel ou un "
                       "site avec sa source · Situations : situations (sur 4) où un service local répond avec un "
                       "contact sourcé · s.o. : sans objet (couche nationale).", style="dim"))
        for r in rows:
            if r["fictif"]:
                continue  # invented contacts are unsourced by design: the figures say enough
            for s in _unanswered(r):
                line(out, Text(f"{r['id']} — {s['libelle']} : ", style="bold") + Text(s["raison"]), 0)

    def blocks() -> None:
        for r in rows:
            atomic(out, "", Text(r["id"], style="bold"), 0,
                   suffix=Text(" — ") + Text(r["nom"]) + (_FICTIF if r["fictif"] else Text("")))
            line(out, Text(f"{_n(r['structures'])} structure(s) · {_n(r['services'])} service(s) · "
                           f"{_n(r['types'])} type(s) · {_n(r['communes'])} commune(s) · "
                           f"{_n(r['population'])} habitants · vérifié le {fr.day(r['verifie_le'])}"), 3)
            keys, sourced, answered = _coverage_cells(r)
            line(out, Text(f"types clés {keys} · contacts sourcés {sourced} · situations {answered}"), 3)

    table_or_blocks(out, table, blocks)
    notes()


# --- structures -------------------------------------------------------------------------------


def _service_line(s: dict[str, Any]) -> Text:
    return Text(f"{s['type']} · {fr.level(s['niveau'])} · ") + Text(s["nom"])


def structures(data: dict[str, Any]) -> None:
    out = console()
    data = scrub(data)
    if data["fictif"]:
        fictional_banner(out)
    where = f" couvrant {data['commune']['nom']} ({data['commune']['code']})" if data["commune"] else ""
    if not data["structures"]:
        out.print(Text(f"Aucune structure{where}."))
        return
    rows = data["structures"]
    territories = {r["territoire"] for r in rows}
    one = next(iter(territories)) if len(territories) == 1 else None  # said once, in the title
    table = _table()
    table.add_column("Structure", overflow="fold")
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Services (type · niveau · nom)", overflow="fold")
    if one is None:
        table.add_column("Territoire", no_wrap=True)
    table.add_column("Statut", no_wrap=True)
    for r in rows:
        services = Text("\n").join(_service_line(s) for s in r["services"]) if r["services"] else Text("—", style="dim")
        cells = [Text(r["nom"]), Text(r["id"]), value(r["type"]), services]
        if one is None:
            cells.append(Text(r["territoire"]) + (_FICTIF if r["fictif"] else Text("")))
        table.add_row(*cells, Text(fr.status(r["statut"])))

    def blocks() -> None:
        for r in rows:
            line(out, Text(r["nom"], style="bold") + (_FICTIF if r["fictif"] and one is None else Text("")))
            atomic(out, "Identifiant", r["id"])
            atomic(out, "Type", value(r["type"]), suffix=Text(f" · statut : {fr.status(r['statut'])}")
                   + ((Text(" · territoire : ") + Text(r["territoire"])) if one is None else Text("")))
            for s in r["services"]:
                line(out, Text("- ") + _service_line(s), 5)

    _title(out, f"Structures{where}" + (f" · territoire {one}" if one else ""))
    table_or_blocks(out, table, blocks)
    out.print(Text(f"{len(rows)} structure(s). `orienter fiche IDENTIFIANT` pour le détail.", style="dim"))


# --- fiche ------------------------------------------------------------------------------------


def _address(adr: dict[str, Any] | None) -> str | None:
    if not adr:
        return None
    town = adr.get("commune_nom") or adr.get("commune")
    parts = [adr.get("ligne"), adr.get("complement"), " ".join(x for x in (adr.get("code_postal"), town) if x)]
    return ", ".join(p for p in parts if p) or None


def sheet(d: dict[str, Any]) -> None:
    out = console()
    d = scrub(d)
    if d["territoire"]["fictif"]:
        fictional_banner(out)
    title = Text(d["nom"], style="bold") + (Text(f" ({d['sigle']})") if d["sigle"] else Text(""))
    line(out, title)
    atomic(out, "Identifiant", d["id"])
    atomic(out, "Territoire", d["territoire"]["id"], suffix=Text(" — ") + Text(d["territoire"]["nom"]))
    atomic(out, "Type", value(d["type"]))
    prose(out, "Nature", d["nature"])
    prose(out, "Statut", fr.status(d["statut"]), label_style="")
    names = d.get("noms") or {}

    def named(ident: str) -> Text:
        return (Text(names[ident]) + Text(f" ({ident})", style="dim")) if ident in names else Text(ident)

    if d["absorbee_par"]:
        ab = d["absorbee_par"]
        prose(out, "Absorbée par", named(ab["structure"]) + Text(f" depuis le {fr.day(ab['depuis'])}"))
    if d["porteur"]:
        prose(out, "Portée par", named(d["porteur"]))
    if d["partenaires"]:
        prose(out, "Partenaires", Text("\n").join(named(p) for p in d["partenaires"]))
    ids = d["identifiants"]
    if ids.get("finess"):
        atomic(out, "FINESS", ", ".join(ids["finess"]))
    else:
        atomic(out, "FINESS", None)
    atomic(out, "SIRET", ids.get("siret"))
    prose(out, "Adresse", _address(d["adresse"]))
    c = d["contact"]
    for key, label in (("telephone", "Téléphone"), ("courriel", "Courriel"), ("site", "Site")):
        atomic(out, label, c.get(key))
    if c.get("formulaire"):
        atomic(out, "Formulaire", c["formulaire"])
    if c.get("source"):
        atomic(out, "Source du contact", c["source"], style="dim")
    v = d["verification"] or {}
    fresh = Text(" (à jour)", style="green") if d["a_jour"] else Text(" (à revérifier)", style="bold red")
    prose(out, "Vérifiée le", value(fr.day(v.get("derniere_verification")) if v.get("derniere_verification") else None)
          + fresh + Text(f" · revue tous les {v['frequence_revue_mois']} mois" if v.get("frequence_revue_mois") else ""))
    if d["description"]:
        prose(out, "Description", d["description"])
    for s in d["services"]:
        _service(out, s)
    out.print()
    if d["sources"]:
        out.print(Text("Sources :", style="bold"))
        for src in d["sources"]:
            line(out, Text(f"- {src['titre']} (consultée le {fr.day(src['consulte_le'])})"), 3)
            if src.get("url"):
                atomic(out, "", src["url"], 5)
    else:
        out.print(Text("Sources : aucune", style="bold red"))
    if d["historique"]:
        out.print(Text("Historique :", style="bold"))
        for e in d["historique"]:
            line(out, Text(f"- {fr.day(e['date'])}, {fr.EVENTS.get(e['evenement'], e['evenement'])} : "
                           f"{e['description']}"), 3)


def _service(out: Any, s: dict[str, Any]) -> None:
    out.print()
    line(out, Text("Service : ", style="bold") + Text(s["nom"], style="bold"))
    atomic(out, "Identifiant", s["id"])
    prose(out, "Type", Text(f"{s['type']} — {s['type_libelle']} · niveau : {fr.level(s['niveau'])}"))
    if s.get("statut") and s["statut"] != "actif":
        prose(out, "Statut", Text(fr.status(s["statut"], structure=False), style="bold red"))
    if s["description"]:
        prose(out, "Description", s["description"])
    prose(out, "Besoins", " ; ".join(b["libelle"] for b in s["besoins"]) or None)
    p = s["publics"]
    lib = s.get("libelles") or {}
    included = lib.get("publics_inclus") or p["inclus"]
    prose(out, "Publics", Text(fr.join(included) or "tous") + Text(
        f" · {fr.ages(p['age_min'], p['age_max'])} · {fr.WELCOME.get(p['accueil'], p['accueil'])}"))
    if p["exclus"]:
        prose(out, "Exclus", fr.join(lib.get("publics_exclus") or p["exclus"]))
    a = s["acces"]
    access = ["sur prescription médicale" if a["prescription"] else "sans prescription"]
    if a["consentement"]:
        access.append("avec le consentement de la personne")
    if a.get("gratuit") is True:
        access.append("gratuit")
    prose(out, "Accès", ", ".join(access))
    if a["orienteurs"]:
        prose(out, "Qui peut orienter", fr.join(lib.get("orienteurs") or a["orienteurs"]))
    for cond in a["conditions"]:
        prose(out, "Condition", cond)
    if a.get("delai"):
        prose(out, "Délai", a["delai"])
    cov = s["couverture"]
    prose(out, "Couverture", f"{_n(cov['communes'])} commune(s), {_n(cov['population'])} habitants")
    prose(out, "Modes", fr.modes(s["modes"]) or None)
    prose(out, "Horaires", hours_fr(s["horaires"]))
    if s["suspension"]:
        sus = s["suspension"]
        until = f" au {fr.day(sus['au'])}" if sus.get("au") else ", sans date de fin"
        prose(out, "Suspendu", Text(f"du {fr.day(sus['du'])}{until}" + (f" ({sus['motif']})" if sus.get("motif") else ""),
                                    style="bold red"))
    if s["contact"]:
        contacts(out, s["contact"])


# --- cherche ----------------------------------------------------------------------------------


def search_results(rows: list[dict[str, Any]], query: str, where: dict[str, Any] | None = None) -> None:
    out = console()
    rows = scrub(rows)
    query = scrub(query)
    if any(r["fictif"] for r in rows):
        fictional_banner(out)
    place = f" à {where['nom']} ({where['code']})" if where else ""
    if not rows:
        out.print(Text(f"Rien ne ressemble à « {query} »{place}."))
        return
    title = f"Recherche « {query} »{place}"
    table = _table()
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Structure", overflow="fold")
    table.add_column("Identifiant", no_wrap=True)
    table.add_column("Types de services", overflow="fold")
    table.add_column("Territoire", no_wrap=True)
    for r in rows:
        table.add_row(fr.number(r["score"]), Text(r["nom"]), Text(r["id"]),
                      Text(", ".join(sorted(set(r["services"]))) or "—"),
                      Text(r["territoire"]) + (_FICTIF if r["fictif"] else Text("")))

    def blocks() -> None:
        for i, r in enumerate(rows, 1):
            line(out, Text(f"{i}. ", style="bold") + Text(r["nom"], style="bold")
                 + Text(f" ({', '.join(sorted(set(r['services']))) or '—'})"))
            atomic(out, "Identifiant", r["id"], suffix=Text(" · territoire : ") + Text(r["territoire"])
                   + (_FICTIF if r["fictif"] else Text("")))

    _title(out, title)
    table_or_blocks(out, table, blocks)


# --- communes ---------------------------------------------------------------------------------


def communes(data: dict[str, Any]) -> None:
    out = console()
    data = scrub(data)
    rows = [data["commune"]] if data["commune"] else data["candidats"]
    if data["note"]:
        line(out, Text(data["note"], style="dim"))
    if not rows:
        out.print(Text(f"Aucune commune pour « {data['requete']} »."))
        return
    if not data["commune"]:
        line(out, Text(f"« {data['requete']} » est ambigu : précisez le code INSEE ou le département.", style="bold"))
    table = _table()
    table.add_column("INSEE", no_wrap=True)
    table.add_column("Commune", no_wrap=True)
    table.add_column("Dép.", no_wrap=True)
    table.add_column("Codes postaux", overflow="fold")
    table.add_column("EPCI", overflow="fold")
    table.add_column("Population", justify="right", no_wrap=True)
    for c in rows:
        table.add_row(c["code"], Text(c["nom"]), c["departement"], ", ".join(c["codes_postaux"]),
                      Text(f"{c['epci_nom'] or ''} ({c['epci']})" if c["epci"] else "—"), _n(c["population"]))

    def blocks() -> None:
        for c in rows:
            atomic(out, "", Text(c["code"], style="bold"), 0,
                   suffix=Text(" ") + Text(c["nom"], style="bold") + Text(f" ({c['departement']})"))
            if c["codes_postaux"]:
                atomic(out, "Codes postaux", ", ".join(c["codes_postaux"]))
            if c["epci"]:
                prose(out, "EPCI", Text(f"{c['epci_nom'] or ''} ({c['epci']})"))
            prose(out, "Population", f"{_n(c['population'])} habitants")

    table_or_blocks(out, table, blocks)
