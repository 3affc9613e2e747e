"""Free French text to needs and facts, offline.

How it reads a professional's note, in order:
1. cut the text into sentences, and sentences into clauses at commas, colons, brackets and
   "mais" (a negation never crosses a comma: "pas de chute, troubles de mémoire" denies the
   fall, not the memory);
2. give every word the keys it may stand for: its folded form, its lemmas from the compiled
   table ("tombée" -> tomber), an abbreviation's expansion (MT, IDE, ATCD, TS...), the parts of
   a compound ("alcoolo-dépendant"), and for unknown words a derivational root ("dépressive")
   or a typo correction against the vocabulary only ("alzeimer" -> alzheimer);
3. look up every phrase of the vocabulary, word by word on those keys, allowing one extra
   word inside a phrase ("aide ménagère à domicile" reads "aide à domicile");
4. qualify every hit: denied ("pas de chute", "chute : non"), hypothetical ("suspicion de",
   "à éliminer", "?"), past ("ATCD", "il y a 3 ans", "ancienne"), or about a relative ("sa fille
   est épuisée"). A denial cancels a hit, unless the phrase carries it ("pas de médecin
   traitant") or the need is a missing resource; the other qualifiers cancel only the entries
   whose vocabulary says so (`annule_si`: a suspected diagnosis is not a diagnosis, a past
   chest pain is not an emergency);
5. read numbers with the patterns of the facts (age, MMSE, GIR, temperature) and refusals of a
   service type ("ne veut pas aller au CMP").
Every hit keeps the words as typed, the vocabulary phrase it met and how (form, lemma, root,
correction, abbreviation), so that `explain` can show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable

from orienter.engine import morphology, numerals
from orienter.engine.morphology import Token
from orienter.engine.lexicon import OPTIONAL, STOPWORDS, CompiledLexicon, Phrase

_SENTENCE = re.compile(r"[.!;\n]+")
_WRAPPED = re.compile(r"(?<=[^\s.!?;:])[ \t]*\n[ \t]*(?:>[ \t]*)?(?=[a-zàâäéèêëîïôöùûüçœ0-9(«\"])")
# "> Ne faudrait-il pas une HAD ?": a line quoted from an earlier message is context, not the
# writer's request.
_QUOTED = re.compile(r"^\s*>")
_CLAUSE = re.compile(r"[,:()\[\]/]+|\s+mais\s+|\s+-\s+", re.IGNORECASE)
_CLAUSE_KEEP = re.compile(f"({_CLAUSE.pattern})", re.IGNORECASE)  # the same, separators kept
_NEGATIONS = {"pas", "sans", "aucun", "aucune", "ni", "jamais", "absence", "non", "nie", "nier", "denie"}
_CONTINUING = {"arrete", "arretes", "arretent", "arrettent", "arete", "cesse", "cesses", "cessent", "arretait", "cessait"}
_NEGATIONS_AFTER = {"non", "absent", "absente", "absents", "absentes", "negatif", "negative", "exclu", "exclue",
                    "ecarte", "ecartee", "nie", "niee"}
_HYPOTHESES = {"suspicion", "suspecte", "suspect", "suspecter", "possible", "probable", "eventuel", "eventuelle",
               "prevention", "prevenir", "eviter",
               "evoque", "evoquer", "evocation", "hypothese", "doute", "craint", "crainte", "risque", "risques", "eliminer",
               "suspicions", "questionne", "peut-etre", "failli", "presque",
               # "anticiper les prescriptions (détresse respiratoire terminale)": what is planned for
               "anticiper", "anticipe", "anticipees", "anticipee", "prevoir", "prevision"}
# What the writer asks for ("on cherche une maison de retraite") weighs more than what they
# describe on the way: the request is why they write.
_REQUESTS = {"cherche", "cherchons", "cherchent", "chercher", "recherche", "recherchons", "rechercher", "souhaite",
             "souhaitons", "souhaiterait", "souhaiterais", "souhaiterions", "voudrais", "voudrait", "voudrions",
             "aimerais", "aimerait", "aimerions", "demande", "demandons", "sollicite", "trouver", "faudrait",
             "accord"}  # "le couple est d'accord pour une entrée en établissement"
# "une ordonnance pour des soins d'hygiène à domicile": a prescription names the care asked for.
_PRESCRIBED = {"ordonnance", "ordonnances", "prescription", "prescriptions", "prescrit", "prescrite", "prescrits",
               "prescrites", "ordo"}
_SUPPOSING = {"hypothese", "hypotheses", "piste", "pistes", "mes", "diagnostic", "diagnostics", "evoque", "evoques",
              "differentiel", "differentiels"}
_RISKS = {"risque", "risques", "prevention", "prevenir", "eviter"}
_HYPOTHESES_AFTER = {"eliminer", "possible", "probable", "suspecte", "suspect", "evoque", "discute"}
# Past, and chronic or already explored: not the event of today.
_PAST = {"atcd", "antecedent", "antecedents", "ancien", "ancienne", "anciens", "anciennes", "autrefois", "jadis",
         "chronique", "chroniques", "habituel", "habituelle", "habituels", "habituelles", "connu", "connue", "connus",
         "connues", "stente", "stentee", "explore",
         "exploree", "explores", "explorees", "stable", "stabilise", "stabilisee", "sequelle", "sequelles",
         "sequellaire", "sequellaires", "post", "cicatrise", "cicatrisee", "cicatrisees", "cicatrises", "dernier", "derniere", "precedent", "precedente", "sevre", "sevree", "gueri", "guerie", "remission", "auparavant", "anterieur", "anterieure"}
_MONTHS = {"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre", "octobre", "novembre",
           "decembre"}
# An event already taken in charge: "hospitalisé cette nuit (AVC)" is not a call to make now.
_HANDLED = {"hospitalise", "hospitalisee", "hospitalises", "hospitalisees", "hospit", "admis", "admise", "transfere",
            "transferee", "opere", "operee", "pris en charge", "rechauffe", "rechauffee"}
# The emergency chain already took the event: "amenée par les pompiers ce matin après chute".
_BROUGHT = re.compile(r"\b(?:amene|amenee|ramene|ramenee|emmene|emmenee|transporte|transportee|evacue|evacuee|conduit|conduite)s?"
                      r"(?: \w+){0,3}? (?:pompiers|sapeurs|samu|smur|urgences|ambulance|sau)\b"
                      r"|\bprise? en charge par (?:les |le )?(?:pompiers|sapeurs|samu|smur)\b|\bvue? aux urgences\b"
                      r"|\b(?:pompiers|sapeurs-pompiers|samu|smur) (?:(?:sont|est) )?(?:venus?|intervenus?|passes?)\b"
                      # "l'infirmière de l'HAD est venue", "le 15 l'a fait voir aux urgences", "rentré le soir même"
                      r"|\b(?:infirmiere|medecin|equipe) (?:de l.?|du |de la )?(?:had|samu|smur|sos medecins) (?:est |sont )?(?:venue?s?|passee?s?|intervenue?s?)\b"
                      r"|\bfait voir aux urgences\b|\b(?:rentre|rentree|ressorti|ressortie) le (?:soir|jour) meme\b")
# A doctor saw the person after the signs told before and decided: they are not of now.
_CLEARED = re.compile(r"\b(?:pas|aucune|sans) (?:d['’ ]?)?indication (?:de |d['’ ]?|a )?(?:transfert|transferer|hospitali\w*"
                      r"|hospit|adresser)|\bretour (?:au |a )?domicile (?:valide|autorise|decide)|\bsortie (?:validee"
                      r"|autorisee) par|\burgence vitale (?:ecartee|eliminee)|\bpas d['’ ]?urgence vitale"
                      r"|\basymptomatique (?:ce jour|aujourd.hui|actuellement|a l.examen)"
                      r"|\blaisse(?:e)? sur place\b|\b(?:non|pas) transporte(?:e)?\b|\baccord du (?:medecin )?regulateur")
# The pain told before is gone now ("Aucune douleur aujourd'hui", "douleur disparue").
_PAIN_GONE = re.compile(r"\b(?:aucune|pas de|plus de|plus aucune|sans) douleurs? (?:aujourd.hui|actuellement|ce jour|ce matin"
                        r"|a l.examen|au moment|depuis)|\bdouleurs? (?:disparue|a disparu|ont disparu|passee|calmee"
                        r"|resolutive|cedee|a cede)\b|\brien (?:en ce moment|actuellement|maintenant|aujourd.hui)\b"
                        r"|\btout (?:a|avait) disparu\b|\b(?:symptomes|signes) (?:ont |avaient )?(?:disparu|cede)\b")
_PAIN_CODES = ("douleur_thoracique", "malaise_coronarien_atypique")
_REPORT = re.compile(r"\bcompte[- ]rendus?\b")
# "Ça s'est calmé en 10 min, elle est repartie à pied": a breathing crisis over by the time the
# note is written. Only breathing: a chest pain or a stroke sign that went away still calls the
# 15 (unstable angina, transient ischaemic attack: HAS 2011).
_CALMED = re.compile(r"\b(?:ca|cela|c|tout|la crise|elle|il) s.?est (?:calmee?|arrangee?|passee?|tassee?|apaisee?)\b(?! (?:un peu|a peine|legerement))"
                     r"|\best repartie? (?:a pied|seule?|tranquillement|chez (?:elle|lui))\b")
_CALMING_CODES = ("detresse_respiratoire",)
_PAST_UNITS = {"an", "ans", "annee", "annees", "mois", "semaine", "semaines", "jour", "jours"}
_PRESENT = {"actuellement", "maintenant", "aujourd", "instant", "minutes", "minute", "heures", "heure", "matin",
            "soir", "cours", "soudain", "soudaine", "soudainement", "brutal", "brutale", "brutalement",
            "aigu", "aigue", "nouveau", "nouvelle", "inhabituel", "inhabituelle", "subitement", "subit"}
# How a sign began says nothing of when: "ATCD de crise convulsive en 2022 lors d'un arrêt
# brutal" is of 2022. These give way to a date, a header or a stay; "ce matin" does not.
_ONSET = {"soudain", "soudaine", "soudainement", "brutal", "brutale", "brutalement", "aigu", "aigue", "subitement",
          "subit"}
# "depuis 20 minutes", "depuis ce matin": happening now; "depuis 2 ans": a long-standing state.
_RECENT_UNITS = {"min", "mn", "minute", "minutes", "h", "heure", "heures", "matin", "soir", "nuit", "hier"}
_LONG_UNITS = {"an", "ans", "annee", "annees", "mois", "semaine", "semaines"}
# "depuis la rentrée", "depuis son licenciement": since a season or a life event, a state that
# lasts. Not a birth, a fall or an operation: those may be of yesterday.
_LONG_SINCE = {"rentree", "ete", "printemps", "automne", "hiver", "noel", "paques", "toussaint", "divorce",
               "licenciement", "deces", "separation", "covid", "confinement", "retraite", "demenagement",
               "veuvage", "enfance", "adolescence"} | _MONTHS
# Who writes the note ("IDEL :", "AS CAF.", "MT :") is not what the person needs.
_AUTHORS = {"idel", "ide", "ides", "idec", "as", "ass", "mt", "mg", "medecin", "infirmiere", "infirmier", "assistante",
            "assistant", "pharmacien", "pharmacienne", "cadre", "educateur", "educatrice", "psychologue", "kine",
            "ergotherapeute", "secretaire", "coordinatrice", "coordinateur", "ccas", "caf", "clic", "sage-femme"}
# "reconnu MDPH", "APA accordée": the need is already answered (the word comes first).
_SATISFIED_BEFORE = {"reconnu", "reconnue", "obtenu", "obtenue", "accorde", "accordee", "notifie", "notifiee",
                     "attribue", "attribuee", "touche", "percoit", "beneficie", "beneficiaire", "titulaire"}
# Signs that were explored and found normal, or that come and go: not the event of now.
# "AVC à J10", "J+3 de la pose de PTH": a day count from an event already in care.
_DAY_COUNT = re.compile(r"\bj\s?\+?\s?([2-9]|[1-9]\d)\b")
_PROGRESSIVE = re.compile(r"\bde\s+plus\s+en\s+plus\b", re.IGNORECASE)
_IMPERFECT_HAVE = {"avais", "avait", "avions", "aviez", "avaient"}
_PARTICIPLE = re.compile(r"(fait|eu|pris|mis|dit|vu|\w{2,}(e|ee|es|ees|i|ie|is|u|ue|us))")
# "déjà explorée", "ECG superposable" (to the previous one): looked at, nothing new.
_EXPLORED = {"normal", "normaux", "normale", "normales", "rassurant", "rassurante", "rassurants", "rassurantes",
             "explore", "exploree", "explores", "explorees", "superposable", "superposables",
             "negatif", "negative", "negatifs", "negatives", "neg", "elimine", "eliminee", "elimines", "eliminees",
             "benin", "benigne", "benins", "benignes"}
_ANTICIPATED = re.compile(r"\b(?:anticip\w*|prevoir|en prevision|en cas de|si jamais)\b")
# "crie au secours toutes les nuits": what recurs is a known pattern, not an event of now.
_EVERY = re.compile(r"\btou(?:te)?s les (?:nuits|soirs|jours|matins|week-ends|semaines)\b|\bchaque (?:nuit|soir|matin)\b"
                    r"|\bfois par (?:jour|semaine|mois|an|nuit)\b"
                    r"|\b(?:pendant|lors|au cours) (?:les|des|de ses|de mes|de leurs) crises\b")
# Not "quand": "le bras retombe quand elle le lève" describes the sign of now.
_HABITUAL = {"chaque", "parfois", "souvent", "regulierement", "habitude", "hab", "habituellement"}
# "une aide pour adapter sa douche": the object becomes the place, not the person's care.
_TURNING = {"adapter", "adapte", "adaptee", "amenager", "amenage", "amenagee", "installer", "remplacer", "equiper"}
_HAVE = {"a", "ai", "as", "avons", "avez", "ont"}
_ANSWER_WORDS = {"il", "elle", "ils", "elles", "dit", "repond", "repondu", "a", "que", "qu", "non", "absolument",
                 "franchement", "clairement", "formellement", "nettement", "n", "ne", "y", "pense", "pas", "jamais"}
SINCE_HEADER = "depuis"  # a "Depuis 4 mois :" heading: episodes are of then, states go on
_WHERE_TO = {"aller", "s", "se", "appeler", "trouver", "chercher", "demander", "dormir", "loger", "vivre", "habiter",
             "frapper", "postuler", "deposer", "envoyer"}
# "…, qui fait des crises d'angoisse depuis la rentrée : …": what follows tells those episodes.
_EPISODES = {"crises", "episodes", "attaques", "acces"}
_SELF_HARMED = {"taper", "tape", "frapper", "frappe", "cogner", "cogne", "mordre", "mord", "griffer", "griffe"}
_ARTICLES = {"un", "une", "des", "du", "de", "d", "la", "le", "les", "l", "sa", "son", "ses"}
SPOKEN_NO_MORE = "aplus"
_GREETINGS = {"bonjour", "bonsoir", "madame", "monsieur", "docteur", "salut", "cher", "chere", "chers", "cheres"}
# "perdu de vue du CMP", "son psychiatre de CMP est parti": a service to reconnect with, not one in place.
_RUPTURE = {"perdu", "perdue", "parti", "partie", "rupture", "arrete", "arretee", "interrompu", "interrompue", "fini",
            "finie", "termine", "terminee", "plus", "sorti", "sortie", "abandonne", "abandonnee", "echeance"}
_RECONNECT = re.compile(r"\b(?:renouer|reprendre contact|ne s['’ ]?y presente plus|ne s['’ ]?y rend plus|ne vient plus"
                        r"|ne va plus|n['’ ]?y va plus|perdue? de vue|rupture de (?:suivi|soins|traitement)"
                        r"|injections? manquees?|rendez-vous manques|rdv manques|n['’ ]?honore plus)\b")
_KIN = {"fille", "fils", "epouse", "epoux", "mari", "femme", "conjoint", "conjointe", "compagne", "compagnon",
        "mere", "pere", "frere", "soeur", "aidant", "aidante", "voisin", "voisine", "gendre", "belle-fille",
        "petite-fille", "petit-fils", "famille", "parents", "concubin", "concubine", "tante", "oncle", "niece",
        "neveu", "cousin", "cousine", "ami", "amie"}
_THIRD_POSSESSIVES = {"sa", "son", "ses", "leur", "leurs"}
# "la maman ne dort plus" in a note about a child: the parent, not the person.
_SUBJECTS = {"il", "elle", "ils", "elles", "je", "j", "on", "nous", "vous"}
_PARENTS = {"maman", "papa", "mere", "pere"}
_FEAR = {"peur", "crainte", "craint", "crains", "craignent", "redoute", "redoutent", "angoisse"}
_DOUBT = {"sait", "sais", "savons", "savent", "savoir", "ignore", "ignorons", "ignorent", "demande", "demandons",
          "verifier", "voir"}
_REFUSALS = {"refuse", "refus", "refusent", "oppose", "opposant", "opposante"}
_REFUSAL_VERBS = {"veut", "veux", "souhaite", "desire", "accepte", "voulait"}
# "depuis 10 ans", "il y a 3 ans": a duration, not an age.
# "SSJ 5 ans", "condamné à 2 ans", "sursis probatoire de 18 mois": the length of a measure.
_DURATION = {"depuis", "pendant", "ya", "y", "dans", "apres", "avant", "duree", "environ", "plus", "moins", "fois",
             "ssj", "sursis", "probatoire", "peine", "condamne", "condamnee", "prison", "ferme", "emprisonnement",
             "detention", "incarceration", "mesure", "placement", "bail", "cdd", "contrat", "mandat"}
# "infirmière du CMP", "suivi CMP": that service is already involved (often the caller).
_INVOLVED = {"infirmiere", "infirmier", "ide", "idec", "idel", "medecin", "psychiatre", "psychologue", "assistante",
             "assistant", "educateur", "educatrice", "equipe", "cadre", "secretaire", "coordinatrice",
             "coordinateur", "suivi", "suivie", "suit", "accompagne", "accompagnee", "ergotherapeute", "appel",
             "connu", "connue", "pris", "prise", "charge"}
# "MT d'accord pour une HAD", "l'IDE demande un SSIAD": the service asked for, not one in place.
_TOWARD = {"pour", "vers", "accord", "demande", "demander", "orienter", "adresser", "propose", "proposer"}
_ADDRESSED = ("->", "→", "=>")
_CIVILITIES = {"m", "mme", "mlle", "mr", "monsieur", "madame", "mademoiselle", "dr", "docteur", "pr"}  # a transmission's addressee ("AS maternité -> PMI")
# "Le petit K., 9 ans", "la famille K.": an initial after these names someone (not "le K du sein").
_NAMED_BEFORE = _CIVILITIES | {"petit", "petite", "jeune", "enfant", "bebe", "fils", "fille", "patient", "patiente",
                               "famille", "eleve", "usager", "usagere", "locataire"}
# "suivi de grossesse ok", "SSIAD en place", "APA faite": the need is already answered.
_SATISFIED = {"ok", "place", "assure", "fait", "faite", "jour", "organise", "organisee", "present", "presente",
              "effectif", "effective", "actif", "active", "regle", "reglee", "obtenu", "obtenue", "acquis", "acquise"}
# A right granted is a right no longer to ask for ("la MDPH lui a reconnu un taux de 80 %",
# "notification MDPH en cours de validité"); the help it pays for may still be to find
# ("PCH aide humaine accordée, cherche un service").
_GRANTED = {"reconnu", "reconnue", "accorde", "accordee", "attribue", "attribuee", "notifie", "notifiee", "validite",
            "valide", "valable"}
_SCOPE = 4
_MIN_FUZZY_LEN = 5
_GAP = 1


@dataclass(frozen=True)
class Hit:
    kind: str  # "besoin" or "critere"
    code: str
    words: str  # the words of the text, as typed
    negated: bool = False
    corrected: bool = False
    matched: str = ""  # the vocabulary phrase met
    via: str = "forme"  # forme, lemme, racine, correction, abreviation
    qualifiers: tuple[str, ...] = ()  # hypothese, passe, proche


_COMBINATION_SPAN = 6  # words (small words aside) from the first to the last word of a combination


def _closest(found: list[list[tuple[int, ...]]]) -> list[tuple[int, ...]] | None:
    """One spot per group, none shared, all within _COMBINATION_SPAN words; None when the
    groups are never written that close ("jambe" in one sentence, "ne peut plus" far on)."""
    if not all(found):
        return None
    best: list[tuple[int, ...]] | None = None
    for anchor in found[0]:
        chosen = [anchor]
        taken = set(anchor)
        for spots in found[1:]:
            free = [s for s in spots if not taken & set(s)]
            if not free:
                break
            near = min(free, key=lambda s: max(abs(s[0] - anchor[0]), abs(s[-1] - anchor[-1])))
            chosen.append(near)
            taken |= set(near)
        else:
            span = max(s[-1] for s in chosen) - min(s[0] for s in chosen)
            if span <= _COMBINATION_SPAN and (best is None or span < _span(best)):
                best = chosen
    return best


def _span(chosen: list[tuple[int, ...]]) -> int:
    return max(s[-1] for s in chosen) - min(s[0] for s in chosen)


@dataclass
class _Clause:
    """What the combinations of a sentence need from each of its clauses."""

    tokens: list[Token]
    cues: list[int]
    past: bool
    author: bool
    typed: Callable[[int], str]
    now: bool = False  # "depuis 1h", "ce matin": told as happening now


@dataclass
class Reading:
    needs: dict[str, list[Hit]] = field(default_factory=dict)
    facts: dict[str, list[Hit]] = field(default_factory=dict)
    numbers: dict[str, tuple[float, str]] = field(default_factory=dict)
    negated: list[Hit] = field(default_factory=list)
    set_aside: list[Hit] = field(default_factory=list)  # read, then cancelled by a qualifier
    refused_types: dict[str, str] = field(default_factory=dict)
    mentioned_types: dict[str, str] = field(default_factory=dict)
    involved_types: dict[str, str] = field(default_factory=dict)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    recent: list[Hit] = field(default_factory=list)  # the last clause's hits (a later clause may qualify them)
    elder_relative: tuple[int, str] | None = None  # "sa mère, 91 ans": an older relative's age
    known: set[tuple[str, str]] = field(default_factory=set)  # (code, phrase) told as a known, stable condition
    told_now: set[int] = field(default_factory=set)  # hits read in a clause that says "now"


class _Known:
    """The words the vocabulary knows: every form of the lemma table, and a few more."""

    def __init__(self, forms: dict[str, str], others: frozenset[str]):
        self.forms, self.others = forms, others

    def __contains__(self, word: str) -> bool:
        return word in self.forms or word in self.others

    def isdisjoint(self, words: set[str]) -> bool:
        return not any(w in self.forms or w in self.others for w in words)


class Lexicon:
    """Reads text with a compiled vocabulary (`lexicon.compile_vocabulary`)."""

    def __init__(self, compiled: CompiledLexicon):
        self.c = compiled
        self.phrases: list[Phrase] = compiled.phrases
        self.known = _Known(compiled.lemmas, frozenset(compiled.known) | frozenset(compiled.abbreviations))
        self.roots = frozenset(r for p in compiled.phrases for r in p.roots if r)
        self.patterns = {code: re.compile(p) for code, p in compiled.patterns.items()}
        self.flag_patterns = {code: re.compile(p) for code, p in compiled.flag_patterns.items()}
        self.type_codes = compiled.type_codes
        self.cancels = compiled.cancels
        self.lack_is_need = set(compiled.lack_is_need)
        self.cancelled_by = {code: set(q) for code, q in compiled.cancelled_by.items()}
        self.french = morphology.WordSet(compiled.french)

    def read(self, text: str) -> Reading:
        reading = Reading()
        first = True
        told_before: list[Hit] = []
        # Pasted e-mails wrap lines in the middle of a sentence ("pas de\nperfusion"): a line
        # that does not end a sentence and a next one that starts in lower case are one sentence.
        text = _WRAPPED.sub(" ", text)
        for sentence in _SENTENCE.split(text):
            if not sentence.strip():
                continue
            self._numbers(sentence, reading)
            # A sentence that says the event was taken in charge puts it in the past.
            folded = morphology.fold(sentence)
            words = set(re.findall(r"[a-z]+", folded))
            # Taken in charge, or explored and found normal: the whole sentence is not about now.
            settled = bool(self._handled_now(sentence) or _explored(folded) or {"rien", "grave"} <= words
                           or _DAY_COUNT.search(folded))
            past_header = False
            # A question, or what follows "il nous faudrait", asks: the needs it names are the
            # request ("Il nous faudrait quelqu'un pour les repas, les courses, le linge").
            quoted = bool(_QUOTED.match(sentence))
            question = sentence.rstrip().endswith("?") and not _supposes(sentence) and not quoted
            listing = False
            previous: list[Hit] = []
            # Hits of the short clauses listed just before ("palpitations, sensation d'étouffer,
            # peur de mourir, 3 à 4 fois par semaine"), with their clause indices.
            listed: list[tuple[int, list[Hit]]] = []
            clauses: list[_Clause] = []
            pieces = _CLAUSE_KEEP.split(sentence)
            for at in range(0, len(pieces), 2):
                clause = pieces[at]
                after = pieces[at + 1] if at + 1 < len(pieces) else ""
                if not (clause and clause.strip()):
                    continue
                if first and _greeting(clause):
                    continue
                author, first = first and _names_author(clause), False
                reading.recent = []
                before = len(clauses)
                aside_before = len(reading.set_aside)
                plain = _plain_words(clause)
                # After "il nous faudrait quelqu'un pour les repas", the list goes on ("les
                # courses, le linge"); a clause with its own subject ("elle oublie de manger")
                # describes again.
                listing = listing and not _SUBJECTS.intersection(plain)
                past_header = self._read_clause(clause, reading, past_header, author, settled, clauses,
                                                question or listing, quoted)
                if before == 0 and not reading.recent and 0 < len(plain) <= 5 and self._past_delay(plain) and all(
                        w in STOPWORDS or w in _DATING_STARTS or w in _MONTHS or w in _WEEKDAYS or w.isdigit()
                        or w in {"passee", "passe", "precedente", "precedent", "ya"} for w in plain):
                    # "La semaine dernière, fausse route avec désaturation …": a date heading the
                    # sentence dates the signs it tells (a clause of its own that says now still is).
                    settled = True
                # "Besoin : aide financière, aide alimentaire" heads the request as "Demande :" does.
                # "Surtout : ne peut plus faire ses courses" puts the main point after the colon.
                listing = not quoted and (listing or any(w in _REQUESTS for w in plain) or (
                    plain in (["besoin"], ["besoins"], ["surtout"]) and ":" in after))
                if at and "(" in pieces[at - 1] and 0 < before and _ANTICIPATED.search(
                        morphology.fold(pieces[at - 2] if at >= 2 else "")):
                    # "anticiper les prescriptions (détresse respiratoire terminale, fausses routes)":
                    # the bracket lists what is planned for.
                    _requalify(reading, reading.recent, "hypothese", self.cancelled_by)
                if at and "(" in pieces[at - 1] and 0 < len(plain) <= 4 and 0 < before and clauses[before - 1].past:
                    # "il y a 2 ans il avait fait une crise (convulsion)": a word in brackets
                    # names something of its clause, and shares its time.
                    _requalify(reading, reading.recent, "passe", self.cancelled_by)
                    if len(clauses) > before:
                        clauses[before].past = True
                if ":" in after and (before == 0 or _EPISODES & set(plain)) and (
                        self._since(plain) == "long" or self._past_delay(plain) or _recurs(clause)
                        or "repetition" in plain):
                    # "Depuis 2 ans je fais des crises d'angoisse : cœur qui s'emballe, douleur
                    # dans la poitrine" — what the sentence lists after it is of those 2 years:
                    # episodes of then, but states that last ("depuis 4-5 mois : retrait, propos
                    # bizarres") go on now.
                    past_header = True if self._past_delay(plain) else SINCE_HEADER
                if at and ":" in pieces[at - 1] and 0 < len(plain) <= 5 and (all(
                        w in _NEGATIONS_AFTER or w in {"aucun", "aucune", "rien", "neant"} for w in plain) or (
                        {"non", "pas", "jamais"} & set(plain) and set(plain) <= _ANSWER_WORDS)):
                    # "idées suicidaires explorées à chaque séance : absentes", "je lui ai demandé
                    # s'il pensait au suicide : il dit que non" — the answer denies what the
                    # clause before the colon named.
                    _deny(reading, previous)
                # Not what was told as happening now ("Douleur thoracique depuis 1h, ATCD d'IDM en
                # 2015"): the clause after it dates its own items.
                told_now = 0 < before <= len(clauses) and clauses[before - 1].now
                # "dyspnée, depuis 3 mois" dates the clause before; "a écrit des lettres, garde ses
                # boîtes depuis 3 semaines" tells a thing of its own.
                qualifies = _qualifies_previous(clause) or (self._since(plain) == "long" and (
                    _bare_since(plain) or (at > 0 and ":" in pieces[at - 1])))
                if not qualifies and _KNOWN_CONDITION & set(plain):
                    # "Mal dans la poitrine …, angine de poitrine connue": the sign is that known
                    # condition when the clause names the same thing.
                    own = reading.recent + reading.set_aside[aside_before:]
                    qualifies = bool({h.code for h in own} & {h.code for h in previous})
                if qualifies and not told_now:
                    _requalify(reading, previous, "passe", self.cancelled_by)
                    if 0 < before <= len(clauses):
                        clauses[before - 1].past = True
                    if _recurs(clause) and not any(clauses[i].now for i, _ in listed if i < len(clauses)):
                        # how often says it of the whole list before it
                        for i, hits in listed:
                            _requalify(reading, hits, "passe", self.cancelled_by)
                            if i < len(clauses):
                                clauses[i].past = True
                short = 0 < len([w for w in plain if w not in STOPWORDS]) <= 3 and not _SUBJECTS.intersection(plain)
                listed = (listed + [(before, list(reading.recent))]) if short else []
                # "hémoptysie (crachats striés) la semaine dernière": an aside in brackets that
                # names nothing leaves the clause before it to be qualified.
                if reading.recent or not (at and pieces[at - 1] == "("):
                    previous = reading.recent
            self._combinations(clauses, reading)
            if (_CLEARED.search(folded) and _KIN.isdisjoint(words)) or _BROUGHT.search(folded):
                # Only what was told before: in "Douleur depuis 20 min, pas d'indication de
                # transfert selon sa fille" nobody examined anything. "Hier soir malaise au bar.
                # Les pompiers m'ont emmené aux urgences": the chain of emergency care took it,
                # whoever drove there ("emmenée aux urgences par une amie").
                _requalify(reading, told_before, "ecarte", self.cancelled_by)
            if _CALMED.search(folded) and _KIN.isdisjoint(words):
                _requalify(reading, [h for h in told_before if h.code in _CALMING_CODES], "ecarte", self.cancelled_by)
            if _PAIN_GONE.search(folded) and _KIN.isdisjoint(words):
                _requalify(reading, [h for h in told_before if h.code in _PAIN_CODES], "ecarte", self.cancelled_by)
            told_before = [h for hits in reading.facts.values() for h in hits]
        # "suivi HTA/angor. … Angor stable connu": the condition named again is the same known one.
        for code, hits in list(reading.facts.items()):
            _requalify(reading, [h for h in hits if (code, h.matched) in reading.known and id(h) not in reading.told_now],
                       "passe", self.cancelled_by)
        if "age" in self.patterns and "age" not in reading.numbers:
            _approximate_age(text, reading)
        _age_of_whom_the_note_asks(reading)
        if reading.involved_types and _RECONNECT.search(morphology.fold(text)):
            # "suivi au CMP … ne s'y présente plus depuis 2 mois … comment renouer le suivi ?":
            # a service the person has left is one to reconnect with, not one already in place.
            for code, words in reading.involved_types.items():
                reading.mentioned_types.setdefault(code, words)
            reading.involved_types.clear()
        return reading

    def _combinations(self, clauses: list[_Clause], reading: Reading) -> None:
        """Entries established by one alternative of each of their groups, close together in
        the sentence ("un coin de la bouche tombe": bouche + tomber). A word after a denial of
        its clause does not count; the hit is in the past only when every word of it is."""
        if not self.c.combinations:
            return
        places = [(ci, ti) for ci, info in enumerate(clauses) for ti in range(len(info.tokens))]
        where: dict[str, list[int]] = {}  # key -> positions in the sentence holding it
        for g, (ci, ti) in enumerate(places):
            for key in clauses[ci].tokens[ti].keys:
                where.setdefault(key, []).append(g)
        for combo in self.c.combinations:
            if not all(any(alt[0] in where for alt in group) for group in combo.groups):
                continue  # a group none of whose first words is written: nothing to look for
            members = {k for group in combo.groups for alt in group for k in alt}
            found = [self._alternatives(group, clauses, places, where, members) for group in combo.groups]
            chosen = _closest(found)
            if chosen is None:
                continue
            used = sorted(p for spot in chosen for p in spot)
            if any(clauses[places[g][0]].author for g in used) and combo.kind == "besoin":
                continue
            words = " … ".join(clauses[places[g][0]].typed(places[g][1]) for g in used)
            past = all(clauses[places[g][0]].past for g in used)
            hit = Hit(combo.kind, combo.code, words, False, False, combo.text, "ensemble",
                      ("passe",) if past else ())
            if self.cancelled_by.get(combo.code, set()).intersection(hit.qualifiers):
                reading.set_aside.append(hit)
            else:
                target = reading.needs if combo.kind == "besoin" else reading.facts
                target.setdefault(combo.code, []).append(hit)
                # What it contradicts goes, as a phrase's would in its clause ("droits CSS
                # expirés" is no complete coverage).
                for code in self.cancels.get(combo.code, ()):
                    reading.facts.pop(code, None)
                    reading.needs.pop(code, None)

    @staticmethod
    def _alternatives(group: list[list[str]], clauses: list[_Clause], places: list[tuple[int, int]],
                      where: dict[str, list[int]], members: set[str]) -> list[tuple[int, ...]]:
        """Where in the sentence (positions over its clauses) each alternative of a group is
        written, its words in order within one clause and not denied."""
        spots: list[tuple[int, ...]] = []
        for alt in group:
            for g in where.get(alt[0], ()):
                ci, ti = places[g]
                info = clauses[ci]
                end = ti + len(alt)
                if end > len(info.tokens) or any(k not in info.tokens[ti + j].keys for j, k in enumerate(alt)):
                    continue
                if any(0 < ti - c <= _SCOPE and not info.tokens[c].keys & members for c in info.cues):
                    continue
                if end < len(info.tokens) and info.tokens[end].plain in {"pas", "jamais"} and not (
                        info.tokens[end].keys & members):
                    continue  # "il ne la frappe pas": the verb denied by what follows it
                spots.append(tuple(range(g, g + len(alt))))
        return sorted(spots)

    # --- one clause ---------------------------------------------------------------------

    def _read_clause(self, clause: str, reading: Reading, past_header: bool | str, author: bool = False,
                     settled: bool = False, collect: list[_Clause] | None = None, asking: bool = False,
                     quoted: bool = False) -> bool:
        """Read one clause; returns whether an "ATCD:" header puts what follows in the past."""
        # "il parle de plus en plus difficilement": a progression, not "ne parle plus".
        clause = _PROGRESSIVE.sub("progressivement", clause)
        spans = morphology.words(clause)
        originals = [clause[a:b] for a, b in spans]

        def typed(first: int, last: int) -> str:
            """The words as typed, apostrophes and hyphens included ("sortie d'hospit")."""
            return clause[spans[first][0]:spans[last][1]]

        every = _mark_ne_plus(morphology.collapse_inability(self._tokens(originals, reading)))
        tokens = [t for t in every if not t.stop]
        if not tokens:
            return past_header
        if len(tokens) > 4:
            # "ATCD : AVC, IDM" lists past items; a long clause with its own verb starts
            # a new statement ("ATCD de TS, dit qu'elle veut en finir").
            past_header = False
        plains = [t.plain for t in tokens]
        cues, unable = self._negation_cues(tokens)
        # A denial stops at a later subordinate clause: in "des pensées qui ne sont pas à lui et
        # l'impression que les gens parlent de lui", the second clause is not denied; "il ne dit
        # pas qu'il veut mourir" denies what it introduces.
        limits = {c: next((k for k in range(c + 1, len(tokens)) if any(
            morphology.fold(originals[j]) in {"que", "qu"} and j > tokens[c].source + 2
            for j in range(tokens[k - 1].source + 1, tokens[k].source))), len(tokens)) for c in cues}
        hypotheses = [i for i, p in enumerate(plains) if p in _HYPOTHESES] + _fears_and_doubts(tokens, originals)
        requests = [] if quoted else [i for i, p in enumerate(plains) if p in _REQUESTS or p in _PRESCRIBED]
        all_plains = [t.plain for t in every]
        marks = _present_marks(all_plains)
        present = bool(marks) or self._since(plains) == "recent"
        now = bool(marks - _ONSET) or self._since(plains) == "recent"
        # "ATCD : …", "Séquelles : aphasie, hémiparésie": what the header lists is of the past.
        header_at = next((i for i, p in enumerate(plains) if p in {"atcd", "antecedent", "antecedents", "sequelles"}), None)
        # Dated by the clause itself (a header, "il y a 3 ans", a pluperfect), or by its sentence.
        dated_by_words = self._past_delay(all_plains) or _pluperfect(all_plains)
        dated_itself = past_header or header_at is not None or dated_by_words
        dated = dated_itself or settled
        habitual = any(p in _HABITUAL for p in plains) or bool(_EVERY.search(morphology.fold(clause)))
        # "« convulsion fébrile simple » sur le compte-rendu": what a report tells is done.
        described = any(p in _PAST for p in plains) or habitual or self._since(plains) == "long" or bool(
            _REPORT.search(morphology.fold(clause)))
        past_here = (dated and not now) or (described and not present)
        # Taken in charge or explored ("settled") dates the alarm signs only: "éventration opérée,
        # sort avec un pansement VAC" still needs the dressing.
        past_unsettled = (dated_itself and not now) or (described and not present)
        # "la touche depuis l'été dernier": harm that goes on since then is of now.
        since_only = past_header == SINCE_HEADER and not (header_at is not None or dated_by_words or settled or described)
        ongoing = past_here and not past_header and not settled and header_at is None and _only_since(
            all_plains, lambda ws: self._past_delay(ws) or _pluperfect(ws) or any(
                w in _PAST or w in _HABITUAL for w in ws))
        asked = [b for a, b in spans if clause[b:b + 3].lstrip().startswith("?")]
        kin = self._relatives(every)
        if collect is not None:
            collect.append(_Clause(tokens, cues, past_here, author, lambda i: typed(tokens[i].source, tokens[i].source),
                                   now))
        self._refusals(tokens, typed, reading)
        found: dict[tuple[str, str], tuple[int, int, bool, Phrase, str]] = {}
        for i in range(len(tokens)):
            for pid in self._candidates(tokens[i]):
                phrase = self.phrases[pid]
                match = self._match(phrase, tokens, i)
                if match is None:
                    continue
                end, via = match
                if _restricts(phrase, tokens[end - 1].source, originals):
                    continue  # "ne mange plus que des pâtes": she eats, only pasta
                # "il a plus de douleur thoracique" may say more pain as well as none: an alarm
                # sign is never denied by the spoken form alone.
                alarm_sign = "ecarte" in self.cancelled_by.get(phrase.code, ())
                negated = self._denied(phrase, tokens, i, end, [
                    c for c in cues if i < limits.get(c, i + 1) and not (alarm_sign and tokens[c].plain == SPOKEN_NO_MORE)],
                    unable, originals)
                key = (phrase.kind, phrase.code)
                prev = found.get(key)
                # Prefer a positive reading, then the longest phrase.
                if prev is None or (prev[2] and not negated) or (
                        prev[2] == negated and len(phrase.keys) > len(prev[3].keys)):
                    found[key] = (i, end, negated, phrase, via)
        cancelled = {c for (kind, code), (_, _, neg, _, _) in found.items() if not neg
                     for c in self.cancels.get(code, ())}
        cancelled |= _inside_longer(found)
        # Followed there before a hospital stay or years ago: a service to reconnect with.
        finished = settled or past_header or dated_by_words
        self._types(tokens, typed, cues, cancelled, reading, finished)
        for (kind, code), (start, end, negated, phrase, via) in found.items():
            if code in cancelled:
                continue
            first, last = tokens[start].source, tokens[end - 1].source
            qualifiers = []
            if any(0 < start - h <= _SCOPE for h in hypotheses) or any(
                    p in _HYPOTHESES_AFTER for p in plains[end:end + 3]) or spans[last][1] in asked:
                qualifiers.append("hypothese")
                # "risque de surdose", "prévenir une chute": a danger to prevent, not a suspicion of now
                if any(0 < start - h <= _SCOPE and plains[h] in _RISKS for h in hypotheses):
                    qualifiers.append("risque")
            alarm = "ecarte" in self.cancelled_by.get(code, ())
            if code in _ONGOING_HARM and habitual and not dated_itself and not any(p in _PAST for p in plains):
                pass  # "il la frappe tous les soirs": what recurs goes on
            elif (past_here if alarm else past_unsettled) and (
                    header_at is None or header_at < start or past_header or (settled and alarm)) and not (
                    ongoing and code in _ONGOING_HARM) and not (since_only and not alarm):
                qualifiers.append("passe")
            if any(k <= first for k in kin):
                qualifiers.append("proche")
            if kind == "besoin" and (asking or any(0 <= start - r <= _SCOPE + 1 for r in requests)):
                qualifiers.append("demande")
            hit = Hit(kind, code, typed(first, last), negated, via == "correction", phrase.text, via, tuple(qualifiers))
            if "passe" in qualifiers and _KNOWN_CONDITION & set(plains):
                reading.known.add((code, phrase.text))
            if now:
                reading.told_now.add(id(hit))
            if negated:
                reading.negated.append(hit)
            elif author and kind == "besoin":
                continue  # "IDEL :" says who writes, not what the person needs
            elif self.cancelled_by.get(code, set()).intersection(qualifiers):
                reading.set_aside.append(hit)
            else:
                target = reading.needs if kind == "besoin" else reading.facts
                target.setdefault(code, []).append(hit)
                reading.recent.append(hit)
        return past_header or header_at is not None

    def _candidates(self, token: Token) -> list[int]:
        out: list[int] = []
        for key in token.keys:
            out += self.c.by_first.get(key, ())
        if token.root:
            out += self.c.by_first_root.get(token.root, ())
        return sorted(set(out))

    def _match(self, phrase: Phrase, tokens: list[Token], start: int) -> tuple[int, str] | None:
        """End of the phrase in the tokens when it starts at `start`, and how it was met."""
        pos = start
        how = "forme"
        for j, key in enumerate(phrase.keys):
            limit = pos + 1 if j == 0 else min(len(tokens), pos + 1 + _GAP)
            for k in range(pos, limit):
                way = _meets(tokens[k], key, phrase.roots[j])
                if way:
                    how = _strongest(how, way)
                    pos = k + 1
                    break
                if tokens[k].plain in _NEGATIONS or tokens[k].plain in _TURNING:  # never skipped inside a phrase
                    return None
            else:
                return None
        return pos, how

    def _denied(self, phrase: Phrase, tokens: list[Token], start: int, end: int,
                cues: list[int], unable: list[int], originals: list[str] | None = None) -> bool:
        # "ne me reconnaît plus depuis ce matin": the time since is said of the denied state,
        # never denied itself.
        since = tokens[start].plain == "depuis"
        negated = not since and (any(0 < start - c <= _SCOPE for c in cues) or any(
            t.plain in _NEGATIONS_AFTER for t in tokens[end:end + 2]))
        # "ne peut plus faire sa toilette seul" denies the autonomy phrase only.
        if phrase.code in self.cancels and any(0 < start - c <= _SCOPE for c in unable):
            negated = True
        if negated and phrase.kind == "besoin" and phrase.code in self.lack_is_need:
            negated = False
        granted = _SATISFIED | _GRANTED if phrase.code.startswith("droits-") else _SATISFIED
        if phrase.kind == "besoin" and not negated and (
                _answered_after(tokens[end:end + 3], granted, originals or [])
                or any(t.plain in _SATISFIED_BEFORE for t in tokens[max(0, start - 2):start])):
            negated = True
        return negated

    def _types(self, tokens: list[Token], typed: Callable[[int, int], str], cues: list[int],
               cancelled: set[str], reading: Reading, finished: bool = False) -> None:
        for i, t in enumerate(tokens):
            code = self.type_codes.get(t.plain)
            if not code or code in cancelled or any(0 < i - c <= _SCOPE for c in cues):
                continue
            before = tokens[max(0, i - 3):i]
            if i and any(a in typed(tokens[i - 1].source, t.source) for a in _ADDRESSED):
                # "Cadre de néonatologie -> PMI": where the note goes, not who already follows.
                reading.mentioned_types.setdefault(code, typed(t.source, t.source))
            elif finished or any(t.plain in _RUPTURE for t in tokens):
                reading.mentioned_types.setdefault(code, typed(t.source, t.source))  # to reconnect with
            elif (any(x.plain in _INVOLVED for x in before) and not _TOWARD & set(
                    re.findall(r"[a-z]+", morphology.fold(typed(before[0].source, t.source))))) or any(
                    x.plain in _SATISFIED for x in tokens[i + 1:i + 3]):
                first = before[0].source if before else t.source
                reading.involved_types.setdefault(code, typed(first, t.source))
            else:
                reading.mentioned_types.setdefault(code, typed(t.source, t.source))

    # --- words --------------------------------------------------------------------------

    def _tokens(self, originals: list[str], reading: Reading) -> list[Token]:
        out: list[Token] = []
        for idx, word in enumerate(originals):
            folded = morphology.fold(word)
            expansion = self.c.abbreviations.get(folded)
            # "Mme K.", "M. D.": a name's initial after a civility, not an abbreviation (K, cancer).
            if expansion and len(folded) == 1 and idx and morphology.fold(originals[idx - 1]) in _NAMED_BEFORE:
                expansion = None
            # Two-letter abbreviations (AS, TS, PA, OH) are common words in lower case.
            if expansion and (len(folded) > 2 or word.isupper() or folded == "mt"):
                out.extend(Token(frozenset({part}), part, idx, "abreviation") for part in expansion)
                continue
            parts = folded.split("-") if "-" in folded and folded not in self.known else [folded]
            for part in parts:
                if not part:
                    continue
                if part in STOPWORDS or part in OPTIONAL:
                    out.append(Token(frozenset({part}), part, idx, stop=True))
                    continue
                token = self._token(part, word, idx, reading)
                if (idx and morphology.fold(originals[idx - 1]) in {"se", "s"} and token.keys & _SELF_HARMED) or (
                        part == "battre" and _struggling(originals, idx)):
                    # "crie, se tape la tête": the blows are his own, no one else's violence;
                    # "fatiguée de me battre depuis 19 ans": a struggle, not blows
                    token = Token(frozenset("soi-" + k for k in token.keys), part, idx, token.via, token.root)
                out.append(token)
        return out

    def _token(self, part: str, word: str, idx: int, reading: Reading) -> Token:
        keys = {part, morphology.strip_inflection(part)}
        for form in list(keys):
            keys.update(self.c.lemmas.get(form, "").split())
        base = morphology.combining_base(part)
        if base and base not in keys and (base in self.known or morphology.root(base) in self.roots):
            keys.add(base)
        if not self.known.isdisjoint(keys) or part.isdigit() or not part.isalpha():
            return Token(frozenset(keys), part, idx, "lemme" if part not in self.known else "forme")
        found_root = morphology.root(part)
        if found_root and found_root in self.roots:
            return Token(frozenset(keys), part, idx, "racine", root=found_root)
        # "calmement" is French when "calme" is: an adverb, not a typo of "campement".
        if len(part) >= _MIN_FUZZY_LEN and part not in self.french and not (
                part.endswith("ment") and part[:-4] in self.french):
            from rapidfuzz import fuzz, process

            cutoff = 80 if len(part) >= 8 else 85
            best = process.extractOne(part, self.c.fuzzy_words, scorer=fuzz.ratio, score_cutoff=cutoff)
            if best:
                reading.corrections.append((word, best[0]))
                return Token(frozenset(keys | {best[0]}), part, idx, "correction")
        return Token(frozenset(keys), part, idx, root=found_root)

    # --- qualifiers -----------------------------------------------------------------------

    @staticmethod
    def _negation_cues(tokens: list[Token]) -> tuple[list[int], list[int]]:
        """Positions of denials ("pas de chute") and of inabilities ("ne peut plus se laver"):
        an inability states a need, it does not deny it."""
        cues: list[int] = []
        unable: list[int] = []
        for i, t in enumerate(tokens):
            if t.plain == morphology.INCAPABLE:
                unable.append(i)
            elif t.plain in _NEGATIONS:
                # "ne ... que" restricts, it does not deny; "n'arrête pas de dire qu'elle veut
                # mourir" says it again and again.
                following = tokens[i + 1].plain if i + 1 < len(tokens) else ""
                # "il ne répond plus quand on l'appelle ni quand on le secoue": "ni" goes on with the
                # denial already there, it does not deny again what follows it.
                continued = t.plain == "ni" and bool(cues)
                if following != "que" and not (i > 0 and tokens[i - 1].plain in _CONTINUING) and not continued:
                    cues.append(i)
            elif t.plain in ("nplus", SPOKEN_NO_MORE):
                cues.append(i)
        return cues, unable

    @staticmethod
    def _since(plains: list[str]) -> str | None:
        """"depuis" followed by a short delay ("20 minutes", "ce matin") or a long one ("2 ans")."""
        for i, p in enumerate(plains):
            if p != "depuis":
                continue
            tail = plains[i + 1:i + 3]
            if any(u in _RECENT_UNITS or re.fullmatch(r"\d+(?:h|min|mn)", u) for u in tail):
                return "recent"
            if any(u in _LONG_UNITS or u in _LONG_SINCE for u in tail):
                return "long"
        return None

    def _handled_now(self, sentence: str) -> bool:
        """The sentence says the event was taken in charge ("hospitalisé", "transféré") — unless
        the care is dated in its own clause ("En 2019 opéré du cœur, douleur thoracique avec
        sueurs"): that date is the operation's, and the pain is of now."""
        for piece in _CLAUSE.split(sentence):
            folded = morphology.fold(piece)
            words = re.findall(r"[a-z0-9]+", folded)
            if (_HANDLED & set(words) or _BROUGHT.search(folded)) and not self._past_delay(words):
                return True
        return False

    @staticmethod
    def _past_delay(plains: list[str]) -> bool:
        """"il y a 3 ans", "en 2015": a dated event, not the present one."""
        for i, p in enumerate(plains):
            if p == "y" and plains[i + 1:i + 2] == ["a"] and any(u in _PAST_UNITS for u in plains[i + 2:i + 5]):
                return True
            if p == "passe" and i > 0 and plains[i - 1] in {"par", "dans"}:
                return True
            if p == "en" and i + 1 < len(plains) and re.fullmatch(r"(19|20)\d\d", plains[i + 1]):
                return True
            if re.fullmatch(r"(19|20)\d\d", p) or p in _MONTHS:
                return True
            # "une convulsion avec de la fièvre à 18 mois": at an age, so dated
            # but "le petit il a 18 mois" is his age ("à" and "a" fold alike)
            if p == "a" and re.fullmatch(r"\d{1,2}", plains[i + 1] if i + 1 < len(plains) else "") and (
                    plains[i + 2:i + 3] in (["mois"], ["ans"], ["an"])) and plains[i - 1:i] not in (
                    ["il"], ["elle"], ["qui"], ["j"], ["on"]):
                return True
            # "son overdose de cette année-là", "à l'époque"
            if p in {"annee-la", "jour-la", "epoque"} or (p in {"annee", "jour"} and plains[i + 1:i + 2] == ["la"]
                                                            and plains[i - 1:i] == ["cette"]):
                return True
            # "mardi dernier"
            if p in _WEEKDAYS and plains[i + 1:i + 2] in (["dernier"], ["passe"]):
                return True
            # "la même année", "l'année dernière", "l'an dernier", "la semaine précédente"
            if p in {"annee", "an", "semaine", "mois"} and (
                    plains[i - 1:i] == ["meme"] or plains[i + 1:i + 2] in (["derniere"], ["dernier"], ["precedente"],
                                                                            ["precedent"])):
                return True
        return False

    @staticmethod
    def _relatives(tokens: list[Token]) -> list[int]:
        """Sources of relatives named in the third person ("sa fille", "son mari")."""
        out = []
        for i, t in enumerate(tokens):
            if t.plain in _KIN and i > 0 and tokens[i - 1].plain in _THIRD_POSSESSIVES:
                out.append(t.source)
            elif t.plain in _PARENTS and i > 0 and tokens[i - 1].plain in {"la", "le"}:
                out.append(t.source)
        return out

    def _refusals(self, tokens: list[Token], typed: Callable[[int, int], str], reading: Reading) -> None:
        for i, t in enumerate(tokens):
            refusal = t.plain in _REFUSALS or bool(t.keys & {"refuser", "opposer"}) or (
                t.plain in _REFUSAL_VERBS and any(x.plain == "pas" for x in tokens[max(0, i - 2):i + 3]))
            if not refusal:
                continue
            for later in tokens[i + 1:i + 8]:
                code = self.type_codes.get(later.plain)
                if code:
                    first, last = tokens[i].source, later.source
                    reading.refused_types.setdefault(code, typed(max(0, first - 1), last))

    def _numbers(self, sentence: str, reading: Reading) -> None:
        plain = " " + numerals.digits(re.sub(r"\s+", " ", morphology.fold(sentence)).strip())
        for code, pattern in self.patterns.items():
            # Ages go on being read once the person's is known: a relative's may follow.
            if code in reading.numbers and code != "age":
                continue
            for m in pattern.finditer(plain):
                previous = re.findall(r"[a-z]+", plain[:m.start()])[-2:]
                if code == "age" and previous and (previous[-1] in _DURATION or previous == ["y", "a"] or (
                        len(previous) == 2 and previous[-1] in {"a", "de"} and previous[0] in _DURATION)):
                    continue
                kin = _relatives_age(plain[:m.start()]) if code == "age" else None
                if code in reading.numbers and not kin:
                    continue
                if kin:
                    # Not the person's age; a child's still says a minor is there ("une mère arrive
                    # avec son fils de 7 ans … maman tape avec la ceinture").
                    number = next((g for g in m.groups() if g), "")
                    if kin in _CHILDREN and number.isdigit() and int(number) <= 17:
                        reading.numbers.setdefault("age_enfant", (int(number), m.group(0).strip()))
                    elif number.isdigit() and int(number) >= 60 and reading.elder_relative is None:
                        reading.elder_relative = (int(number), f"{_ACCENTED.get(kin, kin)}, {m.group(0).strip()}")
                    continue
                # A motif may write the number in more than one place ("MMSE 22", "22 au test").
                number = next((g for g in m.groups() if g), None)
                try:
                    value = float(number.replace(",", "."))
                except (AttributeError, ValueError):
                    continue
                reading.numbers[code] = (int(value) if value.is_integer() else value, m.group(0).strip())
                if code != "age":
                    break
        for code, pattern in self.flag_patterns.items():
            m = pattern.search(plain)
            if m and code not in reading.facts:
                reading.facts[code] = [Hit("critere", code, m.group(0).strip(), matched=pattern.pattern, via="motif")]


# "M. X, la cinquantaine", "une octogénaire": an age told in words, taken when no number says it.
_DECADE_WORDS = {"vingtaine": 20, "trentaine": 30, "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60,
                 "septantaine": 70, "trentenaire": 30, "quadragenaire": 40, "quinquagenaire": 50,
                 "sexagenaire": 60, "septuagenaire": 70, "octogenaire": 80, "nonagenaire": 90, "centenaire": 100}
_DECADE = re.compile(r"(?<!\ben )(?<!\bmis en )(?<!\bmise en )\b(?:(?:la|une|un|d'une|d'un) )?("
                     + "|".join(_DECADE_WORDS) + r")\b")


def _approximate_age(text: str, reading: Reading) -> None:
    m = _DECADE.search(re.sub(r"\s+", " ", morphology.fold(text)))
    if m:
        reading.numbers["age"] = (_DECADE_WORDS[m.group(1)], m.group(0).strip())


# A length of time ("a convulsé une minute") or a part of another day ("le soir même", "hier
# matin") tells how long or when, not that it is happening now: these mark the present only
# after "ce", "cette", "depuis", "il y a", "ça fait".
_NOW_IF_POINTED = {"minutes", "minute", "heures", "heure", "matin", "soir"}
_POINTING = {"ce", "cet", "cette", "depuis", "ya", "fait", "dans", "derniere", "dernieres"}


def _present_marks(words: list[str]) -> set[str]:
    marks = set()
    for i, w in enumerate(words):
        if w not in _PRESENT:
            continue
        if w in _NOW_IF_POINTED and not (_POINTING & set(words[max(0, i - 3):i]) or words[max(0, i - 4):i - 2] == ["y", "a"]
                                        or "y" in words[max(0, i - 4):i] and "a" in words[max(0, i - 3):i]):
            continue
        marks.add(w)
    return marks


def _explored(folded: str) -> bool:
    """Explored and found normal ("ECG normal", "D-dimères nég", "origine cardiaque éliminée"),
    unless denied: "SCA non éliminé", "pas encore éliminée" keep the sign of now."""
    seq = re.findall(r"[a-z]+", folded)
    return any(w in _EXPLORED and not {"non", "pas", "ni", "sans"} & set(seq[max(0, i - 3):i])
               for i, w in enumerate(seq))


def _greeting(clause: str) -> bool:
    words = _plain_words(clause)
    return bool(words) and all(w in _GREETINGS for w in words)


def _fears_and_doubts(tokens: list[Token], originals: list[str]) -> list[int]:
    """"il a peur d'étouffer la nuit", "on ne sait pas s'il a des droits ouverts": what follows
    is feared or unknown, not observed ("il a peur, il étouffe" stays an observation)."""
    out = []
    for i, t in enumerate(tokens):
        after = morphology.fold(originals[t.source + 1]) if t.source + 1 < len(originals) else ""
        if t.plain in _FEAR and after in {"de", "d", "que", "qu"}:
            out.append(i)
        elif _if_subject(originals[max(0, t.source - 4):t.source]) or _what_to_do_when(
                originals[max(0, t.source - 5):t.source]) or _can_cause(originals[max(0, t.source - 4):t.source]):
            out.append(i - 1)  # "que faire s'il s'étouffe un jour": a case, not a sign
        elif (t.plain in _DOUBT or morphology.fold(originals[t.source]) in _DOUBT) and {"si", "s"} & {
                morphology.fold(w) for w in originals[t.source + 1:t.source + 4]}:
            out.append(i)  # "ne sait pas si" is read as one inability: its first word says which
    return out


def _what_to_do_when(words: list[str]) -> bool:
    """"quoi faire quand il s'étouffe en mangeant": a question about a case, not a sign of now."""
    folded = [morphology.fold(w) for w in words]
    return any(folded[k] in {"quoi", "que", "comment"} and folded[k + 1] == "faire"
               and folded[k + 2] in {"quand", "lorsque", "lorsqu", "si", "s", "en"}
               for k in range(len(folded) - 2))


def _can_cause(words: list[str]) -> bool:
    """"arrêter d'un coup, on peut faire des convulsions": a possibility someone warns of."""
    folded = [morphology.fold(w) for w in words]
    return any(folded[k] in {"peut", "peuvent", "pourrait", "pourraient", "pouvait", "pouvaient", "puisse", "risque",
                             "risquent"}
               and folded[k + 1] in {"faire", "provoquer", "entrainer", "donner", "causer", "declencher"}
               for k in range(len(folded) - 1))


def _if_subject(words: list[str]) -> bool:
    """"s'il (s')étouffe", "si elle tombe", "si on": a condition opens just before."""
    folded = [morphology.fold(w) for w in words]
    return any(a in {"si", "s"} and b in {"il", "ils", "elle", "elles", "on", "je", "j", "tu", "nous", "vous"}
               for a, b in zip(folded, folded[1:]))


def _plain_words(clause: str) -> list[str]:
    return [morphology.fold(clause[a:b]) for a, b in morphology.words(clause)]


def _pluperfect(plains: list[str]) -> bool:
    """"j'avais fait une crise", "il avait eu un AVC": told as before the story, not now
    ("il avait mal" is not: no participle follows; "comme s'il avait bu" describes now; "il m'a
    dit qu'il avait acheté une corde" reports what he said today, in the tense of reported speech)."""
    return any(p in _IMPERFECT_HAVE and i + 1 < len(plains) and plains[i + 1] not in STOPWORDS
               and _PARTICIPLE.fullmatch(plains[i + 1]) and not {"si", "s"} & set(plains[max(0, i - 2):i])
               and not _reported(plains[max(0, i - 7):i])
               for i, p in enumerate(plains))


_NOTHING_SINCE = re.compile(r"\brien depuis\b|\b(?:pas de|aucune|sans) recidive\b|\bplus jamais\b|\bplus rien depuis\b")
# Harm that lasts: "depuis l'été dernier" says it goes on, not that it is over.
# So do means kept and a plan made ("garde ses boîtes de côté depuis 3 semaines").
_ONGOING_HARM = {"enfant_danger", "violence_subie", "violence_conjugale", "maltraitance", "moyens_suicide",
                 "plan_suicidaire"}


def _only_since(plains: list[str], dates: Callable[[list[str]], bool]) -> bool:
    """The clause is dated only by what follows a "depuis" ("depuis l'été dernier")."""
    if "depuis" not in plains:
        return False
    kept = [p for i, p in enumerate(plains) if not any(plains[j] == "depuis" for j in range(max(0, i - 3), i + 1))]
    return not dates(kept)


_REPORTING = {"dit", "dire", "raconte", "racontait", "explique", "expliquait", "annonce", "affirme", "confie", "ecrit",
              "disait", "avoue", "prevenu", "previent"}


def _reported(before: list[str]) -> bool:
    return bool({"qu", "que"} & set(before[-3:])) and bool(_REPORTING & set(before))


_KNOWN_CONDITION = {"connu", "connue", "connus", "connues", "chronique", "chroniques", "habituel", "habituelle",
                    "habituels", "habituelles", "stable", "stabilise", "stabilisee"}


def _supposes(sentence: str) -> bool:
    """"Hypothèses / mes pistes : peut-être une ESA, ou un SMR ?": what the writer supposes under
    such a heading, even with a question mark, is not what they ask for."""
    head, colon, _ = sentence.partition(":")
    words = _plain_words(head) if colon else []
    return 0 < len(words) <= 4 and set(words) <= _SUPPOSING


def _recurs(clause: str) -> bool:
    """"3 à 4 fois par semaine", "souvent", "toutes les nuits": how often, so not an event of now."""
    words = _plain_words(clause)
    return any(w in _HABITUAL for w in words) or bool(_EVERY.search(" ".join(words)))


# How a clause that dates or qualifies the one before begins ("la semaine dernière", "il y a 3
# ans", "connue et stable", "rien depuis", "survenue en mars").
_DATING_STARTS = {"en", "il", "y", "ya", "depuis", "hier", "avant", "avant-hier", "rien", "pas", "aucun", "aucune",
                  "plus", "semaine", "mois", "annee", "an", "ans", "jours", "jour", "dernier", "derniere", "lors",
                  "deja", "episode", "cette", "ce", "cet", "dans", "vers", "pendant", "apres", "suite", "survenu",
                  "survenue", "survenus", "survenues", "apparu", "apparue", "datant", "remontant", "resolu",
                  "resolue", "disparu", "disparue", "traite", "traitee", "une", "un", "fois", "jamais", "toujours",
                  "recidive", "sans", "non", "neg", "negatif", "negative", "normal", "normale", "bilan", "vu", "vue",
                  "identique", "identiques", "comme", "semblable", "semblables", "similaire", "similaires", "typique",
                  "typiques", "superposable", "recupere", "recuperee", "cede", "cedee", "passe", "passee", "calme",
                  "calmee", "meme", "memes"}
_WEEKDAYS = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}


