"""Registers in and out (issue 10): `importe finess` (FINESS+ JSON sample, etalab CSV), safe
re-import, `importe data-inclusion`, `exporte data-inclusion` and `exporte csv`.

End-to-end through the CLI on a real FINESS+ sample (tests/fixtures/registers/README.md says where
it comes from) and on the shipped territories; every import writes into tmp_path, never into
data/territories.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "registers"
SAMPLE = FIX / "finess" / "exemple-finess-structures-journalier-20260309-extrait.json"
ETALAB = FIX / "etalab" / "etalab-stock-extrait-fabrique.csv"
DI = FIX / "data-inclusion"
OPEN_MAPPED = {"010006401": "SSIAD", "010011641": "SMR", "010780906": "EHPAD", "010780914": "EHPAD",
               "010780930": "EHPAD"}


def _import(cli, root: Path, *extra: object, feed: Path = SAMPLE, territoire: str = "essai"):
    return cli("importe", "finess", feed, "--territoire", territoire, "--donnees", root, *extra)


def _structure_file(root: Path, finess: str, territoire: str = "essai") -> Path:
    state = json.loads((root / territoire / "registres" / "finess.json").read_text(encoding="utf-8"))
    return root / territoire / state["entrees"][finess]["fichier"]


def _modified_feed(tmp_path: Path, edits: dict[str, dict]) -> Path:
    """A copy of the sample, one extraction later, with some establishments changed."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["generatedAt"] = "2026-04-01T06:00:00Z"
    for pm in data["pmej"]:
        for ege in pm["ege"]:
            info = ege["informationsGeneralesEGE"]
            change = edits.get(info["numFinessEge"])
            if change is None:
                continue
            if "telephone" in change:
                ege["contact"][0]["telecom"]["telephone"] = change["telephone"]
            if "nom" in change:
                info["nomEgeLong"] = change["nom"]
            if change.get("ferme"):
                ege["etatObjet"] = "I"
                info["dateFermeture"] = "2026-03-20"
            if change.get("retire"):
                pm["ege"] = [e for e in pm["ege"] if e is not ege]
    path = tmp_path / "finess-structures-journalier-20260401.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


# --- reading the registers ------------------------------------------------------------------------


def test_sample_is_read_with_states_categories_and_coordinates() -> None:
    from orienter.registers.finess import read_finess

    flux = read_finess(SAMPLE, date(2026, 12, 1))
    assert flux.format == "finess+json" and flux.date_extraction == date(2026, 3, 9)
    by_number = {e.finess: e for e in flux.etablissements}
    assert len(by_number) == 11
    assert {n for n, e in by_number.items() if e.ouvert and e.categorie in ("500", "354", "109")} == set(OPEN_MAPPED)
    assert not by_number["010780310"].ouvert  # etatObjet I, dateFermeture 2020
    ehpad = by_number["010780906"]
    assert (ehpad.commune, ehpad.code_postal, ehpad.telephone, ehpad.finess_ej) == ("01004", "01500", "0474461420",
                                                                                    "010000339")
    assert ehpad.nom == "EHPAD RÉSIDENCE FONTELUNE AMBERIEU-EN-BUGEY" and ehpad.latitude == 45.968606
    assert by_number["010011641"].telephone is None  # the register gives none: none is invented


def test_etalab_csv_windows_1252_with_lambert93() -> None:
    from orienter.registers.finess import read_finess

    flux = read_finess(ETALAB)
    assert flux.format == "etalab-csv" and flux.date_extraction == date(2026, 3, 11)
    by_number = {e.finess: e for e in flux.etablissements}
    ehpad = by_number["940019991"]
    assert ehpad.ligne == "12 RUE DES ÉGLANTIERS" and ehpad.commune == "94081" and ehpad.code_postal == "94400"
    assert ehpad.latitude == pytest.approx(48.7665, abs=1e-3) and ehpad.longitude == pytest.approx(2.3741, abs=1e-3)
    assert by_number["970019991"].commune == "97120"  # département 9A is 97
    assert by_number["970019991"].latitude is None  # UTM is not converted: no coordinates rather than wrong ones


def test_lambert93_matches_the_register_own_wgs84() -> None:
    from orienter.registers.finess import lambert93_to_wgs84

    # The sample gives both for Divonne-les-Bains (its X/Y fields are northing/easting).
    assert lambert93_to_wgs84(941342.52, 6589480.53) == (46.362063, 6.139885)


# --- import, plan, validate, suggest ---------------------------------------------------------------


