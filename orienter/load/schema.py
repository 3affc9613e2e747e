"""Check plain data against a model, with errors in French at the line and column of the node;
and build the JSON Schema editors use (`orienter schema`): the models say what a well-formed
file is, the rules folder in use says which codes a field takes, and every key carries a French
description (shown by the editor on hover and completion)."""

from __future__ import annotations

import json
import os
import stat
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from orienter.core.diagnostics import Diagnostic, ExitCode, OrienterError
from orienter.core.writing import existing_target, write_atomically
from orienter.load.yamlsafe import Document, Loc

if TYPE_CHECKING:
    from orienter.load.vocabulary import Vocabulary

M = TypeVar("M")


@cache
def adapter(model: type) -> TypeAdapter[Any]:
    """Building a validator costs milliseconds: once per record type and process."""
    return TypeAdapter(model)


def validate_model(model: type[M], data: Any, doc: Document, base: Loc = ()) -> tuple[M | None, list[Diagnostic]]:
    try:
        return adapter(model).validate_python(data), []
    except ValidationError as exc:
        return None, [_locate(err, doc, base) for err in exc.errors(include_url=False)]


def _locate(err: dict[str, Any], doc: Document, base: Loc) -> Diagnostic:
    loc = base + tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    kind = err["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        line, col = doc.key_position(loc)
    else:
        line, col = doc.position(loc)
    return Diagnostic(doc.file, line, col, "O100", _french(err, loc), path=dotted(loc))


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _french(err: dict[str, Any], loc: Loc) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    where = f"« {dotted(loc)} » : " if loc else ""
    value = err.get("input")
    shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    messages = {
        "missing": f"champ obligatoire « {field} » manquant : ajoutez-le",
        "extra_forbidden": f"clé inconnue « {field} » : faute de frappe ? (voir docs/format.md "
                           "ou `orienter schema` pour les clés permises)",
        "unexpected_keyword_argument": f"clé inconnue « {field} » : faute de frappe ? (voir docs/format.md "
                                       "ou `orienter schema` pour les clés permises)",
        "missing_keyword_argument": f"champ obligatoire « {field} » manquant : ajoutez-le",
        "dataclass_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "dataclass_exact_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "string_type": f"{where}texte attendu, trouvé {shown} (mettez la valeur entre guillemets)",
        "int_type": f"{where}nombre entier attendu, trouvé {shown}",
        "int_parsing": f"{where}nombre entier attendu, trouvé {shown}",
        "int_from_float": f"{where}nombre entier attendu, trouvé {shown}",
        "bool_type": f"{where}true ou false attendu, trouvé {shown}",
        "bool_parsing": f"{where}true ou false attendu, trouvé {shown}",
        "date_type": f"{where}date attendue au format AAAA-MM-JJ, trouvé {shown}",
        "date_parsing": f"{where}date attendue au format AAAA-MM-JJ, trouvé {shown}",
        "date_from_datetime_parsing": f"{where}date attendue au format AAAA-MM-JJ, trouvé {shown}",
        "date_from_datetime_inexact": f"{where}date sans heure attendue (AAAA-MM-JJ)",
        "list_type": f"{where}liste attendue (par exemple [a, b] ou des lignes « - a »), trouvé {shown}",
        "dict_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "model_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "model_attributes_type": f"{where}bloc de clés attendu, trouvé {shown}",
        "enum": f"{where}valeur {shown} invalide ; valeurs permises : {ctx.get('expected', '')}",
        "literal_error": f"{where}valeur {shown} invalide ; valeurs permises : {ctx.get('expected', '')}",
        "string_pattern_mismatch": f"{where}{shown} invalide : un identifiant s'écrit en minuscules, "
                                   "chiffres et tirets (ex. dac-94-appui)",
        "string_too_short": f"{where}texte vide : écrivez une valeur ou retirez la clé",
        "string_too_long": f"{where}texte trop long",
        "greater_than_equal": f"{where}{shown} trop petit : minimum {ctx.get('ge')}",
        "less_than_equal": f"{where}{shown} trop grand : maximum {ctx.get('le')}",
        "float_parsing": f"{where}nombre attendu, trouvé {shown}",
    }
    return messages.get(kind, f"{where}{err.get('msg', 'valeur invalide')}")


# --- the JSON Schema of the territory files, for editors --------------------------------------

SCHEMA_ID = "https://orienter.invalid/schema/territoire-1.json"
# Where a territory repository keeps it: next to its territory folders, so that every
# `territoire.yaml` reaches it by `../territoire.schema.json` and every structure file by
# `../../territoire.schema.json` (docs/format.md).
SCHEMA_FILE = "territoire.schema.json"

# definition -> (title, description)
DEFINITIONS: dict[str, tuple[str, str]] = {
    "Territoire": ("Territoire", "Fichier territoire.yaml : identité du territoire, périmètre, sources et vérification."),
    "Structure": ("Structure", "Une structure (fichier structures/<id>.yaml) : identité, identifiants, adresse, "
                  "contact, statut et services."),
    "Service": ("Service", "Un service rendu par la structure : à quels besoins il répond, pour quels publics, "
                "à quelles conditions, sur quelle zone."),
    "Source": ("Source", "Une page ou un document consulté, d'où viennent les informations de la fiche."),
    "Verification": ("Vérification", "Dates de modification et de vérification humaine de la fiche, et fréquence "
                     "de revue."),
    "Zone": ("Zone", "Codes du COG dont l'union, moins `exclus`, donne les communes couvertes. "
             "`france: true` couvre toutes les communes (couche nationale)."),
    "ZoneExclue": ("Zone exclue", "Codes du COG retirés de la zone."),
    "Contact": ("Contact", "Coordonnées publiques. Jamais inventées pour une structure réelle : laisser vide "
                "plutôt que deviner."),
    "Adresse": ("Adresse", "Adresse postale de la structure. Jamais inventée pour une structure réelle."),
    "Identifiants": ("Identifiants", "Identifiants officiels de la structure : FINESS, SIRET, SIREN."),
    "Publics": ("Publics", "À qui le service s'adresse : publics accueillis ou exclus, âges, politique "
                "d'accueil."),
    "Acces": ("Accès", "Comment une personne accède au service : prescription, qui peut adresser, "
              "consentement, coût, conditions, délai."),
    "Suspension": ("Suspension", "Interruption temporaire du service (fermeture estivale, travaux…)."),
    "Evenement": ("Événement", "Un événement de l'histoire d'une structure ou d'un territoire (création, "
                  "fusion, absorption…)."),
    "Absorption": ("Absorption", "Structure qui a absorbé celle-ci, et depuis quand."),
    "Niveau": ("Niveau de recours", "Place du service dans le parcours, du plus proche de la personne au plus "
               "spécialisé."),
    "Statut": ("Statut", "État de la structure ou du service."),
    "PolitiqueAccueil": ("Politique d'accueil", "Qui le service accueille parmi les publics indiqués."),
    "Mode": ("Mode d'intervention", "Où et comment le service intervient."),
}

_ID = "minuscules, chiffres, tirets et soulignés, 80 caractères au plus"
_DATE = "date au format AAAA-MM-JJ"
_SOURCES = ("Sources consultées : liste de blocs avec titre, url et consulte_le (date de consultation)")
_VERIFICATION = ("Dates de dernière modification et de dernière vérification humaine, fréquence de revue en mois")
_HISTORIQUE = ("Événements datés (création, fusion, absorption, renommage, fermeture) : liste de blocs "
               "date, evenement, description, structures")
_CODES_COG = {
    "communes": "Codes INSEE des communes (5 caractères, entre guillemets, pas le code postal), ex. [\"94081\"]",
    "epci": "SIREN des EPCI ou EPT (9 chiffres, entre guillemets), ex. [\"200054781\"] ; "
            "`orienter communes NOM` montre l'EPCI d'une commune",
    "departements": "Codes des départements (2 caractères, 3 outre-mer, entre guillemets), ex. [\"94\", \"2A\", \"974\"]",
    "regions": "Codes des régions du COG (entre guillemets), ex. [\"11\"] pour l'Île-de-France",
}

# definition -> property -> description. A property of the models without a description here
# fails tests/test_schema.py.
PROPERTIES: dict[str, dict[str, str]] = {
    "Territoire": {
        "id": f"Identifiant du territoire, en général le nom de son dossier ({_ID}), ex. val-de-marne",
        "nom": "Nom affiché du territoire, ex. Val-de-Marne",
        "fictif": "true pour un territoire de formation ou de démonstration : ses réponses portent le bandeau "
                  "« FICTIF » et ne sont jamais exportées (défaut : false)",
        "description": "Présentation libre du territoire, ex. « Département du Val-de-Marne, DAC 94 depuis 2022 »",
        "perimetre": "Communes couvertes, en codes du COG (communes, epci, departements, regions, exclus) ; "
                     "ex. departements: [\"94\"]",
        "rayonnement": "Au-delà du périmètre, là où certains de ses services interviennent aussi (la MDPH d'un "
                       "département dans un territoire de quelques EPCI) : une question sur une commune de cette "
                       "zone lit aussi ce territoire",
        "population": "Nombre d'habitants (entier), facultatif : sinon calculé depuis le COG",
        "sources": _SOURCES,
        "verification": _VERIFICATION,
        "historique": _HISTORIQUE + " ; raconte les fusions de dispositifs du territoire",
        "note": "Remarque libre pour les personnes qui tiennent le territoire",
    },
    "Structure": {
        "id": f"Identifiant unique de la structure dans tout l'annuaire ({_ID}), ex. dac-94",
        "nom": "Nom complet de la structure, ex. « Dispositif d'appui à la coordination du Val-de-Marne »",
        "sigle": "Sigle ou nom court, ex. DAC 94",
        "type": "Type principal de la structure, code de rules/types.yaml (facultatif), ex. DAC",
        "nature": "Nature juridique, code de la liste `natures` de rules/types.yaml, ex. association "
                  "(une nature inconnue donne l'avertissement O310)",
        "description": "Présentation libre de la structure",
        "identifiants": "Identifiants officiels de la structure : finess (liste), finess_juridique, siret, siren",
        "adresse": "Adresse postale avec le code INSEE de la commune ; jamais inventée pour une structure réelle",
        "contact": "Coordonnées publiques de la structure ; jamais inventées pour une structure réelle, "
                   "avec `source:` (O402)",
        "statut": "État de la structure : actif, suspendu, ferme, absorbe ou en_projet (défaut : actif)",
        "porteur": "Identifiant de la structure qui porte celle-ci (« porté par »), ex. onco-94-ouest",
        "partenaires": "Identifiants d'autres structures partenaires, ex. [cpts-ivry]",
        "absorbee_par": "Pour une structure absorbée (MAIA, PTA, réseau, CLIC…) : la structure qui l'a absorbée "
                        "et la date ; passez alors le statut à absorbe (O309)",
        "historique": _HISTORIQUE,
        "services": "Services rendus par la structure : liste de blocs id, nom, type, besoins, publics, acces, "
                    "zone…",
        "sources": _SOURCES + " ; obligatoires pour une structure réelle (O401)",
        "verification": _VERIFICATION + " ; derniere_verification attendue (O404)",
        "fictif": "Doit correspondre au territoire (O406) : true seulement dans un territoire fictif ; "
                  "facultatif",
    },
    "Service": {
        "id": f"Identifiant unique du service ({_ID}), ex. dac-94-appui",
        "nom": "Nom du service tel qu'un professionnel le lira, ex. « Appui aux situations complexes »",
        "type": "Type de service, code de rules/types.yaml, ex. DAC, SSIAD, HAD",
        "description": "Ce que fait le service, en quelques phrases",
        "besoins": "Besoins auxquels le service répond, codes de rules/besoins.yaml, "
                   "ex. [coordination-parcours, sortie-hospitalisation]",
        "niveau": "Niveau de recours : acces_direct, premier_recours, appui, specialise ou institutionnel ; "
                  "facultatif, celui du type (rules/types.yaml) par défaut",
        "publics": "Publics accueillis ou exclus (codes de rules/publics.yaml), bornes d'âge, politique d'accueil",
        "acces": "Conditions d'accès : prescription, orienteurs, consentement, gratuité, conditions, délai",
        "zone": "Communes desservies, même forme que le périmètre (communes, epci, departements, regions, "
                "france, exclus) ; obligatoire (O301)",
        "modes": "Modes d'intervention : sur_place, a_domicile, telephone, a_distance, mobile ; "
                 "ex. [telephone, a_domicile]",
        "horaires": "Horaires d'ouverture en syntaxe OSM opening_hours, ex. \"Mo-Fr 09:00-17:30\" ; "
                    "jamais inventés (O312 si illisibles)",
        "contact": "Coordonnées propres au service, si elles diffèrent de celles de la structure",
        "suspension": "Interruption temporaire : du (date de début), au (date de fin, incluse), motif",
        "statut": "État du service : actif, suspendu, ferme, absorbe ou en_projet (défaut : actif)",
        "sources": _SOURCES + " ; facultatif, sinon celles de la structure",
        "verification": _VERIFICATION + " ; facultatif, sinon celle de la structure",
    },
    "Source": {
        "titre": "Titre de la page ou du document consulté, ex. « Page Qui sommes-nous du DAC 94 »",
        "url": "Adresse de la page consultée, ex. https://www.exemple.fr/qui-sommes-nous",
        "consulte_le": f"Jour de la consultation, {_DATE}, ex. 2026-11-24",
        "editeur": "Qui publie la source, ex. ARS Île-de-France",
        "note": "Précision libre sur la source (section, page, version)",
    },
    "Verification": {
        "derniere_modification": f"Jour de la dernière modification du contenu de la fiche, {_DATE}",
        "derniere_verification": f"Jour de la dernière vérification humaine auprès des sources, {_DATE} ; "
                                 "l'oublier donne « jamais vérifiée » (O404)",
        "frequence_revue_mois": "Fréquence de revue en mois (entier de 1 à 60, défaut : 6) ; au-delà, "
                                "la donnée est signalée comme ancienne (O403)",
        "par": "Qui a vérifié (nom, fonction ou équipe)",
        "origine": "registre : fiche écrite par `orienter importe`, pas encore relue par une personne "
                   "(pas d'avertissement O404) ; après relecture, renseignez derniere_verification",
    },
    "Zone": {
        **_CODES_COG,
        "france": "true : toutes les communes de France (couche nationale, service à entrée nationale) ; "
                  "défaut : false",
        "exclus": "Codes retirés de la zone (communes, epci, departements, regions), ex. {communes: [\"94002\"]}",
        "provisoire": "true : zone posée par un import de registre, à confirmer (O311) ; retirez la clé après "
                      "vérification des communes desservies",
    },
    "ZoneExclue": dict(_CODES_COG),
    "Contact": {
        "telephone": "Numéro de téléphone public, ex. \"01 23 45 67 89\" ; jamais inventé",
        "courriel": "Adresse électronique publique, ex. contact@exemple.fr ; jamais inventée",
        "site": "Site web de la structure ou du service, ex. https://www.exemple.fr",
        "formulaire": "Adresse d'un formulaire de contact ou d'adressage en ligne",
        "note": "Précision libre, ex. « permanence téléphonique le matin »",
        "source": "Page où figure ce contact (texte ou adresse) ; obligatoire pour une structure réelle "
                  "quand un téléphone, un courriel ou un formulaire est donné (O402)",
    },
    "Adresse": {
        "ligne": "Numéro et voie, ex. « 12 rue de la République »",
        "complement": "Complément d'adresse : bâtiment, étage, boîte postale",
        "code_postal": "Code postal (5 caractères, entre guillemets), ex. \"94400\" ; doit correspondre à la "
                       "commune (O105)",
        "commune": "Code INSEE de la commune (5 caractères, entre guillemets, pas le code postal), ex. \"94081\"",
        "latitude": "Latitude en degrés décimaux WGS84 (de -90 à 90), seulement si un registre la donne",
        "longitude": "Longitude en degrés décimaux WGS84 (de -180 à 180), seulement si un registre la donne",
    },
    "Identifiants": {
        "finess": "Numéros FINESS des établissements (9 caractères, les deux premiers sont le département, "
                  "2A/2B en Corse), liste entre guillemets, ex. [\"940000000\"]",
        "finess_juridique": "Numéro FINESS de l'entité juridique (9 caractères), partagé par ses établissements",
        "siret": "SIRET (14 chiffres sans espace, entre guillemets), clé de Luhn vérifiée (O204)",
        "siren": "SIREN de l'entité (9 chiffres, entre guillemets)",
    },
    "Publics": {
        "inclus": "Publics accueillis, codes de rules/publics.yaml, ex. [tous-publics] ou [seniors]",
        "exclus": "Publics non accueillis, codes de rules/publics.yaml",
        "age_min": "Âge minimal en années (entier de 0 à 130, inclus)",
        "age_max": "Âge maximal en années (entier de 0 à 130, inclus)",
        "accueil": "inconditionnel (tout le monde), preferentiel (ces publics d'abord, les autres accueillis) "
                   "ou exclusif (réservé aux publics inclus) ; défaut : inconditionnel",
        "note": "Précision libre sur les publics, ex. « aidants de personnes atteintes de maladie neuro-évolutive »",
    },
    "Acces": {
        "prescription": "true si une prescription ou un courrier médical est nécessaire (défaut : false)",
        "orienteurs": "Qui peut adresser une personne au service, codes de la liste `orienteurs` de "
                      "rules/publics.yaml, ex. [professionnels, personne, aidant]",
        "consentement": "true si le consentement de la personne est requis (défaut : false)",
        "gratuit": "true : gratuit pour la personne ; false : payant ; absent : non renseigné",
        "conditions": "Autres conditions d'accès, phrases montrées telles quelles au professionnel, "
                      "ex. [\"Accord de la personne et information du médecin traitant\"]",
        "delai": "Délai habituel de prise en charge, texte libre, ex. « 48 h » ou « 3 semaines »",
    },
    "Suspension": {
        "du": f"Premier jour de la suspension, {_DATE}",
        "au": f"Dernier jour de la suspension (inclus), {_DATE} ; absent : jusqu'à nouvel ordre",
        "motif": "Raison de la suspension, montrée au professionnel, ex. « fermeture estivale »",
    },
    "Evenement": {
        "date": f"Jour de l'événement, {_DATE}, ex. 2022-07-01",
        "evenement": "Nature de l'événement : creation, absorption, fusion, renommage, fermeture ou autre",
        "description": "Ce qui s'est passé, en une phrase, ex. « La PTA et la MAIA fusionnent dans le DAC 94 »",
        "structures": "Identifiants des structures concernées, ex. [pta-94-ouest, dac-94]",
        "source": "Texte ou adresse qui atteste l'événement",
    },
    "Absorption": {
        "structure": "Identifiant de la structure qui a absorbé celle-ci, ex. dac-94",
        "depuis": f"Date de l'absorption, {_DATE}, ex. 2022-07-01",
    },
}

# (definition, property) -> the vocabulary list its codes come from: the lists validation.py
# checks them against (O303 types, O304 needs, O305 publics, O306 referrers, O310 natures).
CODE_LISTS: dict[tuple[str, str], str] = {
    ("Structure", "type"): "types",
    ("Structure", "nature"): "natures",
    ("Service", "type"): "types",
    ("Service", "besoins"): "besoins",
    ("Publics", "inclus"): "publics",
    ("Publics", "exclus"): "publics",
    ("Acces", "orienteurs"): "orienteurs",
}
# The lists the schema cannot be built without (rules/<name>.yaml).
NEEDED = ("types", "besoins", "publics")


def json_schema(vocab: Vocabulary) -> dict[str, Any]:
    """Schema of a territory file and of a structure file, in draft-07 for yaml-language-server,
    with the code lists of `vocab` (the rules folder in use)."""
    from orienter.load.model import Structure, Territoire

    defs: dict[str, Any] = {}
    roots = {}
    for name, model in (("Territoire", Territoire), ("Structure", Structure)):
        schema = adapter(model).json_schema(ref_template="#/definitions/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[name] = schema
        roots[name] = {"$ref": f"#/definitions/{name}"}
    codes = _code_lists(vocab)
    for name, definition in defs.items():
        _describe(name, definition, codes)
    out = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "orienter : fichier de territoire ou de structure",
        "description": "territoire.yaml, ou structures/*.yaml (une structure ou une liste de structures). "
                       "Généré par `orienter schema` depuis les règles du dépôt : à régénérer quand rules/ change.",
        "definitions": defs,
        "anyOf": [
            roots["Territoire"],
            roots["Structure"],
            {"type": "array", "items": roots["Structure"]},
        ],
    }
    return _to_draft7(out)


def _code_lists(vocab: Vocabulary) -> dict[str, tuple[list[str], list[str] | None]]:
    """list name -> (codes in the order of the rules file, their French labels or None)."""
    return {
        "types": (list(vocab.types), [t.libelle for t in vocab.types.values()]),
        "besoins": (list(vocab.besoins), [b.libelle for b in vocab.besoins.values()]),
        "publics": (list(vocab.publics), [p.libelle for p in vocab.publics.values()]),
        "orienteurs": (list(vocab.orienteurs), list(vocab.orienteurs.values())),
        "natures": (list(vocab.natures), None),
    }


def _describe(name: str, definition: dict[str, Any], codes: dict[str, tuple[list[str], list[str] | None]]) -> None:
    """French title and description for a definition and each of its properties; code lists as enums."""
    from orienter.render import labels

    title, text = DEFINITIONS.get(name, (name, ""))
    definition["title"] = title
    if text:
        definition["description"] = text
    words = {"Niveau": labels.LEVELS, "Statut": labels.STATUS_SERVICE, "PolitiqueAccueil": labels.WELCOME,
             "Mode": labels.MODES}.get(name)
    if words and "enum" in definition:
        definition["enumDescriptions"] = [words.get(v, v) for v in definition["enum"]]
    described = PROPERTIES.get(name, {})
    for key, prop in list(definition.get("properties", {}).items()):
        prop.pop("title", None)
        if "$ref" in prop:
            # In draft-07 the keywords beside a $ref are ignored: wrap it so that they count.
            prop = definition["properties"][key] = {"allOf": [{"$ref": prop.pop("$ref")}], **prop}
        if key in described:
            prop["description"] = described[key]
        listed = CODE_LISTS.get((name, key))
        if listed and codes[listed][0]:
            _add_enum(prop, *codes[listed])


def _add_enum(node: dict[str, Any], values: list[str], texts: list[str] | None) -> None:
    """Put the codes on the string schema(s) of a property: itself, its items, or its non-null branch."""
    if node.get("type") == "string":
        node["enum"] = values
        if texts:
            node["enumDescriptions"] = texts
    elif node.get("type") == "array" and isinstance(node.get("items"), dict):
        _add_enum(node["items"], values, texts)
    for branch in node.get("anyOf", []):
        _add_enum(branch, values, texts)


def _to_draft7(node: Any) -> Any:
    """pydantic emits 2020-12; yaml-language-server reads draft-07 (DESIGN §8)."""
    if isinstance(node, dict):
        node = {k: _to_draft7(v) for k, v in node.items()}
        if "prefixItems" in node:
            node["items"] = node.pop("prefixItems")
        if "const" in node and "enum" not in node:
            node["enum"] = [node["const"]]
        return node
    if isinstance(node, list):
        return [_to_draft7(v) for v in node]
    return node


def dumps_schema(vocab: Vocabulary) -> str:
    """The schema as written to a file or the standard output: stable key order, French kept as is."""
    return json.dumps(json_schema(vocab), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_rules(rules: Path | None) -> Vocabulary:
    """The vocabulary of the rules folder in use (`--regles`, else ./rules, else the shipped one),
    or a French error when the lists the schema needs cannot be read."""
    from orienter.core.paths import display_path, rules_dir
    from orienter.store.vocabularies import load_vocabulary, rules_key

    folder = rules or rules_dir()
    shown = display_path(folder)
    hint = ("--regles attend le dossier du vocabulaire, qui contient types.yaml, besoins.yaml et publics.yaml "
            "(défaut : ./rules s'il existe, sinon celui livré avec orienter).")
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        raise OrienterError(f"Dossier de règles introuvable : « {shown} ». {hint}", ExitCode.USAGE) from None
    except OSError as exc:
        raise OrienterError(f"Dossier de règles illisible : « {shown} » ({exc.strerror or exc}).",
                            ExitCode.USAGE) from None
    if not stat.S_ISDIR(mode):
        raise OrienterError(f"« {shown} » n'est pas un dossier. {hint}", ExitCode.USAGE)
    vocab, diags = load_vocabulary(folder, rules_key(folder))
    broken = [name for name in NEEDED if name not in vocab.versions]
    if broken:
        files = tuple(f"{name}.yaml" for name in broken)
        found = [d for d in diags if d.file.endswith(files)][:10]
        lines = "".join(f"\n{d.file}:{d.line}:{d.col}: {d.level} {d.code} {d.message}" for d in found)
        raise OrienterError(f"Règles inutilisables dans « {shown} » : {', '.join(files)} manquant(s) ou invalide(s)."
                            f"{lines}\nLe schéma prend ses listes de codes dans ces fichiers : corrigez-les, "
                            f"ou donnez un autre dossier. {hint}", ExitCode.USAGE)
    return vocab


def write_schema(path: Path, text: str, force: bool = False) -> str:
    """Write the schema to `path` atomically (temporary file in the same folder, then rename) and
    say what was done, in French. A schema written by orienter is replaced without --force (that
    is the point of regenerating it); any other existing file needs --force; a link, a folder or
    a missing folder is refused. An up-to-date file is left untouched."""
    st = existing_target(path, f", ex. {Path(path) / SCHEMA_FILE}")
    if st is not None:
        current = _read_text(path)
        if current == text:
            return f"Schéma déjà à jour : {path}"
        if not force and not _is_our_schema(current):
            raise OrienterError(f"« {path} » existe et n'est pas un schéma écrit par orienter : ajoutez --force "
                                "pour le remplacer, ou choisissez un autre nom.", ExitCode.USAGE)
    write_atomically(path, text, 0o644, replace=True)  # a shared, committed file
    return f"Schéma {'remplacé' if st is not None else 'écrit'} : {path}"


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _is_our_schema(text: str | None) -> bool:
    if text is None:
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("$id") == SCHEMA_ID