def _qualifies_previous(clause: str) -> bool:
    """A short clause that only qualifies the one before: "dyspnée, connue et stable depuis des mois"."""
    words = _plain_words(clause)
    if {"certaines", "certains", "quelques", "dont"} & set(words):
        return False  # "brûlures rondes, certaines anciennes": some old, so others are not
    content = [w for w in words if w not in STOPWORDS]
    if content and content[0] in {"atcd", "atcds", "antecedent", "antecedents"}:
        return False  # "Douleur thoracique, ATCD d'IDM en 2015": a history of its own, not the pain's date
    if content and not (content[0] in _DATING_STARTS or content[0] in _PAST or content[0] in _HABITUAL
                        or content[0] in _MONTHS or content[0] in _WEEKDAYS or content[0].isdigit()):
        # "Douleur thoracique, ATCD d'IDM en 2015", "…, stent en 2019": a thing of its own, with
        # its own date, not a date of the pain.
        return False
    # "hémoptysie (crachats striés) la semaine dernière": a short clause that dates the one before;
    # "rien depuis", "pas de récidive" says the one before is over.
    return (0 < len(words) <= 8 and (any(w in _PAST or w in _HABITUAL for w in words)
                                     or _explored(" ".join(words)) or Lexicon._past_delay(words)
                                     or bool(_NOTHING_SINCE.search(" ".join(words))))) or (
        0 < len(words) <= 12 and _recurs(clause))


