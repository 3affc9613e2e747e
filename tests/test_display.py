"""What people read on the terminal (issue 13): nothing cut at any width, stale checks said,
French words, numbers, dates and hours, progress only where it belongs, `cherche`.

Widths are set with COLUMNS, as rich reads it; CliRunner's output is a pipe, so the pipe case
is covered by the same runs (rich uses COLUMNS, else 80 columns, when not on a terminal).
"""

from __future__ import annotations

import io
import os
import json
import re

import pytest
from typer.testing import CliRunner

from orienter.cli.app import app
from orienter.core import progress
from orienter.render import hours, labels

ORLEANS = "45234"
CASE = "Femme de 84 ans, vit seule, chutes répétées, troubles de mémoire, fille épuisée"
WIDTHS = [80, 120, 200]
runner = CliRunner()


def run(*args: object, columns: int = 80):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})


def ok(*args: object, columns: int = 80) -> str:
    result = run(*args, columns=columns)
    assert result.exit_code in (0,), result.output
    return result.stdout


def as_json(*args: object):
    return json.loads(ok(*args, "--format", "json"))


def whole(out: str, values: set[str], what: str) -> None:
    """Each value appears on one line, in one piece (not folded, not cut with an ellipsis)."""
    values = {v for v in values if v}
    assert values, f"aucun {what} à vérifier"
    missing = sorted(v for v in values if v not in out)
    assert not missing, f"{what} coupé(s) : {missing}\n{out}"


@pytest.fixture(scope="module")
def orientation() -> dict:
    return as_json("suggest", "--commune", ORLEANS, "--age", "84", CASE)


# --- nothing cut (13.3) -------------------------------------------------------------------------


@pytest.mark.parametrize("columns", WIDTHS)
def test_suggest_keeps_contacts_whole(columns: int, orientation: dict) -> None:
    out = ok("suggest", "--commune", ORLEANS, "--age", "84", CASE, columns=columns)
    contacts = {v for s in orientation["suggestions"] for v in s["contact"].values()}
    whole(out, contacts, "contact")
    whole(out, {"Orléans"}, "commune")
    assert "…" not in out
    # Every condition is said (the screen used to stop at the third).
    conditions = [c for c in orientation["suggestions"][0]["conditions"] if not c.startswith("orientation par")]
    flat = re.sub(r"\s+", " ", out)
    assert all(c in flat for c in conditions), conditions


@pytest.mark.parametrize("columns", WIDTHS)
def test_explain_keeps_service_ids_whole(columns: int) -> None:
    data = as_json("explain", "--commune", ORLEANS, "--age", "84", CASE)
    out = ok("explain", "--commune", ORLEANS, "--age", "84", CASE, columns=columns)
    whole(out, {c["service"] for c in data["trace"]["classement"]}, "identifiant de service")
    assert "…" not in out.replace("… `orienter explain`", "")


@pytest.mark.parametrize("columns", WIDTHS)
def test_territoires_keeps_ids_whole(columns: int) -> None:
    rows = as_json("territoires")
    out = ok("territoires", columns=columns)
    whole(out, {r["id"] for r in rows}, "identifiant de territoire")
    assert "…" not in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_structures_keeps_ids_whole(columns: int) -> None:
    data = as_json("structures", "--territoire", "fictif-loiret")
    out = ok("structures", "--territoire", "fictif-loiret", columns=columns)
    whole(out, {r["id"] for r in data["structures"]}, "identifiant de structure")
    assert "…" not in out
    assert "acces_direct" not in out and "absorbe " not in out  # French labels


@pytest.mark.parametrize("columns", WIDTHS)
def test_fiche_keeps_contacts_and_ids_whole(columns: int) -> None:
    data = as_json("fiche", "fic-dac-bords-de-loire")
    out = ok("fiche", "fic-dac-bords-de-loire", columns=columns)
    values = {data["id"], *data["contact"].values(), *(s["id"] for s in data["services"])}
    whole(out, {v for v in values if isinstance(v, str)}, "identifiant ou contact")
    assert "…" not in out
    assert "Du lundi au vendredi, 9\u00a0h – 17\u00a0h\u00a030" in out
    for code in ("Mo-Fr", "telephone, a_domicile", "tous-publics", "acces_direct", "2026-"):
        assert code not in out, code


@pytest.mark.parametrize("columns", WIDTHS)
def test_cherche_keeps_ids_whole(columns: int) -> None:
    rows = as_json("cherche", "soins palliatifs")
    out = ok("cherche", "soins palliatifs", columns=columns)
    whole(out, {r["id"] for r in rows}, "identifiant de structure")
    assert "…" not in out


