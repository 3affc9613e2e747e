"""What each page shows, as plain data for the templates: the orientation (the sheet, the path
of the decision, the trace), the directory (search, a structure's card), the territories (summary,
report, graph). Nothing here knows HTTP; errors are OrienterError with a French message that
never quotes the situation's text.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.render import labels as fr
from orienter.render.safe import clean
from orienter.web.state import Loaded

MAX_ROWS = 200  # directory rows shown at once
TOP = 8

_QUALIFIERS = {"hypothese": "hypothèse", "passe": "passé", "proche": "un proche", "demande": "demandé",
               "ecarte": "écarté par un avis médical"}
_PARTS = (("besoin", "besoin"), ("niveau", "niveau"), ("type", "type"), ("public", "public"),
          ("fraicheur", "fraîcheur"), ("regles", "règles"))


# --- the form -----------------------------------------------------------------------------------


@dataclass
class Form:
    """What the person typed, kept to fill the form again (in this answer only)."""

    commune: str = ""
    age: str = ""
    texte: str = ""
    besoins: list[str] = field(default_factory=list)
    faits: list[str] = field(default_factory=list)
    nombres: dict[str, str] = field(default_factory=dict)
    libres: str = ""
    complexe: str = ""
    territoire: str = ""
    avec_texte: bool = False
    pourquoi: bool = False


def read_form(fields: dict[str, list[str]]) -> Form:
    def one(name: str) -> str:
        values = fields.get(name) or [""]
        return clean(values[0]).strip() if name != "texte" else clean(values[0])

    return Form(
        commune=one("commune"), age=one("age"), texte=one("texte").strip(),
        besoins=[clean(v) for v in fields.get("besoin", []) if v.strip()],
        faits=[clean(v) for v in fields.get("fait", []) if v.strip()],
        nombres={name[2:]: clean(values[0]).strip() for name, values in fields.items()
                 if name.startswith("n_") and values and values[0].strip()},
        libres=one("libres"), complexe=one("complexe"), territoire=one("territoire"),
        avec_texte=one("avec_texte") in ("1", "oui", "on"), pourquoi=one("pourquoi") in ("1", "oui", "on"),
    )


def choices(ld: Loaded) -> dict[str, Any]:
    """The lists the forms offer, from the vocabulary and the directory."""
    v = ld.ws.vocab
    return {
        "besoins": sorted(((c, b.libelle) for c, b in v.besoins.items()), key=lambda p: _fold(p[1])),
        "faits": sorted(((c, k.libelle) for c, k in v.criteres.items() if k.type == "booleen"),
                        key=lambda p: _fold(p[1])),
        "nombres": [(c, k.libelle, k.bornes) for c, k in v.criteres.items() if k.type == "nombre" and c != "age"],
        "types": sorted(((c, t.libelle) for c, t in v.types.items()), key=lambda p: p[0]),
        "publics": sorted(((c, p.libelle) for c, p in v.publics.items()), key=lambda p: _fold(p[1])),
        "territoires": [(t.id, t.model.nom, t.model.fictif)
                        for t in sorted(ld.ws.territories, key=lambda t: (t.model.fictif, t.national, _fold(t.model.nom)))],
    }


def situation_of(ld: Loaded, form: Form) -> tuple[Any, Any]:
    """The situation and the commune, checked; a message names the field, never quotes the text."""
    from orienter.directory.queries import resolve_in
    from orienter.engine.situation import merge

    if not form.commune:
        raise OrienterError("Commune manquante : indiquez la commune de la personne (nom, code INSEE ou code postal).")
    age = None
    if form.age:
        if not re.fullmatch(r"\d{1,3}", form.age) or int(form.age) > 130:
            raise OrienterError("Âge invalide : un nombre entier d'années entre 0 et 130 est attendu.")
        age = int(form.age)
    criteria: dict[str, Any] = {code: "oui" for code in form.faits}
    criteria.update(form.nombres)
    for i, line in enumerate(form.libres.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise OrienterError(f"Autres critères, ligne {i} : écrivez clé=valeur, un par ligne (ex. mmse=21 ou "
                                "vit_seul=non).")
        criteria[key.strip()] = value.strip()
    if form.complexe not in ("", "oui", "non"):
        raise OrienterError("Complexité : choisissez « selon la règle », « oui » ou « non ».")
    if form.territoire:
        ld.ws.territory(form.territoire)  # a French message naming the territories that exist
    situation = merge(None, form.commune, age, form.besoins, criteria, form.texte or None,
                      None if not form.complexe else form.complexe == "oui")
    return situation, resolve_in(ld.ws.geo, form.commune)


def orientation(ld: Loaded, form: Form) -> dict[str, Any]:
    """The answer: the sheet as printed, the path of the decision, the trace."""
    from orienter.render import sheet
    from orienter.render.diagram import decision_path

    started = time.perf_counter()
    situation, place = situation_of(ld, form)
    with ld.lock:
        o = ld.engine.orient(situation, place, form.territoire or None, TOP)
    data = o.to_json(with_trace=True)
    page = sheet.html_page(data, quotes=form.avec_texte, texte=situation.texte if form.avec_texte else None,
                           today=ld.day)
    labels = ld.criteria_labels
    return {
        "urgence": bool(data.get("urgence")),
        "fictif": o.fictif,
        "fiche": sheet_body(page),
        "schema": decision_path(data, labels),
        "pourquoi": why(data, ld),
        "duree_ms": round((time.perf_counter() - started) * 1000),
    }


def standalone_sheet(ld: Loaded, form: Form) -> str:
    """The self-contained printable page (`suggest --format html`), for the « page seule » button."""
    from orienter.render import sheet

    situation, place = situation_of(ld, form)
    with ld.lock:
        o = ld.engine.orient(situation, place, form.territoire or None, TOP)
    return sheet.html_page(o.to_json(), quotes=form.avec_texte,
                           texte=situation.texte if form.avec_texte else None, today=ld.day)


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_MAIN_OPEN = re.compile(r"<main\b([^>]*)>")


def sheet_body(page: str) -> str:
    """The sheet inside a page of the site: the body of the printable page, its <main> made an
    <article> (the site has its own <main>)."""
    m = _BODY.search(page)
    body = m.group(1) if m else page
    body = _MAIN_OPEN.sub(lambda mo: f"<article{mo.group(1)} id=\"fiche\" aria-label=\"Fiche d'orientation\">",
                          body, count=1)
    head, sep, tail = body.rpartition("</main>")
    return (head + "</article>" + tail) if sep else body


def why(o: dict[str, Any], ld: Loaded) -> dict[str, Any]:
    """The trace of `explain`, in French words: words read and the vocabulary entry they met,
    needs, facts, complexity, rules fired (with their references) and not, filters, ranking."""
    vocab = ld.ws.vocab
    criteria = ld.criteria_labels
    t = o["trace"]
    words = t["mots_lus"]

    def need(code: str) -> str:
        return vocab.need_label(code) if code in vocab.besoins else code

    read = []
    for kind, table, name in (("besoin", words["besoins"], need), ("fait", words["criteres"],
                                                                    lambda c: criteria.get(c, c))):
        for code, hits in table.items():
            for h in hits:
                read.append({"mots": h["mots"], "entree": h["entree"], "vers": name(code), "genre": kind,
                             "par": fr.MATCHED_BY.get(h["par"], h["par"]),
                             "qualificatifs": ", ".join(_QUALIFIERS.get(q, q) for q in h.get("qualificatifs", []))})
    numbers = [{"nom": criteria.get(code, code), "valeur": fr.yes_no(n["valeur"]), "indice": n["indice"]}
               for code, n in words["nombres"].items()]
    negations = [{"mots": h["mots"], "vers": criteria.get(h["code"], need(h["code"]))} for h in words["negations"]]
    aside = [{"mots": h["mots"], "vers": criteria.get(h["code"], need(h["code"])),
              "qualificatifs": ", ".join(_QUALIFIERS.get(q, q) for q in h.get("qualificatifs", []))}
             for h in words["ecartes"]]
    types = [{"quoi": what, "type": code, "mots": w} for what, table in
             (("refusé", words["refus"]), ("cité", words["types_cites"]), ("déjà impliqué", words["types_deja_impliques"]))
             for code, w in table.items()]
    rules = t["regles"]
    names = {s["structure"]["id"]: s["structure"]["nom"] for s in [*o["suggestions"], *o.get("apres_urgence", [])]}
    services = {s["service"]["id"]: s for s in [*o["suggestions"], *o.get("apres_urgence", [])]}
    ranking = []
    for c in t["classement"]:
        s = services.get(c["service"])
        ranking.append({"rang": c["rang"], "service": s["structure"]["nom"] + " — " + s["service"]["nom"] if s
                        else c["service"], "score": fr.number(c["score"], 3),
                        "parts": [fr.number(c["detail"].get(k, 0.0)) for k, _ in _PARTS],
                        "verification": _freshness(c), "retard": bool(c.get("verification_en_retard"))})
    return {
        "mots": read, "nombres": numbers, "negations": negations, "ecartes": aside, "types": types,
        "corrections": words["corrections"],
        "besoins": [{"libelle": n["libelle"], "code": n["code"], "origine": fr.ORIGINS.get(n["origine"], n["origine"]),
                     "indice": n["indice"]} for n in o["besoins"]],
        "faits": [{"nom": criteria.get(k) or k.replace("_", " ").capitalize(), "valeur": fr.yes_no(v)}
                  for k, v in o["criteres"].items()],
        "complexite": [_axis(r) for r in o["complexite"]["raisons"]],
        "declenchees": [{"id": r["id"], "description": r["description"], "reference": r["reference"],
                         "pourquoi": ", ".join(_named(w, criteria) for w in r["pourquoi"]),
                         "effets": [_effect(e) for e in r["effets"]]} for r in rules if r["declenchee"]],
        "non_declenchees": [{"id": r["id"], "description": r["description"]} for r in rules if not r["declenchee"]],
        "filtres": t["filtres"],
        "exclus": [{"type": x["type"], "nom": x.get("nom") or x["service"],
                    "raisons": "; ".join(fr.exclusion_reason(r, names) for r in x["raisons"])} for x in o["exclus"]],
        "ponderations": ", ".join(f"{label} {fr.number(t['ponderations'][k])}" for k, label in _PARTS
                                  if k in t["ponderations"]),
        "parts": [label for _, label in _PARTS],
        "classement": ranking,
    }


def _axis(reason: str) -> str:
    axis, sep, rest = reason.partition(" : ")
    return f"{fr.AXES.get(axis, axis)}{sep}{rest}" if sep and axis in fr.AXES else reason


def _named(text: str, criteria: dict[str, str]) -> str:
    return re.sub(r"[a-z][a-z0-9_]*", lambda m: criteria.get(m.group(0), m.group(0)), text)


def _effect(e: str) -> str:
    m = re.match(r"niveau (\w+)$", e)
    if m:
        return f"niveau {fr.level(m.group(1))}"
    return re.sub(r"(?<![\w.])([+-]?\d+)\.(\d+)", r"\1,\2", e)


def _freshness(c: dict[str, Any]) -> str:
    return fr.checked(c)


# --- communes -----------------------------------------------------------------------------------


def communes(ld: Loaded, query: str, limit: int = 12) -> list[dict[str, str]]:
    """Completion: current communes whose name starts with the words typed (accents and case
    ignored), or whose postal or INSEE code starts with the digits typed; most populated first.
    The value resolves back to one commune (« Orléans (45) »)."""
    from orienter.load.geo import fold_name

    geo = ld.ws.geo
    q = query.strip()[:80]
    if len(q) < 2:
        return []
    found: dict[str, Any] = {}

    def add(code: str) -> None:
        c = geo.get(code)
        if c is not None:
            c = geo.current(c)
            found.setdefault(c.code, c)

    if re.fullmatch(r"\d[0-9abAB]?\d{0,3}", q):
        for postal, rows in geo.by_postal.items():
            if postal.startswith(q):
                for r in rows:
                    add(r[0])
        if len(q) == 5:
            add(q.upper())
    else:
        key = fold_name(q)
        if not key:
            return []
        for name, rows in geo.by_name.items():
            if name.startswith(key):
                for r in rows:
                    add(r[0])
    ranked = sorted(found.values(), key=lambda c: (-c.population, c.nom))[:limit]
    deps = geo.departements
    out = []
    for c in ranked:
        value = f"{c.nom} ({c.departement})"
        if geo.resolve(value).commune != c:  # homonyms the name cannot tell apart: the INSEE code
            value = c.code
        dep = (deps.get(c.departement) or {}).get("nom", c.departement)
        postal = ", ".join(c.codes_postaux[:3]) + ("…" if len(c.codes_postaux) > 3 else "")
        out.append({"valeur": value, "libelle": f"{c.nom} — {postal} — {dep} (INSEE {c.code})"})
    return out


# --- the directory ------------------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    commune: str = ""
    type: str = ""
    besoin: str = ""
    public: str = ""
    territoire: str = ""

    @property
    def any(self) -> bool:
        return any((self.q, self.commune, self.type, self.besoin, self.public, self.territoire))


def read_filters(query: dict[str, list[str]]) -> Filters:
    def one(name: str) -> str:
        return clean((query.get(name) or [""])[0]).strip()[:200]

    return Filters(one("q"), one("commune"), one("type"), one("besoin"), one("public"), one("territoire"))


def directory(ld: Loaded, f: Filters) -> dict[str, Any]:
    """Structures with the services that pass every filter: covering a commune, of a type,
    answering a need, naming a public; with a text, in the order of `cherche`."""
    from orienter.directory.queries import resolve_in, search, type_code

    ws, index = ld.ws, ld.index
    vocab = ws.vocab
    place = resolve_in(ws.geo, f.commune) if f.commune else None
    kind = type_code(ws, f.type) if f.type else None
    if f.besoin and f.besoin not in vocab.besoins:
        raise OrienterError(f"Besoin « {f.besoin} » inconnu : choisissez-le dans la liste.")
    if f.public and f.public not in vocab.publics:
        raise OrienterError(f"Public « {f.public} » inconnu : choisissez-le dans la liste.")
    if f.territoire:
        ws.territory(f.territoire)
    rows: dict[str, dict[str, Any]] = {}
    for e in (index.covering(place) if place else index.entries):
        sv = e.service
        if f.territoire and e.territory.id != f.territoire:
            continue
        if kind and sv.type != kind and e.structure.type != kind:
            continue
        if f.besoin and f.besoin not in sv.besoins:
            continue
        if f.public and f.public not in sv.publics.inclus:
            continue
        row = rows.setdefault(e.structure.id, _row(e.territory, e.structure))
        row["services"].append({"nom": sv.nom, "type": sv.type, "type_libelle": vocab.type_label(sv.type),
                                "statut": fr.status(sv.statut.value, structure=False) if sv.statut.value != "actif" else "",
                                "besoins": [vocab.need_label(b) for b in sv.besoins]})
    if not (place or kind or f.besoin or f.public):
        for t in ws.territories:  # a structure without a service is part of the directory too
            if not f.territoire or t.id == f.territoire:
                for s in t.structures:
                    rows.setdefault(s.id, _row(t, s))
    if f.q:
        hits = search(ws, f.q, limit=10_000, index=index)
        ordered = [rows[h["id"]] for h in hits if h["id"] in rows]
    else:
        ordered = sorted(rows.values(), key=lambda r: (r["fictif"], r["statut_code"] != "actif", r["national"],
                                                        _fold(r["territoire_nom"]), _fold(r["nom"])))
    return {
        "commune": place,
        "total": len(ordered),
        "lignes": ordered[:MAX_ROWS],
        "coupe": len(ordered) > MAX_ROWS,
        "fictif": any(r["fictif"] for r in ordered[:MAX_ROWS]),
    }


def _row(t: Any, s: Any) -> dict[str, Any]:
    return {"id": s.id, "nom": s.nom, "sigle": s.sigle, "type": s.type or "", "statut_code": s.statut.value,
            "statut": fr.status(s.statut.value) if s.statut.value != "actif" else "", "territoire": t.id,
            "territoire_nom": t.model.nom, "fictif": t.model.fictif, "national": t.national, "services": []}


def structure(ld: Loaded, ident: str) -> dict[str, Any]:
    from orienter.directory.queries import structure_sheet

    try:
        return structure_sheet(ld.ws, ld.index, ident)
    except OrienterError as exc:
        raise OrienterError(exc.text.split(" (`orienter cherche")[0], ExitCode.INPUT) from None


# --- territories --------------------------------------------------------------------------------


def territories(ld: Loaded) -> list[dict[str, Any]]:
    from orienter.directory.queries import territories_summary

    return ld.remember("territoires", lambda: territories_summary(ld.ws, ld.day))


def territory(ld: Loaded, ident: str, besoin: str = "", commune: str = "") -> dict[str, Any]:
    """One territory: its summary row, its graph (filtered by a need, a commune) as a diagram, the
    outline and the links between structures."""
    from orienter.render.diagram import territory_graph

    t = ld.ws.territory(ident)
    if besoin and besoin not in ld.ws.vocab.besoins:
        raise OrienterError(f"Besoin « {besoin} » inconnu : choisissez-le dans la liste.")
    row = next((r for r in territories(ld) if r["id"] == t.id), None)

    def build() -> dict[str, Any]:
        from orienter.directory.graph import build_graph, outline

        g = build_graph(ld.ws, ld.index, territoire=t.id, besoin=besoin or None, commune=commune or None,
                        types=False, today=ld.day)
        data = outline(g)
        names = {s.id: s.nom for tt in ld.ws.territories for s in tt.structures}
        for link in data["liens"]:
            link["de_nom"] = names.get(link["de"], link["de"])
            link["vers_nom"] = names.get(link["vers"], link["vers"])
        return {"outline": data, "svg": territory_graph(data)}

    graph = ld.remember(("graphe", t.id), build) if not (besoin or commune) else build()
    return {"id": t.id, "nom": t.model.nom, "fictif": t.model.fictif, "national": t.national, "resume": row,
            **graph}


def report_page(ld: Loaded, ident: str) -> str:
    """The `rapport` of one territory, the self-contained HTML page of `orienter rapport --format html`."""
    from orienter.directory.checks import build_report
    from orienter.render.report import html_page

    t = ld.ws.territory(ident)
    return ld.remember(("rapport", t.id), lambda: html_page(build_report(ld.ws, [t.id], ld.day, index=ld.index)))


# --- messages -----------------------------------------------------------------------------------


_CLI_HINT = re.compile(r"\s*\((?:essayez |`orienter)[^)]*\)|\s*`orienter [^`]*`")


def message(text: str) -> str:
    """An error of the tool said for a page: without the hints that name a command line."""
    return _CLI_HINT.sub("", text).strip()


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