def _inside_longer(found: dict[tuple[str, str], tuple[int, int, bool, Phrase, str]]) -> set[str]:
    """Needs whose words lie inside a longer phrase of another need: "le maintien à domicile
    n'est plus possible" asks for an establishment, not for "maintien à domicile"."""
    needs = [(code, a, b) for (kind, code), (a, b, neg, _, _) in found.items() if kind == "besoin" and not neg]
    return {code for code, a, b in needs
            if any(other != code and oa <= a and b <= ob and (ob - oa) > (b - a) for other, oa, ob in needs)}


_ACCENTED = {"mere": "mère", "pere": "père", "frere": "frère", "soeur": "sœur", "epouse": "épouse", "epoux": "époux",
             "belle-mere": "belle-mère", "beau-pere": "beau-père", "grand-mere": "grand-mère", "grand-pere": "grand-père"}
# Needs of old age only: when the note asks for them, it asks for the older relative it names.
_ELDER_NEEDS = {"hebergement-dependance", "droits-autonomie", "accueil-de-jour"}


def _age_of_whom_the_note_asks(reading: Reading) -> None:
    """"Mme L., 58 ans, ... sa mère, 91 ans, GIR 2, entrée en maison de retraite": the writer's
    client is 58, the establishment is for her mother: the orientation takes the mother's age."""
    own = reading.numbers.get("age")
    child = reading.numbers.get("age_enfant")
    if "pour_enfant" in reading.facts and child is not None and (own is None or own[0] >= 18):
        # "Mme B., 31 ans … deux enfants de 4 et 6 ans … à qui s'adresser pour les enfants ?"
        reading.numbers["age"] = child
        return
    if own is None or reading.elder_relative is None or own[0] >= 60:
        return
    if _ELDER_NEEDS & set(reading.needs):
        reading.numbers["age"] = reading.elder_relative


