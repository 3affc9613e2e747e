"""Territory diagnostics (`orienter rapport`) on small territories written in tmp_path, each
with one deliberate flaw: overlap, gap, stale entry, legacy structure, duplicate.

Geography (real COG communes of the Val-de-Marne), populations from the shipped reference:
    94081 Vitry-sur-Seine, 94041 Ivry-sur-Seine, 94028 Créteil, 94046 Maisons-Alfort.
Territory `ta` (fictional) covers the four; `tb` (fictional) Vitry only; `tr` (real) the four.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from orienter.directory.checks import (KEY_TYPES, POIDS_CHEVAUCHEMENTS, POIDS_COMPLETUDE, POIDS_COUVERTURE,
                             POIDS_FRAICHEUR, POIDS_HISTORIQUES, build_report, failures, parse_fail_on)
from orienter.load.workspace import Workspace, load_workspace

TODAY = date.today()
RECENT = (TODAY - timedelta(days=3)).isoformat()
OLD = (TODAY - timedelta(days=3 * 365)).isoformat()
VITRY, IVRY, CRETEIL, MAISONS = "94081", "94041", "94028", "94046"
ALL4 = [VITRY, IVRY, CRETEIL, MAISONS]


def service(ident: str, type_: str, communes: list[str], besoins: list[str], publics: list[str],
            **extra: Any) -> dict[str, Any]:
    return {"id": ident, "nom": f"Service {ident}", "type": type_, "besoins": besoins,
            "publics": {"inclus": publics}, "zone": {"communes": communes}, **extra}


def structure(ident: str, type_: str, services: list[dict[str, Any]], nom: str | None = None,
              commune: str = VITRY, verified: str = RECENT, contact: bool = True, real: bool = False,
              **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "nom": nom or f"Structure {ident}", "type": type_}
    data["adresse"] = {"commune": commune}
    if contact:
        data["contact"] = {"telephone": "01 99 00 00 00"} | ({"source": "https://exemple.invalid/c"} if real else {})
    data.update(extra)
    data["sources"] = [{"titre": "Source de test", "url": "https://exemple.invalid/", "consulte_le": RECENT}]
    data["verification"] = {"derniere_verification": verified, "frequence_revue_mois": 6}
    data["services"] = services
    return data


def write_territory(root: Path, ident: str, fictif: bool, communes: list[str],
                    structures: list[dict[str, Any]]) -> Path:
    folder = root / ident
    (folder / "structures").mkdir(parents=True)
    terr = {"id": ident, "nom": f"Territoire {ident}", "fictif": fictif, "perimetre": {"communes": communes},
            "sources": [{"titre": "Source", "consulte_le": RECENT}]}
    (folder / "territoire.yaml").write_text(yaml.safe_dump(terr, allow_unicode=True, sort_keys=False), "utf-8")
    for s in structures:
        (folder / "structures" / f"{s['id']}.yaml").write_text(
            yaml.safe_dump(s, allow_unicode=True, sort_keys=False), "utf-8")
    return folder


def territory_a() -> list[dict[str, Any]]:
    return [
        structure("a-dac", "DAC", [service("a-dac-appui", "DAC", ALL4, ["coordination-parcours"], ["tous-publics"])]),
        # overlap: two SSIAD on Ivry; the SAD on Créteil counts for SSIAD; nothing on Maisons-Alfort (gap)
        structure("a-ssiad-1", "SSIAD", [service("a-ssiad-1-soins", "SSIAD", [VITRY, IVRY],
                                                 ["soins-infirmiers-domicile"], ["seniors"])]),
        structure("a-ssiad-2", "SSIAD", [service("a-ssiad-2-soins", "SSIAD", [IVRY],
                                                 ["soins-infirmiers-domicile"], ["seniors"])]),
        structure("a-sad", "SAD", [service("a-sad-soins", "SAD", [CRETEIL], ["soins-infirmiers-domicile"],
                                           ["personnes-en-situation-de-handicap"])]),
        # legacy: a MAIA absorbed by the DAC in 2022, still "actif"
        structure("a-maia", "MAIA", [service("a-maia-gdc", "MAIA", ALL4, ["gestion-de-cas"], ["seniors"])],
                  absorbee_par={"structure": "a-dac", "depuis": "2022-07-01"}, partenaires=["a-dac"]),
        # stale: checked three years ago for a six-month review; a need overlap with the PFR on Vitry
        structure("a-clic", "CLIC", [service("a-clic-accueil", "CLIC", [VITRY], ["soutien-aidants"], ["aidants"])],
                  verified=OLD, porteur="a-ccas-1"),
        structure("a-pfr", "PFR", [service("a-pfr-repit", "PFR", [VITRY, IVRY], ["soutien-aidants"], ["aidants"])]),
        # duplicates: the same CCAS twice in Vitry, the second without any contact
        structure("a-ccas-1", "CCAS", [service("a-ccas-1-accueil", "CCAS", [VITRY], ["aide-sociale"], ["tous-publics"])],
                  nom="Centre communal d'action sociale de Vitry-sur-Seine"),
        structure("a-ccas-2", "CCAS", [], nom="CENTRE COMMUNAL D’ACTION SOCIALE – Vitry sur Seine", contact=False),
        # HAD on the whole perimeter, but suspended today: the HAD gap names it
        structure("a-had", "HAD", [service("a-had-soins", "HAD", ALL4, ["hospitalisation-domicile"], ["tous-publics"],
                                           suspension={"du": (TODAY - timedelta(days=10)).isoformat(),
                                                       "au": (TODAY + timedelta(days=30)).isoformat()})]),
    ]


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("territoires")
    write_territory(root, "ta", True, ALL4, territory_a())
    # another fictional territory whose CMP covers Vitry: it counts for ta
    write_territory(root, "tb", True, [VITRY], [
        structure("b-cmp", "CMP", [service("b-cmp-adultes", "CMP", [VITRY], ["sante-mentale"], ["adultes"])]),
    ])
    # a real territory whose CMP covers all four: it must NOT count for the fictional ta
    write_territory(root, "tr", False, ALL4, [
        structure("r-cmp", "CMP", [service("r-cmp-adultes", "CMP", ALL4, ["sante-mentale"], ["adultes"])], real=True),
    ])
    return root


@pytest.fixture(scope="module")
def ws(data_root: Path) -> Workspace:
    w = load_workspace([data_root])
    assert not w.errors, w.errors
    return w


@pytest.fixture(scope="module")
def report(ws: Workspace) -> dict[str, Any]:
    return build_report(ws)


def terr(report: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(t for t in report["territoires"] if t["id"] == ident)


def codes(rows: list[str]) -> set[str]:
    return set(rows)


# --- overlaps -----------------------------------------------------------------------------------


def test_overlap_same_type_on_shared_communes(report: dict[str, Any], ws: Workspace) -> None:
    ta = terr(report, "ta")
    ssiad = [f for f in ta["chevauchements"] if f["nature"] == "type" and f["types"] == ["SSIAD"]]
    assert len(ssiad) == 1
    f = ssiad[0]
    assert [s["id"] for s in f["services"]] == ["a-ssiad-1-soins", "a-ssiad-2-soins"]
    assert codes(f["communes"]) == {IVRY}
    assert f["population"] == ws.geo.population([IVRY]) > 60000
    assert f["communes_exemples"] == ["Ivry-sur-Seine"]


def test_overlap_same_need_same_public(report: dict[str, Any], ws: Workspace) -> None:
    ta = terr(report, "ta")
    need = [f for f in ta["chevauchements"] if f["nature"] == "besoin"]
    assert [(sorted(s["id"] for s in f["services"]), f["besoins"]) for f in need] == [
        (["a-clic-accueil", "a-pfr-repit"], ["soutien-aidants"])]
    assert codes(need[0]["communes"]) == {VITRY}
    assert need[0]["population"] == ws.geo.population([VITRY])


def test_no_overlap_between_different_publics_or_levels(report: dict[str, Any]) -> None:
    pairs = {tuple(sorted(s["id"] for s in f["services"])) for f in terr(report, "ta")["chevauchements"]}
    # SAD (handicap) and SSIAD (seniors): same family but disjoint zones; MAIA (seniors) and the
    # DAC (tous-publics): different publics; HAD and DAC: different levels.
    assert ("a-dac-appui", "a-maia-gdc") not in pairs
    assert ("a-dac-appui", "a-had-soins") not in pairs
    assert len(pairs) == 2


# --- gaps ---------------------------------------------------------------------------------------


def test_gap_key_type_with_sad_counting_for_ssiad(report: dict[str, Any], ws: Workspace) -> None:
    gaps = {(g["nature"], g["code"]): g for g in terr(report, "ta")["lacunes"]}
    g = gaps[("type", "SSIAD")]
    assert codes(g["communes"]) == {MAISONS}  # Créteil is covered by the SAD
    assert g["population"] == ws.geo.population([MAISONS])
    assert 0 < g["part"] < 1 and not g["tout_le_territoire"]
    need = gaps[("besoin", "soins-infirmiers-domicile")]
    assert codes(need["communes"]) == {MAISONS}


def test_gap_counts_other_fictional_territories_only(report: dict[str, Any], ws: Workspace) -> None:
    g = next(g for g in terr(report, "ta")["lacunes"] if g["code"] == "CMP")
    assert codes(g["communes"]) == {IVRY, CRETEIL, MAISONS}  # tb's CMP covers Vitry; tr is real
    assert g["population"] == ws.geo.population([IVRY, CRETEIL, MAISONS])
    # and the real territory is covered by its own CMP, never by fictional services
    assert not any(g["code"] == "CMP" for g in terr(report, "tr")["lacunes"])
    assert "bandeau" not in terr(report, "tr")


def test_gap_suspended_service_does_not_cover(report: dict[str, Any]) -> None:
    g = next(g for g in terr(report, "ta")["lacunes"] if g["code"] == "HAD")
    assert g["tout_le_territoire"] and [s["id"] for s in g["suspendus"]] == ["a-had-soins"]


def test_gaps_cover_every_key_type_and_need(report: dict[str, Any], ws: Workspace) -> None:
    ta = terr(report, "ta")
    covered_types = {"DAC"}  # the only key type available everywhere in ta
    assert {g["code"] for g in ta["lacunes"] if g["nature"] == "type"} == set(KEY_TYPES) - covered_types
    assert {g["code"] for g in ta["lacunes"] if g["nature"] == "besoin"} <= set(ws.vocab.besoins)
    addiction = next(g for g in ta["lacunes"] if g["code"] == "addiction")
    assert addiction["tout_le_territoire"] and addiction["population"] == ws.geo.population(ALL4)


# --- legacy, freshness, duplicates ---------------------------------------------------------------


def test_legacy_absorbed_structure_still_active(report: dict[str, Any], ws: Workspace) -> None:
    legacy = terr(report, "ta")["historiques"]
    assert [f["structure"] for f in legacy] == ["a-maia"]
    f = legacy[0]
    assert f["absorbee_par"] == {"structure": "a-dac", "depuis": "2022-07-01"}
    assert any("absorbée par a-dac" in r for r in f["raisons"])
    assert any("type historique MAIA" in r for r in f["raisons"])
    assert f["population"] == ws.geo.population(ALL4)


def test_stale_entry(report: dict[str, Any]) -> None:
    stale = terr(report, "ta")["fraicheur"]["anciennes"]
    assert [(f["id"], f["derniere_verification"]) for f in stale] == [("a-clic", OLD)]
    assert stale[0]["mois"] >= 35 and stale[0]["frequence_revue_mois"] == 6


def test_missing_contact_and_duplicate_names(report: dict[str, Any]) -> None:
    fr = terr(report, "ta")["fraicheur"]
    assert [f["structure"] for f in fr["sans_contact"]] == ["a-ccas-2"]
    assert [[s["id"] for s in f["structures"]] for f in fr["doublons"]] == [["a-ccas-1", "a-ccas-2"]]
    assert "Vitry-sur-Seine" in fr["doublons"][0]["raisons"][0]


def test_duplicate_finess_across_territories(tmp_path: Path) -> None:
    write_territory(tmp_path, "tc", True, [VITRY], [
        structure("c-ehpad-1", "EHPAD", [], nom="Résidence des Lilas", identifiants={"finess": ["940000017"]}),
        structure("c-ehpad-2", "EHPAD", [], nom="Maison Bleue", commune=IVRY,
                  identifiants={"finess": ["940000017"]}),
    ])
    w = load_workspace([tmp_path])
    assert any(d.code == "O205" for d in w.diagnostics)  # validation says it too
    rep = build_report(w)
    dup = terr(rep, "tc")["fraicheur"]["doublons"]
    assert dup == [{"structures": [{"id": "c-ehpad-1", "nom": "Résidence des Lilas", "territoire": "tc"},
                                   {"id": "c-ehpad-2", "nom": "Maison Bleue", "territoire": "tc"}],
                    "raisons": ["même FINESS 940000017"]}]
    assert rep["validation"]["erreurs"] >= 1


# --- score --------------------------------------------------------------------------------------


def test_score_parts_are_explained_and_weighted(report: dict[str, Any]) -> None:
    assert POIDS_COUVERTURE + POIDS_CHEVAUCHEMENTS + POIDS_COMPLETUDE + POIDS_FRAICHEUR + POIDS_HISTORIQUES == 100
    for t in report["territoires"]:
        sc = t["score"]
        assert 0 <= sc["total"] <= 100
        assert [p["code"] for p in sc["parties"]] == ["couverture", "chevauchements", "fraicheur",
                                                      "historiques", "completude"]
        assert sum(p["poids"] for p in sc["parties"]) == 100
        assert all(p["explication"] and 0 <= p["points"] <= p["poids"] for p in sc["parties"])
        assert abs(sc["total"] - sum(p["points"] for p in sc["parties"])) <= 0.5
    parts = {p["code"]: p for p in terr(report, "ta")["score"]["parties"]}
    assert parts["historiques"]["points"] == POIDS_HISTORIQUES / 2  # one legacy entry
    assert parts["fraicheur"]["valeur"] == pytest.approx(9 / 10)  # one stale structure of ten
    assert terr(report, "tr")["score"]["parties"][1]["points"] == POIDS_CHEVAUCHEMENTS  # nothing overlaps


def test_fail_on_and_min_score(report: dict[str, Any]) -> None:
    assert parse_fail_on("gaps, OVERLAPS,legacy,stale") == ["lacunes", "chevauchements", "historiques", "anciennes"]
    assert parse_fail_on("lacunes,gaps") == ["lacunes"]
    with pytest.raises(ValueError):
        parse_fail_on("gaps,typo")
    only_b = {**report, "territoires": [terr(report, "tb")]}
    assert failures(only_b, ["historiques", "chevauchements", "anciennes"], None) == []
    assert failures(only_b, ["lacunes"], None)
    assert failures(only_b, [], 101)
    assert any("ta" in p and "historique" in p for p in failures(report, ["historiques"], None))


# --- command line -------------------------------------------------------------------------------


def test_cli_fail_on_exit_codes(cli: Any, data_root: Path) -> None:
    base = ["rapport", "--donnees", data_root, "--format", "json"]
    ok = cli(*base[:1], "tb", *base[1:], "--fail-on", "legacy,overlaps,stale")
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["schema"] == "orienter/rapport@2" and [t["id"] for t in data["territoires"]] == ["tb"]
    assert data["territoires"][0]["bandeau"].startswith("FICTIF")
    for kind in ("gaps", "overlaps", "legacy", "stale"):
        res = cli("rapport", "ta", "--donnees", data_root, "--format", "json", "--fail-on", kind)
        assert res.exit_code == 1, (kind, res.output)
        assert "Seuils non respectés" in res.stderr
    assert cli("rapport", "ta", "--donnees", data_root, "-f", "json", "--min-score", "0").exit_code == 0
    assert cli("rapport", "ta", "--donnees", data_root, "-f", "json", "--min-score", "100").exit_code == 1
    bad = cli("rapport", "--donnees", data_root, "--fail-on", "gaps,oops")
    assert bad.exit_code == 2 and "oops" in bad.stderr
    unknown = cli("rapport", "tx", "--donnees", data_root)
    assert unknown.exit_code == 1 and "inconnu" in unknown.stderr


def test_cli_terminal_and_markdown_show_fictif(cli: Any, data_root: Path) -> None:
    text = cli("rapport", "ta", "--donnees", data_root)
    assert text.exit_code == 0, text.output
    assert "FICTIF" in text.stdout and "a-ssiad-1" in text.stdout and "Maisons-Alfort" in text.stdout
    md = cli("rapport", "--donnees", data_root, "--format", "markdown")
    assert md.exit_code == 0
    assert md.stdout.startswith("# Rapport de lisibilité")
    assert "> **FICTIF**" in md.stdout and "## Territoire ta (ta)" in md.stdout


def test_cli_html_file_self_contained_and_no_overwrite(cli: Any, data_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.html"
    res = cli("rapport", "--donnees", data_root, "--format", "html", "--output", out)
    assert res.exit_code == 0, res.output
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3  # scores, bars, heat map
    assert 'class="fictif"' in page and "FICTIF" in page
    for external in ("<script", "<link", "src=", "url(", "@import"):
        assert external not in page
    again = cli("rapport", "--donnees", data_root, "--output", out)  # format from the extension
    assert again.exit_code == 2 and "existe déjà" in again.stderr and "--force" in again.stderr
    assert out.read_text("utf-8") == page
    forced = cli("rapport", "tb", "--donnees", data_root, "--output", out, "--force")
    assert forced.exit_code == 0 and out.read_text("utf-8") != page
    md = tmp_path / "r.md"
    assert cli("rapport", "tb", "--donnees", data_root, "-o", md).exit_code == 0
    assert md.read_text("utf-8").startswith("# Rapport")
    assert cli("rapport", "--donnees", data_root, "-o", tmp_path / "r.txt").exit_code == 2
