"""An import plan as text (for a person) or as a JSON-ready dict (for scripts). Returns strings and
data; the command prints them."""

from __future__ import annotations

from typing import Any

from orienter.core.paths import display_path
from orienter.registers.merge import Action, Plan

LABELS = {"nom": "nom", "statut": "statut", "identifiants.finess_juridique": "FINESS juridique",
          "identifiants.siret": "SIRET", "adresse.ligne": "adresse", "adresse.complement": "complément d'adresse",
          "adresse.code_postal": "code postal", "adresse.commune": "commune", "adresse.latitude": "latitude",
          "adresse.longitude": "longitude", "contact.telephone": "téléphone", "contact.source": "source du contact",
          "contact.courriel": "courriel", "contact.site": "site"}

SHOWN = 200  # lines per section in text; JSON has everything


def _value(v: Any) -> str:
    return "(vide)" if v in (None, "") else f"« {v} »"


def _action_line(sign: str, a: Action, geo_name: dict[str, str]) -> str:
    where = f" ({geo_name.get(a.commune or '', a.commune)})" if a.commune else ""
    return f"  {sign} {a.type:<7} {a.key:<10} {a.label}{where}"


def text(plan: Plan, written: bool, geo_name: dict[str, str]) -> str:
    lines: list[str] = []
    feed = plan.feed
    kind = "nouveau territoire" if plan.new_territory else "territoire existant"
    lines.append(f"Import {plan.source} → territoire « {plan.territory} » ({display_path(plan.folder)}, {kind})")
    date = feed.get("date_extraction", "")
    lines.append(f"Source : {feed.get('libelle')}, extraction du {date[8:10]}/{date[5:7]}/{date[:4]} "
                 f"({feed.get('fichier')}) ; {plan.read} enregistrement(s) lu(s).")
    lines.append("")
    sections = [("Ajoutés", "+", plan.added), ("Modifiés", "~", plan.changed), ("Fermés", "-", plan.closed)]
    for title, sign, actions in sections:
        lines.append(f"{title} : {len(actions)}")
        for a in actions[:SHOWN]:
            line = _action_line(sign, a, geo_name)
            if title == "Ajoutés":
                line += f"  -> {a.file}"
            lines.append(line)
            for c in a.changes if title != "Ajoutés" else []:
                lines.append(f"      {LABELS.get(c.path, c.path)} : {_value(c.old)} -> {_value(c.new)}")
            if a.reason:
                lines.append(f"      {a.reason}")
        if len(actions) > SHOWN:
            lines.append(f"  … et {len(actions) - SHOWN} autre(s) (--format json pour la liste complète)")
    if plan.conflicts:
        lines.append(f"Conflits (la valeur écrite à la main est gardée) : {len(plan.conflicts)}")
        for a in plan.conflicts[:SHOWN]:
            lines.append(_action_line("!", a, geo_name) + f"  [{a.file}]")
            for c in a.conflicts:
                lines.append(f"      {LABELS.get(c.path, c.path)} : fichier {_value(c.old)}, registre {_value(c.new)}")
    lines.append(f"Inchangés : {plan.unchanged}")
    if plan.skipped:
        lines.append("Non importés :")
        for reason, n in sorted(plan.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            detail = plan.details.get(reason)
            extra = ""
            if detail:
                extra = " (" + ", ".join(f"{k} ×{v}" if v > 1 else k for k, v in detail.most_common(6)) + \
                    (", …" if len(detail) > 6 else "") + ")"
            lines.append(f"  {n:>6}  {reason}{extra}")
    for note in plan.notes[:20]:
        lines.append(f"Note : {note}")
    if len(plan.notes) > 20:
        lines.append(f"… et {len(plan.notes) - 20} autre(s) note(s)")
    lines.append("")
    if written:
        lines.append(f"{len(plan.writes)} fichier(s) écrit(s). Relisez le changement (git diff), puis "
                     f"`orienter validate {display_path(plan.folder)}` : chaque zone provisoire est signalée (O311).")
    elif plan.writes:
        lines.append(f"Plan seulement : rien n'a été écrit ({len(plan.writes)} fichier(s) seraient écrits). "
                     "Relancez sans --plan pour importer.")
    else:
        lines.append("Rien à écrire : l'annuaire est à jour avec ce fichier.")
    return "\n".join(lines) + "\n"


def as_dict(plan: Plan, written: bool) -> dict[str, Any]:
    def action(a: Action) -> dict[str, Any]:
        return {"cle": a.key, "id": a.id, "nom": a.label, "type": a.type, "fichier": a.file, "commune": a.commune,
                "changements": [{"champ": c.path, "avant": c.old, "apres": c.new} for c in a.changes],
                "conflits": [{"champ": c.path, "fichier": c.old, "registre": c.new} for c in a.conflicts],
                "raison": a.reason or None}

    return {
        "schema": "orienter/import@1",
        "source": plan.source,
        "territoire": plan.territory,
        "dossier": display_path(plan.folder),
        "nouveau_territoire": plan.new_territory,
        "flux": plan.feed,
        "lus": plan.read,
        "ajoutes": [action(a) for a in plan.added],
        "modifies": [action(a) for a in plan.changed],
        "fermes": [action(a) for a in plan.closed],
        "conflits": [action(a) for a in plan.conflicts],
        "inchanges": plan.unchanged,
        "non_importes": dict(sorted(plan.skipped.items())),
        "details": {k: dict(v) for k, v in sorted(plan.details.items())},
        "notes": plan.notes,
        "ecrit": written,
        "fichiers": sorted(display_path(p) for p in plan.writes),
    }
