"""Declarative orientation rules evaluated on the facts of a situation. No eval, no I/O.

A condition node has exactly one kind: a need, a fact (with optional bounds), an age bound,
the complexity judgement, "known", or a combination (tous / un_de / aucun). Evaluation returns
the truth value and, for the trace, the atoms that made it true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from orienter.load.model import Condition, Regle

if TYPE_CHECKING:
    from orienter.load.vocabulary import Vocabulary

_ATOMS = ("besoin", "critere", "age_min", "age_max", "complexe", "connu", "urgence", "demande")
_GROUPS = ("tous", "un_de", "aucun")


@dataclass
class Facts:
    """What the engine knows when rules run."""

    needs: set[str] = field(default_factory=set)
    values: dict[str, bool | float | str] = field(default_factory=dict)
    age: int | None = None
    complexe: bool = False
    urgence: bool = False
    demande: bool = False  # the writer asks for a precise answer (a need other than coordination)


def check_rule(rule: Regle, vocab: Vocabulary) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(location inside the rule, code, French message) for every problem of one rule."""
    yield from _check_condition(rule.si, ("si",), vocab)
    effects = rule.alors
    for key, items in (("proposer", effects.proposer), ("exclure", effects.exclure),
                       ("conditions", effects.conditions)):
        for i, item in enumerate(items):
            if item.type not in vocab.types:
                yield (("alors", key, i, "type"), "O503",
                       f"règle {rule.id} : type « {item.type} » absent de types.yaml")
    for i, call in enumerate(effects.appeler):
        if call.numero not in vocab.numeros:
            yield (("alors", "appeler", i, "numero"), "O503",
                   f"règle {rule.id} : numéro « {call.numero} » absent du catalogue `numeros` de regles.yaml")
    for i, need in enumerate(effects.ajouter_besoins):
        if need not in vocab.besoins:
            yield (("alors", "ajouter_besoins", i), "O503", f"règle {rule.id} : besoin « {need} » absent de besoins.yaml")


def _check_condition(c: Condition, loc: tuple[str | int, ...], vocab: Vocabulary) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    kinds = [k for k in _ATOMS + _GROUPS if getattr(c, k) is not None]
    if len(kinds) != 1:
        listed = ", ".join(kinds) if kinds else "aucune"
        yield (loc, "O502", f"une condition porte exactement un test (besoin, critere, age_min, age_max, "
                            f"complexe, connu, urgence, demande, tous, un_de ou aucun) ; ici : {listed}")
        return
    kind = kinds[0]
    if (c.min is not None or c.max is not None) and kind != "critere":
        yield (loc, "O502", "min et max ne s'emploient qu'avec critere")
    if kind == "besoin" and c.besoin not in vocab.besoins:
        yield (loc + ("besoin",), "O503", f"besoin « {c.besoin} » absent de besoins.yaml")
    if kind in ("critere", "connu"):
        code = c.critere if kind == "critere" else c.connu
        if code not in vocab.criteres:
            yield (loc + (kind,), "O503", f"critère « {code} » absent de criteres.yaml")
        elif kind == "critere" and (c.min is not None or c.max is not None) and vocab.criteres[code].type != "nombre":
            yield (loc, "O502", f"min/max sur le critère « {code} » qui n'est pas un nombre")
    if kind in _GROUPS:
        for i, sub in enumerate(getattr(c, kind)):
            yield from _check_condition(sub, loc + (kind, i), vocab)


def evaluate(c: Condition, facts: Facts) -> tuple[bool, list[str]]:
    """Truth value and the human-readable atoms that hold (for explain)."""
    if c.tous is not None:
        results = [evaluate(sub, facts) for sub in c.tous]
        ok = all(r for r, _ in results)
        return ok, [w for r, why in results if r for w in why] if ok else []
    if c.un_de is not None:
        results = [evaluate(sub, facts) for sub in c.un_de]
        held = [w for r, why in results if r for w in why]
        return any(r for r, _ in results), held
    if c.aucun is not None:
        results = [evaluate(sub, facts) for sub in c.aucun]
        return not any(r for r, _ in results), [f"non ({' ; '.join(describe(s) for s in c.aucun)})"]
    ok = _atom(c, facts)
    return ok, [describe(c)] if ok else []


def _atom(c: Condition, facts: Facts) -> bool:
    if c.besoin is not None:
        return c.besoin in facts.needs
    if c.critere is not None:
        value = facts.values.get(c.critere)
        if c.min is None and c.max is None:
            return bool(value) and value is not False
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return (c.min is None or value >= c.min) and (c.max is None or value <= c.max)
    if c.age_min is not None:
        return facts.age is not None and facts.age >= c.age_min
    if c.age_max is not None:
        return facts.age is not None and facts.age <= c.age_max
    if c.complexe is not None:
        return facts.complexe == c.complexe
    if c.connu is not None:
        return c.connu in facts.values
    if c.urgence is not None:
        return facts.urgence == c.urgence
    if c.demande is not None:
        return facts.demande == c.demande
    return False


def describe(c: Condition) -> str:
    if c.besoin is not None:
        return f"besoin {c.besoin}"
    if c.critere is not None:
        bounds = (f" ≥ {c.min:g}" if c.min is not None else "") + (f" ≤ {c.max:g}" if c.max is not None else "")
        return f"{c.critere}{bounds}"
    if c.age_min is not None:
        return f"âge ≥ {c.age_min}"
    if c.age_max is not None:
        return f"âge ≤ {c.age_max}"
    if c.complexe is not None:
        return "situation complexe" if c.complexe else "situation non complexe"
    if c.connu is not None:
        return f"{c.connu} connu"
    if c.urgence is not None:
        return "urgence reconnue" if c.urgence else "pas d'urgence reconnue"
    if c.demande is not None:
        return "demande précise" if c.demande else "pas de demande précise"
    for key, word in (("tous", " et "), ("un_de", " ou ")):
        subs = getattr(c, key)
        if subs is not None:
            return "(" + word.join(describe(s) for s in subs) + ")"
    return "non (" + " ; ".join(describe(s) for s in c.aucun or []) + ")"
