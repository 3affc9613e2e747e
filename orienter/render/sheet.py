"""The printable orientation sheet (issue 13.2): what a GP hands to a family or attaches to a
referral, in Markdown and as a self-contained HTML page printed on A4.

Both are built from one reading of the orientation's JSON (`model`): French labels, French dates
and hours, plain reasons (no rule identifiers, no internal codes: those stay in `explain`), a
warning where a service's last check is overdue, the emergency numbers first when there is an
emergency, the fictional banner when the data is fictional. The free text of the situation, and
the words quoted from it, appear only when asked (`--avec-texte`).

Every data string is escaped for its output (orienter/render/safe.py): names and notes from a
territory file never become links, images, headings, HTML or terminal commands. The HTML page
makes no request of any kind: inline CSS, no image, no font, no script, and a Content Security
Policy that forbids them; the services' own web sites are plain links.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from orienter.render import labels as fr
from orienter.render.hours import french as hours_fr
from orienter.render.safe import clean, email, html, md, phone_uri, scrub, web_url

FICTIF_BANNER = "DONNÉES FICTIVES DE FORMATION : aucune de ces structures n'existe, ne les contactez pas."
DISCLAIMER = ("Aide à l'orientation produite par orienter : elle ne remplace pas le jugement clinique. "
              "Coordonnées issues d'un annuaire vérifié aux dates indiquées : appelez avant d'adresser.")
AFTER_EMERGENCY = "Après la prise en charge de l'urgence :"
IN_ORDER = "Qui appeler, dans l'ordre"


# --- one reading for every output ---------------------------------------------------------------


def model(o: dict[str, Any], quotes: bool = False, texte: str | None = None,
          today: date | None = None, ids: bool = False) -> dict[str, Any]:
    """The orientation as a person reads it. `quotes`: keep the words quoted from the situation
    (« fille épuisée »); `texte`: the situation's free text, shown only when given; `ids`:
    identifiers allowed where no name is known (the terminal, for `orienter fiche ID`)."""
    o = scrub(o)
    today = today or date.today()
    urgent = bool(o.get("urgence"))
    calls = [{"numero": c["numero"], "libelle": c.get("libelle") or "", "description": c.get("description") or ""}
             for c in o.get("appels") or []]
    why_urgent = list(dict.fromkeys(c.get("pourquoi") for c in o.get("appels") or [] if c.get("pourquoi")))
    ranked = (o.get("apres_urgence") or []) if urgent else o["suggestions"]
    names = {s["structure"]["id"]: s["structure"]["nom"] for s in [*o["suggestions"], *(o.get("apres_urgence") or [])]}
    excluded = [{"nom": x.get("nom") or x["service"], "type": x["type"],
                 "raisons": [_unquoted(fr.exclusion_reason(r, names, ids), quotes) for r in x["raisons"]]}
                for x in o["exclus"]]
    warnings = []
    for w in o["avertissements"]:
        if w.startswith("URGENCE") and (calls or urgent):
            if not calls:  # no number from the rules: the engine's sentence is the block
                calls = [{"numero": "15", "libelle": "SAMU", "description": ""},
                         {"numero": "112", "libelle": "Numéro d'urgence européen", "description": ""}]
            continue
        if not excluded:
            w = re.sub(r"\s*:\s*voir les services écartés[^.]*", "", w)
        warnings.append(_unquoted(w, quotes))
    cx = o["complexite"]
    services = [_service(s, quotes) for s in ranked]
    if services:
        empty = None
    elif urgent:
        empty = "Aucun service de l'annuaire à proposer pour la suite : voyez avec le médecin traitant."
    else:
        empty = "Aucun service de l'annuaire ne répond à ces besoins sur cette commune" + (
            " : voir les services écartés et leurs raisons." if excluded else ".")
    return {
        "date": fr.day(today),
        "commune": o["commune"],
        "territoires": [t["nom"] for t in o["territoires"] if t.get("nom")],
        "fictif": any(t["fictif"] for t in o["territoires"]),
        "urgence": urgent or bool(calls),
        "appels": calls,
        "urgence_pourquoi": [_unquoted(w, quotes) for w in why_urgent],
        "avertissements": warnings,
        "complexe": bool(cx["complexe"]),
        "axes": fr.axes(cx["axes"]),
        "niveau": fr.level(o["niveau"]),
        "besoins": [{"libelle": n["libelle"], "indice": n["indice"] if quotes and n["origine"] == "texte" else "",
                     "origine": n["origine"]} for n in o["besoins"]],
        "texte": clean(texte) if texte else None,
        "titre": AFTER_EMERGENCY if urgent else IN_ORDER,
        "services": services,
        "vide": empty,
        "exclus": excluded,
    }


def _unquoted(text: str, quotes: bool) -> str:
    return text if quotes else fr.without_quotes(text)


def _service(s: dict[str, Any], quotes: bool) -> dict[str, Any]:
    answers, notes = "", []
    for r in s["raisons"]:
        if r.startswith("répond à : "):
            answers = r[len("répond à : "):]
        elif not r.startswith(("règle", "niveau de recours", "intervient à")):  # rule ids stay in explain
            notes.append(r[0].upper() + r[1:] if r else r)
    conditions, referrers = [], ""
    for x in s["conditions"]:
        if x.startswith("orientation par : "):
            referrers = x[len("orientation par : "):]
        elif _unquoted(x, quotes):
            conditions.append(_unquoted(x, quotes))
    c = s.get("contact") or {}
    return {
        "rang": s["rang"],
        "structure": s["structure"]["nom"],
        "service": s["service"]["nom"],
        "type": s["type"],
        "type_libelle": s.get("type_libelle") or s["type"],
        # The type's name, unless the service's name already says it.
        "nature": "" if _fold(s.get("type_libelle") or s["type"]) in _fold(s["service"]["nom"])
        else (s.get("type_libelle") or s["type"]),
        "niveau": fr.level(s.get("niveau")),
        "national": bool(s.get("national")),
        "repond_a": answers,
        "notes": notes,
        "conditions": conditions,
        "orienteurs": referrers,
        "adresse": _address(s.get("adresse")),
        "telephone": c.get("telephone"),
        "courriel": c.get("courriel"),
        "site": c.get("site"),
        "horaires": hours_fr(s.get("horaires")),
        "verifie_le": fr.day(s["verifie_le"]) if s.get("verifie_le") else None,
        "retard": fr.staleness(s),
    }


def _address(a: dict[str, Any] | None) -> str | None:
    if not a:
        return None
    town = " ".join(x for x in (a.get("code_postal"), a.get("commune_nom")) if x)
    return ", ".join(x for x in (a.get("ligne"), a.get("complement"), town) if x) or None


# --- Markdown -----------------------------------------------------------------------------------


def markdown(o: dict[str, Any], quotes: bool = False, texte: str | None = None, today: date | None = None) -> str:
    m = model(o, quotes, texte, today)
    where = f"{md(m['commune']['nom'])} ({md(m['commune']['code'])})"
    out = ["# Fiche d'orientation", "", f"Établie le {m['date']} pour une personne résidant à **{where}**.", ""]
    if m["urgence"]:
        out += ["## URGENCE : appelez d'abord", ""]
        for c in m["appels"]:
            desc = f" : {md(c['description'])}" if c["description"] else ""
            out.append(f"- **{md(c['numero'])}** — {md(c['libelle'])}{desc}")
        out.append("")
        for w in m["urgence_pourquoi"]:
            out += [f"Pourquoi : {md(w)}", ""]
    if m["fictif"]:
        out += [f"> **{md(FICTIF_BANNER)}**", ""]
    for w in m["avertissements"]:
        out += [f"> {md(w)}", ""]
    out += ["## Situation", "",
            f"- **Commune** : {where}",
            f"- **Territoire** : {md(', '.join(m['territoires'])) or 'aucun territoire'}",
            "- **Besoins repérés** : " + (" ; ".join(_need_md(n) for n in m["besoins"]) or "aucun"),
            f"- **Complexité** : {'situation complexe' if m['complexe'] else 'situation non complexe'} ({md(m['axes'])})",
            f"- **Niveau de recours** : {md(m['niveau'])}", ""]
    if m["texte"]:
        out += ["**Situation décrite** :", ""] + [f"> {md(x)}" for x in m["texte"].splitlines() if x.strip()] + [""]
    out += [f"## {m['titre'].rstrip(' :')}", ""]
    if m["vide"]:
        out += [md(m["vide"]), ""]
    for s in m["services"]:
        out += [f"### {s['rang']}. {md(s['structure'])}", "",
                " — ".join(md(x) for x in (s["service"], s["nature"]) if x) + f", {md(s['niveau'])}", ""]
        if s["retard"]:
            out += [f"> **Attention : {md(s['retard'])}.**", ""]
        if s["repond_a"]:
            out.append(f"- **Répond à** : {md(s['repond_a'])}")
        for note in s["notes"]:
            out.append(f"- {md(note)}")
        out.append(f"- **Conditions** : {md(' ; '.join(s['conditions'])) or 'aucune'}")
        if s["orienteurs"]:
            out.append(f"- **Qui peut orienter** : {md(s['orienteurs'])}")
        out.append(f"- **Adresse** : {md(s['adresse']) or fr.NR}")
        out.append(f"- **Téléphone** : {md(s['telephone']) or fr.NR}")
        out.append(f"- **Courriel** : {md(s['courriel']) or fr.NR}")
        site = web_url(s["site"])
        out.append(f"- **Site** : {('<' + site + '>') if site else (md(s['site']) or fr.NR)}")
        out.append(f"- **Horaires** : {md(s['horaires']) or fr.NR}")
        out.append(f"- **Vérifié le** : {s['verifie_le'] or 'jamais'}")
        out.append("")
    if m["exclus"]:
        out += ["## Services écartés", ""]
        out += [f"- {md(x['type'])} {md(x['nom'])} : {md('; '.join(x['raisons']))}" for x in m["exclus"]]
        out.append("")
    out += ["---", "", f"_{md(DISCLAIMER)}_", ""]
    return "\n".join(out)


def _need_md(n: dict[str, Any]) -> str:
    return md(n["libelle"]) + (f" (« {md(n['indice'])} »)" if n["indice"] else "")


# --- HTML ---------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 10mm 11mm 11mm; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 9pt;
       line-height: 1.28; color: #1b1b1b; background: #fff; }
body { margin: 0; }
.sheet { max-width: 186mm; margin: 0 auto; padding: 8mm 0 10mm; }
h1 { font-size: 16pt; margin: 0; letter-spacing: .2pt; }
.meta { margin: .8mm 0 2.5mm; color: #444; }
.meta strong { color: #1b1b1b; }
h2 { font-size: 11.5pt; color: #0b4f8a; margin: 3.5mm 0 1.8mm; padding-bottom: .8mm;
     border-bottom: 1.2pt solid #0b4f8a; break-after: avoid; page-break-after: avoid; }
.banner { border: 1.2pt solid #b58900; background: #fff3b0; color: #3d2f00; font-weight: bold;
          padding: 1.6mm 3mm; margin: 2mm 0; }
.urgence { border: 2pt solid #b00020; border-radius: 1.5mm; padding: 2.5mm 3.5mm; margin: 2mm 0 3mm;
           break-inside: avoid; page-break-inside: avoid; }
.urgence h2 { color: #b00020; border: 0; margin: 0 0 1.5mm; padding: 0; font-size: 14pt; }
.urgence ul { list-style: none; margin: 0; padding: 0; }
.urgence li { margin: 0 0 1.2mm; display: grid; grid-template-columns: 18mm 1fr; align-items: baseline; }
.urgence .numero { font-size: 18pt; font-weight: bold; line-height: 1.1; }
.urgence .numero, .urgence .numero a { color: #b00020; }
.urgence .why { margin: 1.5mm 0 0; color: #333; }
.warnings { margin: 2mm 0; padding: 0; list-style: none; }
.warnings li { border-left: 2.5pt solid #c47f00; background: #fff8e6; padding: 1.2mm 2.5mm; margin: 0 0 1.2mm; }
dl { margin: 0; display: grid; column-gap: 2.5mm; row-gap: .5mm; align-content: start; }
dt { font-weight: bold; color: #333; white-space: nowrap; }
dd { margin: 0; min-width: 0; }
dl.situation { grid-template-columns: 33mm 1fr; }
blockquote { margin: 1.5mm 0; padding: 1.5mm 3mm; border-left: 2pt solid #999; background: #f6f6f6;
             white-space: pre-wrap; }
ol.services { list-style: none; margin: 0; padding: 0; }
li.service { border: .7pt solid #c8c8c8; border-left: 3pt solid #0b4f8a; border-radius: 1mm;
             padding: 1.6mm 3mm 1.8mm; margin: 0 0 2mm; orphans: 3; widows: 3; }
.service .head, .service .what, .service .late { break-after: avoid; page-break-after: avoid; }
table.kv tr { break-inside: avoid; page-break-inside: avoid; }
li.service.stale { border-left-color: #c47f00; }
.service .head { display: flex; justify-content: space-between; align-items: baseline; gap: 4mm; }
.service h3 { font-size: 10.6pt; margin: 0; }
.service h3 .rang { display: inline-block; min-width: 6mm; color: #0b4f8a; }
.service .phone { font-weight: bold; font-size: 11pt; white-space: nowrap; color: #1b1b1b; }
.service .phone.none { font-weight: normal; font-size: 8.5pt; color: #666; }
.service .what { margin: .2mm 0 1.2mm 6mm; color: #444; }
.service .cols { display: grid; grid-template-columns: 1fr 1fr; column-gap: 5mm; margin-left: 6mm;
                 align-items: start; }
table.kv { border-collapse: collapse; width: 100%; }
table.kv th { text-align: left; vertical-align: top; font-weight: bold; color: #333; white-space: nowrap;
              padding: 0 2.5mm .35mm 0; width: 1%; }
table.kv td { vertical-align: top; padding: 0 0 .35mm; overflow-wrap: anywhere; }
.late { margin: 0 0 1.2mm 6mm; padding: .8mm 2.5mm; background: #fff1cc; border: .9pt solid #c47f00;
        color: #4d3200; font-weight: bold; }
a { color: #0b4f8a; text-decoration: none; overflow-wrap: anywhere; }
.wrap { overflow-wrap: anywhere; }
.nw { white-space: nowrap; }
.empty { font-style: italic; }
.exclus { font-size: 8.2pt; color: #4a4a4a; break-inside: avoid; page-break-inside: avoid; }
.exclus ul { margin: 0; padding-left: 4.5mm; }
footer { margin-top: 3mm; padding-top: 1.6mm; border-top: .7pt solid #c8c8c8; font-size: 8.2pt; color: #4a4a4a; }
footer p { margin: 0 0 .8mm; }
@media print {
  .sheet { max-width: none; padding: 0; }
  a { color: #1b1b1b; }
}
@media screen and (max-width: 160mm) {
  .service .cols { grid-template-columns: 1fr; }
}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def html_page(o: dict[str, Any], quotes: bool = False, texte: str | None = None, today: date | None = None) -> str:
    m = model(o, quotes, texte, today)
    h = html
    where = f"{h(m['commune']['nom'])} ({h(m['commune']['code'])})"
    parts = ["<!DOCTYPE html>", '<html lang="fr">', "<head>", '<meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
             '<meta name="referrer" content="no-referrer">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>Fiche d'orientation — {h(m['commune']['nom'])} — {m['date']}</title>",
             f"<style>{CSS}</style>", "</head>", "<body>", '<main class="sheet">',
             "<header>", "<h1>Fiche d'orientation</h1>",
             f'<p class="meta">Établie le <strong>{m["date"]}</strong> pour une personne résidant à '
             f"<strong>{where}</strong>.</p>", "</header>"]
    if m["urgence"]:
        parts += ['<section class="urgence" aria-label="Urgence">', "<h2>URGENCE : appelez d'abord</h2>", "<ul>"]
        for c in m["appels"]:
            tel = phone_uri(c["numero"])
            number = f'<a href="tel:{h(tel)}">{h(c["numero"])}</a>' if tel else h(c["numero"])
            desc = f" — {h(c['description'])}" if c["description"] else ""
            parts.append(f'<li><span class="numero">{number}</span><span><strong>{h(c["libelle"])}</strong>{desc}</span></li>')
        parts.append("</ul>")
        for w in m["urgence_pourquoi"]:
            parts.append(f'<p class="why">{h(w)}</p>')
        parts.append("</section>")
    if m["fictif"]:
        parts.append(f'<p class="banner" role="note">{h(FICTIF_BANNER)}</p>')
    if m["avertissements"]:
        parts.append('<ul class="warnings">' + "".join(f"<li>{h(w)}</li>" for w in m["avertissements"]) + "</ul>")
    needs = " ; ".join(h(n["libelle"]) + (f" (« {h(n['indice'])} »)" if n["indice"] else "") for n in m["besoins"])
    parts += ['<section aria-label="Situation">', "<h2>Situation</h2>", '<dl class="situation">',
              f"<dt>Commune</dt><dd>{where}</dd>",
              f"<dt>Territoire</dt><dd>{h(', '.join(m['territoires'])) or 'aucun territoire'}</dd>",
              f"<dt>Besoins repérés</dt><dd>{needs or 'aucun'}</dd>",
              f"<dt>Complexité</dt><dd>{'situation complexe' if m['complexe'] else 'situation non complexe'} "
              f"({h(m['axes'])})</dd>",
              f"<dt>Niveau de recours</dt><dd>{h(m['niveau'])}</dd>", "</dl>"]
    if m["texte"]:
        parts.append(f"<p><strong>Situation décrite :</strong></p><blockquote>{h(m['texte'])}</blockquote>")
    parts += ["</section>", '<section aria-label="Services">', f"<h2>{h(m['titre'])}</h2>"]
    if m["vide"]:
        parts.append(f'<p class="empty">{h(m["vide"])}</p>')
    else:
        parts.append('<ol class="services">')
        parts += [_service_html(s) for s in m["services"]]
        parts.append("</ol>")
    parts.append("</section>")
    if m["exclus"]:
        parts += ['<section class="exclus" aria-label="Services écartés">', "<h2>Services écartés</h2>", "<ul>"]
        parts += [f"<li>{h(x['type'])} {h(x['nom'])} : {h('; '.join(x['raisons']))}</li>" for x in m["exclus"]]
        parts += ["</ul>", "</section>"]
    territories = h(", ".join(m["territoires"]))
    parts += [f"<footer><p>{h(DISCLAIMER)} Données : {territories or 'aucun territoire'} ; "
              f"fiche du {m['date']}.</p></footer>", "</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _service_html(s: dict[str, Any]) -> str:
    h = html
    left = []
    if s["repond_a"]:
        left.append(_row("Répond à", h(s["repond_a"])))
    left.append(_row("Conditions", h(" ; ".join(s["conditions"])) or "aucune"))
    if s["orienteurs"]:
        left.append(_row("Orienté par", h(s["orienteurs"])))
    right = [_row("Adresse", h(s["adresse"]) if s["adresse"] else fr.NR)]
    mail = email(s["courriel"])
    if s["courriel"]:
        right.append(_row("Courriel", f'<a href="mailto:{h(mail)}">{_breakable(mail)}</a>' if mail else
                          f'<span class="wrap">{h(s["courriel"])}</span>'))
    site = web_url(s["site"])
    if s["site"]:
        right.append(_row("Site", f'<a href="{h(site)}" rel="noopener noreferrer">{_breakable(site)}</a>' if site else
                          f'<span class="wrap">{h(s["site"])}</span>'))
    right.append(_row("Horaires", h(s["horaires"]) if s["horaires"] else fr.NR))
    right.append(_row("Vérifié le", s["verifie_le"] or "jamais"))
    tel = phone_uri(s["telephone"])
    phone = (f'<a class="phone" href="tel:{h(tel)}">{h(s["telephone"])}</a>' if tel
             else (f'<span class="phone">{h(s["telephone"])}</span>' if s["telephone"]
                   else '<span class="phone none">téléphone non renseigné</span>'))
    late = f'<p class="late">Attention : {h(s["retard"])}.</p>' if s["retard"] else ""
    what = " — ".join(h(x) for x in (s["service"], s["nature"]) if x) + f", {h(s['niveau'])}"
    return (f'<li class="service{" stale" if s["retard"] else ""}">'
            f'<div class="head"><h3><span class="rang">{s["rang"]}.</span>{h(s["structure"])}</h3>{phone}</div>'
            f'<p class="what">{what}{"".join(" · " + h(n) for n in s["notes"])}</p>{late}'
            f'<div class="cols"><table class="kv">{"".join(left)}</table>'
            f'<table class="kv">{"".join(right)}</table></div></li>')


def _breakable(text: str) -> str:
    """An e-mail or web address that may wrap only after `@` or `/` (never at a hyphen inside a
    name, which reads as part of the address): nowrap pieces joined by <wbr>."""
    pieces = re.split(r"(?<=[@/?&])", text)
    return "<wbr>".join(f'<span class="nw">{html(x)}</span>' for x in pieces if x)


def _row(label: str, cell: str) -> str:
    """One labelled line of a service card (a table: sturdier than a grid when printed)."""
    return f'<tr><th scope="row">{label}</th><td>{cell}</td></tr>'


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
