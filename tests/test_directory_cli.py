"""Directory commands (`territoires`, `structures`, `fiche`, `cherche`) on a small fixture
passed with --donnees (never the shipped data), and `orienter schema`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import MINIMAL_STRUCTURE, MINIMAL_TERRITOIRE, RECENT, write_tree

SOURCES = f"""\
sources:
  - titre: Page officielle de test
    url: https://exemple.invalid/page
    consulte_le: {RECENT}
verification:
  derniere_verification: {RECENT}
"""

ANNUAIRE = {
    "annuaire/reel-test/territoire.yaml": f"""\
id: reel-test
nom: Territoire réel de test
fictif: false
perimetre:
  departements: ["94"]
sources:
  - titre: Source du territoire
    consulte_le: {RECENT}
""",
    "annuaire/reel-test/structures/dac.yaml": """\
id: dac-reel
nom: Dispositif d'appui de test
sigle: DAC T
type: DAC
nature: association
""" + SOURCES + """\
services:
  - id: dac-reel-appui
    nom: Appui aux professionnels
    type: DAC
    besoins: [coordination-parcours, sortie-hospitalisation]
    zone:
      departements: ["94"]
""",
    # Rich markup in data must print literally (DESIGN §8).
    "annuaire/reel-test/structures/cmp.yaml": """\
id: cmp-adultes
nom: CMP [adultes]
sigle: "[/b]"
type: CMP
description: "Consultations [bold]sans[/bold] rendez-vous [/b]"
""" + SOURCES + """\
services:
  - id: cmp-adultes-consultation
    nom: Consultations [adultes]
    type: CMP
    besoins: [sante-mentale]
    zone:
      communes: ["94081"]
""",
    "annuaire/reel-test/structures/ccas.yaml": """\
id: ccas-test
nom: CCAS sans service décrit
type: CCAS
""" + SOURCES,
    "annuaire/fictif-test/territoire.yaml": """\
id: fictif-test
nom: Territoire fictif de test
fictif: true
perimetre:
  departements: ["45"]
""",
    "annuaire/fictif-test/structures/ssiad.yaml": f"""\
id: ssiad-fictif
nom: SSIAD des Tilleuls
type: SSIAD
contact:
  telephone: "00 00 00 00 00"
verification:
  derniere_verification: {RECENT}
services:
  - id: ssiad-fictif-soins
    nom: Soins infirmiers à domicile
    type: SSIAD
    besoins: [soins-infirmiers-domicile]
    acces: {{prescription: true}}
    zone:
      departements: ["45"]