def test_plan_lists_open_establishments_with_types_and_writes_nothing(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    result = _import(cli, root, "--plan")
    assert result.exit_code == 0, result.output
    for number, kind in OPEN_MAPPED.items():
        line = next(ln for ln in result.stdout.splitlines() if number in ln)
        assert kind in line and line.lstrip().startswith("+")
    assert "010780310" not in result.stdout  # closed at the register
    assert "fermés au registre" in result.stdout and "catégorie sans type orienter" in result.stdout
    assert "rien n'a été écrit" in result.stdout
    assert list(root.iterdir()) == []


def test_import_writes_a_territory_that_validates_with_provisional_zone_warnings_only(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    result = _import(cli, root)
    assert result.exit_code == 0, result.output
    files = sorted((root / "essai" / "structures").glob("*.yaml"))
    assert len(files) == len(OPEN_MAPPED)
    checked = cli("validate", root)
    assert checked.exit_code == 0, checked.output
    codes = {line.split()[2] for line in checked.stdout.splitlines() if " warning " in line or " error " in line}
    assert codes == {"O311"}, checked.stdout
    text = _structure_file(root, "010006401").read_text(encoding="utf-8")
    assert 'finess: ["010006401"]' in text and 'telephone: "0474464196"' in text
    assert "origine: registre" in text and "provisoire: true" in text and "derniere_verification" not in text


def test_suggest_proposes_an_imported_service(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    assert _import(cli, root).exit_code == 0
    result = cli("suggest", "--donnees", root, "--commune", "01004", "--age", "82", "--format", "json",
                 "vit seule, besoin de soins infirmiers à domicile")
    assert result.exit_code == 0, result.output
    suggestions = json.loads(result.stdout)["suggestions"]
    assert any(s["type"] == "SSIAD" and s["contact"]["telephone"] == "0474464196" for s in suggestions)


def test_reimport_changes_register_fields_only_and_keeps_human_edits(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    assert _import(cli, root).exit_code == 0
    ssiad = _structure_file(root, "010006401")
    # A person confirms the SSIAD's zone (a comment, a second commune, the flag removed) and adds a need.
    text = ssiad.read_text(encoding="utf-8")
    text = text.replace('      communes: ["01004"]\n', '      # Secteur confirmé par téléphone.\n'
                                                         '      communes: ["01004", "01007"]\n')
    text = text.replace("      provisoire: true  # posée par l'import : vérifiez les communes desservies, puis "
                        "retirez cette ligne\n", "")
    text = text.replace("besoins: [soins-infirmiers-domicile]", "besoins: [soins-infirmiers-domicile, soins-palliatifs]")
    ssiad.write_text(text, encoding="utf-8")
    # ...and writes the admissions' direct line on the EHPAD.
    ehpad = _structure_file(root, "010780906")
    ehpad.write_text(ehpad.read_text(encoding="utf-8").replace('telephone: "0474461420"',
                                                               'telephone: "0474461421"  # admissions'),
                     encoding="utf-8")
    urfe_before = _structure_file(root, "010780914").read_text(encoding="utf-8")
    feed = _modified_feed(tmp_path, {"010006401": {"telephone": "0474000000"},
                                     "010780906": {"telephone": "0474999999"},
                                     "010780930": {"ferme": True}})
    planned = _import(cli, root, "--plan", feed=feed)
    assert planned.exit_code == 0, planned.output
    assert "« 0474464196 » -> « 0474000000 »" in planned.stdout
    assert "Conflits" in planned.stdout and "0474461421" in planned.stdout
    assert ssiad.read_text(encoding="utf-8") == text  # --plan wrote nothing

    result = _import(cli, root, feed=feed)
    assert result.exit_code == 0, result.output
    after = ssiad.read_text(encoding="utf-8")
    assert 'telephone: "0474000000"' in after
    assert '# Secteur confirmé par téléphone.\n      communes: ["01004", "01007"]' in after
    assert "provisoire" not in after.split("services:")[1]
    assert "soins-palliatifs" in after and after.startswith("# Fiche créée par")
    assert "consulte_le: 2026-04-01" in after and "&" not in after
    assert 'telephone: "0474461421"  # admissions' in ehpad.read_text(encoding="utf-8")  # conflict: kept
    assert _structure_file(root, "010780914").read_text(encoding="utf-8") == urfe_before  # untouched, not rewritten
    closed = _structure_file(root, "010780930").read_text(encoding="utf-8")
    assert "statut: ferme" in closed and "evenement: fermeture" in closed  # closed, never deleted
    assert cli("validate", root).exit_code == 0
    again = _import(cli, root, feed=feed)
    assert "Rien à écrire" in again.stdout


def test_establishment_missing_from_a_later_feed_is_closed_not_deleted(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    assert _import(cli, root).exit_code == 0
    feed = _modified_feed(tmp_path, {"010780914": {"retire": True}})
    result = _import(cli, root, feed=feed)
    assert result.exit_code == 0, result.output
    assert "absent du registre" in result.stdout
    assert "statut: ferme" in _structure_file(root, "010780914").read_text(encoding="utf-8")


def test_a_file_deleted_by_hand_is_not_recreated(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    assert _import(cli, root).exit_code == 0
    victim = _structure_file(root, "010011641")
    victim.unlink()
    feed = _modified_feed(tmp_path, {"010011641": {"nom": "CLINIQUE DU SOUFFLE"}})
    result = _import(cli, root, feed=feed)
    assert result.exit_code == 0, result.output
    assert not victim.exists() and "écartés à la main" in result.stdout


def test_existing_territory_perimeter_and_hand_written_finess_are_respected(cli, tmp_path: Path) -> None:
    from tests.conftest import RECENT

    root = tmp_path / "donnees"
    (root / "ambr" / "structures").mkdir(parents=True)
    (root / "ambr" / "territoire.yaml").write_text(
        "id: ambr\nnom: Ambérieu\nfictif: false\nperimetre:\n  communes: [\"01004\"]\n", encoding="utf-8")
    (root / "ambr" / "structures" / "ssiad-main.yaml").write_text(f"""\
id: ssiad-main
nom: SSIAD décrit à la main
type: SSIAD
identifiants:
  finess: ["010006401"]
sources:
  - titre: Page du SSIAD
    consulte_le: {RECENT}
verification:
  derniere_verification: {RECENT}
services:
  - id: ssiad-main-soins
    nom: Soins
    type: SSIAD
    zone:
      communes: ["01004"]
""", encoding="utf-8")
    result = _import(cli, root, territoire="ambr")
    assert result.exit_code == 0, result.output
    assert "déjà décrits dans l'annuaire" in result.stdout
    assert "hors du périmètre du territoire" in result.stdout
    added = sorted(p.name for p in (root / "ambr" / "structures").glob("*.yaml"))
    assert added == ["ehpad-residence-fontelune-amberieu-en-bugey-010780906.yaml", "ssiad-main.yaml"]
    assert cli("validate", root).exit_code == 0


def test_etalab_import_moves_a_cedex_postal_code_to_the_complement(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    result = cli("importe", "finess", ETALAB, "-t", "essai-94", "--donnees", root, "--departement", "94",
                 "--categories", "SSIAD,500")
    assert result.exit_code == 0, result.output
    ssiad = _structure_file(root, "940019975", "essai-94").read_text(encoding="utf-8")
    assert "code_postal" not in ssiad and 'complement: "94407 VITRY SUR SEINE CEDEX"' in ssiad
    assert "970019991" not in result.stdout  # --departement 94
    checked = cli("validate", root)
    assert checked.exit_code == 0, checked.output


# --- bad input: French message, exit 1, nothing written, never a traceback ------------------------


def _bad(cli, tmp_path: Path, content: bytes | None, *extra: object, name: str = "flux.json"):
    root = tmp_path / "donnees"
    root.mkdir(exist_ok=True)
    feed = tmp_path / name
    if content is not None:
        feed.write_bytes(content)
    result = _import(cli, root, *extra, feed=feed)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not (root / "essai").exists()
    return result.stderr


def test_truncated_json(cli, tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    message = _bad(cli, tmp_path, data[: len(data) // 2])
    assert "s'arrête avant la fin" in message and "flux.json:" in message


def test_json_that_is_not_the_feed(cli, tmp_path: Path) -> None:
    message = _bad(cli, tmp_path, b'{"activites": []}')
    assert "« pmej » absent" in message and "flux FINESS+ des structures" in message
    message = _bad(cli, tmp_path, b'{"pmej": [{"ege": [{"informationsGeneralesEGE": {"numFinessEge": 10}}]}]}')
    assert "$.pmej[0].ege[0].informationsGeneralesEGE.numFinessEge" in message


def test_wrong_encoding_and_binary(cli, tmp_path: Path) -> None:
    message = _bad(cli, tmp_path, b"finess;etalab;96;2026-03-11\nstructureet;\x81\x8d;x\n", name="flux.csv")
    assert "flux.csv:2:" in message and "Windows-1252" in message
    message = _bad(cli, tmp_path, "finess".encode("utf-16"), name="flux2.csv")
    assert "UTF-16" in message


def test_truncated_csv_names_the_line(cli, tmp_path: Path) -> None:
    data = ETALAB.read_bytes()
    cut = data[: data.index(b"\r\n", data.index(b"structureet;940019975")) - 40]
    message = _bad(cli, tmp_path, cut, name="coupe.csv")
    assert "coupe.csv:3:1:" in message and "tronqué" in message


def test_unknown_departement_and_category(cli, tmp_path: Path) -> None:
    assert "n'est pas un code de département" in _bad(cli, tmp_path, SAMPLE.read_bytes(), "--departement", "100")
    assert "--categories" in _bad(cli, tmp_path, SAMPLE.read_bytes(), "--categories", "355")


def test_missing_file_and_territory_typo(cli, tmp_path: Path) -> None:
    assert "introuvable" in _bad(cli, tmp_path, None)
    root = tmp_path / "donnees"
    shutil.copytree(ROOT / "data" / "territories" / "val-de-marne", root / "val-de-marne")
    result = _import(cli, root, territoire="val-de-marn")
    assert result.exit_code == 1 and "vouliez-vous « val-de-marne »" in result.stderr
    assert not (root / "val-de-marn").exists()


def test_fictional_territory_is_refused(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    shutil.copytree(ROOT / "data" / "territories" / "fictif-loiret", root / "fictif-loiret")
    result = _import(cli, root, territoire="fictif-loiret")
    assert result.exit_code == 1 and "fictif" in result.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git absent")
def test_uncommitted_changes_in_the_target_are_refused(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    assert _import(cli, root).exit_code == 0
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "import"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env, capture_output=True)
    ssiad = _structure_file(root, "010006401")
    ssiad.write_text(ssiad.read_text(encoding="utf-8") + "# note en cours\n", encoding="utf-8")
    feed = _modified_feed(tmp_path, {"010780914": {"nom": "EHPAD D'URFE"}})
    urfe = _structure_file(root, "010780914")
    before = urfe.read_text(encoding="utf-8")
    result = _import(cli, root, feed=feed)
    assert result.exit_code == 1 and "non enregistrées dans git" in result.stderr
    assert urfe.read_text(encoding="utf-8") == before
    assert _import(cli, root, "--plan", feed=feed).exit_code == 0  # a plan writes nothing: allowed


def test_a_failed_write_leaves_every_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from orienter.core.diagnostics import OrienterError
    from orienter.registers import writer

    kept = tmp_path / "a.yaml"
    kept.write_text("avant\n", encoding="utf-8")
    calls = {"n": 0}
    real_replace = os.replace

    def failing_replace(src, dst):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OrienterError):
        writer.commit({kept: "après\n", tmp_path / "sub" / "b.yaml": "nouveau\n", tmp_path / "c.yaml": "nouveau\n"})
    assert kept.read_text(encoding="utf-8") == "avant\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.yaml"]


# --- data·inclusion ---------------------------------------------------------------------------------


def test_import_data_inclusion(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    result = cli("importe", "data-inclusion", DI / "structures.json", DI / "services.json", "-t", "essai-di",
                 "--donnees", root, "--departement", "38")
    assert result.exit_code == 0, result.output
    assert "refusés par data-inclusion-schema" in result.stdout and "exemple--invalide" in result.stdout
    assert "réseau porteur sans type orienter" in result.stdout
    ccas = next((root / "essai-di" / "structures").glob("centre-communal*.yaml")).read_text(encoding="utf-8")
    assert "type: CCAS" in ccas and "besoins: [aide-sociale]" in ccas and 'communes: ["38151"]' in ccas
    assert 'horaires: "Mo-Fr 09:00-12:00"' in ccas and "gratuit: true" in ccas
    assert cli("validate", root).exit_code == 0


def test_data_inclusion_bad_json(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    bad = tmp_path / "structures.json"
    bad.write_text('[{"source": "x", "id": "x--1"', encoding="utf-8")
    result = cli("importe", "data-inclusion", bad, "-t", "essai-di", "--donnees", root)
    assert result.exit_code == 1 and "structures.json:1:" in result.stderr and "Traceback" not in result.output


# --- exports --------------------------------------------------------------------------------------


@pytest.mark.donnees_livrees
def test_every_real_shipped_territory_exports_to_valid_data_inclusion(cli, tmp_path: Path) -> None:
    from data_inclusion.schema import v1

    shipped = sorted(p.parent.name for p in (ROOT / "data" / "territories").glob("*/territoire.yaml"))
    for ident in shipped:
        if "fictif: true" in (ROOT / "data" / "territories" / ident / "territoire.yaml").read_text(encoding="utf-8"):
            continue
        out = tmp_path / ident
        result = cli("exporte", "data-inclusion", ident, "--output", out)
        assert result.exit_code == 0, (ident, result.output)
        structures = json.loads((out / "structures.json").read_text(encoding="utf-8"))
        services = json.loads((out / "services.json").read_text(encoding="utf-8"))
        for row in structures:
            v1.Structure.model_validate(row)
        for row in services:
            v1.Service.model_validate(row)
        ids = {s["id"] for s in structures}
        assert all(sv["structure_id"] in ids for sv in services)


def test_export_refuses_fictional_and_unknown_territories(cli, tmp_path: Path) -> None:
    result = cli("exporte", "data-inclusion", "fictif-loiret", "--output", tmp_path / "out")
    assert result.exit_code == 1 and "fictif" in result.stderr and not (tmp_path / "out").exists()
    result = cli("exporte", "data-inclusion", "nulle-part", "--output", tmp_path / "out")
    assert result.exit_code == 1 and "inconnu" in result.stderr


def test_imported_territory_exports_only_reviewed_services(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    assert _import(cli, root).exit_code == 0
    result = cli("exporte", "data-inclusion", "essai", "--output", tmp_path / "out", "--donnees", root)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "services.json").read_text(encoding="utf-8")) == []
    assert "zone provisoire" in result.stderr


def test_csv_opens_in_a_spreadsheet(cli, tmp_path: Path) -> None:
    out = tmp_path / "annuaire.csv"
    result = cli("exporte", "csv", "--output", out, "--fictifs")
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["territoire", "fictif", "structure_id"] and body
    assert all(len(r) == len(header) for r in body)
    assert {r[header.index("fictif")] for r in body} == {"oui", "non"}
    assert cli("exporte", "csv", "--output", out).exit_code == 2  # never overwritten without --force


def test_csv_cells_are_never_formulas() -> None:
    from orienter.registers.export import _cell

    assert _cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert _cell("+33 1 23 45 67 89") == "+33 1 23 45 67 89"
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell(["a", "b"]) == "a, b" and _cell(True) == "oui"


# --- mapping tables are data, and agree with the vocabulary and the schema package ----------------


def test_mapping_tables_agree_with_vocabulary_and_data_inclusion_package() -> None:
    from data_inclusion.schema import v1

    from orienter.load.vocabulary import load_vocabulary
    from orienter.registers.mapping import load_di_mapping, load_finess_mapping

    vocab, _ = load_vocabulary(ROOT / "rules")
    fmap = load_finess_mapping(ROOT / "rules", vocab)
    for code, row in fmap.categories.items():
        assert row.version in fmap.listes
        declared = vocab.types[row.type].finess if row.type else None
        assert declared in (None, code) or row.type == "CDS", (code, row.type, declared)
    dmap = load_di_mapping(ROOT / "rules", vocab)
    themes = {t.value for t in v1.Thematique}
    publics = {p.value for p in v1.Public}
    reseaux = {r.value for r in v1.ReseauPorteur}
    kinds = {t.value for t in v1.TypeService}
    assert set(dmap.thematique_to_besoins) | {t for ts in dmap.besoin_to_thematiques.values() for t in ts} <= themes
    assert set(dmap.public_di_to_public) | set(dmap.public_to_public_di.values()) <= publics
    assert set(dmap.reseau_to_type) | set(dmap.type_to_reseau.values()) <= reseaux
    assert set(dmap.type_to_type_service.values()) <= kinds
    for code, public in vocab.publics.items():  # publics.yaml's own data_inclusion codes agree
        if public.data_inclusion and code in dmap.public_to_public_di:
            assert dmap.public_to_public_di[code] == public.data_inclusion


def test_cli_start_up_does_not_import_the_registers_stack() -> None:
    code = ("import sys, orienter.cli.app; bad = [m for m in ('msgspec', 'ruamel', 'data_inclusion', "
            "'orienter.registers') if any(k == m or k.startswith(m + '.') for k in sys.modules)]; print(bad)")
    out = subprocess.run([__import__("sys").executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_plan_as_json_contract(cli, tmp_path: Path) -> None:
    root = tmp_path / "donnees"
    root.mkdir()
    result = _import(cli, root, "--plan", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "orienter/import@1" and data["ecrit"] is False and data["nouveau_territoire"] is True
    assert {a["cle"]: a["type"] for a in data["ajoutes"]} == OPEN_MAPPED
    assert data["flux"]["date_extraction"] == "2026-03-09" and data["non_importes"]["fermés au registre"] == 2
    assert list(root.iterdir()) == []