def _relatives_age(before: str) -> str | None:
    """The kin word when the age is of someone the note names beside the person ("avec sa fille
    de 4 ans", "son mari, 86 ans"). "ma fille de 17 ans" (a parent writing) and "appelle pour son
    fils de 8 ans" name the person, and keep theirs."""
    words = re.findall(r"[a-z]+", before)[-4:]
    for k in range(len(words) - 1):
        if words[k] in _THIRD_POSSESSIVES and words[k + 1] in _KIN and (k == 0 or words[k - 1] not in _ABOUT):
            return words[k + 1]
    # "deux enfants de 4 et 6 ans", "ses enfants, 3 et 5 ans": children beside the person
    if any(w in {"enfants", "bebes", "jumeaux", "jumelles"} for w in words) and not set(words) & _ABOUT:
        return "enfant"
    return None


_CHILDREN = {"fille", "fils", "enfant", "bebe", "petite-fille", "petit-fils", "niece", "neveu"}


_ABOUT = {"pour", "concernant", "propos", "sujet"}


def _deny(reading: Reading, hits: list[Hit]) -> None:
    """Hits already read that a later answer denies ("fièvre : non")."""
    for hit in hits:
        _withdraw(reading, hit)
        reading.negated.append(replace(hit, negated=True))


def _requalify(reading: Reading, hits: list[Hit], qualifier: str, cancelled_by: dict[str, set[str]]) -> None:
    """Give hits already read a qualifier a later clause carries; cancel those it cancels."""
    for hit in hits:
        if qualifier in hit.qualifiers or qualifier not in cancelled_by.get(hit.code, set()):
            continue
        _withdraw(reading, hit)
        reading.set_aside.append(replace(hit, qualifiers=(*hit.qualifiers, qualifier)))


