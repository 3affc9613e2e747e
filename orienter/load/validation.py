"""Territory files to validated records, with every finding located.

Validation works file by file, so that a cache can keep each file's result and re-check only
the files whose bytes changed (`orienter/store/territories.py`). A file's result is:
- the records it holds (a territory, or structures);
- its findings that depend only on its bytes, the rules and the geography;
- its dated checks (freshness, dates in the future, absorptions in force): evaluated against
  today's date at every load, so that a cached result never goes stale at midnight;
- its references (ids, FINESS, SIRET, links between structures), which the cross-file checks
  of a territory (duplicates, dangling references) compare.
Positions are kept relative to the territory folder: reports print them relative to the
current folder, wherever the command runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from orienter.core.diagnostics import Diagnostic
from orienter.load.findings import Dated, Ref
from orienter.load.geo import Geo
from orienter.load.yamlsafe import Document, Loc, load_yaml_bytes
from orienter.load.model import Contact, Service, Structure, Territoire, Verification, Zone
from orienter.load.territory import Territory
from orienter.load.schema import dotted, validate_model
from orienter.load.vocabulary import Vocabulary

_FINESS = re.compile(r"^(?:\d{2}|2[AB])\d{7}$")
_SIRET = re.compile(r"^\d{14}$")


@dataclass
class FileResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    dated: list[Dated] = field(default_factory=list)
    structures: list[Structure] = field(default_factory=list)
    territory: Territoire | None = None


class Checker:
    """Checks one file at a time against the model, the geography and the vocabulary."""

    def __init__(self, geo: Geo, vocab: Vocabulary):
        self.geo = geo
        self.vocab = vocab
        self.result = FileResult()
        # Keyed by folder and id, never by id(): a territory checked then freed may leave its
        # address to the next one (validate reads territories one after the other in workers).
        self._deps: dict[tuple[str, str], set[str]] = {}
        self._reach: dict[tuple[str, str], tuple[set[str], set[str] | None]] = {}

    # --- files ------------------------------------------------------------------------

    def territory_file(self, raw: bytes, name: str) -> FileResult:
        """`territoire.yaml`: its model, and the communes of its perimeter on success."""
        self.result = FileResult()
        doc = self._parse(raw, name)
        if doc is not None:
            model, problems = validate_model(Territoire, doc.data, doc)
            self.result.diagnostics += problems
            if model is not None:
                self.result.territory = model
                self._check_zone(doc, ("perimetre",), model.perimetre)
                if model.rayonnement:
                    self._check_zone(doc, ("rayonnement",), model.rayonnement)
                self._check_verification(doc, (), model.verification, real=not model.fictif, required=False)
        return self.result

    def structure_file(self, raw: bytes, name: str, territory: Territory) -> FileResult:
        self.result = FileResult()
        doc = self._parse(raw, name)
        if doc is None:
            return self.result
        items: list[tuple[Loc, Any]] = (
            [((i,), item) for i, item in enumerate(doc.data)] if isinstance(doc.data, list) else [((), doc.data)]
        )
        for base, data in items:
            model, problems = validate_model(Structure, data, doc, base)
            self.result.diagnostics += problems
            if model is None:
                continue
            self._check_structure(doc, base, model, territory)
            self.result.structures.append(model)
        return self.result

    def _parse(self, raw: bytes, name: str) -> Document | None:
        doc, problems = load_yaml_bytes(raw, name)
        self.result.diagnostics += problems
        if doc is not None and doc.data is None:
            self.result.diagnostics.append(Diagnostic(doc.file, 1, 1, "O100", "fichier vide : écrivez le "
                                                      "contenu attendu (voir docs/format.md) ou supprimez le fichier"))
            return None
        return doc

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
            if s.statut.value == "actif":
                self._dated(doc, base + ("statut",), "absorbed", s.absorbee_par.depuis,
                            detail=f"{s.id} {s.absorbee_par.structure}")
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
            # One legal entity runs several establishments: its number is shared, not a duplicate.
            self._check_finess(doc, base + ("identifiants", "finess_juridique"), s.identifiants.finess_juridique,
                               unique=False)
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
            if sv.zone.provisoire:
                self._add(doc, loc + ("zone", "provisoire"), "O311",
                          f"zone provisoire du service {sv.id} (posée par un import de registre) : vérifiez "
                          "les communes desservies, corrigez la zone puis retirez `provisoire: true`")
            # A département-wide service listed in a smaller territory is normal; a zone that
            # misses the perimeter entirely is a wrong code.
            covered = set() if not territory.communes or self._touches(sv.zone, territory) else self._expand(sv.zone)
            if covered:  # empty: unknown codes, already reported (O101-O104)
                sample = ", ".join(sorted(covered)[:3])
                self._add(doc, loc + ("zone",), "O307",
                          f"la zone ({len(covered)} commune(s), ex. {sample}) ne touche pas le périmètre "
                          "du territoire : vérifiez les codes ou le territoire du fichier")
            elif territory.communes and not territory.national:
                beyond = self._beyond(sv.zone, territory)
                if beyond:
                    sample = ", ".join(sorted(beyond)[:3])
                    self._add(doc, loc + ("zone",), "O313",
                              f"le service dessert {len(beyond)} commune(s) hors du périmètre et du rayonnement du "
                              f"territoire (ex. {sample}) : une question sur ces communes ne lit pas ce territoire ; "
                              "ajoutez-les au `rayonnement` de territoire.yaml")
        if sv.horaires is not None:
            from orienter.render.hours import EXAMPLE, problem

            trouble = problem(sv.horaires)
            if trouble is not None:
                self._add(doc, loc + ("horaires",), "O312",
                          f"horaires « {sv.horaires} » non lus : {trouble.message} (colonne {trouble.column} du texte ; "
                          f"syntaxe OSM opening_hours, ex. « {EXAMPLE} »)")
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

    def _check_finess(self, doc: Document, loc: Loc, value: str, unique: bool = True) -> None:
        if not _FINESS.match(value):
            self._add(doc, loc, "O203", f"FINESS « {value} » mal formé : 9 caractères, les deux premiers "
                      "sont le département (2A/2B en Corse), entre guillemets")
        elif unique:
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
            # An imported record is dated by its register; what a person must check is flagged by O311.
            if required and not (v is not None and v.origine == "registre"):
                self._add(doc, loc + (("verification",) if v else ("id",)), "O404",
                          "jamais vérifiée : ajoutez verification.derniere_verification (date de la "
                          "dernière vérification humaine)")
            return
        for key in ("derniere_verification", "derniere_modification"):
            d = getattr(v, key)
            if d:
                self._dated(doc, loc + ("verification", key), "future", d, detail=key)
        self._dated(doc, loc + ("verification", "derniere_verification"), "stale", v.derniere_verification,
                    months=v.frequence_revue_mois)

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

    def _beyond(self, zone: Zone, territory: Territory) -> set[str]:
        """Communes of the zone outside the territory's perimeter and reach. Decided on codes
        when it can (a département zone in a territory reaching the département), expanding to
        communes only otherwise."""
        from orienter.store.index import _current_keys

        key = (str(territory.folder), territory.id)
        if key not in self._reach:
            outer = [territory.model.perimetre] + ([territory.model.rayonnement] if territory.model.rayonnement else [])
            keys = {k for z in outer for k in _current_keys(z, self.geo)}
            self._reach[key] = (keys, None)
        keys, communes = self._reach[key]
        deps = {k[2:] for k in keys if k.startswith("d:")}
        regions = {k[2:] for k in keys if k.startswith("r:")}

        def inside(k: str) -> bool:
            if k in keys:
                return True
            kind, code = k[:1], k[2:]
            if kind == "c":
                c = self.geo.get(code)
                return c is not None and (c.departement in deps or c.region in regions)
            if kind == "d":
                d = self.geo.departements.get(code)
                return d is not None and d.get("region") in regions
            return False

        if zone.exclus is None and all(inside(k) for k in _current_keys(zone, self.geo)):
            return set()
        if communes is None:
            communes = set(territory.communes)
            if territory.model.rayonnement:
                communes |= self._expand(territory.model.rayonnement)
            self._reach[key] = (keys, communes)
        return self._expand(zone) - communes

    def _departements_of(self, territory: Territory) -> set[str]:
        key = (str(territory.folder), territory.id)
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
        self.result.diagnostics.append(Diagnostic(doc.file, line, col, code, message, path=dotted(loc)))

    def _ref(self, doc: Document, kind: str, value: str, loc: Loc, owner: str = "") -> None:
        line, col = doc.position(loc)
        self.result.refs.append(Ref(kind, value, doc.file, line, col, owner))

    def _dated(self, doc: Document, loc: Loc, kind: str, when: date, months: int = 0, detail: str = "") -> None:
        line, col = doc.position(loc)
        self.result.dated.append(Dated(kind, doc.file, line, col, dotted(loc), when, months, detail))


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


def check_loose_file(raw: bytes, name: str, geo: Geo, vocab: Vocabulary) -> list[Diagnostic]:
    """A file named to `validate` outside any territory folder: checked as what it looks like
    (a territory file has a perimeter; a structure file has services, or is a list), without
    the checks that need its territory; or a finding that says it cannot tell."""
    doc, problems = load_yaml_bytes(raw, name)
    if doc is None:
        return problems
    data = doc.data
    checker = Checker(geo, vocab)
    if isinstance(data, dict) and "perimetre" in data:
        return checker.territory_file(raw, name).diagnostics
    if isinstance(data, list) or (isinstance(data, dict) and ("services" in data or "type" in data)):
        loose = Territory(Territoire(id="hors-territoire", nom="hors territoire", perimetre=Zone()), Path("."), name)
        result = checker.structure_file(raw, name, loose)
        return [d for d in result.diagnostics if d.code not in ("O307",)]
    return [Diagnostic(name, 1, 1, "O015", "ce fichier n'est dans aucun territoire et ne ressemble ni à un "
                       "territoire (clé `perimetre`) ni à une structure (clé `services`) : placez-le dans "
                       "un dossier de territoire, sous structures/")]