""",
}

BANNER = "DONNÉES FICTIVES"


@pytest.fixture
def run(cli, tmp_path: Path):
    """`orienter ARGS... --donnees annuaire`, checked for tracebacks."""
    write_tree(tmp_path, ANNUAIRE)

    def invoke(*args: str):
        result = cli(*args, "--donnees", "annuaire")
        assert "Traceback" not in result.output
        assert result.exit_code != 3, result.output  # "erreur interne"
        return result

    return invoke


def as_json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_fixture_is_valid(cli, tmp_path: Path) -> None:
    write_tree(tmp_path, ANNUAIRE)
    result = cli("validate", "annuaire")
    assert result.exit_code == 0, result.stdout
    assert "aucune erreur, 0 avertissement(s)" in result.stdout


# --- territoires -----------------------------------------------------------------------


def test_territoires_text(run) -> None:
    result = run("territoires")
    assert result.exit_code == 0
    assert "reel-test" in result.stdout and "fictif-test" in result.stdout
    assert "Territoire réel de test" in result.stdout
    assert "FICTIF" in result.stdout


def test_territoires_json(run) -> None:
    rows = as_json(run("territoires", "--format", "json"))
    assert [r["id"] for r in rows] == ["reel-test", "fictif-test"]  # real ones first
    reel, fictif = rows
    assert (reel["structures"], reel["services"], reel["types"], reel["communes"]) == (3, 2, 2, 47)
    assert reel["fictif"] is False and fictif["fictif"] is True
    assert reel["verifie_le"] == RECENT
    assert reel["population"] > 1_000_000


# --- structures --------------------------------------------------------------------------


def test_structures_by_commune(run) -> None:
    data = as_json(run("structures", "--commune", "vitry sur seine", "-f", "json"))
    assert data["commune"] == {"code": "94081", "nom": "Vitry-sur-Seine"}
    ids = [s["id"] for s in data["structures"]]
    assert ids == ["dac-reel", "cmp-adultes"]  # support (appui) first
    assert data["fictif"] is False
    assert data["structures"][0]["services"] == [
        {"id": "dac-reel-appui", "nom": "Appui aux professionnels", "type": "DAC", "niveau": "appui"}]


def test_structures_by_commune_outside_a_small_zone(run) -> None:
    data = as_json(run("structures", "--commune", "94028", "-f", "json"))  # Créteil
    assert [s["id"] for s in data["structures"]] == ["dac-reel"]


def test_structures_by_commune_text(run) -> None:
    result = run("structures", "-c", "94400")
    assert result.exit_code == 0
    assert "Vitry-sur-Seine (94081)" in result.stdout
    assert "dac-reel" in result.stdout and "cmp-adultes" in result.stdout
    assert "ssiad-fictif" not in result.stdout
    assert BANNER not in result.stdout


def test_structures_fictional_commune_has_banner(run) -> None:
    result = run("structures", "--commune", "Orléans")
    assert result.exit_code == 0
    assert BANNER in result.stdout and "ssiad-fictif" in result.stdout
    assert as_json(run("structures", "--commune", "Orléans", "-f", "json"))["fictif"] is True


def test_structures_no_service_here(run) -> None:
    result = run("structures", "--commune", "2A004")
    assert result.exit_code == 0
    assert "Aucune structure" in result.stdout
    assert as_json(run("structures", "--commune", "2A004", "-f", "json"))["structures"] == []


def test_structures_by_type(run) -> None:
    data = as_json(run("structures", "--type", "CMP", "-f", "json"))
    assert [s["id"] for s in data["structures"]] == ["cmp-adultes"]
    result = run("structures", "--type", "CMP")
    assert "CMP [adultes]" in result.stdout


def test_structures_all_include_those_without_services(run) -> None:
    data = as_json(run("structures", "-f", "json"))
    assert {s["id"] for s in data["structures"]} == {"dac-reel", "cmp-adultes", "ccas-test", "ssiad-fictif"}
    assert data["structures"][-1]["id"] == "ssiad-fictif"  # fictional last


def test_structures_by_territory(run) -> None:
    data = as_json(run("structures", "--territoire", "fictif-test", "-f", "json"))
    assert [s["id"] for s in data["structures"]] == ["ssiad-fictif"]


def test_structures_unknown_type(run) -> None:
    result = run("structures", "--type", "XYZ")
    assert result.exit_code == 1
    assert "Type « XYZ » inconnu" in result.stderr


def test_structures_unknown_territory(run) -> None:
    result = run("structures", "--territoire", "reel-tset")
    assert result.exit_code == 1
    assert "Territoire « reel-tset » inconnu" in result.stderr
    assert "reel-test" in result.stderr  # suggestion


def test_structures_ambiguous_commune(run) -> None:
    result = run("structures", "--commune", "St Maur")
    assert result.exit_code == 1
    assert "ambiguë" in result.stderr and "94068" in result.stderr


def test_structures_unknown_commune(run) -> None:
    result = run("structures", "--commune", "Zzyzx-les-Bains")
    assert result.exit_code == 1
    assert "introuvable" in result.stderr


@pytest.mark.parametrize("zone, inside, outside", [
    ('departements: ["94"]\n      exclus: {communes: ["94081"]}', "94028", "94081"),
    ('epci: ["200058014"]', "94081", "94028"),  # EPT Grand-Orly Seine Bièvre: Vitry, not Créteil
])
def test_structures_by_commune_follow_zones(cli, tmp_path: Path, zone: str, inside: str, outside: str) -> None:
    files = dict(ANNUAIRE)
    key = "annuaire/reel-test/structures/cmp.yaml"
    files[key] = files[key].replace('communes: ["94081"]', zone)
    write_tree(tmp_path, files)

    def ids(commune: str) -> list[str]:
        result = cli("structures", "--commune", commune, "-f", "json", "--donnees", "annuaire")
        assert result.exit_code == 0, result.output
        return [s["id"] for s in json.loads(result.stdout)["structures"]]

    assert "cmp-adultes" in ids(inside)
    assert "cmp-adultes" not in ids(outside)




def test_zone_on_an_arrondissement_is_found(cli, tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "paris/territoire.yaml": "id: paris-test\nnom: Paris\nfictif: true\nperimetre:\n  departements: [\"75\"]\n",
        "paris/structures/cmp.yaml": f"id: cmp-paris\nnom: CMP Paris 15\ntype: CMP\nverification:\n"
                                     f"  derniere_verification: {RECENT}\nservices:\n  - id: cmp-paris-15\n"
                                     f"    nom: CMP du 15e\n    type: CMP\n    zone:\n      communes: [\"75115\"]\n",
    })
    assert cli("validate", "paris").exit_code == 0
    result = cli("structures", "--commune", "75015", "-f", "json", "--donnees", "paris")
    assert [s["id"] for s in json.loads(result.stdout)["structures"]] == ["cmp-paris"]


# --- fiche ---------------------------------------------------------------------------------


def test_fiche_text_real(run) -> None:
    result = run("fiche", "dac-reel")
    assert result.exit_code == 0
    out = result.stdout
    assert "Dispositif d'appui de test" in out and "(DAC T)" in out
    assert "non renseigné" in out  # no contact: never invented
    assert "Page officielle de test" in out and "https://exemple.invalid/page" in out
    assert "Appui aux professionnels" in out
    assert BANNER not in out


def test_fiche_json(run) -> None:
    d = as_json(run("fiche", "dac-reel", "-f", "json"))
    assert d["id"] == "dac-reel" and d["territoire"] == {"id": "reel-test", "nom": "Territoire réel de test",
                                                        "fictif": False}
    assert d["contact"] == {"telephone": None, "courriel": None, "site": None, "formulaire": None}
    assert d["sources"][0]["titre"] == "Page officielle de test"
    assert d["sources"][0]["consulte_le"] == RECENT
    assert d["a_jour"] is True
    (service,) = d["services"]
    assert service["id"] == "dac-reel-appui" and service["niveau"] == "appui"
    assert service["couverture"]["communes"] == 47
    assert [b["code"] for b in service["besoins"]] == ["coordination-parcours", "sortie-hospitalisation"]


def test_fiche_fictional_has_banner(run) -> None:
    result = run("fiche", "ssiad-fictif")
    assert result.exit_code == 0
    assert BANNER in result.stdout
    assert "00 00 00 00 00" in result.stdout
    assert "Sources : aucune" in result.stdout
    assert "sur prescription médicale" in result.stdout
    d = as_json(run("fiche", "ssiad-fictif", "-f", "json"))
    assert d["territoire"]["fictif"] is True and d["sources"] == []


def test_fiche_by_service_id(run) -> None:
    d = as_json(run("fiche", "cmp-adultes-consultation", "-f", "json"))
    assert d["id"] == "cmp-adultes"


def test_fiche_unknown_id(run) -> None:
    result = run("fiche", "dac-reell")
    assert result.exit_code == 1
    assert "Aucune structure ni service « dac-reell »" in result.stderr
    assert "dac-reel" in result.stderr.split("Vouliez-vous")[1]
    assert result.stdout == ""


def test_fiche_coverage_line(run) -> None:
    assert re.search(r"47 commune\(s\), \d[\d\s\u202f]* habitants", run("fiche", "dac-reel").stdout)


# --- cherche ---------------------------------------------------------------------------------


def test_cherche_typo(run) -> None:
    rows = as_json(run("cherche", "tileuls", "-f", "json"))
    assert rows[0]["id"] == "ssiad-fictif"
    assert rows[0]["fictif"] is True and 0 < rows[0]["score"] <= 1
    result = run("cherche", "tileuls")
    assert "SSIAD des Tilleuls" in result.stdout and BANNER in result.stdout


def test_cherche_by_need_label(run) -> None:
    rows = as_json(run("cherche", "coordinaton du parcours", "-f", "json"))
    assert rows and rows[0]["id"] == "dac-reel"


def test_cherche_nothing(run) -> None:
    result = run("cherche", "qwxzkj")
    assert result.exit_code == 0
    assert "Rien ne ressemble" in result.stdout
    assert as_json(run("cherche", "qwxzkj", "-f", "json")) == []


def test_cherche_empty_text(run) -> None:
    result = run("cherche", " ")
    assert result.exit_code == 1
    assert "vide" in result.stderr


# --- rich markup in data -----------------------------------------------------------------------


def test_markup_in_data_printed_literally(run) -> None:
    listing = run("structures", "--type", "CMP")
    assert listing.exit_code == 0
    assert "CMP [adultes]" in listing.stdout and "Consultations [adultes]" in listing.stdout
    sheet = run("fiche", "cmp-adultes")
    assert sheet.exit_code == 0, sheet.output
    assert "CMP [adultes]" in sheet.stdout
    assert "([/b])" in sheet.stdout
    assert "Consultations [bold]sans[/bold] rendez-vous [/b]" in sheet.stdout
    found = run("cherche", "CMP adultes")
    assert "CMP [adultes]" in found.stdout


# --- errors: invalid data, usage ------------------------------------------------------------


def test_invalid_data_is_refused(cli, tmp_path: Path) -> None:
    files = dict(ANNUAIRE)
    files["annuaire/reel-test/structures/dac.yaml"] = files["annuaire/reel-test/structures/dac.yaml"].replace(
        "    type: DAC\n", "    type: DACX\n")
    write_tree(tmp_path, files)
    result = cli("territoires", "--donnees", "annuaire")
    assert result.exit_code == 2
    assert "O303" in result.stderr and "Les données sont invalides" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ["structures", "--format", "xml"],
    ["fiche"],
    ["territoires", "--inconnue"],
    ["commande-inconnue"],
])
def test_usage_errors_exit_2(cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_help_is_french(cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert "Annuaire vérifié" in result.stdout
    assert "Vérifie les fichiers de territoire" in result.stdout


# --- schema ------------------------------------------------------------------------------------


def _walk(node: object):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_schema_is_draft7(cli) -> None:
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "$defs" not in result.stdout
    assert "prefixItems" not in result.stdout
    refs = {n["$ref"] for n in _walk(schema) if "$ref" in n}
    assert refs and all(r.startswith("#/definitions/") and r.split("/")[-1] in schema["definitions"] for r in refs)
    assert {"Territoire", "Structure", "Service", "Zone"} <= set(schema["definitions"])
    # unknown keys are errors in the files, so in the editor too
    assert schema["definitions"]["Structure"]["additionalProperties"] is False


def test_schema_validates_the_minimal_files(cli, tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from orienter.load.yamlsafe import load_yaml_text

    schema = json.loads(cli("schema").stdout)
    validator = jsonschema.Draft7Validator(schema)
    jsonschema.Draft7Validator.check_schema(schema)
    texts = [MINIMAL_TERRITOIRE, MINIMAL_STRUCTURE] + [v for v in ANNUAIRE.values()]
    for text in texts:
        doc, diags = load_yaml_text(text, "f.yaml")
        assert doc is not None and not diags
        # dates are strings to the loader, as they are to an editor
        errors = list(validator.iter_errors(doc.data))
        assert not errors, [e.message for e in errors]
    doc, _ = load_yaml_text(MINIMAL_STRUCTURE.replace("  telephone:", "  telefone:"), "f.yaml")
    assert list(validator.iter_errors(doc.data))