def _withdraw(reading: Reading, hit: Hit) -> None:
    """Take back a hit already counted among the needs or the facts."""
    target = reading.needs if hit.kind == "besoin" else reading.facts
    kept = [h for h in target.get(hit.code, []) if h is not hit]
    if kept:
        target[hit.code] = kept
    else:
        target.pop(hit.code, None)


def _mark_ne_plus(tokens: list[Token]) -> list[Token]:
    """"n'a plus de médecin": a "plus" after a "ne" is a denial (its keys stay "plus"); so is the
    spoken "elle a plus d'idées noires" (no "ne"), unless a "que" makes it a comparison ("il a
    plus de douleurs qu'avant")."""
    out = []
    for i, t in enumerate(tokens):
        if t.plain == "plus" and any(x.plain in OPTIONAL for x in tokens[max(0, i - 3):i]):
            t = Token(t.keys, "nplus", t.source, t.via, t.root, t.stop)
        elif t.plain == "plus" and _spoken_no_more(tokens, i):
            t = Token(t.keys, SPOKEN_NO_MORE, t.source, t.via, t.root, t.stop)
        out.append(t)
    return out


def _struggling(originals: list[str], idx: int) -> bool:
    """"de me battre", "à se battre": the reflexive infinitive of a struggle, unless someone
    threatens it ("il menace de me battre")."""
    before = [morphology.fold(w) for w in originals[max(0, idx - 6):idx]]
    return (len(before) >= 2 and before[-1] in {"me", "m", "te", "t", "se", "s", "nous", "vous"}
            and before[-2] in {"de", "d", "a"} and not {"menace", "menacait", "va", "veut", "voulait"} & set(before))