@pytest.mark.parametrize("columns", WIDTHS)
def test_communes_keeps_names_whole(columns: int) -> None:
    result = runner.invoke(app, ["communes", "saint denis", "--format", "json"])
    data = json.loads(result.stdout)
    out = runner.invoke(app, ["communes", "saint denis"], env={"COLUMNS": str(columns)}).stdout
    whole(out, {c["nom"] for c in data["candidats"]} | {c["code"] for c in data["candidats"]}, "commune")
    assert "…" not in out


def test_no_trailing_spaces_in_blocks() -> None:
    out = ok("suggest", "--commune", ORLEANS, "--age", "84", CASE)
    assert not [line for line in out.splitlines() if line.endswith(" ") and not line.startswith(("│", "╭", "╰"))]


# --- stale is said (13.4) ---------------------------------------------------------------------------


def test_suggest_says_when_the_check_is_overdue(orientation: dict) -> None:
    stale = [s for s in orientation["suggestions"] if s["verification_en_retard"]]
    fresh = [s for s in orientation["suggestions"] if not s["verification_en_retard"]]
    assert stale and fresh
    for s in stale:
        assert s["mois_depuis_verification"] > s["frequence_revue_mois"]
    out = ok("suggest", "--commune", ORLEANS, "--age", "84", CASE)
    assert out.count("vérification en retard") == len(stale)
    assert "il y a 4" in out  # the months are said


def test_explain_shows_the_freshness_part() -> None:
    out = ok("explain", "--commune", ORLEANS, "--age", "84", CASE)
    assert "fraîcheur 0,30" in out and "fraîcheur 1,00" in out
    assert re.search(r"vérifié le 12/04/2023, il y a \d+ mois pour une revue tous les 6 mois : en retard",
                     re.sub(r"\s+", " ", out))


def test_json_contract_keeps_its_fields(orientation: dict) -> None:
    import jsonschema

    from pathlib import Path

    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "orientation.schema.json")
                        .read_text(encoding="utf-8"))
    jsonschema.validate(orientation, schema)
    first = orientation["suggestions"][0]
    for key in ("rang", "score", "type", "structure", "service", "raisons", "conditions", "contact", "verifie_le",
                "verification_en_retard", "mois_depuis_verification", "frequence_revue_mois", "adresse"):
        assert key in first, key


# --- French (13.5) -------------------------------------------------------------------------------


def test_explain_speaks_french() -> None:
    out = ok("explain", "--commune", ORLEANS, "--age", "84", CASE)
    assert "Aidant épuisé ou absent : oui" in out
    assert "aidant_epuise = True" not in out and "True" not in out
    assert "médical : " in out and "(médical et social)" in out
    assert "0.45" not in out and "besoin 0,45" in out
    assert "['" not in out


def test_emergency_reads_in_order_in_the_terminal() -> None:
    out = ok("suggest", "--commune", ORLEANS, "--age", "70", "douleur thoracique brutale depuis 20 minutes")
    assert out.index("URGENCE") < out.index("Après la prise en charge de l'urgence :")
    assert "Aucune suggestion" not in out and "premier recours par défaut" not in out


def test_type_codes_ignore_case() -> None:
    upper = as_json("structures", "--type", "CSAPA")
    lower = as_json("structures", "--type", "csapa")
    assert upper == lower and upper["structures"]
    assert run("structures", "--type", "csapx").exit_code == 1


def test_labels() -> None:
    assert labels.number(7.3, 1) == "7,3"
    assert labels.number(0.873, 3) == "0,873"
    assert labels.number(1654712) == "1\u00a0654\u00a0712"
    assert labels.day("2026-11-02") == "02/11/2026"
    assert labels.join(["CSAPA"]) == "CSAPA" and labels.join(["a", "b", "c"]) == "a, b et c"
    assert labels.level("acces_direct") == "accès direct"
    assert labels.status("absorbe") == "absorbée" and labels.status("absorbe", structure=False) == "absorbé"
    assert labels.axes(["medical", "social"]) == "médical et social"
    assert labels.modes(["a_domicile", "telephone"]) == "à domicile et par téléphone"
    assert labels.yes_no(True) == "oui"
    assert labels.exclusion_reason("statut : absorbe (absorbé par x-1)", {"x-1": "DAC"}) == \
        "structure absorbée (remplacée par DAC)"
    assert labels.without_quotes("déjà impliqué (« le CLIC »)") == "déjà impliqué"


