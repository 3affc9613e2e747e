"""The orientation engine and its CLI, end to end on the shipped data, plus the matcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orienter.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
ORLEANS = "45234"  # a commune of the fictional training territory
CASE = "Femme de 84 ans, vit seule, chutes répétées, troubles de mémoire, fille épuisée"
runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def suggest_json(*args: str) -> dict:
    result = run("suggest", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- matcher ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lexicon():
    from orienter.engine.orient import Engine
    from orienter.load.workspace import load_workspace
    from orienter.store.index import Index

    ws = load_workspace([ROOT / "data" / "territories"])
    from orienter.store.lexicons import compiled_for

    return Engine(Index(ws.territories, ws.geo), ws.vocab, compiled=compiled_for(ws.vocab, ws.rules, ws.rules_key)).lexicon


@pytest.mark.parametrize("text, kind, code", [
    ("antécédent de maladie d'alzeimer", "critere", "troubles_cognitifs"),  # typo
    ("TROUBLES DE LA MEMOIRE", "besoin", "diagnostic-memoire"),  # case and accents
    ("sortie d'hospit prévue vendredi", "besoin", "sortie-hospitalisation"),  # abbreviation
    ("SEP évoluée, au fauteuil", "critere", "maladie_neuro"),  # SEP = sclérose en plaques
    ("pas de MT depuis 2 ans", "critere", "sans_medecin_traitant"),  # negation is the fact
    ("sans papiers, aucune couverture", "critere", "sans_couverture"),
    ("SDF depuis l'hiver", "critere", "sans_domicile"),
    ("sa fille est épuisée", "critere", "aidant_epuise"),  # small words ignored
])
def test_matcher_reads_professional_notes(lexicon, text, kind, code):
    reading = lexicon.read(text)
    found = reading.needs if kind == "besoin" else reading.facts
    assert code in found, (text, reading)
    assert all(h.words for h in found[code])  # the words that triggered it are kept


def test_matcher_negation_stays_in_its_clause(lexicon):
    reading = lexicon.read("Pas de chute, troubles de la mémoire")
    assert "chutes" not in reading.facts
    assert any(h.code == "chutes" for h in reading.negated)
    assert "troubles_cognitifs" in reading.facts


def test_matcher_numbers_and_refusals(lexicon):
    reading = lexicon.read("Mme 82 ans, MMSE à 21/30, GIR 2. Ne veut pas aller au CMP.")
    assert reading.numbers["age"][0] == 82
    assert reading.numbers["mmse"][0] == 21
    assert reading.numbers["gir"][0] == 2
    assert "CMP" in reading.refused_types


def test_matcher_cancelling_phrase(lexicon):
    reading = lexicon.read("Fait sa toilette seule, besoin d'aide pour les courses")
    assert "soins_hygiene" not in reading.facts
    assert "aide-domicile" in reading.needs


def test_matcher_inability_is_a_need_not_a_denial(lexicon):
    reading = lexicon.read("Il ne peut plus faire sa toilette seul depuis sa fracture")
    assert "soins_hygiene" in reading.facts
    assert "autonome_hygiene" not in reading.facts


def test_matcher_duration_is_not_an_age(lexicon):
    reading = lexicon.read("Veuve 67a, sous benzodiazépines depuis 10 ans")
    assert reading.numbers["age"][0] == 67


# --- suggest, the example -----------------------------------------------------------


def test_suggest_prints_a_ranked_explained_list_with_fictional_banner():
    result = run("suggest", "--commune", ORLEANS, CASE)
    assert result.exit_code == 0, result.output
    assert "DONNÉES FICTIVES" in result.stdout
    assert "Qui appeler" in result.stdout
    assert "COMPLEXE" in result.stdout


def test_suggest_json_follows_the_contract_and_ranks_dac_first_when_complex():
    jsonschema = pytest.importorskip("jsonschema")
    data = suggest_json("--commune", ORLEANS, CASE)
    schema = json.loads((ROOT / "docs" / "orientation.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    assert data["territoire"]["fictif"] is True
    assert data["complexite"]["complexe"] is True
    assert set(data["complexite"]["axes"]) >= {"medical", "social"}
    assert data["niveau"] == "appui"
    types = [s["type"] for s in data["suggestions"]]
    assert types[0] == "DAC"
    assert "EMG" in types[:3]
    assert [s["rang"] for s in data["suggestions"]] == list(range(1, len(types) + 1))
    scores = [s["score"] for s in data["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    needs = {b["code"]: b for b in data["besoins"]}
    assert needs["prevention-chutes"]["indice"] == "chutes répétées"


def test_suggest_is_deterministic():
    assert suggest_json("--commune", ORLEANS, CASE) == suggest_json("--commune", ORLEANS, CASE)


def test_without_complexity_first_line_comes_before_the_dac():
    data = suggest_json("--commune", ORLEANS, "--age", "45", "pas de médecin traitant depuis son déménagement")
    types = [s["type"] for s in data["suggestions"]]
    assert data["complexite"]["complexe"] is False
    assert types[0] == "CPTS"
    assert "DAC" not in types[:3]


def test_professional_judgement_overrides_complexity():
    data = suggest_json("--commune", ORLEANS, "--age", "45", "--complexe", "oui", "pas de médecin traitant")
    assert data["complexite"]["complexe"] is True
    assert data["complexite"]["source"] == "professionnel"


def test_emergency_never_goes_to_the_dac_and_prints_numbers():
    result = run("explain", "--format", "json", "--commune", ORLEANS, "--age", "80",
                 "douleur thoracique depuis une heure, vit seul, chutes, situation complexe")
    data = json.loads(result.stdout)
    assert data["urgence"] is True
    assert data["suggestions"] == []
    assert "15" in data["avertissements"][0]
    assert data["apres_urgence"] and all(s["type"] != "DAC" for s in data["apres_urgence"])
    fired = {r["id"] for r in data["trace"]["regles"] if r["declenchee"]}
    assert "alerte-douleur-thoracique" in fired and "complexite-appui-dac" not in fired
    assert [c["numero"] for c in data["appels"]][:1] == ["15"]
    assert any(x["type"] == "DAC" and "urgence" in " ".join(x["raisons"]) for x in data["exclus"])


def test_esa_boundaries_are_explained_in_exclusions():
    data = suggest_json("--commune", ORLEANS, "--age", "80", "--critere", "mmse=12",
                        "maladie d'Alzheimer diagnostiquée, la fille demande l'ESA")
    assert "ESA" not in [s["type"] for s in data["suggestions"][:3]]
    reasons = " ".join(r for x in data["exclus"] if x["type"] == "ESA" for r in x["raisons"])
    assert "stade précoce" in reasons


def test_pass_only_without_full_coverage():
    covered = suggest_json("--commune", ORLEANS, "--age", "40", "mutuelle à jour, cherche une consultation")
    assert "PASS" not in [s["type"] for s in covered["suggestions"]]
    uncovered = suggest_json("--commune", ORLEANS, "--age", "40", "sans papiers, aucune couverture, douleurs dentaires")
    assert uncovered["suggestions"][0]["type"] == "PASS"


def test_out_of_age_services_are_excluded_with_their_reason():
    data = suggest_json("--commune", ORLEANS, "--age", "9", "troubles des apprentissages, phobie scolaire")
    assert data["suggestions"][0]["type"] == "CMPP"
    assert all(s["type"] != "CMP" for s in data["suggestions"])


def test_commune_covered_by_no_territory_says_what_to_do():
    data = suggest_json("--commune", "Marseille", "chutes répétées, idées noires")
    assert all(s["national"] for s in data["suggestions"])  # only the national layer answers
    assert any("Aucun territoire local" in w for w in data["avertissements"])


def test_real_data_comes_before_fictional():
    data = suggest_json("--commune", "Vitry-sur-Seine", "--age", "70", "situation complexe, vit seul, chutes")
    assert data["territoire"]["fictif"] is False


# --- input handling ----------------------------------------------------------------------------


def test_situation_file_stdin_and_markdown(tmp_path):
    situation = tmp_path / "situation.yaml"
    situation.write_text(f"commune: '{ORLEANS}'\nage: 84\ntexte: {CASE}\n", encoding="utf-8")
    from_file = suggest_json("--situation", str(situation))
    from_stdin = json.loads(run("suggest", "--format", "json", "--commune", ORLEANS, "--age", "84", "-",
                                input=CASE).stdout)
    assert from_file["suggestions"] == from_stdin["suggestions"]
    md = run("suggest", "--situation", str(situation), "--format", "markdown")
    assert md.exit_code == 0
    assert md.stdout.startswith("# Fiche d'orientation")
    assert "DONNÉES FICTIVES" in md.stdout


@pytest.mark.parametrize("args, needle", [
    (["--commune", "Nulle-Part-sur-Rien", "chutes"], "introuvable"),
    (["--commune", "St Maur", "chutes"], "ambiguë"),
    (["--commune", ORLEANS, "--besoin", "chute"], "inconnu"),
    (["--commune", ORLEANS, "--critere", "mmse=beaucoup", "oubli"], "nombre attendu"),
    (["chutes"], "Commune manquante"),
])
def test_bad_input_exits_1_with_a_french_message(args, needle):
    result = run("suggest", *args)
    assert result.exit_code == 1, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_bad_situation_file_is_located(tmp_path):
    situation = tmp_path / "s.yaml"
    situation.write_text("commune: Orléans\nage: quatre-vingts\n", encoding="utf-8")
    result = run("suggest", "--situation", str(situation))
    assert result.exit_code == 1
    assert "s.yaml:2:6:" in result.output


def test_case_data_is_written_only_with_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("suggest", "--commune", ORLEANS, CASE).exit_code == 0
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "fiche.md"
    assert run("suggest", "--commune", ORLEANS, "--format", "markdown", "--output", str(target), CASE).exit_code == 0
    assert "Fiche d'orientation" in target.read_text(encoding="utf-8")
    again = run("suggest", "--commune", ORLEANS, "--format", "markdown", "--output", str(target), CASE)
    assert again.exit_code == 2 and "existe déjà" in again.output


# --- explain and test ------------------------------------------------------------------------


def test_explain_shows_every_step():
    result = run("explain", "--commune", ORLEANS, CASE)
    assert result.exit_code == 0, result.output
    for section in ("Texte lu", "Besoins détectés", "Faits", "Complexité", "Règles", "Filtres", "Classement"):
        assert section in result.stdout
    assert "complexite-appui-dac" in result.stdout
    data = json.loads(run("explain", "--format", "json", "--commune", ORLEANS, CASE).stdout)
    fired = {r["id"] for r in data["trace"]["regles"] if r["declenchee"]}
    assert {"complexite-appui-dac", "aidant-epuise-repit"} <= fired
    assert any(not r["declenchee"] for r in data["trace"]["regles"])


def test_explain_shows_each_word_read_and_the_entry_it_met():
    text = run("explain", "--commune", ORLEANS, "Mme 84 ans tombée hier, alcoolo-dépendante").stdout
    flat = " ".join(text.split())
    assert "Mots lus" in flat
    assert "« tombée » → « tomber » (autre forme du mot) : Prévention des chutes" in flat


# tests/cas-aveugle-2: a breathing distress in a planned palliative situation is still announced
# as an emergency (docs/qualite.md): a false alarm kept on purpose, for safety.
# tests/cas-aveugle-7: a paraplegic man leaving rehabilitation whose rights are listed as held
# ("RQTH + carte invalidité, PCH") still gets the rights office before the SSIAD asked for; a
# daughter asking for meals and presence for her father gets the palliative team her mother
# (already well relieved) would need. tests/cas-aveugle-8: a brain-injured man back home
# "après le SMR" still gets the SMR. tests/cas-aveugle-9: sleeping pills misused (5-6 a day,
# three prescribers) are read as an addiction but the mental health centre, the CLIC and home help
# (for "boîtes cachées dans le linge") still come before the CSAPA. tests/cas-aveugle-10:
# "Aucun droit ouvert : ni AAH, ni PCH" is read as no health cover (PASS). tests/cas-aveugle-11:
# a school social worker about to write an "IP" gets the PMI before the departmental social
# service; a teenager's runaways over family rows are not read as a need. tests/cas-aveugle-15 to -22 (the last sets measured): five, one, two, two, four, five, one and
# one misses (mesure-20 was the hardest first run, 38/50), each told in
# docs/qualite.md (nightly cries of a resident with dementia read as violence, a panic attack with
# normal readings read as distress, past belt blows told by a protected child, a warned-of
# withdrawal seizure, a faint of last night already seen at A&E, mental health in communes
# without an adult CMP). tests/cas-aveugle-24 (work, school, study): "test de grossesse positif
# fait à l'infirmerie" reads the test as done, not the pregnancy to follow. tests/cas-aveugle-25
# (a resolved panic attack) and -14 (a commune without an adult CMP) now pass: a breathing crisis
# that calmed down is cleared (breathing only: stroke signs that regress still call the 15), and a
# care need that no local service answers goes to the first line. tests/cas-aveugle-27 (justice, police): a young woman with
# post-traumatic signs and dark thoughts in a commune without an adult CMP gets the DAC, the social
# service (the robbery read as abuse) and home help ("ne sort plus seule") before the MSP.
# tests/cas-aveugle-31 (dictated notes): a son dictating "un et pas de" for
# EHPAD; its "pas de" reads as a denial of the establishment asked for. tests/cas-aveugle-33
# (trainees' case presentations): home help 4th after a fall without harm (CLIC, geriatric team,
# CCAS first); a family looking for an establishment at discharge gets the SMR its trainee
# suggested first; a CCAS trainee's own CCAS is the address asked for, but a writer's own service
# is not proposed. tests/cas-aveugle-35 (helplines): a bipolar woman off lithium in a commune with
# neither CMP nor MSP gets the local CPTS first, not the CMP, MSP or DAC its writer expected.
# tests/cas-aveugle-36 (front-desk agents) passes whole after its correction (docs/qualite.md).
# tests/cas-aveugle-43 (charity volunteers): an EHPAD resident at the end of life, told only as "ne
# mange plus, ne se lève plus" with a team asking for advice, gets no palliative team (the EHPAD
# itself is no longer proposed). tests/cas-aveugle-45 (farming world): an exhausted breeder who denies
# any suicidal idea gets the CMP 4th (his « j'en peux plus » read as a carer's exhaustion).
# tests/cas-aveugle-46 (early childhood): a father's panic attacks in Châtillon-Coligny, where no
# adult CMP covers the commune, were expected at the CMP; a breath-holding spell told by its signs
# gets the DAC and the CMPP before the PMI.
KNOWN_MISSES = {"tests/cas-aveugle-2": 1, "tests/cas-aveugle-7": 2, "tests/cas-aveugle-8": 1,
                "tests/cas-aveugle-9": 1, "tests/cas-aveugle-10": 1, "tests/cas-aveugle-11": 1,
                "tests/cas-aveugle-15": 5, "tests/cas-aveugle-16": 1,
                "tests/cas-aveugle-17": 2, "tests/cas-aveugle-18": 1, "tests/cas-aveugle-19": 3,
                "tests/cas-aveugle-20": 5, "tests/cas-aveugle-21": 1, "tests/cas-aveugle-22": 1,
                "tests/cas-aveugle-24": 1,
                "tests/cas-aveugle-27": 1, "tests/cas-aveugle-31": 1, "tests/cas-aveugle-33": 3,
                "tests/cas-aveugle-35": 1, "tests/cas-aveugle-43": 1, "tests/cas-aveugle-45": 1,
                "tests/cas-aveugle-46": 2}


@pytest.mark.parametrize("folder", [None, "tests/cas-controle", "tests/cas-mesure", "tests/cas-mesure-2", "tests/cas-dev",
                                    "tests/cas-aveugle-1", "tests/cas-aveugle-2", "tests/cas-aveugle-3",
                                    "tests/cas-aveugle-4", "tests/cas-aveugle-5", "tests/cas-aveugle-6",
                                    "tests/cas-aveugle-7", "tests/cas-aveugle-8", "tests/cas-aveugle-9",
                                    "tests/cas-aveugle-10", "tests/cas-aveugle-11", "tests/cas-aveugle-12",
                                    "tests/cas-aveugle-13", "tests/cas-aveugle-14", "tests/cas-aveugle-15",
                                    "tests/cas-aveugle-16", "tests/cas-aveugle-17", "tests/cas-aveugle-18",
                                    "tests/cas-aveugle-19", "tests/cas-aveugle-20", "tests/cas-aveugle-21",
                                    "tests/cas-aveugle-22", "tests/cas-aveugle-23", "tests/cas-aveugle-24",
                                    "tests/cas-aveugle-25",
                                    "tests/cas-aveugle-26", "tests/cas-aveugle-27", "tests/cas-aveugle-28",
                                    "tests/cas-aveugle-29", "tests/cas-aveugle-30", "tests/cas-aveugle-31",
                                    "tests/cas-aveugle-32", "tests/cas-aveugle-33", "tests/cas-aveugle-34",
                                    "tests/cas-aveugle-35", "tests/cas-aveugle-36", "tests/cas-aveugle-37",
                                    "tests/cas-aveugle-38", "tests/cas-aveugle-39", "tests/cas-aveugle-40",
                                    "tests/cas-aveugle-41", "tests/cas-aveugle-42", "tests/cas-aveugle-43",
                                    "tests/cas-aveugle-44", "tests/cas-aveugle-45", "tests/cas-aveugle-46",
                                    "tests/cas-aveugle-47", "tests/cas-aveugle-48"])
def test_shipped_cases_pass(folder):
    result = run("test", *([str(ROOT / folder)] if folder else []))
    if folder in KNOWN_MISSES:
        # Measured first, then corrected by general means: what is still missed is listed here,
        # and must stay missed only in the way docs/qualite.md explains.
        assert f"{50 - KNOWN_MISSES[folder]} passed, {KNOWN_MISSES[folder]} failed" in result.stdout, result.output
        return
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.stdout


def test_case_runner_reports_failures(tmp_path):
    cases = tmp_path / "cas.yaml"
    cases.write_text(
        "- nom: attend une PASS pour une personne bien couverte\n"
        "  situation: {commune: '45234', age: 40, texte: 'mutuelle à jour, consultation'}\n"
        "  attendu: {top: 3, types: [PASS]}\n", encoding="utf-8")
    result = run("test", str(cases))
    assert result.exit_code == 1
    assert "ÉCHEC" in result.stdout and "0 passed, 1 failed" in result.stdout


def test_path_of_a_case_as_mermaid_and_dot():
    mmd = run("suggest", "--commune", ORLEANS, "--format", "mermaid", CASE)
    assert mmd.exit_code == 0
    lines = mmd.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    node = r'\s+[A-Za-z0-9_]+(\["[^"\[\]]*"\]|\(\["[^"\[\]]*"\]\)|\{"[^"{}]*"\}|\[\["[^"]*"\]\])(:::exclu)?'
    edge = r"\s+[A-Za-z0-9_]+ (-->|-\.->|==>|-->\|\d+\|) [A-Za-z0-9_]+"
    import re

    for line in lines[1:]:
        assert re.fullmatch(node, line) or re.fullmatch(edge, line) or line.strip().startswith("classDef"), line
    assert "DONNÉES FICTIVES" in mmd.stdout
    assert "vit seule" not in mmd.stdout  # the free text of a case never goes into a picture
    dot = run("suggest", "--commune", ORLEANS, "--format", "dot", CASE)
    assert dot.stdout.startswith("digraph orientation {") and dot.stdout.rstrip().endswith("}")


def test_reading_only_the_communes_territories_gives_the_same_orientation():
    """suggest reads the perimeters, then the territories holding the commune: the engine on the
    whole directory must give the same answer."""
    from orienter.engine.orient import Engine
    from orienter.load.model import Situation
    from orienter.load.workspace import load_workspace
    from orienter.store.index import Index
    from orienter.store.lexicons import compiled_for

    first = suggest_json("--commune", ORLEANS, CASE)
    assert suggest_json("--commune", ORLEANS, CASE) == first  # second run: all from the cache
    ws = load_workspace([ROOT / "data" / "territories"])
    engine = Engine(Index(ws.territories, ws.geo), ws.vocab, compiled=compiled_for(ws.vocab, ws.rules, ws.rules_key))
    whole = engine.orient(Situation(commune=ORLEANS, texte=CASE), ws.geo.get(ORLEANS)).to_json()
    assert [s["service"]["id"] for s in whole["suggestions"]] == [s["service"]["id"] for s in first["suggestions"]]


def test_extract_is_ignored_when_data_change(tmp_path):
    import shutil

    data = tmp_path / "territories"
    shutil.copytree(ROOT / "data" / "territories" / "fictif-loiret", data / "fictif-loiret")
    before = suggest_json("--donnees", str(data), "--commune", ORLEANS, CASE)
    assert before["suggestions"][0]["type"] == "DAC"
    dac = data / "fictif-loiret" / "structures" / "fic-dac-bords-de-loire.yaml"
    dac.write_text(dac.read_text(encoding="utf-8").replace("statut: actif", "statut: ferme", 1), encoding="utf-8")
    after = suggest_json("--donnees", str(data), "--commune", ORLEANS, CASE)
    assert all(s["type"] != "DAC" for s in after["suggestions"])


# --- reading signs in everyday words --------------------------------------------------------


@pytest.mark.parametrize("text, code", [
    ("un coin de la bouche tombe depuis tout à l'heure", "avc_visage"),
    ("depuis une demi-heure il porte sa fourchette à côté de sa bouche", "avc_membre"),
    ("il respire fort bizarre, il ne répond pas", "detresse_respiratoire"),
    ("depuis ce matin elle n'arrive plus à finir ses phrases", "detresse_respiratoire"),
    ("sous Préviscan, plaie au crâne après une chute", "choc_tete"),
])
def test_combinations_read_signs_told_without_their_textbook_name(lexicon, text, code):
    reading = lexicon.read(text)
    assert code in reading.facts, (text, reading)
    assert any(h.via == "ensemble" for h in reading.facts[code])


@pytest.mark.parametrize("text, code", [
    # the words of a combination far apart, or in another part of the story
    ("elle s'est relevée toute seule, elle avait juste un bleu sur la hanche, radio faite", "detresse_respiratoire"),
    ("ulcère de jambe pansé tous les 2 jours, toilette quotidienne, épouse ne peut plus le lever", "avc_membre"),
    # a denial before the words
    ("pas de bouche de travers, pas de faiblesse d'un bras", "avc_visage"),
])
def test_combinations_need_their_words_close_and_not_denied(lexicon, text, code):
    assert code not in lexicon.read(text).facts, text


def test_combination_qualified_as_long_standing_is_set_aside(lexicon):
    reading = lexicon.read("douleurs dans la poitrine quand il monte la côte, ça dure depuis 4 ans")
    assert "douleur_thoracique" not in reading.facts
    assert any(h.code == "douleur_thoracique" for h in reading.set_aside)


@pytest.mark.parametrize("text", [
    "L'an dernier, quand il avait essayé d'arrêter seul, il avait fait une crise de convulsions",
    "AVC ischémique à J10, hémiparésie droite, rééducation à prévoir",
])
def test_events_told_as_before_the_story_are_not_of_now(lexicon, text):
    reading = lexicon.read(text)
    assert not {"urgence", "avc", "avc_membre"} & set(reading.facts), reading.facts


def test_comme_s_il_avait_bu_describes_now(lexicon):
    reading = lexicon.read("il parle comme s'il avait bu, d'un coup")
    assert "avc_parole" in reading.facts


def test_what_the_writer_asks_for_is_marked_and_ranks_first():
    text = ("Ma grand-mère 91 ans ne peut plus rester seule, elle oublie de manger, les aides ne suffisent plus. "
            "On cherche une maison de retraite, on ne sait pas par où commencer.")
    data = suggest_json("--commune", ORLEANS, "--age", "91", text)
    needs = {b["code"]: b for b in data["besoins"]}
    assert needs["hebergement-dependance"]["demande"] is True
    assert needs["diagnostic-memoire"]["demande"] is False
    assert "EHPAD" in [s["type"] for s in data["suggestions"][:3]]


def test_a_service_followed_before_a_stay_is_to_reconnect_not_involved(lexicon):
    reading = lexicon.read("TS en 2019, hospitalisée 10 jours puis suivie au CMP de Lorient")
    assert "CMP" not in reading.involved_types
    assert "CMP" in reading.mentioned_types


@pytest.mark.parametrize("text, code", [
    ("il voudrait rester chez lui, mais il a peur d'étouffer la nuit tout seul", "detresse_respiratoire"),
    ("Pas de papiers sur lui, on ne sait pas s'il a des droits ouverts", "couverture_complete"),
])
def test_what_is_feared_or_unknown_is_not_observed(lexicon, text, code):
    reading = lexicon.read(text)
    assert code not in reading.facts
    assert any(h.code == code and "hypothese" in h.qualifiers for h in reading.set_aside)


def test_fear_alone_does_not_hide_a_sign(lexicon):
    assert "detresse_respiratoire" in lexicon.read("il a peur, il étouffe").facts


def test_mmse_written_after_its_number(lexicon):
    assert lexicon.read("le neurologue a dit qu'elle avait 22 au test").numbers["mmse"][0] == 22


def test_the_parent_of_a_child_is_a_relative(lexicon):
    reading = lexicon.read("la maman ne dort plus, prend la température la nuit")
    assert all("proche" in h.qualifiers for h in reading.facts.get("souffrance_psychique", []))


@pytest.mark.parametrize("text, code", [
    ("dort devant la gare depuis 3 semaines", "sans_domicile"),
    ("ses droits CSS ont expiré faute d'adresse", "sans_couverture"),
])
def test_combinations_read_situations_told_plainly(lexicon, text, code):
    assert code in lexicon.read(text).facts, text


def test_rights_expired_are_not_a_complete_coverage(lexicon):
    assert "couverture_complete" not in lexicon.read("ses droits CSS ont expiré faute d'adresse").facts


@pytest.mark.parametrize("text, code", [
    # a date or a header wins over how the sign began
    ("ATCD de crise convulsive de sevrage en 2022 lors d'un arrêt brutal seule à domicile", "urgence"),
    # what a sentence lists after "Depuis 2 ans ... :" is of those two years
    ("Depuis 2 ans je fais des crises d'angoisse : cœur qui s'emballe, douleur dans la poitrine", "douleur_thoracique"),
    # a condition is not a sign
    ("on ne sait pas qui appeler et que faire s'il s'étouffe un jour", "detresse_respiratoire"),
    # "de plus en plus" is a progression, not "ne ... plus"
    ("il parle de plus en plus difficilement", "avc_parole"),
    # known and stented: chronic
    ("des douleurs dans la poitrine à l'effort, connues, stent en 2023", "douleur_thoracique"),
])
def test_what_is_dated_listed_conditional_or_known_is_not_of_now(lexicon, text, code):
    assert code not in lexicon.read(text).facts, text


def test_a_sign_begun_suddenly_this_morning_is_of_now(lexicon):
    assert "douleur_thoracique" in lexicon.read("ce matin douleur dans la poitrine brutale").facts


@pytest.mark.parametrize("text, code", [
    ("il a donné son chien au voisin, il parlait des boîtes de cachets qu'il garde", "moyens_suicide"),
    ("il tape dans la porte de la sdb où on s'est enfermées", "violence_en_cours"),
    ("le conjoint crie, l'a plaquée contre le mur", "violence_conjugale"),
])
def test_combinations_read_danger_told_plainly(lexicon, text, code):
    assert code in lexicon.read(text).facts, text


def test_a_child_shut_in_his_room_is_no_violence(lexicon):
    assert "violence_en_cours" not in lexicon.read("il reste enfermé dans sa chambre, ne se lave plus").facts


def test_temperature_without_its_unit_after_a_word_that_says_it(lexicon):
    assert lexicon.read("temp 39,4, somnole entre 2 phrases").numbers["temperature"][0] == 39.4
    assert "temperature" not in lexicon.read("Mme T 45 ans, vit seule").numbers


def test_a_right_granted_is_no_longer_asked_but_the_help_it_pays_is(lexicon):
    reading = lexicon.read("notification MDPH en cours de validité")
    assert "droits-handicap" not in reading.needs
    assert "aide-domicile" in lexicon.read("PCH aide humaine accordée, cherche un service").needs


def test_paris_is_a_city_not_a_bet(lexicon):
    assert "addiction" not in lexicon.read("je travaille à Paris et je viens le week-end").needs


def test_a_request_runs_over_its_list_not_over_a_new_statement(lexicon):
    listed = lexicon.read("Il nous faudrait quelqu'un en semaine pour les repas, les courses, le linge.")
    assert any("demande" in h.qualifiers for h in listed.needs["aide-domicile"])
    told = lexicon.read("On cherche une maison de retraite pour ma grand-mère, elle oublie de manger")
    assert any("demande" in h.qualifiers for h in told.needs["hebergement-dependance"])
    assert not any("demande" in h.qualifiers for h in told.needs["diagnostic-memoire"])


def test_a_relative_writes_the_temperature_bare(lexicon):
    assert lexicon.read("Il a 39,6 ce matin, il tousse").numbers["temperature"][0] == 39.6
    assert lexicon.read("elle fait 38 de fièvre").numbers["temperature"][0] == 38
    assert "temperature" not in lexicon.read("il a 39,5 kg à la pesée").numbers
    # followed by a comma, as notes go on: "T 39,4, désorientée"
    assert lexicon.read("T 39,4, désorientée").numbers["temperature"][0] == 39.4
    assert lexicon.read("il a 39,6, il tousse").numbers["temperature"][0] == 39.6


def test_bleeding_told_without_the_word_blood(lexicon):
    reading = lexicon.read("sa varice a éclaté sous la douche, la serviette est trempée et ça traverse")
    assert "hemorragie" in reading.facts


def test_figures_of_speech_and_effort_are_no_alarm(lexicon):
    assert "hypothermie" not in lexicon.read("Ça m'a glacé le sang, on fait quoi ?").facts
    assert "detresse_respiratoire" not in lexicon.read("il a du mal à respirer quand il marche vite").facts
    assert "detresse_respiratoire" in lexicon.read("il respire très vite et bruyamment depuis ce matin").facts


def test_explored_and_found_normal_unless_denied(lexicon):
    settled = lexicon.read("douleur thoracique atypique (ECG normal, tropo nég : origine cardiaque éliminée)")
    assert "douleur_thoracique" not in settled.facts
    for text in ("Douleur thoracique depuis 1 heure avec sueurs, SCA non éliminé",
                 "Douleur thoracique brutale depuis 30 minutes, l'origine cardiaque n'est pas encore éliminée"):
        assert "douleur_thoracique" in lexicon.read(text).facts, text


def test_a_word_in_brackets_shares_the_time_of_its_clause(lexicon):
    reading = lexicon.read("Il y a 2 ans il avait fait une crise (convulsion) quand il avait arrêté d'un coup.")
    assert "urgence" not in reading.facts


def test_an_age_told_in_words_when_no_number_says_it(lexicon):
    assert lexicon.read("M. X, la cinquantaine, dort dehors").numbers["age"][0] == 50
    assert lexicon.read("une octogénaire, 83 ans, seule").numbers["age"][0] == 83
    assert "age" not in lexicon.read("mis en quarantaine la semaine dernière").numbers


def test_the_addressee_of_a_transmission_is_not_already_involved(lexicon):
    reading = lexicon.read("Cadre de santé de néonatologie -> PMI. Sortie de Jade, née à 33 SA.")
    assert "PMI" not in reading.involved_types


def test_a_precise_request_in_a_complex_situation_keeps_the_dac_in_support():
    text = ("Mme 84 ans, vit seule, chute il y a 8 jours sans gravité, ne cuisine plus, a perdu 3 kg, fille à "
            "Tours, isolement, dossier APA déposé.")
    fired = {}
    for note in (text, text + " Demande : aide à domicile rapide pour le ménage et les repas."):
        out = json.loads(run("explain", "--commune", "45234", "--format", "json", note).stdout)
        assert out["complexite"]["complexe"]
        fired[note] = {r["id"] for r in out["trace"]["regles"] if r["declenchee"]}
        types = [s["type"] for s in out["suggestions"]]
        assert "DAC" in types
    described, asked = fired.values()
    assert "complexite-appui-dac" in described and "complexite-demande-precise" not in described
    assert "complexite-demande-precise" in asked and "complexite-appui-dac" not in asked


def test_an_answer_after_a_colon_denies_what_it_answers(lexicon):
    reading = lexicon.read("Idées suicidaires explorées à chaque séance : absentes. Fièvre : non.")
    assert "idees_suicidaires" not in reading.facts and "fievre" not in reading.facts
    assert {"idees_suicidaires", "fievre"} <= {h.code for h in reading.negated}


def test_the_age_of_a_relative_named_beside_the_person_is_not_hers(lexicon):
    assert lexicon.read("elle s'est enfermée avec sa fille de 4 ans").numbers.get("age") is None
    assert lexicon.read("Mme B. appelle pour son fils de 8 ans").numbers["age"][0] == 8
    assert lexicon.read("ma fille de 17 ans se coupe").numbers["age"][0] == 17


def test_a_service_left_is_one_to_reconnect_with(lexicon):
    reading = lexicon.read("Suivi au CMP de secteur. Ne s'y présente plus depuis 2 mois. Comment renouer le suivi ?")
    assert "CMP" not in reading.involved_types and "CMP" in reading.mentioned_types


def test_a_need_inside_a_longer_phrase_of_another_gives_way(lexicon):
    reading = lexicon.read("le maintien à domicile n'est plus possible")
    assert "hebergement-dependance" in reading.needs and "aide-domicile" not in reading.needs


def test_what_to_do_when_is_a_case_not_a_sign(lexicon):
    assert "detresse_respiratoire" not in lexicon.read(
        "elle voudrait savoir quoi faire quand il s'étouffe en mangeant").facts
    assert "violence_en_cours" not in lexicon.read("sa fille dit « il va finir par se tuer » avec ses chutes").facts


def test_no_technical_care_rules_out_home_hospitalisation():
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json",
                         "Mme 72 ans, cancer métastatique, palliatif débutant, besoin d'aide pour la toilette, "
                         "pas de soins techniques lourds").stdout)
    assert "HAD" not in [s["type"] for s in out["suggestions"][:3]]
    assert any(e["type"] == "HAD" for e in out["exclus"])


def test_signs_of_shock_and_a_bare_temperature_after_t_are_emergencies():
    for text in ("Depuis hier désorientée, T 39,4, TA 88/50, marbrures aux genoux",
                 "PA 85/50 ce matin, malaise", "marbrures et pouls filant"):
        out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
        assert out["urgence"], text
    calm = json.loads(run("suggest", "--commune", "45234", "--format", "json", "TA 130/80, Mme T 45 ans, va bien").stdout)
    assert not calm["urgence"]


def test_a_plan_told_by_its_acts_with_a_past_attempt_is_a_suicidal_crisis():
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json",
                         "ATCD TS en 2021. A acheté une corde, a choisi le lieu, dit « ce soir c'est fini ».").stdout)
    assert out["urgence"] and {"3114", "15"} <= {a["numero"] for a in out["appels"]}


def test_a_decided_limitation_of_care_turns_end_of_life_breathing_into_palliative_care():
    text = ("88 ans, cancer métastatique, fin de vie à domicile, LATA décidée, aucun transfert souhaité. "
            "Depuis ce matin respiration bruyante, râles, pauses respiratoires.")
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
    assert not out["urgence"]
    assert "EMSP" in [s["type"] for s in out["suggestions"][:3]]
    assert any("15 reste joignable" in w for w in out["avertissements"])
    without = json.loads(run("suggest", "--commune", "45234", "--format", "json",
                             text.replace("LATA décidée, aucun transfert souhaité. ", "")).stdout)
    assert without["urgence"]


def test_the_service_a_doctor_agrees_to_is_asked_for_not_in_place(lexicon):
    reading = lexicon.read("IDEL : SLA évoluée, gastrostomie, MT d'accord pour une HAD, qui contacter ?")
    assert "HAD" not in reading.involved_types
    assert "SSIAD" in lexicon.read("IDE du SSIAD passe matin et soir").involved_types


def test_benign_and_warned_of_are_not_signs_of_now(lexicon):
    reading = lexicon.read("aux urgences, ils ont dit convulsion fébrile simple, que c'était bénin")
    assert "urgence" not in reading.facts
    warned = lexicon.read("arrêter d'un coup c'est dangereux, qu'on peut faire des chutes")
    assert all("hypothese" in h.qualifiers for h in warned.facts.get("chutes", []))


def test_end_of_life_mottling_under_a_decided_limitation_is_no_alarm():
    text = ("Fin de vie, décision collégiale de limitation des traitements, pas de transfert. "
            "Cette nuit râles, pauses respiratoires, marbrures aux genoux.")
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
    assert not out["urgence"] and "EMSP" in [s["type"] for s in out["suggestions"][:3]]


def test_a_seizure_over_in_someone_whose_seizures_are_known_is_no_alarm():
    def urgent(text: str) -> bool:
        return json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)["urgence"]
    assert urgent("il fait une crise convulsive depuis 5 minutes")
    assert urgent("première crise convulsive ce matin, récupération complète")
    assert not urgent("épilepsie connue, crise convulsive ce matin, récupération complète, déjà connue")
    assert not urgent("ATCD : DT en 2019 et crise comitiale de sevrage la même année. Veut arrêter de boire.")


def test_care_dated_in_its_own_clause_does_not_date_the_rest():
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json",
                         "En 2019 opéré du coeur, douleur thoracique avec sueurs").stdout)
    assert out["urgence"]


def urgent_numbers(text: str) -> set[str]:
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
    return {a["numero"] for a in out["appels"]} if out["urgence"] else set()


def test_signs_a_doctor_has_since_cleared_are_no_alarm():
    assert not urgent_numbers("Appelle pour serrement dans la poitrine. Angor connu, ECG superposable, douleur "
                              "disparue : pas d'indication de transfert. Il n'en peut plus avec sa femme.")
    assert not urgent_numbers("Amenée par les pompiers ce matin après chute, restée au sol 3h, pas de fracture.")
    # told in the same sentence, by a relative, or after the doctor: still of now
    assert "15" in urgent_numbers("Douleur thoracique depuis 20 minutes, pas d'indication de transfert selon sa fille.")
    assert "15" in urgent_numbers("Vu par SOS Médecins hier, pas d'indication de transfert. Ce matin il ne parle "
                                  "plus, bouche de travers, bras droit qui tombe.")
    assert "3114" in urgent_numbers("Pas d'indication d'hospitalisation selon le psychiatre, mais il dit qu'il va se "
                                    "pendre ce soir, il a acheté la corde.")


def test_the_way_of_dying_named_is_a_suicidal_idea_and_scenario(lexicon):
    assert {"15", "3114"} <= urgent_numbers("Il veut se pendre.")
    assert {"15", "3114"} <= urgent_numbers("Elle parle de sauter du pont.")
    assert not urgent_numbers("Il y a 10 ans il avait voulu se jeter sous un train, stable depuis, suivi CMP.")
    assert "idees_suicidaires" not in lexicon.read("Elle a peur que son fils se noie dans la piscine.").facts


@pytest.mark.parametrize("text, number", [
    ("Saigne du nez depuis 1h sous Eliquis, ça ne s'arrête pas.", "15"),
    ("Selles noires depuis hier, il a fait un malaise en se levant, très pâle.", "15"),
    ("Glycémie à 0,35, il transpire, il est confus.", "15"),
    ("La jambe gauche est froide et blanche, très douloureuse depuis 2 heures.", "15"),
    ("Mal de tête brutal, le pire de sa vie, elle vomit.", "15"),
    ("Fièvre, raideur de la nuque et taches violacées sur les jambes.", "15"),
    ("Chute dans l'escalier, il ne sent plus ses jambes.", "15"),
    ("On entend le voisin frapper sa femme, elle hurle.", "17"),
    ("Volets fermés depuis 3 jours, on l'entend gémir derrière la porte, elle n'ouvre pas.", "15"),
    ("Son fils de 3 ans s'est renversé l'eau bouillante sur le bras et le torse.", "15"),
    ("L'enfant a avalé les cachets de sa grand-mère.", "15"),
    ("Il a pris 30 comprimés de Doliprane hier soir.", "15"),
    ("Il bave d'un côté et ne peut plus lever le bras depuis ce midi.", "15"),
    ("Il est tout gris, en sueur, se tient la poitrine.", "15"),
    ("L'élève a écrit dans une lettre qu'elle va se suicider ce soir avec les médicaments de sa mère.", "3114"),
    ("Salarié qui dit qu'il ne voit plus de sortie, qu'il a préparé une corde dans son garage.", "3114"),
    ("Le locataire du 3e sent le gaz et ne répond pas, odeur forte dans l'escalier.", "112"),
    ("Une odeur de gaz dans l'appartement, la dame a mal à la tête et vomit.", "15"),
    ("Elle est enceinte de 7 mois, perd du sang et a très mal au ventre.", "15"),
    ("Ma mère ne me reconnaît plus depuis ce matin, elle a 39 de fièvre et tousse.", "15"),
    ("Une jeune fille dit que son père la frappe, il l'attend à la sortie du collège.", "119"),
    ("Elle a fait une réaction allergique, son visage gonfle et elle a du mal à respirer.", "15"),
    ("Bébé de 4 mois avec un hématome sur la joue, la mère ne sait pas l'expliquer.", "119"),
    ("Il m'a dit qu'il avait acheté une corde et que ce soir il en finirait, qu'il avait donné son chien.", "3114"),
    ("J'entends une femme hurler 'arrête tu vas me tuer', des coups contre la porte.", "17"),
    ("Depuis un quart d'heure des cris d'enfant, le petit hurle « arrête papa arrête », des coups contre la porte.",
     "119"),
    ("A. m'a confié que son beau-père vient dans sa chambre la nuit et la touche depuis l'été dernier.", "119"),
    ("Son père le frappe tous les soirs, il a 12 ans.", "119"),
    ("Le petit K., 9 ans, avait une marque violette autour du cou et des traces de doigts sur le bras.", "119"),
    ("J'entends crier au secours chez la voisine.", "17"),
    ("Arrêt brutal de l'alcool samedi. Il tremble, 39,2 de fièvre, ne sait plus où il est, voit des araignées.",
     "15"),
    ("mon grand-pere 86 ans je l'ai trouvé ce matin par terre dans la cuisine, il est tout froid.", "15"),
    ("Enfant de 3 ans avec des hématomes sur le dos et les cuisses.", "119"),
    ("Bébé de 2 mois, 38,9 de fièvre depuis ce soir, ne veut pas téter.", "15"),
    ("Enceinte de 34 semaines, maux de tête violents, voit des mouches devant les yeux, tension 17.", "15"),
    ("Enceinte de 8 mois, perd les eaux et le bébé se présente, contractions toutes les 2 minutes.", "15"),
    ("Chute d'une échelle de 4 mètres, douleur au dos, ne sent plus ses jambes.", "15"),
    ("Femme de 70 ans, douleur brutale dans le ventre et le dos, pâle, malaise.", "15"),
    ("Mon fils de 6 ans a les lèvres qui gonflent après avoir mangé des cacahuètes, il a des plaques partout et tousse.", "15"),
    ("Chaudière, toute la famille a mal à la tête et des nausées depuis ce matin.", "15"),
    ("Accident de voiture, le conducteur est coincé et saigne de la tête.", "15"),
    ("Patient dialysé, n'a pas été à sa séance depuis 4 jours, très essoufflé.", "15"),
    ("Patiente de 30 ans enceinte de 10 semaines, forte douleur d'un côté du ventre et saignements.", "15"),
    ("Il a envoyé un SMS d'adieu à sa soeur et ne répond plus au téléphone.", "3114"),
    # dictated or typed fast: no accents, no apostrophes, typos
    ("elle arete pas de dire quelle veut mourir et elle a pris les cachets de sa mere dans sa chambre", "3114"),
    ("elle n'arrête pas de dire qu'elle veut mourir et elle a pris les cachets de sa mère dans sa chambre", "15"),
    ("le petit il a 18 mois il a avaler des pilules de sa grand mere on sait pas combien", "15"),
    ("la petite elle dit que son beau pere lui fait des choses la nuit", "119"),
    ("elle a fait une crise d'asthme ça passe pas avec la ventoline elle arrive plus a parler", "15"),
    # a fifth series: dehydration, head injury, caustics, anorexia, sepsis, chemotherapy, wounds, pregnancy
    ("Mamie ne mange plus et ne boit plus depuis 3 jours, elle dort tout le temps, on n'arrive presque plus à la réveiller.", "15"),
    ("Mon fils de 2 ans vomit tout depuis hier, il ne fait plus pipi, les yeux creux, très mou.", "15"),
    ("Le bébé est tombé de la table à langer sur la tête, il vomit et il est somnolent.", "15"),
    ("Il a bu de la javel par erreur, il a mal à la gorge et crache.", "15"),
    ("Ma fille anorexique pèse 32 kg, elle a fait un malaise ce matin, le coeur bat très lentement.", "15"),
    ("Elle a pris 40 paracétamol hier soir, elle dit qu'elle va bien.", "15"),
    ("Mon père a une plaie au pied diabétique qui est devenue noire et qui sent très mauvais, fièvre à 39.", "15"),
    ("Le patient sous chimio a 38,8 de fièvre depuis ce matin.", "15"),
    ("Il a reçu un coup de couteau au ventre, il saigne.", "15"),
    ("Ma femme est enceinte de 6 mois, elle est tombée dans les escaliers sur le ventre.", "15"),
    # monoxide told by a tradesman over several sentences; heat stroke at a heatwave call
    ("Chaudière qui fait du bruit. Flamme jaune, conduit de fumées à moitié déboîté. Madame a mal de tête depuis "
     "hier, Monsieur a vomi ce matin. Ils sont toujours dans la maison.", "15"),
    ("Le détecteur de CO a sonné cette nuit, toute la famille a mal à la tête.", "15"),
    ("Appel registre canicule, vigilance orange. Mme 88 ans répondait à côté, chaleur terrible dans la maison, "
     "peau brûlante et sèche, elle a vomi et s'endort quand on lui parle.", "15"),
    ("Le petit garçon d'à côté, 7-8 ans, a des marques de doigts sur la joue, son beau-père l'a tapé avec la "
     "ceinture hier soir, il a peur de rentrer.", "119"),
    # suicidal crises told without the word: a farewell by its content, means kept, a set time, a RUD
    ("Mon frère m'a envoyé ce soir « prenez soin de maman, c'est pas votre faute ». Il a déjà fait une TS en "
     "2022. Il m'a écrit qu'il avait gardé toutes ses boîtes de cachets depuis des semaines. Depuis 1h il "
     "répond plus aux appels.", "3114"),
    ("Séance : elle dit qu'elle a « tout réglé », a écrit des lettres à ses enfants, garde de côté ses boîtes "
     "de zopiclone depuis 3 semaines et envisage ce week-end. ATCD de TS en 2019.", "15"),
    ("RUD : risque élevé, urgence élevée, dangerosité élevée. Elle est encore dans mon cabinet.", "15"),
    # a known epilepsy still calls when the seizure lasts or seizures follow each other
    ("Épileptique connu, crise habituelle mais qui dure depuis 10 minutes, il ne reprend pas conscience.", "15"),
    ("Crises connues, les crises s'enchaînent sans qu'il se réveille entre deux.", "15"),
    # a probe series on the 3114's signs of a crisis told without the word (not a measured set)
    ("Il a cherché sur internet comment mourir sans souffrir, il a une TS en 2020.", "3114"),
    ("Elle a acheté une corde hier, elle dit que c'est pour ce soir, TS il y a 2 ans.", "3114"),
    ("Elle a écrit sur Facebook « adieu tout le monde, pardon », on n'arrive plus à la joindre.", "15"),
    ("Mon fils a posté un message d'adieu sur Snapchat et il ne répond plus.", "15"),
    ("Elle dit qu'elle n'a plus de raison de vivre, qu'elle a préparé ses médicaments, qu'elle le fera cette nuit.",
     "3114"),
    ("La coiffeuse : elle ne m'a pas reconnue alors qu'elle a toute sa tête d'habitude, elle disait des choses sans "
     "queue ni tête. Elle est brûlante, elle tremble. 84 ans.", "15"),
])
def test_signs_of_the_regulation_criteria_told_plainly(text, number):
    assert number in urgent_numbers(text), text


@pytest.mark.parametrize("text", [
    "Brûlure au premier degré sur le dos de la main en cuisinant, pansement fait par l'IDE.",
    "Selles noires sous Tardyferon, le médecin a dit que c'était le fer.",
    "Saignement de nez hier soir qui s'est arrêté seul en 5 minutes.",
    "Il a bien avalé ses cachets ce matin, l'infirmière vérifie le pilulier.",
    "Purpura de Bateman sur les avant-bras, sous Kardégic, pas de fièvre.",
    "Il a les pieds froids l'hiver, artérite connue suivie par le cardiologue.",
    "Locataire seul, appartement encombré du sol au plafond, plaintes des voisins, refuse d'ouvrir.",
    "Chaudière en panne depuis une semaine, il a froid, maux de tête le matin.",
    "Le visage gonflé après sa chute de la semaine dernière, il respire bien.",
    "Enceinte de 5 mois, suivie par la PMI, tout va bien.",
    "J'ai fait une tentative de suicide il y a 8 ans, aujourd'hui pas d'idées de mort, vraiment pas.",
    "Il y a 8 ans elle a essayé de se suicider avec des médicaments, stable depuis.",
    "Petite ecchymose frontale : tombé de trottinette hier, même récit par l'enfant et par la mère, enfant de 5 ans.",
    "Mme 85 ans sous AVK, hématome de la cuisse après une chute.",
    "Insuffisance cardiaque stable, douleur thoracique atypique déjà explorée, ECG du jour superposable.",
    "Cancer stade IV, palliatif exclusif. Petite hémoptysie (crachats striés) la semaine dernière, Hb stable.",
    "Fin de vie à domicile, prescriptions anticipées faites ; depuis 2 nuits il râle, l'infirmière a expliqué.",
    "Son fils de 3 ans ne parle pas. Il a fait une convulsion avec de la fièvre à 18 mois, rien depuis.",
    "Mal dans la poitrine quand elle monte les escaliers, angine de poitrine connue, ça passe au repos, rien en ce moment.",
    "Hier crise convulsive dans la rue, prise en charge par les pompiers, vue aux urgences ; épilepsie connue.",
    "Endormi sur un banc, haleine alcoolisée, se réveille facilement, cohérent, rentre à pied.",
    "Hier il s'est étouffé en buvant. À l'arrivée il avait récupéré ; laissé sur place avec l'accord du régulateur.",
    "Suspension de peine pour raison médicale (pronostic vital engagé), cancer du pancréas, PCA de morphine.",
    "Patrouille le 8 à 14h, rien à signaler.",
    "Les voisins entendent des cris la nuit, le résident désorienté appelle sa mère.",
    "Résidente démente qui crie au secours toutes les nuits.",
    "Crises d'angoisse répétées avec oppression thoracique pendant les crises ; ECG et bilan cardio normaux.",
    "SLA à domicile, le MT voudrait anticiper les prescriptions (détresse respiratoire terminale, fausses routes).",
    "Elle habite au 6e, l'ascenseur est en panne, son fils ne la frappe pas mais crie beaucoup.",
    "Bébé de 2 mois, suivi PMI, pas de fièvre, la maman est fatiguée et isolée.",
    "Enceinte de 7 mois, quelques maux de tête le soir, suivi par la sage-femme, cherche une place en crèche.",
    "Suivi de grossesse : elle a perdu les eaux à 38 SA l'an dernier, accouchement normal, besoin d'aide à domicile.",
    "Mal de dos chronique, fourmis dans les jambes depuis des années, suivi rhumato, demande d'aide ménagère.",
    "Allergie aux cacahuètes connue, trousse d'urgence à l'école, PAI en place, besoin d'AESH.",
    "Accident de moto en 2019, paraplégique, fauteuil roulant, demande PCH.",
    "Dialysé 3 fois par semaine, transport organisé, vit seul, demande aide à domicile pour les courses.",
    "Il avait écrit une lettre d'adieu en 2018, hospitalisé, suivi CMP depuis, stable.",
    "Son fils ne répond plus au téléphone depuis qu'il s'est fâché, la mère est triste.",
    "Grossesse de 3 mois, douleurs ligamentaires, vue par la sage-femme, rassurée, pas de saignement.",
    "Elle a bien pris ses médicaments ce matin, sa mère vérifie.",
    "Il a pris les médicaments de sa mère à la pharmacie, comme chaque semaine.",
    "La petite fait des choses bizarres à l'école, agitée, demande CMPP.",
    "Asthme connu, ventoline à la demande, ça va bien, demande de suivi.",
    "Une convulsion avec de la fièvre à 18 mois, rien depuis, suivi par la PMI.",
    "Enfant de 4 ans, gastro depuis 2 jours, boit bien, fait pipi, joue, vu par le médecin.",
    "Il s'est cogné la tête contre le placard hier, petite bosse, pas de vomissement, va bien.",
    "Sous chimiothérapie pour un cancer du sein, pas de fièvre, fatiguée, demande une aide ménagère.",
    "Anorexie du sujet âgé, perte de poids, pas de malaise, demande de portage de repas.",
    "Plaie du pied diabétique suivie par l'IDE, propre, pas de fièvre, pansements tous les 2 jours.",
    "Enceinte de 5 mois, ventre qui grossit bien, suivie par la sage-femme, demande un logement.",
    "Elle a bu de la javel il y a 10 ans lors d'une TS, suivie au CMP, stable.",
    "Le petit a vomi une fois hier soir, plus rien depuis, mange normalement.",
    # words with a second meaning, and episodes over by the time of the note
    "Sans abri, il entend des voix, refuse les soins. Ses droits RSA vont sauter faute de déclaration.",
    "Étudiant, TS il y a 3 ans, aucune idée actuelle : j'ai envie de finir mon master.",
    "Bébé de 3 semaines qui pleure tout le temps, cette nuit j'ai eu envie de le secouer, je l'ai posé dans son "
    "lit et je suis sortie. Aucun geste sur le bébé.",
    "Au guichet elle respirait très vite, tremblait. Ça s'est calmé en 10 min, elle est repartie à pied.",
    "Crise de panique mardi, j'étouffais. Emmenée aux urgences par une amie : ECG normal, crise d'angoisse.",
    "Elle boit une bouteille par jour, veut arrêter, elle a lu qu'on pouvait faire des convulsions au sevrage.",
    "Hier soir je l'ai trouvée par terre, elle y était depuis 2 heures, pompiers venus la relever, rien de cassé.",
    "Il se chauffe avec un poêle à pétrole, il ne sait pas où aller pour demander une aide au chauffage.",
    "Leur fils de 6 ans, autiste, ne parle pas, crie, se tape la tête, déscolarisé.",
    "Fin de vie attendue à domicile, il respire bruyamment la nuit, décidé de ne plus l'hospitaliser.",
    "Registre canicule : Mme 85 ans va bien, boit bien, il fait très chaud chez elle, pas de fièvre.",
    "Suivi HTA/angor. Angor stable connu, coronarographie 2022, demande d'aide pour le ménage.",
    "Sorti de SMR il y a 1 mois : AVC ischémique. Séquelles : aphasie légère, hémiparésie droite.",
    "Elle dit qu'elle a plus d'idées noires, elle a des projets, une TS il y a 6 ans.",
    "Épilepsie connue. Hier il a fait une crise : 1 min de convulsions, reprise de conscience tout seul, il va bien.",
    "Elle a fait une crise à la distribution mardi dernier : chute, convulsions 2 minutes, puis elle a récupéré.",
    "Le petit a fait une convulsion avec de la fièvre le mois dernier : « convulsion fébrile simple » sur le "
    "compte-rendu. Rien depuis.",
    "Crises d'angoisse à répétition : palpitations, impression d'étouffer, ça dure 10-20 min puis ça passe.",
    "Je suis fatiguée de me battre depuis 19 ans pour chaque truc, mon fils autiste se mord la main.",
    "Fiche de liaison : elle dit calmement qu'elle va mieux depuis qu'elle a un logement.",
    "Je lui ai demandé franchement s'il pensait au suicide : il dit que non. Plus d'arme à la maison.",
    "Je lui ai posé la question des idées suicidaires : il dit qu'il n'y pense pas. Plus d'armes (fusils vendus).",
    "Il tousse depuis 3 semaines, ceinture serrée de 2 crans, il continue à travailler.",
    "Fin de vie à la maison avec l'HAD. Cette nuit respiration bruyante : l'infirmière de l'HAD est venue, a fait le "
    "traitement prévu par le médecin à l'avance.",
    "Convulsion avec 39,5 vendredi, le 15 l'a fait voir aux urgences, rentré le soir même, en forme aujourd'hui.",
    "La maman d'Adam qui vient pour la coupe : il ne dit aucun mot, ne répond pas à son prénom.",
    "Il a rédigé son testament chez le notaire, 85 ans, vit seul, pas d'idées noires.",
    "Il dit au revoir à ses collègues, il part à la retraite vendredi.",
    "Elle a acheté une corde pour le linge, vit seule, 80 ans, chutes.",
    "Veuf depuis 8 mois. « Le soir je me dis que je ferais mieux d'aller rejoindre ma femme », jamais de TS, "
    "pas d'idée de passage à l'acte.",
])
def test_everyday_words_near_those_signs_are_no_alarm(text):
    assert not urgent_numbers(text), text


def test_a_spoken_no_more_never_denies_an_alarm_sign():
    # "il a plus de douleur thoracique" may say more pain as well as none
    assert "15" in urgent_numbers("Il a plus de douleur thoracique depuis ce matin, il transpire.")


def test_a_restriction_or_a_place_is_not_the_need(lexicon):
    assert "denutrition" not in lexicon.read("Elle ne mange plus que des pâtes pour payer l'électricité.").facts
    reading = lexicon.read("Je la conduis à ses perfusions à l'hôpital tous les mois.")
    assert "hospitalisation-domicile" not in reading.needs
    assert "sortie-hospitalisation" not in lexicon.read("Je le conduis à sa rééduc depuis sa sortie de SMR.").needs
    reading = lexicon.read("Une aide pour adapter sa douche, elle demande la téléassistance.")
    assert "soins-infirmiers-domicile" not in reading.needs and "droits-autonomie" in reading.needs


def test_a_family_s_word_is_no_diagnosis_and_a_resident_needs_no_ehpad():
    out = suggest_json("--commune", "45147", "--age", "72", "Répète les mêmes questions, oublie ce qu'il a mangé. La "
                       "famille dit « Alzheimer » mais rien n'a jamais été diagnostiqué. Où faire des tests de mémoire ?")
    assert "ESA" not in [s["type"] for s in out["suggestions"][:3]]
    out = suggest_json("--commune", "45169", "--age", "93", "Aumônier de l'EHPAD. Mme L., résidente depuis 5 ans, ne "
                       "mange plus, ne se lève plus depuis 10 jours.")
    assert "EHPAD" not in [s["type"] for s in out["suggestions"]]


def test_violence_told_without_danger_now_gets_a_listening_line_not_the_default_first_line():
    out = suggest_json("--commune", "45234", "Elle dit qu'il la frappe tous les soirs quand il boit.")
    assert not out["urgence"]
    assert "violences" in {b["code"] for b in out["besoins"]}
    assert not any("Aucun besoin reconnu" in w for w in out["avertissements"])
    assert any("3919" in w for w in out["avertissements"])
    assert {"17", "3919"} <= urgent_numbers("Il menace de la frapper, il est dans la cuisine.")


def test_an_adjective_is_not_read_as_a_verb_in_the_plural(lexicon):
    # "violents" is not "ils violent" (violer): no violence, no 3919 for a headache in pregnancy
    assert "violences" not in lexicon.read("Maux de tête violents, elle voit des mouches.").needs
    assert "3919" not in urgent_numbers("Ma femme enceinte de 7 mois a des maux de tête violents et voit des mouches "
                                        "devant les yeux.")
    assert "violences" in lexicon.read("Elle a été violée l'an dernier, elle veut porter plainte.").needs


def test_a_beginning_pressure_sore_or_care_at_hospital_is_no_had(lexicon):
    reading = lexicon.read("Il a un petit pansement au talon (une escarre qui commence), toilette à organiser.")
    assert "hospitalisation-domicile" not in reading.needs and "soins_lourds" not in reading.facts


def test_an_indirect_wish_to_die_in_bereavement_calls_the_mental_health_centre():
    out = suggest_json("--commune", "45234", "--age", "76", "Veuve depuis 6 mois, ne sort plus, a perdu 5 kilos. "
                       "Elle a dit « j'aimerais bien aller le rejoindre », aucun projet de passage à l'acte.")
    assert not out["urgence"]
    assert "CMP" in [s["type"] for s in out["suggestions"][:3]]
    assert any("3114" in w for w in out["avertissements"])


def test_a_care_need_no_local_service_answers_goes_to_the_first_line():
    # Châtillon-Coligny has no adult CMP in the fictional territory: its CPTS relays.
    out = suggest_json("--commune", "45085", "--age", "38", "Attaques de panique, voudrait voir un psy.")
    codes = {b["code"] for b in out["besoins"]}
    assert "coordination-proximite" in codes
    # the local first line that relays the need comes before the national lines that answer it
    assert out["suggestions"][0]["type"] == "CPTS"
    # Where a CMP covers the commune, no relay is added.
    out = suggest_json("--commune", "45234", "--age", "38", "Attaques de panique, voudrait voir un psy.")
    assert not {"soins-primaires", "coordination-proximite"} & {b["code"] for b in out["besoins"] if b["origine"] == "regle"}


def test_a_threat_of_death_by_someone_else_is_violence_one_s_own_is_an_idea(lexicon):
    assert {"17", "3919"} <= urgent_numbers("Son conjoint a un couteau et crie qu'il va la tuer, elle s'est enfermée.")
    reading = lexicon.read("Il a crié 'je veux mourir, je vais me tuer' pendant la dispute.")
    assert "violence_en_cours" not in reading.facts and "idees_suicidaires" in reading.facts
    assert not urgent_numbers("Il a un fusil de chasse, il chasse le dimanche, il crie beaucoup sur son chien.")


def test_a_prescription_names_the_care_asked_for(lexicon):
    reading = lexicon.read("Le médecin a fait une ordonnance pour des soins d'hygiène à domicile.")
    assert any("demande" in h.qualifiers for h in reading.needs["soins-infirmiers-domicile"])


@pytest.mark.parametrize("text, need", [
    ("Cauchemars toutes les nuits, sursauts au moindre bruit, images qui reviennent.", "sante-mentale"),
    ("Son père boit tous les soirs, il devient méchant en paroles.", "addiction"),
    ("A perdu ses papiers d'identité, besoin d'un accompagnement social.", "aide-sociale"),
    ("Veuf depuis 4 mois, plus rien ne l'intéresse, le MT a débuté Seroplex.", "sante-mentale"),
    ("Sourd profond, il voudrait un flash lumineux pour la sonnette et un interprète LSF.", "droits-handicap"),
    ("Elle vient de perdre son travail, frigo vide, elle ne sait pas à qui demander pour la cantine.", "aide-sociale"),
])
def test_needs_told_by_their_signs(lexicon, text, need):
    assert need in lexicon.read(text).needs, text


def test_old_age_needs_take_the_age_of_the_older_relative_named(lexicon):
    text = "Mme L., 58 ans : sa mère, 91 ans, GIR 2, maintien à domicile impossible, entrée en maison de retraite."
    assert lexicon.read(text).numbers["age"][0] == 91
    assert "EHPAD" in [s["type"] for s in suggest_json("--commune", "45187", text)["suggestions"][:3]]
    # her own needs keep her age
    assert lexicon.read("Mme L., 58 ans, dépressive ; sa mère, 91 ans, vit à Lorris.").numbers["age"][0] == 58
    shown = run("explain", "--commune", "45187", text).stdout
    assert "mère, 91 ans" in shown


def test_a_planned_discharge_is_no_organisational_factor_and_needs_no_had():
    text = ("Sa mère, 83 ans, est sortie hier de l'hôpital après une fracture du poignet opérée, elle ne peut "
            "plus faire sa toilette seule. Le médecin a fait une ordonnance pour des soins d'hygiène à domicile.")
    data = suggest_json("--commune", "45030", text)
    assert not data["complexite"]["complexe"]
    top = [s["type"] for s in data["suggestions"][:3]]
    assert "SAD" in top and "HAD" not in top


def test_a_pain_said_gone_since_is_no_alarm():
    assert not urgent_numbers("Crises où le coeur s'emballe, j'ai mal dans la poitrine, 3 fois ce mois-ci ; "
                              "ECG normal aux urgences. Aucune douleur aujourd'hui.")
    assert "15" in urgent_numbers("Douleur thoracique depuis 1h. Aucune douleur aujourd'hui selon sa fille.")
    assert "15" in urgent_numbers("Douleur thoracique hier soir. Aucune douleur aujourd'hui. Ce matin elle a du "
                                  "mal à respirer, lèvres bleues.")


def test_living_under_a_bridge_is_homelessness(lexicon):
    assert "sans_domicile" in lexicon.read("Homme de 50 ans, vit sous un pont depuis 2 ans.").facts


def test_a_lost_solidarity_coverage_is_no_coverage(lexicon):
    reading = lexicon.read("Elle a perdu sa complémentaire santé solidaire en mars, pas fait le renouvellement.")
    assert "sans_couverture" in reading.facts and "couverture_complete" not in reading.facts


def test_the_pluperfect_of_reported_speech_is_of_now(lexicon):
    assert "plan_suicidaire" in lexicon.read("Il m'a dit qu'il avait donné son chien au voisin.").facts
    assert "douleur_thoracique" not in lexicon.read("Suite à l'infarctus qu'il avait fait, il est fatigué.").facts


def test_psychotic_signs_put_the_cmp_first_even_with_cannabis():
    text = ("Mon fils de 19 ans ne sort plus de sa chambre, il parle tout seul, il dit que la télé parle de lui, "
            "il fume du cannabis tous les jours. Aucun suivi, le MT est parti en retraite.")
    assert suggest_json("--commune", ORLEANS, "--age", "19", text)["suggestions"][0]["type"] == "CMP"


def test_no_more_treatment_to_cure_is_a_palliative_situation():
    text = "La petite de 8 ans a une tumeur cérébrale, il n'y a plus de traitement pour guérir, retour à la maison."
    assert {"EMSP", "HAD"} & {s["type"] for s in suggest_json("--commune", ORLEANS, text)["suggestions"][:3]}


def test_the_length_of_a_sentence_is_no_age(lexicon):
    assert lexicon.read("SSJ 5 ans avec injonction de soins, M. Z., 46 ans.").numbers["age"][0] == 46
    assert "age" not in lexicon.read("Condamné à 2 ans ferme, sorti en mars.").numbers


def test_care_done_is_dated_but_current_heavy_care_after_an_operation_is_not(lexicon):
    healed = lexicon.read("Escarre sacrée stade 3 en 2023, cicatrisée depuis 8 mois, pas de plaie actuelle.")
    assert "soins_lourds" not in healed.facts
    assert "soins_lourds" in lexicon.read("Éventration opérée compliquée, sort avec un pansement VAC.").facts


def test_an_old_attempt_already_followed_does_not_put_the_cmp_first():
    text = ("SEP évoluée, le mari ne peut plus assurer la toilette. Prescription : soins d'hygiène. ATCD : TS en "
            "2019, suivie depuis ; pas d'idées suicidaires, humeur stable sous traitement.")
    assert suggest_json("--commune", ORLEANS, "--age", "55", text)["suggestions"][0]["type"] != "CMP"
    wants = "ATCD TS médicamenteuse 2016, suivi arrêté en 2019, stable, vient de déménager, veut un suivi au cas où."
    assert "CMP" in [s["type"] for s in suggest_json("--commune", ORLEANS, "--age", "26", wants)["suggestions"][:3]]


def test_a_disease_in_the_name_of_an_association_is_no_diagnosis(lexicon):
    reading = lexicon.read("Appel à la permanence France Alzheimer. Il veut l'équipe Alzheimer qui vient à domicile.")
    assert "diagnostic_pose" not in reading.facts
    assert "diagnostic_pose" in lexicon.read("Il a Alzheimer, diagnostic posé par le neurologue.").facts
    assert "maladie_grave" not in lexicon.read("Le petit K., 9 ans, accompagne sa mère.").facts


def test_what_a_couple_agrees_to_is_asked_for(lexicon):
    reading = lexicon.read("Le couple est d'accord pour une entrée en établissement.")
    assert any("demande" in h.qualifiers for h in reading.needs["hebergement-dependance"])


def test_prevention_for_a_child_under_six_goes_to_the_pmi():
    data = suggest_json("--commune", "45030", "Enfant de 5 ans, polycaries, jamais vu de dentiste ; il faudrait "
                                              "un relais pour la prévention et le suivi de santé.")
    assert "PMI" in [s["type"] for s in data["suggestions"][:3]]


def test_where_one_lives_is_no_domiciliation(lexicon):
    assert "domiciliation" not in lexicon.read("Sa mère, domiciliée à Lorris, GIR 2.").needs
    assert "domiciliation" in lexicon.read("Il a besoin d'une domiciliation.").needs


def test_violence_heard_and_a_name_initial(lexicon):
    assert "violence_en_cours" in lexicon.read("j'entends crier, des bruits de coups derrière la porte").facts
    assert "violence_en_cours" not in lexicon.read("il hurle sur son chien").facts
    assert "maladie_grave" not in lexicon.read("Mme K., 80 ans, vit seule").facts
    assert "maladie_grave" in lexicon.read("K du sein métastatique").facts


def test_means_given_up_long_ago_are_no_means(lexicon):
    reading = lexicon.read("Il a vendu ses fusils il y a des années.")
    assert "moyens_suicide" not in reading.facts
    assert "moyens_suicide" in lexicon.read("il a un fusil à la maison").facts


def test_emergencies_told_by_what_people_do():
    def numbers(text: str) -> set[str]:
        out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
        return {a["numero"] for a in out["appels"]} if out["urgence"] else set()
    assert {"17", "3919"} <= numbers("Son compagnon l'a frappée, il est dans la pièce d'à côté et tape dans les murs.")
    assert "119" in numbers("Une mère arrive avec son fils de 7 ans, marques de ceinture sur le dos, elle le tape.")
    assert "15" in numbers("Dans le VSL il s'affaisse sur le siège, ne répond plus quand on lui serre la main.")
    assert not numbers("Il ne répond plus aux appels de son curateur depuis 2 mois.")


def test_a_minors_age_beside_the_person_is_kept_apart(lexicon):
    reading = lexicon.read("Une mère arrive avec son fils de 7 ans.")
    assert "age" not in reading.numbers and reading.numbers["age_enfant"][0] == 7


def test_signs_of_abuse_a_carer_sees_on_a_toddler():
    text = ("Crèche. Lou, 2 ans. Bleus sur le dos et les fesses, d'âges différents, petite brûlure ronde type "
            "cigarette, sursaute dès qu'un adulte lève la main. Le père a dit qu'elle va prendre une raclée.")
    out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
    assert out["urgence"] and "119" in {a["numero"] for a in out["appels"]}
    calm = json.loads(run("suggest", "--commune", "45234", "--format", "json", "il a un pull bleu sur le dos").stdout)
    assert not calm["urgence"]


def test_a_severe_asthma_attack_and_round_burns_some_old(lexicon):
    asthma = lexicon.read("asthmatique, 8 bouffées de Ventoline sans effet, ne finit pas ses phrases, lèvres bleutées")
    assert "detresse_respiratoire" in asthma.facts
    burns = lexicon.read("Sur les avant-bras plusieurs brûlures rondes de même taille, certaines anciennes.")
    assert "violence_subie" in burns.facts


@pytest.mark.parametrize("words,expected", [
    ("ma mere quatre vingt onze ans", "ma mere 91 ans"),
    ("gir deux", "gir 2"),
    ("il a six ans sept ans maxi", "il a 6 ans 7 ans maxi"),
    ("soixante dix huit ans", "78 ans"),
    ("soixante et onze ans", "71 ans"),
    ("quatre-vingt-dix-neuf ans", "99 ans"),
    ("deux trois jours", "2 3 jours"),  # two or three days, not five
    ("un homme qui hurle", "un homme qui hurle"),  # an article
    ("depuis une heure", "depuis 1 heure"),
])
def test_numbers_dictated_in_words_become_digits(words, expected):
    from orienter.engine.numerals import digits

    assert digits(words) == expected


def test_dictated_ages_and_scores_are_read(lexicon):
    reading = lexicon.read("je vous appelle pour mon pere quatre vingt sept ans il est en GIR deux")
    assert reading.numbers["age"][0] == 87 and reading.numbers["gir"][0] == 2
    # "il a six ans" said of a child beaten now: the child's line too
    assert "119" in urgent_numbers("on entend des coups et le petit qui crie arrête papa il a six ans")


def test_a_length_of_time_or_another_day_s_evening_is_not_now():
    text = ("il a fait une crise mardi au travail il a convulsé une minute à peu près les pompiers sont venus "
            "il est rentré chez lui le soir même ça va bien depuis il voudrait une RQTH")
    assert not urgent_numbers(text)
    assert "15" in urgent_numbers("il convulse depuis cinq minutes")
    assert "15" in urgent_numbers("il a convulsé il y a dix minutes et ne se réveille pas")


def test_a_victim_s_cry_heard_is_violence_in_progress():
    assert "17" in urgent_numbers("des cris un homme qui hurle et elle qui dit au secours lâche moi")
    assert not urgent_numbers("Le petit crie lâche-moi quand on le tient pour le bain, crises de colère.")
    assert not urgent_numbers("Elle me dit au secours je n'arrive plus à payer mon loyer.")


def test_drinking_and_denying_it_is_an_addiction(lexicon):
    assert "addiction" in lexicon.read("il boit depuis que maman est morte il nie complètement").needs
    assert "addiction" not in lexicon.read("Elle boit très peu depuis la mort de son mari.").needs


def test_a_single_fall_without_harm_is_the_gp_s_repeated_falls_the_geriatric_team_s():
    def fired(text: str) -> set[str]:
        data = json.loads(run("explain", "--format", "json", "--commune", ORLEANS, text).stdout)
        return {r["id"] for r in data["trace"]["regles"] if r["declenchee"]}

    assert "chutes-personne-agee" not in fired("Mme 85 ans, chute hier, s'est relevée seule, sans blessure.")
    assert "chutes-personne-agee" in fired("Mme 85 ans, chutes répétées, la dernière sans blessure, vit seule.")
    assert "chutes-personne-agee" in fired("Mr 80 ans, tombé dans la salle de bain, vit seul.")


def test_symptoms_gone_at_the_doctor_s_arrival_are_no_alarm_and_disappeared_is_not_unreachable(lexicon):
    text = ("Étudiant, 23 ans, oppression thoracique, palpitations, début brutal en révisant, 20 min. "
            "À mon arrivée eupnéique, ECG normal, examen normal, tout a disparu.")
    assert not urgent_numbers(text)
    assert "injoignable" not in lexicon.read("La douleur a disparu depuis hier.").facts


def test_a_child_often_alone_and_hungry_is_child_protection_without_alarm(lexicon):
    text = "la petite Jade, 10 ans, est souvent seule le soir, vient frapper chez les voisins pour manger"
    assert "protection-enfance" in lexicon.read(text).needs
    assert not urgent_numbers(text)


def test_surtout_heads_the_request(lexicon):
    reading = lexicon.read("Chute mardi sans lésion. Surtout : ne peut plus faire ses courses ni le ménage.")
    assert any("demande" in h.qualifiers for h in reading.needs["aide-domicile"])


def test_a_threat_against_oneself_is_a_suicidal_crisis_not_violence():
    assert urgent_numbers("Patient schizophrène, il s'est barricadé avec un couteau et menace de se tuer.") >= {"15", "3114"}
    assert "17" not in urgent_numbers("Il menace de se suicider avec son fusil.")
    assert "17" in urgent_numbers("Son mari menace de la tuer, elle est enfermée dans la salle de bain.")
    assert "17" in urgent_numbers("Il a un couteau et menace sa femme.")


@pytest.mark.parametrize("text", [
    "Douleur thoracique depuis 1h, ATCD d'IDM en 2015.",
    "Douleur thoracique, ATCD d'IDM en 2015.",
    "Douleur thoracique, infarctus en 2015.",
    "Douleur dans la poitrine, stent en 2019.",
])
def test_a_history_told_after_a_sign_of_now_does_not_date_it(text):
    assert "15" in urgent_numbers(text)


def test_a_clause_that_dates_the_sign_before_it_still_does():
    assert not urgent_numbers("Douleur thoracique, survenue en 2019 lors d'un effort.")
    assert not urgent_numbers("Crise tonico-clonique hier soir, identique aux habituelles, récupérée en 10 min.")


def test_how_often_dates_the_whole_list_before_it():
    assert not urgent_numbers("Palpitations, sensation d'étouffer, peur de mourir, 3 à 4 fois par semaine depuis la rentrée.")
    assert "15" in urgent_numbers("Bouche déviée, bras lourd, depuis 20 minutes.")


def test_a_risk_to_prevent_is_no_emergency_of_now():
    assert not urgent_numbers("Injecte de l'héroïne, ne veut pas arrêter. Hypothèses : risque de surdose, risque infectieux.")
    assert "15" in urgent_numbers("Suspicion d'AVC en cours, bouche déviée.")


def test_renouncing_care_with_full_cover_is_no_case_for_the_pass():
    def top(text: str) -> list[str]:
        out = json.loads(run("suggest", "--commune", "45234", "--format", "json", text).stdout)
        return [x["type"] for x in out["suggestions"][:3]]

    assert "PASS" not in top("Mère isolée au RSA, CSS à jour, carte Vitale à jour, plus de médecin traitant, "
                             "renonce aux soins, pas le temps.")
    assert "PASS" in top("Renonce aux soins, ne peut pas payer, RSA.")


def test_a_parent_writing_for_the_children_gets_the_children_s_services(lexicon):
    text = ("Mme B., 31 ans, séparée d'un conjoint violent, deux enfants de 4 et 6 ans qui font des cauchemars. "
            "À qui s'adresser pour les enfants ?")
    assert lexicon.read(text).numbers["age"][0] in (4, 6)
    assert lexicon.read("Mme 35 ans, déprimée, deux enfants de 4 et 6 ans, demande un suivi pour elle.").numbers["age"][0] == 35


def test_what_a_writer_supposes_under_a_heading_is_not_asked(lexicon):
    reading = lexicon.read("Hypothèses / mes pistes : peut-être une équipe spécialisée Alzheimer, ou un SMR ?")
    assert not any("demande" in h.qualifiers for hits in reading.needs.values() for h in hits)
    reading = lexicon.read("Peut-on avoir un SMR ?")
    assert any("demande" in h.qualifiers for h in reading.needs["readaptation"])


def test_a_pasted_e_mail_s_wrapped_lines_keep_their_denials(lexicon):
    reading = lexicon.read("M. F. n'a pas d'escarre, pas de pansement complexe, pas de\nperfusion, pas de soin lourd.")
    assert "soins_lourds" not in reading.facts
    reading = lexicon.read("aucune menace, aucun propos\n  suicidaire.")
    assert "idees_suicidaires" not in reading.facts


def test_a_quoted_earlier_message_is_context_not_the_request(lexicon):
    text = ("Non, pas d'HAD à mon sens : il faut une aide à la toilette par des soignants.\n"
            "> Bonjour Docteur, ne faudrait-il pas une HAD ?")
    reading = lexicon.read(text)
    assert not any("demande" in h.qualifiers for h in reading.needs.get("hospitalisation-domicile", []))


def test_a_date_heading_a_sentence_dates_its_signs_not_a_later_now():
    assert not urgent_numbers("La semaine dernière, fausse route avec désaturation à 85 % pendant quelques minutes, "
                              "récupérée seule, vue le jour même par son MT.")
    assert "15" in urgent_numbers("La semaine dernière, chute, et depuis ce matin il est confus et fébrile à 39.")
    assert "15" in urgent_numbers("En 2019 opéré du coeur, douleur thoracique avec sueurs")


def test_an_imagined_condition_and_a_then_are_not_of_now():
    assert not urgent_numbers("Idées de mort passives (\"si je ne me réveillais pas, ça ne me dérangerait pas\"), "
                              "pas de scénario.")
    assert not urgent_numbers("Plus d'héroïne depuis 2019, il parle encore de son overdose de cette année-là.")


def test_a_denial_stops_at_a_later_subordinate_clause(lexicon):
    text = "Des pensées qui ne sont pas à lui et l'impression que les gens parlent de lui à la télé."
    assert "signes_psychotiques" in lexicon.read(text).facts
    assert "idees_suicidaires" not in lexicon.read("Il ne dit pas qu'il veut mourir.").facts


def test_his_threat_to_kill_me_is_violence_my_words_to_kill_myself_an_idea():
    assert urgent_numbers("Mon ex est devant chez moi avec un couteau, il dit qu'il va me tuer.") >= {"17"}
    assert "3114" not in urgent_numbers("Mon ex est devant chez moi avec un couteau, il dit qu'il va me tuer.")
    assert "3114" in urgent_numbers("Je vais me tuer ce soir.")


def test_a_deaf_man_writing_of_pain_in_the_left_arm_and_jaw():
    assert {"114", "15"} <= urgent_numbers("Monsieur sourd, il m'écrit sur un papier qu'il a très mal dans le bras "
                                          "gauche et la mâchoire depuis une heure.")


def test_a_farewell_letter_and_no_one_can_find_her():
    assert "15" in urgent_numbers("Elle a laissé une lettre pour ses enfants et on ne la trouve plus.")
    assert not urgent_numbers("On ne trouve plus de médecin traitant, il a des idées noires.")


def test_a_victim_unresponsive_after_sliding_off_a_chair_and_a_threat_quoted_from_the_aggressor():
    assert "15" in urgent_numbers("Il a glissé de la chaise, il ne répond plus quand on l'appelle ni quand on le "
                                  "secoue, il respire.")
    assert not urgent_numbers("Pas de fièvre ni de toux.")
    assert "17" in urgent_numbers("Son conjoint l'a serrée au cou ce matin, il lui envoie des SMS 'je vais te tuer "
                                  "si tu sors'.")


def test_the_victim_s_own_words_for_blows_and_a_threat_to_skin_her():
    text = ("Appelante enfermée dans la salle de bain. « il m'a frappée au visage, j'ai le nez qui saigne », "
            "« il tape dans la porte, il dit qu'il va me faire la peau ».")
    assert {"17", "3919"} <= urgent_numbers(text)
    assert not urgent_numbers("Il frappe les autres résidents.")