def _bare_since(plain: list[str]) -> bool:
    """"depuis 3 mois", "ça dure depuis 4 ans": a clause that only dates the one before."""
    content = [w for w in plain if w not in STOPWORDS]
    return content[:1] in (["depuis"], ["ca"], ["cela"], ["c"]) or len(content) <= 4


def _restricts(phrase: Phrase, last: int, originals: list[str]) -> bool:
    """"ne mange plus que des pâtes" (only pasta), "ne sait pas où aller" (where to go for help,
    not where she is): the word after the phrase turns it into something else."""
    following = morphology.fold(originals[last + 1]) if last + 1 < len(originals) else ""
    if not phrase.keys:
        return False
    if phrase.keys[-1] in {"plus", "pas", "jamais", "rien"} and following in {"que", "qu"}:
        return True
    return phrase.keys[-1] == "ou" and following in _WHERE_TO


def _answered_after(after: list[Token], granted: set[str], originals: list[str]) -> bool:
    """"bilan fait", "vaccins à jour": the need is answered; not "vaccins pas à jour" (a lack),
    nor "le bébé a fait une convulsion" (the verb of the person, with its object)."""
    for k, t in enumerate(after):
        if t.plain not in granted:
            continue
        if any(x.plain in _NEGATIONS or x.plain in ("nplus", SPOKEN_NO_MORE) for x in after[:k]):
            return False
        following = morphology.fold(originals[t.source + 1]) if t.source + 1 < len(originals) else ""
        if t.plain in {"fait", "faite"} and following in _ARTICLES:
            return False
        return True
    return False