@pytest.mark.parametrize("osm, said", [
    ("Mo-Fr 09:00-17:30", "Du lundi au vendredi, 9 h – 17 h 30"),
    ("Mo-Fr 09:00-12:00,14:00-17:00", "Du lundi au vendredi, 9 h – 12 h et 14 h – 17 h"),
    ("Mo-Fr 08:00-20:00; Sa 08:00-12:00", "Du lundi au vendredi, 8 h – 20 h ; samedi, 8 h – 12 h"),
    ("Mo-Fr 09:00-12:00; Tu,Th 09:00-12:00,14:00-17:00",
     "Lundi, mercredi et vendredi, 9 h – 12 h ; mardi et jeudi, 9 h – 12 h et 14 h – 17 h"),
    ("Mo,Tu,Th,Fr 09:30-16:30", "Lundi, mardi, jeudi et vendredi, 9 h 30 – 16 h 30"),
    ("Mo-Su 08:00-02:00", "Tous les jours, 8 h – 2 h (le lendemain)"),
    ("24/7", "24 h sur 24, 7 jours sur 7"),
    ("Mo-Fr 09:00-17:00; PH off", "Du lundi au vendredi, 9 h – 17 h ; fermé les jours fériés"),
    ('Tu 14:00-18:00 "sur rendez-vous"', "Mardi, 14 h – 18 h (sur rendez-vous)"),
    ("Mo-Fr 09:00-12:00, Sa 10:00-12:00", "Du lundi au vendredi, 9 h – 12 h ; samedi, 10 h – 12 h"),
])
def test_hours_in_french(osm: str, said: str) -> None:
    assert hours.problem(osm) is None
    assert hours.french(osm).replace("\u00a0", " ") == said


@pytest.mark.parametrize("bad, column", [("9h-17h", 1), ("lundi-vendredi 09:00-17:00", 1), ("Mo-Fr", 5),
                                         ("Mo-Fr 09:00-25:70", 13), ("Mo-Fr 09:00-17:00;;", 19), ("", 1)])
def test_hours_not_read_are_located(bad: str, column: int) -> None:
    trouble = hours.problem(bad)
    assert trouble is not None and trouble.column == column
    assert hours.french(bad) in (None, f"{bad} (horaires au format non reconnu)")


# --- progress (13.7) -------------------------------------------------------------------------------


def test_progress_is_silent_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert not progress.enabled(io.StringIO())
    with progress.working("Lecture", delay=0) as bar:
        progress.step(3, 10)
        assert bar.done == 3 and bar.total == 10
    assert capsys.readouterr().err == ""
    result = runner.invoke(app, ["validate", "--format", "json", "data/territories"])
    assert "Vérification" not in result.stderr and "\r" not in result.stdout


def test_progress_draws_then_erases_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = progress.Progress("Lecture des territoires", total=4, delay=0, stream=stream, force=True)
    bar.update(2)
    bar._draw()
    bar.stop()
    text = stream.getvalue()
    assert "Lecture des territoires… 2/4 (50 %)" in text and text.endswith("\r\x1b[2K")
    assert list(progress.track([1, 2, 3])) == [1, 2, 3]


# --- cherche (13.8) ---------------------------------------------------------------------------------


def test_cherche_limited_to_a_commune() -> None:
    here = {r["id"] for r in as_json("structures", "--commune", ORLEANS)["structures"]}
    rows = as_json("cherche", "soins", "--commune", ORLEANS)
    assert rows and {r["id"] for r in rows} <= here
    everywhere = as_json("cherche", "soins")
    assert {r["id"] for r in everywhere} - here  # the filter removed something
    assert run("cherche", "soins", "--commune", "Nulle-Part-sur-Rien").exit_code == 1


def test_cherche_exact_type_or_sigle_first() -> None:
    rows = as_json("cherche", "csapa")
    assert rows and "CSAPA" in rows[0]["services"] and rows[0]["correspondance"] == "type ou sigle"
    exact = [r["correspondance"] == "type ou sigle" for r in rows]
    assert exact == sorted(exact, reverse=True)  # every exact match before every other
    by_sigle = as_json("cherche", "dac-f bdl")
    assert by_sigle[0]["id"] == "fic-dac-bords-de-loire"


@pytest.mark.parametrize("args", [
    ["suggest", "--commune", "Orléans", "--age", "84", "Femme de 84 ans, vit seule, chutes répétées"],
    ["structures"],
])
def test_a_reader_closing_the_pipe_is_no_error(args: list[str]) -> None:
    """`orienter suggest ... | head -1`: the reader has what it wanted; exit 0, nothing on stderr."""
    import subprocess
    import sys as _sys

    proc = subprocess.Popen([_sys.executable, "-m", "orienter.cli.app", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "80"})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "Erreur" not in err
