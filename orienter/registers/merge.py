"""The import plan: what a register import adds, changes and closes in a territory, computed in
memory before anything is written (`--plan` prints it; otherwise `writer.commit` writes it whole).

Why a state file plus round-trip edits (and not register data kept apart from human data):
people edit one structure file, as docs/format.md shows it; splitting each structure in two
files would change the format every command reads and make the reviewer's diff harder to read.
So register values stay in the structure file, and the import keeps, per territory and per
register, what it wrote last (`registres/<register>.json`, data only). A re-import is a three-way
merge per register-owned value: the previous register value (state), the new register value, the
file's value:
- the register did not change it: nothing is touched, whatever the file says (a person's edit stays);
- the register changed it and the file still has the previous value: the file is updated;
- both changed it differently: the person's value stays and the plan reports a conflict.
Fields the register does not own (zone, publics, access, needs, description, comments) are never
read nor written after creation. Files are edited with ruamel.yaml round-trip (see `writer`), so
comments and layout survive. An establishment that closes, or disappears from a feed that covers
its département and category, gets `statut: ferme`: it is never deleted. A file a person deleted
is not recreated (the establishment is marked as set aside in the state).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.core.paths import display_path
from orienter.load.geo import Geo
from orienter.load.vocabulary import Vocabulary
from orienter.registers import writer
from orienter.registers.records import SOURCE_MARK, Record

STATE_SCHEMA = "orienter/registre@1"
STATE_FOLDER = "registres"
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass
class Change:
    path: str
    old: Any
    new: Any


@dataclass
class Action:
    key: str
    id: str
    label: str
    type: str
    file: str  # relative to the territory folder
    commune: str | None = None
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)  # old = the file's (kept), new = the register's
    reason: str = ""


@dataclass
class Plan:
    source: str
    territory: str
    folder: Path
    new_territory: bool
    feed: dict[str, Any]
    read: int = 0
    added: list[Action] = field(default_factory=list)
    changed: list[Action] = field(default_factory=list)
    closed: list[Action] = field(default_factory=list)
    conflicts: list[Action] = field(default_factory=list)
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    details: dict[str, Counter[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    writes: dict[Path, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # commune code -> name, for the report

    def skip(self, reason: str, detail: str | None = None) -> None:
        self.skipped[reason] += 1
        if detail:
            self.details.setdefault(reason, Counter())[detail] += 1


@dataclass
class Target:
    """The territory an import writes into."""

    root: Path
    ident: str
    folder: Path
    exists: bool
    communes: set[str]
    departements: list[str]
    nom: str


def resolve_target(root: Path, ident: str, geo: Geo, force: bool) -> Target:
    from orienter.load.schema import validate_model
    from orienter.load.model import Territoire
    from orienter.load.yamlsafe import load_yaml

    if not root.is_dir():
        raise OrienterError(f"Dossier de territoires « {display_path(root)} » introuvable : créez-le ou indiquez "
                            "le bon dossier avec --donnees.")
    if not _ID.match(ident) or len(ident) > 80:
        raise OrienterError(f"Identifiant de territoire « {ident} » invalide : minuscules, chiffres et tirets "
                            "(ex. mon-territoire).")
    folder = root / ident
    tfile = folder / "territoire.yaml"
    if tfile.is_file():
        doc, problems = load_yaml(tfile, display_path(tfile))
        model = None
        if doc is not None and not problems:
            model, problems = validate_model(Territoire, doc.data, doc)
        if model is None:
            lines = "\n".join(f"{d.file}:{d.line}:{d.col}: {d.message}" for d in problems[:5])
            raise OrienterError(f"{lines}\n{display_path(tfile)} est invalide : corrigez-le (orienter validate) "
                                "avant d'importer.")
        if model.fictif:
            raise OrienterError(f"Le territoire « {ident} » est fictif (formation) : on n'y importe pas un registre "
                                "réel. Choisissez un territoire réel ou un nouvel identifiant.")
        p = model.perimetre
        communes = geo.expand(p.communes, p.epci, p.departements, p.regions, france=p.france)
        if p.exclus:
            communes -= geo.expand(p.exclus.communes, p.exclus.epci, p.exclus.departements, p.exclus.regions)
        deps = sorted({c[:3] if c.startswith("97") else c[:2] for c in communes})
        return Target(root, ident, folder, True, communes, deps, model.nom)
    if folder.exists() and any(folder.iterdir()):
        raise OrienterError(f"{display_path(folder)} existe mais n'a pas de territoire.yaml : ce n'est pas un "
                            "territoire. Choisissez un autre identifiant ou complétez le dossier.")
    if not force:
        from rapidfuzz import process

        known = sorted(p.parent.name for p in root.glob("*/territoire.yaml"))
        close = process.extractOne(ident, known, score_cutoff=85)
        if close:
            raise OrienterError(f"Territoire « {ident} » inconnu ; vouliez-vous « {close[0]} » ? Pour créer vraiment "
                                f"un nouveau territoire « {ident} », ajoutez --force.")
    return Target(root, ident, folder, False, set(), [], ident)


def check_departements(values: Iterable[str], geo: Geo) -> list[str]:
    out = []
    for raw in values:
        for code in (c.strip().upper() for c in raw.split(",") if c.strip()):
            code = code.zfill(2) if code.isdigit() and len(code) == 1 else code
            if code not in geo.departements:
                raise OrienterError(f"--departement : « {code} » n'est pas un code de département (COG) : écrivez "
                                    "« 01 », « 2A », « 974 »… (`orienter communes NOM` montre le département d'une "
                                    "commune).")
            out.append(code)
    return sorted(set(out))


# --- state ---------------------------------------------------------------------------------------


def state_path(folder: Path, source: str) -> Path:
    return folder / STATE_FOLDER / f"{source}.json"


def load_state(folder: Path, source: str) -> dict[str, Any]:
    path = state_path(folder, source)
    if not path.is_file():
        return {"schema": STATE_SCHEMA, "source": source, "entrees": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OrienterError(f"{display_path(path)} illisible ({exc}) : ce fichier garde ce que le dernier import a "
                            "écrit ; restaurez-le depuis git (git checkout -- ce fichier).") from None
    if not isinstance(data, dict) or data.get("schema") != STATE_SCHEMA or not isinstance(data.get("entrees"), dict):
        raise OrienterError(f"{display_path(path)} n'est pas un état d'import orienter : restaurez-le depuis git.")
    return data


def dump_state(state: dict[str, Any]) -> str:
    return json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


# --- what already exists -------------------------------------------------------------------------


@dataclass
class Existing:
    finess: dict[str, str] = field(default_factory=dict)  # number -> file
    sirets: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    di_ids: dict[str, str] = field(default_factory=dict)


def scan_existing(root: Path, skip: set[Path]) -> Existing:
    """Identifiers used anywhere under the data folder (other territories included: one FINESS in two
    territories is an error for `validate`, O205). Read as plain strings, broken files ignored
    (`validate` reports them)."""
    import yaml

    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    out = Existing()
    for path in sorted(root.rglob("*.y*ml")):
        if path in skip or path.name == "territoire.yaml" or "structures" not in path.parts:
            continue
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except Exception:  # noqa: BLE001 - any broken file: validate's business, not ours
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("id"), str):
                out.ids.add(item["id"])
                for sv in item.get("services") or []:
                    if isinstance(sv, dict) and isinstance(sv.get("id"), str):
                        out.ids.add(sv["id"])
            ident = item.get("identifiants")
            if isinstance(ident, dict):
                finess = ident.get("finess")
                for number in finess if isinstance(finess, list) else [finess] if finess else []:
                    if isinstance(number, str):
                        out.finess.setdefault(number, display_path(path))
                if isinstance(ident.get("siret"), str):
                    out.sirets.add(ident["siret"])
    return out


# --- applying records ----------------------------------------------------------------------------


def unique_id(base: str, taken: set[str]) -> str:
    ident, n = base[:80], 2
    while ident in taken:
        suffix = f"-{n}"
        ident, n = base[:80 - len(suffix)] + suffix, n + 1
    taken.add(ident)
    return ident


def plan_add(plan: Plan, record: Record, target: Target, state: dict[str, Any]) -> None:
    doc = record.document
    rel = f"structures/{doc['id']}.yaml"
    path = target.folder / rel
    text = writer.header(record.comments) + writer.emit(doc)
    plan.writes[path] = text
    plan.added.append(Action(record.key, doc["id"], record.label, record.type, rel, record.commune))
    state["entrees"][record.key] = {"id": doc["id"], "fichier": rel, "type": record.type,
                                    "categorie": record.categorie, "departement": record.departement,
                                    "valeurs": _jsonable(record.owned)}


def plan_update(plan: Plan, record: Record, target: Target, state: dict[str, Any], extraction: date,
                absent: bool = False) -> None:
    """Three-way merge of the register-owned values of an imported record (see module docstring)."""
    entry = state["entrees"][record.key]
    if entry.get("ecarte"):
        plan.skip("écartés à la main (fichier supprimé)")
        return
    base: dict[str, Any] = entry.get("valeurs", {})
    theirs = _jsonable(record.owned)
    if absent:
        theirs = {**base, "statut": "ferme"}
    moved = [p for p in theirs if theirs.get(p) != base.get(p)]
    if not moved:
        plan.unchanged += 1
        return
    path = target.folder / entry["fichier"]
    if not path.is_file():
        entry["ecarte"] = True
        plan.skip("écartés à la main (fichier supprimé)")
        return
    text = plan.writes.get(path) or path.read_text(encoding="utf-8")
    try:
        doc = writer.rt_load(text)
    except Exception as exc:  # noqa: BLE001 - ruamel raises many kinds; the file is the person's to fix
        raise OrienterError(f"{display_path(path)} illisible ({type(exc).__name__}) : corrigez-le (orienter validate) "
                            "avant de relancer l'import ; rien n'a été écrit.") from None
    node = _structure_node(doc, entry["id"])
    if node is None:
        entry["ecarte"] = True
        plan.skip("écartés à la main (fiche retirée du fichier)")
        return
    entry["id"] = str(node.get("id", entry["id"]))
    action = Action(record.key, entry["id"], record.label, record.type, entry["fichier"], record.commune,
                    reason="absent du registre" if absent else "")
    for p in moved:
        mine = writer.to_plain(_get(node, p))
        if mine == base.get(p):
            _set(node, p, theirs[p])
            action.changes.append(Change(p, base.get(p), theirs[p]))
        elif mine != theirs[p]:
            action.conflicts.append(Change(p, mine, theirs[p]))
    entry["valeurs"] = theirs
    if not action.changes:
        if action.conflicts:
            plan.conflicts.append(action)
        else:
            plan.unchanged += 1
        return
    _touch_provenance(node, record, extraction, action, absent)
    plan.writes[path] = writer.rt_dump(doc)
    closing = any(c.path == "statut" and c.new == "ferme" for c in action.changes)
    (plan.closed if closing else plan.changed).append(action)
    if action.conflicts:
        plan.conflicts.append(action)


def _touch_provenance(node: Any, record: Record, extraction: date, action: Action, absent: bool) -> None:
    """A changed file says when and from what: its register source entry and derniere_modification."""
    from ruamel.yaml.comments import CommentedMap

    sources = node.get("sources")
    if record.source_entry and isinstance(sources, list):
        mark = str(record.source_entry.get("titre", SOURCE_MARK)).split(" :")[0]
        entry = next((s for s in sources if isinstance(s, dict) and str(s.get("titre", "")).startswith(mark)), None)
        if entry is not None:
            for key, value in record.source_entry.items():
                if value is not None:
                    # A fresh date object each time: ruamel writes one object used twice as an &anchor.
                    entry[key] = writer.quoted(value) if not isinstance(value, date) else date.fromordinal(value.toordinal())
    verification = node.get("verification")
    if isinstance(verification, dict):
        verification["derniere_modification"] = date.fromordinal(extraction.toordinal())
    if any(c.path == "statut" and c.new == "ferme" for c in action.changes):
        history = node.get("historique")
        if history is None:
            node["historique"] = history = []
        event = CommentedMap()
        event["date"] = date.fromisoformat(record.closing_date or extraction.isoformat())
        event["evenement"] = "fermeture"
        event["description"] = writer.quoted(
            f"Absent du registre à l'extraction du {extraction:%d/%m/%Y} : fermé ou sorti du registre (à vérifier)."
            if absent else f"Fermeture enregistrée au registre (extraction du {extraction:%d/%m/%Y}).")
        history.append(event)


def _structure_node(doc: Any, ident: str) -> Any:
    if isinstance(doc, dict):
        return doc  # one structure per file, the one this import wrote (a person may have renamed its id)
    if isinstance(doc, list):
        return next((d for d in doc if isinstance(d, dict) and str(d.get("id")) == ident), None)
    return None


def _get(node: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _set(node: Any, path: str, value: Any) -> None:
    from ruamel.yaml.comments import CommentedMap

    *parents, last = path.split(".")
    chain = []
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            if value is None:
                return
            child = CommentedMap()
            node[part] = child
        chain.append((node, part))
        node = child
    if value is None:
        node.pop(last, None)
        for parent, part in reversed(chain):  # an emptied `contact:` goes too
            if isinstance(parent[part], dict) and not parent[part]:
                del parent[part]
    else:
        node[last] = writer.quoted(value)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


def finish(plan: Plan, target: Target, state: dict[str, Any], territory_text: str | None) -> None:
    """The territory file of a new territory and the state file join the writes; the state is written
    whenever it differs from the one on disk (it also records the last feed read)."""
    if territory_text is not None:
        plan.writes[target.folder / "territoire.yaml"] = territory_text
    spath = state_path(target.folder, plan.source)
    text = dump_state(state)
    old = spath.read_text(encoding="utf-8") if spath.is_file() else None
    if text != old and (old is not None or state["entrees"]):
        plan.writes[spath] = text


def guard(plan: Plan, target: Target, force: bool, in_scope_before: int) -> None:
    """Refuse what is more likely a broken file or a dirty folder than a real change."""
    if force:
        return
    if len(plan.closed) > max(10, in_scope_before // 2):
        raise OrienterError(f"L'import fermerait {len(plan.closed)} des {in_scope_before} établissements déjà importés "
                            "dans ce périmètre : le fichier est-il complet (téléchargement interrompu, mauvais "
                            "département) ? Vérifiez-le avec --plan ; si c'est bien le cas, relancez avec --force.")
    dirty = writer.uncommitted(target.folder)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" et {len(dirty) - 5} autre(s)" if len(dirty) > 5 else "")
        raise OrienterError(f"{display_path(target.folder)} a des modifications non enregistrées dans git ({shown}) : "
                            "enregistrez-les (git commit) ou mettez-les de côté (git stash) avant d'importer, pour "
                            "que la revue montre l'import seul. Rien n'a été écrit. (--force passe outre.)",
                            ExitCode.INPUT)


def vocab_check(vocab: Vocabulary, types: Iterable[str]) -> None:
    missing = sorted({t for t in types if t not in vocab.types})
    if missing:
        raise OrienterError(f"Types {', '.join(missing)} absents de rules/types.yaml : corrigez la table de "
                            "correspondance.", ExitCode.USAGE)
