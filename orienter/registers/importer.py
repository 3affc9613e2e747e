"""Run an import: read the register, pick the establishments of the territory, plan, and (unless
`--plan`) write everything at once. Returns the plan; the command prints it."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orienter.core.diagnostics import OrienterError
from orienter.load.geo import Geo, load_geo
from orienter.load.validation import luhn_ok
from orienter.load.vocabulary import Vocabulary, load_vocabulary
from orienter.registers import merge, writer
from orienter.registers.finess import Etablissement, Flux, read_finess
from orienter.registers.mapping import CategorieFiness, FinessMapping, load_finess_mapping
from orienter.registers.records import Record, finess_id, finess_record, territory_document


@dataclass
class Request:
    files: list[Path]
    territoire: str
    root: Path
    rules: Path
    departements: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    nom: str | None = None
    plan_only: bool = False
    force: bool = False
    today: date = field(default_factory=date.today)


def load_rules(rules: Path) -> tuple[Vocabulary, Geo]:
    vocab, problems = load_vocabulary(rules)
    errors = [d for d in problems if d.level == "error"]
    if errors:
        raise OrienterError(errors)
    geo = load_geo()
    # Build the commune indexes once: a lookup without them searches the whole COG text (2 ms
    # each, minutes for a national feed).
    geo.all_current()
    return vocab, geo


def name_communes(plan: merge.Plan, geo: Geo) -> None:
    for a in [*plan.added, *plan.changed, *plan.closed, *plan.conflicts]:
        c = geo.get(a.commune) if a.commune else None
        if c is not None:
            plan.names[a.commune or ""] = c.nom


def import_finess(req: Request) -> merge.Plan:
    if len(req.files) != 1:
        raise OrienterError("importe finess lit un seul fichier (le flux FINESS+ JSON ou l'extraction etalab CSV).")
    vocab, geo = load_rules(req.rules)
    fmap = load_finess_mapping(req.rules, vocab)
    deps = merge.check_departements(req.departements, geo)
    categories = _categories(req.categories, fmap)
    target = merge.resolve_target(req.root, req.territoire, geo, req.force)
    # The feed is the big allocation: millions of small objects, none cyclic (DESIGN §8, gc).
    enabled = gc.isenabled()
    gc.disable()
    try:
        flux = read_finess(req.files[0], req.today)
        plan = _plan_finess(flux, req, target, vocab, geo, fmap, deps, categories)
    finally:
        if enabled:
            gc.enable()
    if not req.plan_only and plan.writes:
        writer.commit(plan.writes)
    return plan


def _categories(values: list[str], fmap: FinessMapping) -> set[str] | None:
    wanted = [c.strip() for raw in values for c in raw.split(",") if c.strip()]
    if not wanted:
        return None
    out: set[str] = set()
    for code in wanted:
        codes = {c for c in fmap.codes_for(code) if fmap.categories[c].type}
        if not codes:
            known = fmap.categories.get(code)
            why = "n'a pas de type orienter" if known else "est absente de la table"
            raise OrienterError(f"--categories : « {code} » {why} ({fmap.file}). Donnez un code de catégorie FINESS "
                                "repris (ex. 500, 354) ou un type orienter (ex. EHPAD, SSIAD).")
        out |= codes
    return out


def _plan_finess(flux: Flux, req: Request, target: merge.Target, vocab: Vocabulary, geo: Geo,
                 fmap: FinessMapping, deps: list[str], categories: set[str] | None) -> merge.Plan:
    state = merge.load_state(target.folder, "finess")
    entries: dict[str, Any] = state["entrees"]
    scope = Scope(set(deps or target.departements), categories)
    plan = merge.Plan("finess", target.ident, target.folder, not target.exists,
                      {"format": flux.format, "libelle": flux.libelle, "fichier": flux.fichier,
                       "date_extraction": flux.date_extraction.isoformat(),
                       "date_extraction_lue": flux.date_extraction_lue},
                      read=len(flux.etablissements))
    if not flux.date_extraction_lue:
        plan.notes.append("date d'extraction absente du fichier et de son nom : date du jour retenue")
    previous = set(entries)
    existing = merge.scan_existing(req.root, {target.folder / e["fichier"] for e in entries.values()})
    sirets = _SiretGuard(flux.etablissements, fmap, plan)
    seen: set[str] = set()
    adds: list[tuple[Etablissement, CategorieFiness]] = []
    for e in flux.etablissements:
        row = fmap.categories.get(e.categorie or "")
        if not scope.covers(e.departement, e.categorie, plan):
            continue
        if e.finess in entries:
            seen.add(e.finess)
            if row is None or row.type is None:
                plan.unchanged += 1
                continue
            record = finess_record(e, flux, row, vocab, geo, sirets.unique(e), entries[e.finess]["id"])
            merge.plan_update(plan, record, target, state, flux.date_extraction)
        elif _addable(e, row, target, geo, existing, fmap, plan):
            assert row is not None
            adds.append((e, row))
    taken_ids = set(existing.ids) | {v["id"] for v in entries.values()}
    for e, row in sorted(adds, key=lambda pair: pair[0].finess):
        siret = sirets.unique(e)
        if siret and siret in existing.sirets:
            plan.notes.append(f"{e.finess} : SIRET {siret} déjà sur une autre fiche de l'annuaire, non repris")
            siret = None
        ident = merge.unique_id(finess_id(e), taken_ids)
        while (target.folder / "structures" / f"{ident}.yaml").exists():
            ident = merge.unique_id(finess_id(e), taken_ids)
        merge.plan_add(plan, finess_record(e, flux, row, vocab, geo, siret, ident), target, state)
    in_scope_before = _close_absent(plan, target, state, previous, seen, scope, flux.date_extraction)
    if req.plan_only:
        if len(plan.closed) > max(10, in_scope_before // 2):
            plan.notes.append(f"{len(plan.closed)} fermetures sur {in_scope_before} : l'import réel demandera --force")
    else:
        merge.guard(plan, target, req.force, in_scope_before)
    territory_text = None
    if not target.exists:
        territory_text = _new_territory(plan, target, req, scope, flux)
    state["flux"] = plan.feed
    state["perimetre"] = {"departements": sorted(scope.departements),
                          "categories": sorted(categories) if categories else []}
    merge.finish(plan, target, state, territory_text)
    name_communes(plan, geo)
    return plan


@dataclass
class Scope:
    """What a feed covers for this import: the départements and categories asked for."""

    departements: set[str]
    categories: set[str] | None

    def covers(self, departement: str | None, categorie: str | None, plan: merge.Plan | None = None) -> bool:
        if self.departements and departement not in self.departements:
            if plan is not None:
                plan.skip("hors des départements demandés")
            return False
        if self.categories is not None and categorie not in self.categories:
            if plan is not None:
                plan.skip("hors des catégories demandées")
            return False
        return True


class _SiretGuard:
    """A SIRET shared by several establishments (one legal site for several FINESS) would make
    `validate` report a duplicate (O205): it is kept only where it is unique."""

    def __init__(self, etablissements: list[Etablissement], fmap: FinessMapping, plan: merge.Plan) -> None:
        self.plan = plan
        self.counts: dict[str, int] = {}
        for e in etablissements:
            siret = valid_siret(e.siret)
            row = fmap.categories.get(e.categorie or "")
            if siret and e.ouvert and row is not None and row.type:
                self.counts[siret] = self.counts.get(siret, 0) + 1

    def unique(self, e: Etablissement) -> str | None:
        siret = valid_siret(e.siret)
        if siret and self.counts.get(siret, 0) > 1:
            self.plan.notes.append(f"{e.finess} : SIRET {siret} partagé avec un autre établissement, non repris")
            return None
        return siret


def _addable(e: Etablissement, row: CategorieFiness | None, target: merge.Target, geo: Geo,
             existing: merge.Existing, fmap: FinessMapping, plan: merge.Plan) -> bool:
    """Is this establishment, never imported here, one to add? Otherwise count why not."""
    if row is None or row.type is None:
        plan.skip("catégorie sans type orienter", f"{e.categorie} {fmap.category_label(e.categorie)}")
    elif not e.ouvert:
        plan.skip("fermés au registre")
    elif not e.nom or not e.commune or geo.get(e.commune) is None:
        plan.skip("commune absente ou inconnue du référentiel", e.commune or "sans commune")
    elif target.exists and geo.current_code(e.commune) not in target.communes:
        plan.skip("hors du périmètre du territoire")
    elif e.finess in existing.finess:
        plan.skip("déjà décrits dans l'annuaire", existing.finess[e.finess])
    else:
        return True
    return False


def _close_absent(plan: merge.Plan, target: merge.Target, state: dict[str, Any], previous: set[str],
                  seen: set[str], scope: Scope, extraction: date) -> int:
    """Imported before, absent now from a feed that covers its département and category: closed
    (or gone from the register), never deleted. Returns how many were in scope before."""
    entries = state["entrees"]
    before = [k for k in sorted(previous - seen) if not entries[k].get("ecarte")
              and scope.covers(entries[k].get("departement"), entries[k].get("categorie"))]
    for key in before:
        v = entries[key]
        values = dict(v.get("valeurs", {}))
        if values.get("statut") == "ferme":
            continue
        record = Record("finess", key, v["type"], values.get("nom", key), "absent du fichier",
                        values.get("adresse.commune"), values, categorie=v.get("categorie"),
                        departement=v.get("departement"))
        merge.plan_update(plan, record, target, state, extraction, absent=True)
    return len(before) + len(seen & previous)


def _new_territory(plan: merge.Plan, target: merge.Target, req: Request, scope: Scope, flux: Flux) -> str:
    if not plan.added:
        raise OrienterError(f"Aucun établissement à importer dans le nouveau territoire « {target.ident} » "
                            f"({_why(plan)}) : rien n'a été écrit. Vérifiez --departement et --categories.")
    deps = sorted(scope.departements or {_departement(a.commune or "") for a in plan.added})
    comments, doc = territory_document(target.ident, req.nom or target.nom, deps, flux.libelle,
                                       flux.date_extraction, req.today)
    return writer.header(comments) + writer.emit(doc)


def _departement(commune: str) -> str:
    return commune[:3] if commune.startswith("97") else commune[:2]


def valid_siret(value: str | None) -> str | None:
    """The SIRET if `validate` accepts it (14 digits, Luhn key); a register's typo is left out."""
    if value and len(value) == 14 and value.isdigit() and (luhn_ok(value) or value.startswith("356000000")):
        return value
    return None


def _why(plan: merge.Plan) -> str:
    if not plan.skipped:
        return "fichier sans établissement"
    return ", ".join(f"{n} {reason}" for reason, n in plan.skipped.most_common(4))
