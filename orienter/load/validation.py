"""Territory folders to validated models, with every finding located.

Each file is read, checked against the model and against the references that need nothing
but the file itself (geography, vocabulary, identifiers, sources, freshness); its node tree is
then dropped, keeping only the positions that the cross-file checks (duplicate ids, dangling
references, shared FINESS/SIRET) need. That keeps memory flat at national scale.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

from orienter.core.diagnostics import Diagnostic
from orienter.load.geo import Geo
from orienter.load.yamlsafe import Document, Loc, load_yaml
from orienter.load.model import Contact, Service, Structure, Territoire, Verification, Zone
from orienter.load.territory import TERRITORY_FILE, Territory, find_territory_folders  # noqa: F401
from orienter.core.paths import display_path
from orienter.load.schema import dotted, validate_model
from orienter.load.vocabulary import Vocabulary

_FINESS = re.compile(r"^(?:\d{2}|2[AB])\d{7}$")
_SIRET = re.compile(r"^\d{14}$")


@dataclass
class Ref:
    kind: str  # "structure-id", "service-id", "structure-ref", "finess", "siret"
    value: str
    file: str
    line: int
    col: int
    owner: str = ""


@dataclass
class LoadResult:
    territories: list[Territory]
    diagnostics: list[Diagnostic]
    files: int = 0


def load_territories(paths: Iterable[Path], geo: Geo, vocab: Vocabulary,
                     today: date | None = None, keep: Callable[[Structure], bool] | None = None) -> LoadResult:
    """`keep` says which validated structures to hold in memory (all by default): `validate`
    keeps none and `suggest` only those of one département, so that memory stays flat."""
    folders, diags = find_territory_folders(paths)
    checker = _Checker(geo, vocab, today or date.today(), keep)
    territories: list[Territory] = []
    # Reading builds millions of short-lived, acyclic objects (nodes, dicts, models): the cyclic
    # garbage collector would rescan the growing heap again and again for nothing (measured:
    # 8.7 s of 22 s at national scale). Reference counting still frees everything.
    enabled = gc.isenabled()
    gc.disable()
    try:
        for folder in folders:
            territory = checker.load_folder(folder)
            if territory is not None:
                territories.append(territory)
    finally:
        if enabled:
            gc.enable()
    diags += checker.diagnostics + checker.cross_checks()
    return LoadResult(territories, sorted(set(diags)), checker.files)


class _Checker:
    def __init__(self, geo: Geo, vocab: Vocabulary, today: date, keep: Callable[[Structure], bool] | None = None):
        self.keep = keep
        self.geo = geo
        self.vocab = vocab
        self.today = today
        self.diagnostics: list[Diagnostic] = []
        self.refs: list[Ref] = []
        self.files = 0
        self._deps: dict[int, set[str]] = {}

    # --- files ------------------------------------------------------------------------

    def load_folder(self, folder: Path) -> Territory | None:
        tfile = folder / TERRITORY_FILE
        doc = self._read(tfile)
        if doc is None:
            return None
        model, problems = validate_model(Territoire, doc.data, doc)
        self.diagnostics += problems
        if model is None:
            return None
        territory = Territory(model, folder, doc.file)
        self._check_zone(doc, ("perimetre",), model.perimetre)
        territory.communes = self._expand(model.perimetre)
        self._check_verification(doc, (), model.verification, real=not model.fictif, required=False)
        for path in sorted((folder / "structures").rglob("*.y*ml")) if (folder / "structures").is_dir() else []:
            self._load_structures(path, territory)
        return territory

    def _read(self, path: Path) -> Document | None:
        self.files += 1
        doc, problems = load_yaml(path, display_path(path))
        self.diagnostics += problems
        if doc is not None and doc.data is None:
            self.diagnostics.append(Diagnostic(doc.file, 1, 1, "O100", "fichier vide : écrivez le "
                                               "contenu attendu (voir docs/format.md) ou supprimez le fichier"))
            return None
        return doc

    def _load_structures(self, path: Path, territory: Territory) -> None:
        doc = self._read(path)
        if doc is None:
            return
        items: list[tuple[Loc, Any]] = (
            [((i,), item) for i, item in enumerate(doc.data)] if isinstance(doc.data, list) else [((), doc.data)]
        )
        for base, data in items:
            model, problems = validate_model(Structure, data, doc, base)
            self.diagnostics += problems
            if model is None:
                continue
            self._check_structure(doc, base, model, territory)
            if self.keep is None or self.keep(model):
                territory.structures.append(model)
                territory.files[model.id] = doc.file

    # --- one structure ------------------------------------------------------------------

    def _check_structure(self, doc: Document, base: Loc, s: Structure, territory: Territory) -> None:
        fictional = territory.model.fictif
        real = not fictional
        self._ref(doc, "structure-id", s.id, base + ("id",))
        if s.porteur:
            self._ref(doc, "structure-ref", s.porteur, base + ("porteur",), s.id)
        for i, p in enumerate(s.partenaires):
            self._ref(doc, "structure-ref", p, base + ("partenaires", i), s.id)
        if s.absorbee_par:
            self._ref(doc, "structure-ref", s.absorbee_par.structure, base + ("absorbee_par", "structure"), s.id)
            if s.statut.value == "actif" and s.absorbee_par.depuis <= self.today:
                self._add(doc, base + ("statut",), "O309",
                          f"{s.id} est absorbée par {s.absorbee_par.structure} depuis "
                          f"{s.absorbee_par.depuis:%d/%m/%Y} mais reste « actif » : passez le statut à "
                          "« absorbe » ou retirez absorbee_par")
        for i, ev in enumerate(s.historique):
            for j, ref in enumerate(ev.structures):
                self._ref(doc, "structure-ref", ref, base + ("historique", i, "structures", j), s.id)
        if s.fictif is not None and s.fictif != fictional:
            self._add(doc, base + ("fictif",), "O406",
                      "structure marquée fictive dans un territoire réel" if s.fictif
                      else "structure marquée réelle dans un territoire fictif")
        if s.type and s.type not in self.vocab.types:
            self._unknown(doc, base + ("type",), "O303", s.type, self.vocab.types)
        if s.nature and self.vocab.natures and s.nature not in self.vocab.natures:
            self._add(doc, base + ("nature",), "O310",
                      f"nature « {s.nature} » inconnue ; natures connues : {', '.join(self.vocab.natures)}")
        for i, finess in enumerate(s.identifiants.finess):
            self._check_finess(doc, base + ("identifiants", "finess", i), finess)
        if s.identifiants.finess_juridique:
            self._check_finess(doc, base + ("identifiants", "finess_juridique"), s.identifiants.finess_juridique)
        if s.identifiants.siret:
            self._check_siret(doc, base + ("identifiants", "siret"), s.identifiants.siret)
        if s.adresse and s.adresse.commune:
            self._check_commune(doc, base + ("adresse", "commune"), s.adresse.commune)
            self._check_postal(doc, base + ("adresse",), s.adresse.commune, s.adresse.code_postal)
        if real and not s.sources:
            self._add(doc, base + ("id",), "O401",
                      f"la structure réelle {s.id} n'a aucune source : ajoutez `sources:` avec titre, "
                      "url et consulte_le (date de consultation)")
        self._check_contact(doc, base + ("contact",), s.contact, real)
        self._check_verification(doc, base, s.verification, real=real, required=True)
        for i, service in enumerate(s.services):
            self._check_service(doc, base + ("services", i), service, territory, real)

    def _check_service(self, doc: Document, loc: Loc, sv: Service, territory: Territory, real: bool) -> None:
        self._ref(doc, "service-id", sv.id, loc + ("id",))
        if sv.type not in self.vocab.types:
            self._unknown(doc, loc + ("type",), "O303", sv.type, self.vocab.types)
        for i, need in enumerate(sv.besoins):
            if need not in self.vocab.besoins:
                self._unknown(doc, loc + ("besoins", i), "O304", need, self.vocab.besoins)
        for key in ("inclus", "exclus"):
            for i, public in enumerate(getattr(sv.publics, key)):
                if public not in self.vocab.publics:
                    self._unknown(doc, loc + ("publics", key, i), "O305", public, self.vocab.publics)
        for i, who in enumerate(sv.acces.orienteurs):
            if who not in self.vocab.orienteurs:
                self._unknown(doc, loc + ("acces", "orienteurs", i), "O306", who, self.vocab.orienteurs)
        p = sv.publics
        if p.age_min is not None and p.age_max is not None and p.age_min > p.age_max:
            self._add(doc, loc + ("publics", "age_max"), "O302",
                      f"age_min ({p.age_min}) est supérieur à age_max ({p.age_max}) : inversez les bornes")
        if sv.zone is None or sv.zone.est_vide():
            self._add(doc, loc + (("zone",) if sv.zone is not None else ("id",)), "O301",
                      f"le service {sv.id} n'a pas de zone d'intervention : ajoutez `zone:` avec des codes "
                      "communes, epci, departements ou regions (ou france: true pour un service national)")
        else:
            self._check_zone(doc, loc + ("zone",), sv.zone)
            # A département-wide service listed in a smaller territory is normal; a zone that
            # misses the perimeter entirely is a wrong code.
            covered = set() if not territory.communes or self._touches(sv.zone, territory) else self._expand(sv.zone)
            if covered:  # empty: unknown codes, already reported (O101-O104)
                sample = ", ".join(sorted(covered)[:3])
                self._add(doc, loc + ("zone",), "O307",
                          f"la zone ({len(covered)} commune(s), ex. {sample}) ne touche pas le périmètre "
                          "du territoire : vérifiez les codes ou le territoire du fichier")
        if sv.suspension and sv.suspension.au and sv.suspension.au < sv.suspension.du:
            self._add(doc, loc + ("suspension", "au"), "O308",
                      "la suspension se termine avant de commencer : vérifiez les dates du et au")
        self._check_contact(doc, loc + ("contact",), sv.contact, real)
        if sv.verification:
            self._check_verification(doc, loc, sv.verification, real=real, required=False)

    # --- field checks -------------------------------------------------------------------

    def _check_zone(self, doc: Document, loc: Loc, zone: Zone) -> None:
        parts = [(zone, loc)]
        if zone.exclus:
            parts.append((zone.exclus, loc + ("exclus",)))
        for z, where in parts:
            for i, code in enumerate(z.communes):
                self._check_commune(doc, where + ("communes", i), code)
            for i, code in enumerate(z.epci):
                if code not in self.geo.epci:
                    self._add(doc, where + ("epci", i), "O102",
                              f"code EPCI « {code} » inconnu : attendu le SIREN à 9 chiffres d'un EPCI ou "
                              "d'un EPT (orienter communes NOM montre l'EPCI d'une commune)")
            for i, code in enumerate(z.departements):
                if code not in self.geo.departements:
                    self._add(doc, where + ("departements", i), "O103",
                              f"code département « {code} » inconnu : écrivez-le entre guillemets, "
                              "sur 2 caractères (\"01\", \"2A\", \"94\") ou 3 outre-mer (\"974\")")
            for i, code in enumerate(z.regions):
                if code not in self.geo.regions:
                    self._add(doc, where + ("regions", i), "O104", f"code région « {code} » inconnu (COG, ex. \"11\")")

    def _check_commune(self, doc: Document, loc: Loc, code: str) -> None:
        if self.geo.get(code) is None:
            hint = ""
            guess = self.geo.resolve(code) if not code.isdigit() else None
            if guess and guess.commune:
                hint = f" ; vouliez-vous {guess.commune.code} ({guess.commune.nom}) ?"
            self._add(doc, loc, "O101", f"code commune INSEE « {code} » inconnu : écrivez le code "
                      f"INSEE à 5 caractères entre guillemets (pas le code postal){hint}")

    def _check_postal(self, doc: Document, loc: Loc, insee: str, postal: str | None) -> None:
        c = self.geo.get(insee)
        if c is None or not postal:
            return
        cur = self.geo.current(c)
        allowed = set(c.codes_postaux) | set(cur.codes_postaux)
        if allowed and postal not in allowed:
            self._add(doc, loc + ("code_postal",), "O105",
                      f"le code postal {postal} n'est pas celui de {cur.nom} ({', '.join(sorted(allowed))})")

    def _check_finess(self, doc: Document, loc: Loc, value: str) -> None:
        if not _FINESS.match(value):
            self._add(doc, loc, "O203", f"FINESS « {value} » mal formé : 9 caractères, les deux premiers "
                      "sont le département (2A/2B en Corse), entre guillemets")
        else:
            self._ref(doc, "finess", value, loc)

    def _check_siret(self, doc: Document, loc: Loc, value: str) -> None:
        if not _SIRET.match(value):
            self._add(doc, loc, "O204", f"SIRET « {value} » mal formé : 14 chiffres sans espace, entre guillemets")
        elif not luhn_ok(value) and not value.startswith("356000000"):  # La Poste is exempt
            self._add(doc, loc, "O204", f"SIRET « {value} » : la clé de contrôle (Luhn) est fausse, "
                      "vérifiez chaque chiffre sur l'annuaire des entreprises")
        else:
            self._ref(doc, "siret", value, loc)

    def _check_contact(self, doc: Document, loc: Loc, contact: Contact | None, real: bool) -> None:
        if not real or contact is None:
            return
        has_data = any(getattr(contact, k) for k in ("telephone", "courriel", "formulaire"))
        if has_data and not contact.source:
            self._add(doc, loc, "O402", "ce contact d'une structure réelle n'a pas de source : ajoutez "
                      "`source:` (la page où il figure) ou retirez-le ; ne jamais inventer un contact")

    def _check_verification(self, doc: Document, loc: Loc, v: Verification | None, real: bool,
                            required: bool) -> None:
        if v is None or v.derniere_verification is None:
            if required:
                self._add(doc, loc + (("verification",) if v else ("id",)), "O404",
                          "jamais vérifiée : ajoutez verification.derniere_verification (date de la "
                          "dernière vérification humaine)")
            return
        for key in ("derniere_verification", "derniere_modification"):
            d = getattr(v, key)
            if d and d > self.today:
                self._add(doc, loc + ("verification", key), "O405",
                          f"{key} est dans le futur ({d:%d/%m/%Y}) : écrivez la date réelle")
        age_months = (self.today.year - v.derniere_verification.year) * 12 + (
            self.today.month - v.derniere_verification.month)
        if age_months > v.frequence_revue_mois:
            self._add(doc, loc + ("verification", "derniere_verification"), "O403",
                      f"dernière vérification le {v.derniere_verification:%d/%m/%Y}, il y a {age_months} mois "
                      f"pour une revue tous les {v.frequence_revue_mois} mois : revérifiez et mettez la date à jour")

    # --- helpers ------------------------------------------------------------------------

    def _touches(self, zone: Zone, territory: Territory) -> bool:
        """Does the zone meet the perimeter? Decided from codes when possible: expanding every
        service's zone to communes was a third of national validation time."""
        communes = territory.communes
        if zone.france:
            return bool(communes)
        if zone.exclus is None and not zone.regions:
            if any(self.geo.current_code(c) in communes for c in zone.communes):
                return True
            if zone.departements:
                deps = self._departements_of(territory)
                if any(d in deps for d in zone.departements):
                    return True
            by_epci = self.geo.by_epci if zone.epci else {}
            return any(c in communes for e in zone.epci for c in by_epci.get(e, ()))
        return bool(self._expand(zone) & communes)

    def _departements_of(self, territory: Territory) -> set[str]:
        key = id(territory)
        if key not in self._deps:
            self._deps[key] = {c[:3] if c.startswith("97") else c[:2] for c in territory.communes}
        return self._deps[key]

    def _expand(self, zone: Zone) -> set[str]:
        covered = self.geo.expand(zone.communes, zone.epci, zone.departements, zone.regions, france=zone.france)
        if zone.exclus:
            covered -= self.geo.expand(zone.exclus.communes, zone.exclus.epci,
                                       zone.exclus.departements, zone.exclus.regions)
        return covered

    def _unknown(self, doc: Document, loc: Loc, code: str, value: str, known: dict[str, Any]) -> None:
        from rapidfuzz import process

        close = process.extractOne(value, list(known), score_cutoff=70)
        hint = f" ; vouliez-vous « {close[0]} » ?" if close else ""
        what = {"O303": "type de service", "O304": "besoin", "O305": "public", "O306": "orienteur"}[code]
        where = {"O303": "types.yaml", "O304": "besoins.yaml", "O305": "publics.yaml",
                 "O306": "publics.yaml (orienteurs)"}[code]
        self._add(doc, loc, code, f"{what} « {value} » inconnu (voir rules/{where}){hint}")

    def _add(self, doc: Document, loc: Loc, code: str, message: str) -> None:
        line, col = doc.position(loc)
        self.diagnostics.append(Diagnostic(doc.file, line, col, code, message, path=dotted(loc)))

    def _ref(self, doc: Document, kind: str, value: str, loc: Loc, owner: str = "") -> None:
        line, col = doc.position(loc)
        self.refs.append(Ref(kind, value, doc.file, line, col, owner))

    # --- across files -------------------------------------------------------------------

    def cross_checks(self) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        first: dict[tuple[str, str], Ref] = {}
        structure_ids = {r.value for r in self.refs if r.kind == "structure-id"}
        for r in self.refs:
            if r.kind in ("structure-id", "service-id", "finess", "siret"):
                family = "id" if r.kind.endswith("-id") else r.kind
                prev = first.setdefault((family, r.value), r)
                if prev is not r:
                    code = "O201" if family == "id" else "O205"
                    label = {"id": "identifiant", "finess": "FINESS", "siret": "SIRET"}[family]
                    out.append(Diagnostic(r.file, r.line, r.col, code,
                                          f"{label} « {r.value} » déjà utilisé ({prev.file}:{prev.line}) : "
                                          + ("choisissez un identifiant unique, préfixé par le territoire"
                                             if family == "id" else "une même entité ne doit figurer qu'une fois ; "
                                             "fusionnez les deux fiches")))
            elif r.kind == "structure-ref" and r.value not in structure_ids:
                out.append(Diagnostic(r.file, r.line, r.col, "O202",
                                      f"« {r.value} » ne désigne aucune structure connue : vérifiez l'identifiant"))
        return out


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0
