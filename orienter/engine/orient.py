"""A situation in, an orientation out (DESIGN §4): needs, complexity, rules, eligibility, ranking.

Ranking is a weighted sum whose parts are returned with every suggestion, so a trainer can
show why a service comes first:
- need match (0.45): the situation's needs this service answers, the strongest one counting most;
- level of recourse (0.20): without complexity, direct access, first line and specialised
  services come before the DAC, which is subsidiary; complexity raises the DAC (DOMAIN §4);
- type fit (0.15): the answered need is one of the core needs of the service's type;
- publics fit (0.10): the person is in a public the service names, or it welcomes everyone;
- freshness (0.10): last human check within the review frequency.
Rules add or remove weight per type; the total is divided by 1.5 (SCALE). Ties break on level, type, structure id, service id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orienter.core.diagnostics import ExitCode, OrienterError
from orienter.load.geo import Commune
from orienter.store.index import Entry, Index
from orienter.engine.lexicon import CompiledLexicon, compile_vocabulary
from orienter.engine.matcher import Hit, Lexicon, Reading
from orienter.load.model import Service, Situation
from orienter.engine.rules import Facts, evaluate
from orienter.load.vocabulary import Vocabulary

SCHEMA = "orienter/orientation@1"
WEIGHTS = {"besoin": 0.45, "niveau": 0.20, "type": 0.15, "public": 0.10, "fraicheur": 0.10}
LEVEL_FIT = {
    False: {"acces_direct": 1.0, "premier_recours": 1.0, "specialise": 0.9, "appui": 0.5, "institutionnel": 0.4},
    True: {"appui": 1.0, "acces_direct": 0.8, "premier_recours": 0.8, "specialise": 0.8, "institutionnel": 0.5},
}
LEVEL_LABELS = {"acces_direct": "accès direct", "premier_recours": "premier recours", "appui": "appui",
                "specialise": "spécialisé", "institutionnel": "institutionnel"}
LEVEL_ORDER = ["acces_direct", "premier_recours", "appui", "specialise", "institutionnel"]
MENTION_BONUS = 0.1
INVOLVED_PENALTY = 0.25
FALLBACK_NEEDS = ("soins-primaires", "information-orientation")
FALLBACK_CLUE = "aucun besoin reconnu dans le texte"
# The first line of a commune, in the order it can take a care need over: a practice where
# there is one, else the CPTS that finds one.
RELAY_NEEDS = ("soins-primaires", "coordination-proximite")
COORDINATION_NEEDS = ("coordination-parcours", "gestion-de-cas")
# Two services of one type (two SSIAD on the same commune) are alternatives, not two answers:
# the second one steps back a little so that the first three show different kinds of help.
DUPLICATE_PENALTY = 0.06
# The weighted parts sum to at most 1 and rules add up to about 0.5: dividing by 1.5 keeps
# scores in 0..1 without clamping the best candidates together.
SCALE = 1.5
ORIGIN_WEIGHT = {"explicite": 1.0, "texte": 1.0, "regle": 0.7}
DESCRIBED_RATIO = 0.8
EMERGENCY = "URGENCE : appelez le 15 (SAMU) ou le 112 ; 114 par SMS pour les personnes sourdes ou malentendantes."


def _emergency_warning(calls: list[dict[str, Any]]) -> str:
    """The first line an emergency shows: the numbers, in the order to call them."""
    if not calls:
        return EMERGENCY
    numbers = " ; ".join(f"{c['numero']} ({c['libelle']})" for c in calls)
    return f"URGENCE : appelez {numbers}. Les services de l'annuaire ne viennent qu'après."


@dataclass
class Need:
    code: str
    libelle: str
    origine: str
    indice: str
    demande: bool = False  # asked for by the writer, not only described


@dataclass
class RuleTrace:
    id: str
    description: str
    reference: str
    declenchee: bool
    pourquoi: list[str]
    effets: list[str]


@dataclass
class Orientation:
    territoires: list[dict[str, Any]]
    commune: Commune
    besoins: list[Need]
    criteres: dict[str, Any]
    complexite: dict[str, Any]
    niveau: str
    suggestions: list[dict[str, Any]]
    exclus: list[dict[str, Any]]
    avertissements: list[str]
    urgence: bool
    apres_urgence: list[dict[str, Any]] = field(default_factory=list)
    appels: list[dict[str, Any]] = field(default_factory=list)
    trace: dict[str, Any] = field(default_factory=dict)

    @property
    def fictif(self) -> bool:
        return any(t["fictif"] for t in self.territoires)

    def to_json(self, with_trace: bool = False) -> dict[str, Any]:
        first = self.territoires[0] if self.territoires else {"id": None, "nom": None, "fictif": False}
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "territoire": first,
            "territoires": self.territoires,
            "commune": {"code": self.commune.code, "nom": self.commune.nom},
            "besoins": [vars(n) for n in self.besoins],
            "criteres": self.criteres,
            "complexite": self.complexite,
            "niveau": self.niveau,
            "urgence": self.urgence,
            "appels": self.appels,
            "suggestions": self.suggestions,
            "apres_urgence": self.apres_urgence,
            "exclus": self.exclus,
            "avertissements": self.avertissements,
        }
        if with_trace:
            out["trace"] = self.trace
        return out


class Engine:
    def __init__(self, index: Index, vocab: Vocabulary, today: date | None = None,
                 compiled: CompiledLexicon | None = None):
        self.index = index
        self.vocab = vocab
        self.today = today or date.today()
        self.lexicon = Lexicon(compiled or compile_vocabulary(vocab))

    # --- public -------------------------------------------------------------------------

    def orient(self, situation: Situation, commune: Commune, territoire: str | None = None,
               top: int = 8) -> Orientation:
        reading = self.lexicon.read(situation.texte or "")
        needs = self._needs(situation, reading)
        values, fact_words = self._facts(situation, reading)
        age = situation.age if situation.age is not None else _int(values.get("age"))
        if age is not None:
            values["age"] = age
        complexity = self._complexity(situation, values, fact_words)
        fallback = not needs and not values.get("urgence")
        if fallback:
            # Nothing recognised: the first line and the information services are always a
            # sound first call; said in a warning so that the professional adds words.
            for code in FALLBACK_NEEDS:
                needs.append(Need(code, self.vocab.need_label(code), "regle", FALLBACK_CLUE))
        facts = Facts({n.code for n in needs}, values, age, complexity["complexe"], demande=_precise_request(needs))
        fired, traces = self._apply_rules(facts, needs)
        if fallback and any(n.indice != FALLBACK_CLUE for n in needs):
            # A fact read gave a need through a rule ("son mari la frappe" → violences): the
            # default first line steps aside.
            needs = [n for n in needs if n.indice != FALLBACK_CLUE]

        entries, territories = self._candidates(commune, territoire)
        proposals: dict[str, float] = {}
        exclusions: dict[str, list[str]] = {}
        conditions: dict[str, list[str]] = {}
        warnings: list[str] = []
        urgent = False
        level = None
        proposers: dict[str, list[str]] = {}
        calls = self._calls(fired)
        for rule in fired:
            for p in rule.alors.proposer:
                proposals[p.type] = proposals.get(p.type, 0.0) + p.poids
                if p.poids > 0:
                    proposers.setdefault(p.type, []).append(rule.id)
            for x in rule.alors.exclure:
                exclusions.setdefault(x.type, []).append(x.raison)
            for c in rule.alors.conditions:
                conditions.setdefault(c.type, []).append(c.texte)
            if rule.alors.avertissement and rule.alors.avertissement not in warnings:
                warnings.append(rule.alors.avertissement)
            urgent = urgent or rule.alors.urgence
            if rule.alors.niveau:
                level = _higher(level, rule.alors.niveau)
        for type_code, words in reading.refused_types.items():
            exclusions.setdefault(type_code, []).append(f"la personne refuse (« {words} »)")
        for type_code, words in reading.involved_types.items():
            proposals[type_code] = proposals.get(type_code, 0.0) - INVOLVED_PENALTY
            conditions.setdefault(type_code, []).append(f"déjà impliqué (« {words} »)")
        for type_code in reading.mentioned_types:
            # A service named in the note is usually what is being asked about: a small nudge,
            # never enough to outrank the rules that exclude it.
            if type_code not in reading.refused_types:
                proposals[type_code] = proposals.get(type_code, 0.0) + MENTION_BONUS
        if needs and all(n.indice == FALLBACK_CLUE for n in needs) and not urgent:
            warnings.append("Aucun besoin reconnu dans la situation : suggestions de premier recours par défaut. "
                            "Décrivez-la en quelques mots (ex. « chutes, vit seule, aidant épuisé ») ou indiquez --besoin.")

        relayed: dict[str, set[str]] = {}
        if not urgent:
            relay = self._first_line_relay(needs, entries)
            if relay:
                needs = needs + [relay[0]]
                relayed[relay[0].code] = relay[1]
        weights = _need_weights(needs)
        scored, excluded = [], []
        for e in entries:
            result = self._assess(e, commune, facts, weights, proposals, exclusions, complexity["complexe"],
                                  proposers.get(e.service.type, []))
            if result is None:
                continue
            kind, payload = result
            (scored if kind == "ok" else excluded).append(payload)
        excluded += self._out_of_zone(commune, territories, weights, proposals, {id(e) for e in entries})
        _diversify(scored)
        _local_first(scored, relayed)
        scored.sort(key=lambda s: (-s["score"], LEVEL_ORDER.index(s["niveau"]) if s["niveau"] in LEVEL_ORDER else 9,
                                   s["type"], s["structure"]["id"], s["service"]["id"]))
        ranked = []
        for rank, s in enumerate(scored[:top], start=1):
            s["rang"] = rank
            s["conditions"] = _unique(s["conditions"] + conditions.get(s["type"], []))
            ranked.append(s)
        # In an emergency nobody in the directory is the first call: the list waits until after.
        suggestions, after = ([], ranked) if urgent else (ranked, [])
        if not any(not t.national for t in territories):
            warnings.append(f"Aucun territoire local de l'annuaire ne couvre {commune.nom} ({commune.code})"
                            + (" : seuls les services et lignes nationaux sont proposés" if territories else "")
                            + ". Appelez aussi le médecin traitant, ou le DAC du département (annuaire national des DAC).")
        elif not suggestions and needs and not urgent:
            warnings.append("Aucun service de l'annuaire ne répond à ces besoins sur cette commune"
                            + (" : voir les services écartés et leurs raisons." if excluded else "."))
        if urgent:
            warnings.insert(0, _emergency_warning(calls))
        niveau = self._level(level, complexity["complexe"], suggestions)
        orientation = Orientation(
            territoires=[{"id": t.id, "nom": t.model.nom, "fictif": t.model.fictif} for t in territories],
            commune=commune, besoins=needs, criteres=_public_values(values),
            complexite=complexity, niveau=niveau, suggestions=suggestions,
            exclus=sorted(excluded, key=lambda x: (x["type"], x["structure"], x["service"])),
            avertissements=warnings, urgence=urgent, apres_urgence=after, appels=calls,
        )
        orientation.trace = {
            "texte": situation.texte,
            "mots_lus": {"besoins": {k: [_hit(h) for h in v] for k, v in reading.needs.items()},
                         "criteres": {k: [_hit(h) for h in v] for k, v in reading.facts.items()},
                         "nombres": {k: {"valeur": v[0], "indice": v[1]} for k, v in reading.numbers.items()},
                         "negations": [_hit(h) for h in reading.negated],
                         "ecartes": [_hit(h) for h in reading.set_aside],
                         "refus": reading.refused_types,
                         "types_cites": reading.mentioned_types,
                         "types_deja_impliques": reading.involved_types,
                         "corrections": [{"ecrit": a, "lu": b} for a, b in reading.corrections]},
            "regles": [vars(t) for t in traces],
            "filtres": {"services_examines": len(entries), "retenus": len(scored), "ecartes": len(excluded)},
            "ponderations": WEIGHTS,
            "classement": [{"rang": i + 1, "service": s["service"]["id"], "score": s["score"],
                            "detail": s["detail_score"], "verifie_le": s["verifie_le"],
                            "verification_en_retard": s["verification_en_retard"],
                            "mois_depuis_verification": s["mois_depuis_verification"],
                            "frequence_revue_mois": s["frequence_revue_mois"]} for i, s in enumerate(scored)],
        }
        return orientation

    # --- reading ------------------------------------------------------------------------

    def _needs(self, situation: Situation, reading: Reading) -> list[Need]:
        needs: dict[str, Need] = {}
        for code in situation.besoins:
            if code not in self.vocab.besoins:
                raise OrienterError(_unknown("besoin", code, self.vocab.besoins), ExitCode.INPUT)
            needs[code] = Need(code, self.vocab.need_label(code), "explicite", "")
        for code, hits in sorted(reading.needs.items()):
            if code not in needs:
                needs[code] = Need(code, self.vocab.need_label(code), "texte", ", ".join(_unique([h.words for h in hits])),
                                   any("demande" in h.qualifiers for h in hits))
        return list(needs.values())

    def _facts(self, situation: Situation, reading: Reading) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        words: dict[str, str] = {}
        for code, hits in reading.facts.items():
            values[code] = True
            words[code] = ", ".join(_unique([h.words for h in hits]))
        for code, (value, hint) in reading.numbers.items():
            bounds = self.vocab.criteres[code].bornes if code in self.vocab.criteres else None
            if bounds and not bounds[0] <= value <= bounds[1]:
                continue  # "MMSE 45" is a typo, not a fact
            values[code] = value
            words[code] = hint
        for code, raw in situation.criteres.items():
            if code not in self.vocab.criteres:
                raise OrienterError(_unknown("critère", code, self.vocab.criteres), ExitCode.INPUT)
            crit = self.vocab.criteres[code]
            values[code] = _coerce(code, raw, crit.type, crit.bornes)
            words[code] = "indiqué explicitement"
            if values[code] is False:
                values.pop(code)
        return values, words

    def _complexity(self, situation: Situation, values: dict[str, Any], words: dict[str, str]) -> dict[str, Any]:
        axes: dict[str, list[str]] = {}
        for code, value in values.items():
            crit = self.vocab.criteres.get(code)
            if crit and crit.axe and value is True:
                axes.setdefault(crit.axe, []).append(f"{crit.libelle} (« {words.get(code, '')} »)")
        by_rule = len(axes) >= 2
        complexe = situation.complexe if situation.complexe is not None else by_rule
        reasons = [f"{axe} : {', '.join(items)}" for axe, items in sorted(axes.items())]
        if situation.complexe is not None:
            reasons.append("jugement du professionnel : " + ("complexe" if situation.complexe else "non complexe"))
        else:
            reasons.append(f"{len(axes)} axe(s) touché(s) sur 3 ; complexe à partir de 2 (règle transparente, "
                           "à confirmer par votre jugement : CSP L6327-1)")
        return {"complexe": complexe, "axes": sorted(axes), "raisons": reasons,
                "source": "professionnel" if situation.complexe is not None else "regle"}

    def _apply_rules(self, facts: Facts, needs: list[Need]) -> tuple[list[Any], list[RuleTrace]]:
        fired: dict[str, Any] = {}
        why: dict[str, list[str]] = {}
        for _ in range(4):  # added needs can enable other rules: iterate to a fixed point
            changed = False
            for rule in self.vocab.regles:
                if rule.id in fired:
                    continue
                ok, reasons = evaluate(rule.si, facts)
                if not ok:
                    continue
                fired[rule.id] = rule
                why[rule.id] = reasons
                changed = True
                facts.urgence = facts.urgence or rule.alors.urgence
                for code in rule.alors.ajouter_besoins:
                    if code not in facts.needs:
                        facts.needs.add(code)
                        needs.append(Need(code, self.vocab.need_label(code), "regle", f"règle {rule.id}"))
            if not changed:
                break
        traces = []
        for rule in self.vocab.regles:
            effects = ([f"appeler le {c.numero}" + (" en premier" if c.en_premier else "") for c in rule.alors.appeler]
                       + [f"propose {p.type} ({p.poids:+.2f})" for p in rule.alors.proposer]
                       + [f"écarte {x.type} : {x.raison}" for x in rule.alors.exclure]
                       + [f"ajoute le besoin {b}" for b in rule.alors.ajouter_besoins]
                       + ([f"niveau {rule.alors.niveau}"] if rule.alors.niveau else [])
                       + (["urgence"] if rule.alors.urgence else []))
            traces.append(RuleTrace(rule.id, rule.description, rule.reference, rule.id in fired,
                                    why.get(rule.id, []), effects))
        ordered = [r for r in self.vocab.regles if r.id in fired]
        return ordered, traces

    def _calls(self, fired: list[Any]) -> list[dict[str, Any]]:
        """Numbers to call, in order: those a rule puts first (114 for a deaf person), then the
        others in the order of the rules that asked for them."""
        first: dict[str, dict[str, Any]] = {}
        rest: dict[str, dict[str, Any]] = {}
        for rule in fired:
            for call in rule.alors.appeler:
                target = first if call.en_premier else rest
                if call.numero in first or call.numero in target:
                    continue
                entry = self.vocab.numeros[call.numero]
                target[call.numero] = {"numero": call.numero, "libelle": entry.libelle,
                                       "description": entry.description, "pourquoi": rule.description,
                                       "regle": rule.id, "reference": rule.reference}
        rest = {k: v for k, v in rest.items() if k not in first}
        return [*first.values(), *rest.values()]

    # --- candidates -----------------------------------------------------------------------

    def _first_line_relay(self, needs: list[Need], entries: list[Entry]) -> tuple[Need, set[str]] | None:
        """A care need that no local service answers here (no adult CMP in the commune) goes to
        the first line: the médecin traitant refers and follows (DOMAIN §2, parcours de soins
        coordonnés, CSS L162-5-3). A national line is no local answer."""
        local = {b for e in entries if not e.national for b in e.service.besoins}
        relay = next((code for code in RELAY_NEEDS if code in local), None)
        # A coordination already asked for finds the care itself ("à qui demander de l'aide pour
        # coordonner tout ça ?").
        if relay is None or any(n.code == relay or n.code in COORDINATION_NEEDS for n in needs):
            return None
        uncovered = [n for n in needs if n.code not in local and n.code in self.vocab.besoins
                     and self.vocab.besoins[n.code].axe == "medical"]
        if not uncovered:
            return None
        labels = ", ".join(n.libelle for n in uncovered)
        return (Need(relay, self.vocab.need_label(relay), "regle",
                     f"aucun service local pour : {labels} ; le premier recours relaie",
                     any(n.demande for n in uncovered)), {n.code for n in uncovered})

    def _candidates(self, commune: Commune, territoire: str | None) -> tuple[list[Entry], list[Any]]:
        entries = self.index.covering(commune)
        territories = self.index.territories_covering(commune)
        if territoire:
            entries = [e for e in entries if e.territory.id == territoire]
            territories = [t for t in territories if t.id == territoire]
            if not territories and not entries:
                known = [t.id for t in self.index.territories]
                if territoire not in known:
                    raise OrienterError(f"Territoire « {territoire} » inconnu. Territoires : {', '.join(known)}.",
                                        ExitCode.INPUT)
                raise OrienterError(f"Le territoire {territoire} ne couvre pas {commune.nom} ({commune.code}).",
                                    ExitCode.INPUT)
        else:
            # Real data first: a fictional training territory answers only where no real local
            # one does. The national layer is real everywhere, so it never counts as local.
            real = [e for e in entries if not e.fictif and not e.national]
            if real or any(not t.model.fictif and not t.national for t in territories):
                entries = [e for e in entries if not e.fictif]
                territories = [t for t in territories if not t.model.fictif]
        # Local territories first in what the answer names.
        territories.sort(key=lambda t: t.national)
        seen = {t.id for t in territories}
        for e in entries:
            if e.territory.id not in seen:
                territories.append(e.territory)
                seen.add(e.territory.id)
        return entries, territories

    def _assess(self, e: Entry, commune: Commune, facts: Facts, weights: dict[str, float],
                proposals: dict[str, float], exclusions: dict[str, list[str]],
                complexe: bool, proposed_by: list[str]) -> tuple[str, dict[str, Any]] | None:
        sv = e.service
        answered = [n for n in sv.besoins if n in weights]
        bonus = proposals.get(sv.type, 0.0)
        if not answered and bonus <= 0:
            return None
        reasons_out = self._ineligible(e, facts, exclusions)
        base = {"structure": e.structure.id, "service": sv.id, "type": sv.type, "nom": sv.nom}
        if reasons_out:
            return "out", base | {"raisons": reasons_out}
        level = self._service_level(sv)
        type_needs = set(self.vocab.types[sv.type].besoins) if sv.type in self.vocab.types else set()
        total = sum(weights.values()) or 1.0
        need_part = (0.6 * max((weights[n] for n in answered), default=0.0)
                     + 0.4 * sum(weights[n] for n in answered) / total) if answered else 0.0
        type_part = 1.0 if type_needs.intersection(answered) else (0.5 if answered else 0.3)
        public_part = self._public_fit(sv, facts)
        fresh_part, checked, freshness = self._freshness(e)
        level_part = LEVEL_FIT[complexe].get(level, 0.5)
        detail = {"besoin": round(need_part, 3), "niveau": round(level_part, 3), "type": round(type_part, 3),
                  "public": round(public_part, 3), "fraicheur": round(fresh_part, 3), "regles": round(bonus, 3)}
        raw = sum(WEIGHTS[k] * detail[k] for k in WEIGHTS) + bonus
        score = round(min(1.0, max(0.0, raw / SCALE)), 3)
        reasons = [f"répond à : {', '.join(self.vocab.need_label(n) for n in answered)}"] if answered else []
        if proposed_by:
            reasons.append("règle" + ("s" if len(proposed_by) > 1 else "") + " : " + ", ".join(proposed_by))
        reasons.append(f"niveau de recours : {LEVEL_LABELS.get(level, level)}")
        reasons.append("service national, joignable de toute la France" if e.national else f"intervient à {commune.nom}")
        conds = []
        tdef = self.vocab.types.get(sv.type)
        if sv.acces.prescription or (tdef and tdef.prescription and not sv.acces.orienteurs):
            conds.append("prescription médicale nécessaire")
        if sv.acces.consentement:
            conds.append("consentement de la personne")
        conds += sv.acces.conditions
        if sv.acces.orienteurs:
            conds.append("orientation par : " + ", ".join(self.vocab.orienteurs.get(o, o) for o in sv.acces.orienteurs))
        contact = sv.contact or e.structure.contact
        return "ok", {
            "rang": 0, "score": score, "type": sv.type, "type_libelle": self.vocab.type_label(sv.type),
            "niveau": level,
            "structure": {"id": e.structure.id, "nom": e.structure.nom},
            "service": {"id": sv.id, "nom": sv.nom},
            "territoire": e.territory.id, "fictif": e.fictif, "national": e.national,
            "besoins_servis": answered,
            "raisons": reasons, "conditions": conds,
            "contact": {"telephone": contact.telephone if contact else None,
                        "courriel": contact.courriel if contact else None,
                        "site": contact.site if contact else None},
            "horaires": sv.horaires,
            "adresse": _address(e.structure.adresse, self.index.geo),
            "verifie_le": checked.isoformat() if checked else None,
            **freshness,
            "detail_score": detail,
        }

    def _ineligible(self, e: Entry, facts: Facts, exclusions: dict[str, list[str]]) -> list[str]:
        sv = e.service
        out: list[str] = []
        if sv.statut.value != "actif" or e.structure.statut.value not in ("actif",):
            status = sv.statut.value if sv.statut.value != "actif" else e.structure.statut.value
            out.append(f"statut : {status}" + (f" (absorbé par {e.structure.absorbee_par.structure})"
                                               if e.structure.absorbee_par else ""))
        if sv.suspension and sv.suspension.du <= self.today and (sv.suspension.au is None or self.today <= sv.suspension.au):
            until = f" jusqu'au {sv.suspension.au:%d/%m/%Y}" if sv.suspension.au else ""
            out.append(f"suspendu{until}" + (f" ({sv.suspension.motif})" if sv.suspension.motif else ""))
        p = sv.publics
        if facts.age is not None:
            if p.age_min is not None and facts.age < p.age_min:
                out.append(f"à partir de {p.age_min} ans")
            if p.age_max is not None and facts.age > p.age_max:
                out.append(f"jusqu'à {p.age_max} ans")
        members = self._publics_of(facts)
        for public in p.exclus:
            if public in members:
                out.append(f"public exclu : {self.vocab.publics[public].libelle if public in self.vocab.publics else public}")
        if p.accueil.value == "exclusif" and p.inclus and "tous-publics" not in p.inclus:
            if not members.intersection(p.inclus) and not self._may_belong(p.inclus, facts):
                names = ", ".join(self.vocab.publics[x].libelle if x in self.vocab.publics else x for x in p.inclus)
                out.append(f"réservé à : {names}")
        out += exclusions.get(sv.type, [])
        return _unique(out)

    def _publics_of(self, facts: Facts) -> set[str]:
        out = {"tous-publics"}
        for code, public in self.vocab.publics.items():
            by_age = public.age_min is not None or public.age_max is not None
            if by_age and facts.age is not None:
                if (public.age_min is None or facts.age >= public.age_min) and (
                        public.age_max is None or facts.age <= public.age_max):
                    out.add(code)
            if public.critere and facts.values.get(public.critere):
                out.add(code)
        if facts.values.get("aidant_epuise") or "soutien-aidants" in facts.needs:
            out.add("aidants")
        if facts.values.get("palliatif") or facts.values.get("maladie_grave"):
            out.add("malades-graves")
        if facts.values.get("troubles_cognitifs") or facts.values.get("maladie_neuro"):
            out.add("maladie-neurodegenerative")
        return out

    def _may_belong(self, publics: list[str], facts: Facts) -> bool:
        """Unknown age: an age-bounded public may still fit; say so in conditions, do not exclude."""
        return facts.age is None and any(
            self.vocab.publics.get(p) and (self.vocab.publics[p].age_min is not None
                                           or self.vocab.publics[p].age_max is not None) for p in publics)

    def _public_fit(self, sv: Service, facts: Facts) -> float:
        p = sv.publics
        if not p.inclus or "tous-publics" in p.inclus:
            return 0.8
        return 1.0 if self._publics_of(facts).intersection(p.inclus) else 0.6

    def _freshness(self, e: Entry) -> tuple[float, date | None, dict[str, Any]]:
        """The ranking's freshness part, the last human check, and what a reader is told about
        it: `verification_en_retard` (never checked, or checked longer ago than the review
        frequency), the months since the check and the frequency."""
        v = e.service.verification or e.structure.verification
        if v is None or v.derniere_verification is None:
            return 0.3, None, {"verification_en_retard": True, "mois_depuis_verification": None,
                               "frequence_revue_mois": v.frequence_revue_mois if v else None}
        months = (self.today.year - v.derniere_verification.year) * 12 + self.today.month - v.derniere_verification.month
        said = {"verification_en_retard": months > v.frequence_revue_mois, "mois_depuis_verification": months,
                "frequence_revue_mois": v.frequence_revue_mois}
        if months <= v.frequence_revue_mois:
            return 1.0, v.derniere_verification, said
        # Linear decay to 0.3 over the two years after the review was due (data·inclusion's span).
        late = months - v.frequence_revue_mois
        return max(0.3, 1.0 - 0.7 * late / 24), v.derniere_verification, said

    def _service_level(self, sv: Service) -> str:
        if sv.niveau:
            return sv.niveau.value
        t = self.vocab.types.get(sv.type)
        return t.niveau.value if t else "specialise"

    def _out_of_zone(self, commune: Commune, territories: list[Any], weights: dict[str, float],
                     proposals: dict[str, float], inside: set[int]) -> list[dict[str, Any]]:
        wanted = {t.id for t in territories}
        out = []
        covering = {(e.structure.id, e.service.id) for e in self.index.covering(commune)}
        for e in self.index.entries:
            if e.territory.id not in wanted or (e.structure.id, e.service.id) in covering:
                continue
            if not _near(e.service.zone, commune):
                continue
            if any(n in weights for n in e.service.besoins) or proposals.get(e.service.type, 0) > 0:
                out.append({"structure": e.structure.id, "service": e.service.id, "type": e.service.type,
                            "nom": e.service.nom, "raisons": [f"hors zone d'intervention ({commune.nom} non couverte)"]})
        return out

    def _level(self, ruled: str | None, complexe: bool, suggestions: list[dict[str, Any]]) -> str:
        if ruled:
            return ruled
        if complexe:
            return "appui"
        if suggestions and suggestions[0]["niveau"] in ("specialise", "institutionnel"):
            return "specialise"
        return "premier_recours"


# Needs that ask for help to find the answer rather than for the answer itself.
_ASKING_FOR_DIRECTION = frozenset({"coordination-parcours", "gestion-de-cas", "information-orientation"})


def _precise_request(needs: list[Need]) -> bool:
    """The writer asks for something precise ("Demande : aide à domicile rapide"): the
    coordination support (DAC) is then not the first answer, even in a complex situation."""
    asked = [n.code for n in needs if n.demande]
    return bool(asked) and _ASKING_FOR_DIRECTION.isdisjoint(asked)


def _need_weights(needs: list[Need]) -> dict[str, float]:
    """What the writer asks for comes first: when a need is asked for, the needs only
    described on the way weigh less (DESCRIBED_RATIO)."""
    asked = any(n.demande for n in needs)
    return {n.code: ORIGIN_WEIGHT[n.origine] * (DESCRIBED_RATIO if asked and n.origine != "explicite" and not n.demande else 1.0)
            for n in needs}


def _address(adresse: Any, geo: Any) -> dict[str, Any] | None:
    """The structure's postal address for the printable sheet, with the commune's name."""
    if adresse is None or not (adresse.ligne or adresse.code_postal or adresse.commune):
        return None
    place = geo.get(adresse.commune) if adresse.commune else None
    return {"ligne": adresse.ligne, "complement": adresse.complement, "code_postal": adresse.code_postal,
            "commune": adresse.commune, "commune_nom": place.nom if place else None}


def _near(zone: Any, commune: Commune) -> bool:
    """A zone in the person's département: the services out of zone worth showing. (Far-away
    services of a large territory are noise, and the département extract does not hold them.)"""
    if zone is None:
        return False
    dep = commune.departement
    return (dep in zone.departements or commune.region in zone.regions
            or any(code.startswith(dep) for code in zone.communes)
            or any(code in (commune.epci, commune.ept) for code in zone.epci if code))


def _hit(h: Hit) -> dict[str, Any]:
    """A hit for the trace: the words as typed, the vocabulary phrase met and how."""
    out: dict[str, Any] = {"code": h.code, "mots": h.words, "entree": h.matched, "par": h.via}
    if h.qualifiers:
        out["qualificatifs"] = list(h.qualifiers)
    return out


def _local_first(scored: list[dict[str, Any]], relayed: dict[str, set[str]] | None = None) -> None:
    """A national line comes after every local service that answers one of the same needs: the
    line is a complement, reachable from anywhere, not the local answer (issue 11). A local first
    line that relays a need no local service answers counts as answering it."""
    relayed = relayed or {}
    local = [s for s in scored if not s["national"]]

    def answers(x: dict[str, Any]) -> set[str]:
        served = set(x["besoins_servis"])
        return served.union(*(relayed.get(n, set()) for n in served))

    for s in scored:
        if not s["national"]:
            continue
        rivals = [x["score"] for x in local if answers(x) & set(s["besoins_servis"])]
        if rivals and min(rivals) <= s["score"]:
            lowered = round(max(0.0, min(rivals) - 0.001), 3)
            s["detail_score"]["apres_service_local"] = round(lowered - s["score"], 3)
            s["score"] = lowered


def _diversify(scored: list[dict[str, Any]]) -> None:
    scored.sort(key=lambda s: (-s["score"], s["structure"]["id"], s["service"]["id"]))
    seen: set[str] = set()
    for s in scored:
        if s["type"] in seen:
            s["score"] = round(max(0.0, s["score"] - DUPLICATE_PENALTY), 3)
            s["detail_score"]["doublon_type"] = -DUPLICATE_PENALTY
        seen.add(s["type"])


def _higher(a: str | None, b: str) -> str:
    order = ["premier_recours", "specialise", "appui"]
    if a is None:
        return b
    return a if order.index(a) >= order.index(b) else b


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _coerce(code: str, raw: Any, kind: str, bounds: tuple[float, float] | None = None) -> Any:
    if kind == "nombre":
        value = _number(raw)
        if value is None:
            raise OrienterError(f"Critère {code} : nombre attendu, reçu « {raw} ».", ExitCode.INPUT)
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise OrienterError(f"Critère {code} : {raw} hors des valeurs possibles ({bounds[0]:g} à {bounds[1]:g}).",
                                ExitCode.INPUT)
        return int(value) if value.is_integer() else value
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "oui", "o", "vrai", "true", "yes"}:
        return True
    if text in {"0", "non", "n", "faux", "false", "no"}:
        return False
    raise OrienterError(f"Critère {code} : oui ou non attendu, reçu « {raw} ».", ExitCode.INPUT)


def _number(raw: Any) -> float | None:
    """A finite number: not a boolean, not NaN, not an infinity."""
    import math

    if isinstance(raw, bool):
        return None
    try:
        value = float(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _public_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sorted(values.items())}


def _unknown(what: str, code: str, known: dict[str, Any]) -> str:
    from rapidfuzz import process

    close = process.extractOne(code, list(known), score_cutoff=60)
    hint = f" Vouliez-vous « {close[0]} » ?" if close else ""
    return f"{what.capitalize()} « {code} » inconnu.{hint} Codes connus : {', '.join(sorted(known))}."