def _spoken_no_more(tokens: list[Token], i: int) -> bool:
    """"elle a plus d'idées noires", "plus d'arme à la maison" (a clause that opens on it)."""
    opens = all(x.stop for x in tokens[:i])
    return ((opens or (i > 0 and tokens[i - 1].plain in _HAVE)) and i + 1 < len(tokens)
            and tokens[i + 1].plain in {"de", "d"} and not any(x.plain in {"que", "qu"} for x in tokens[i + 2:i + 8]))


def _names_author(clause: str) -> bool:
    """A note's first words naming its writer: "IDEL.", "AS CAF :", "MT, " (a short clause)."""
    words = _plain_words(clause)
    return 0 < len(words) <= 3 and any(w in _AUTHORS for w in words)


def _meets(token: Token, key: str, phrase_root: str | None) -> str | None:
    if key in token.keys:
        return token.via if token.via in ("abreviation", "correction") else (
            "forme" if key == token.plain else "lemme")
    if phrase_root and token.root == phrase_root:
        return "racine"
    return None


_STRENGTH = {"forme": 0, "lemme": 1, "abreviation": 2, "motif": 2, "racine": 3, "correction": 4}


def _strongest(a: str, b: str) -> str:
    """The least certain way any word of the phrase was met describes the whole hit."""
    return a if _STRENGTH[a] >= _STRENGTH[b] else b
