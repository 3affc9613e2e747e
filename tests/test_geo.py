"""Geography shipped in the package: resolving a commune (CLI `communes` and Geo.resolve) and
expanding zones (Geo.expand)."""

from __future__ import annotations

import json

import pytest

from orienter.load.geo import fold, fold_name, load_geo


@pytest.fixture(scope="module")
def geo():
    return load_geo()


# --- `orienter communes` -------------------------------------------------------------


def test_cli_name_text(cli) -> None:
    result = cli("communes", "vitry sur seine")
    assert result.exit_code == 0
    assert "94081" in result.stdout and "Vitry-sur-Seine" in result.stdout and "94400" in result.stdout


def test_cli_name_json(cli) -> None:
    result = cli("communes", "vitry sur seine", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["requete"] == "vitry sur seine"
    assert data["commune"]["code"] == "94081"
    assert data["commune"]["nom"] == "Vitry-sur-Seine"
    assert data["commune"]["departement"] == "94"
    assert data["commune"]["codes_postaux"] == ["94400"]
    assert data["commune"]["epci"] == "200054781"
    assert data["candidats"] == []


def test_cli_ambiguous_lists_candidates(cli) -> None:
    result = cli("communes", "St Maur")
    assert result.exit_code == 1
    assert "ambigu" in result.stdout
    assert "94068" in result.stdout and "36202" in result.stdout
    data = json.loads(cli("communes", "St Maur", "-f", "json").stdout)
    assert data["commune"] is None
    codes = [c["code"] for c in data["candidats"]]
    assert "94068" in codes and "36202" in codes
    assert len(codes) == len(set(codes)) >= 2
    # exact homonyms ("Saint-Maur") come before longer names ("Saint-Maur-des-Fossés")
    assert all(c["nom"] == "Saint-Maur" for c in data["candidats"][:codes.index("94068")])


def test_cli_ambiguous_json_exits_1(cli) -> None:
    assert cli("communes", "St Maur", "-f", "json").exit_code == 1


@pytest.mark.parametrize("query, code", [
    ("94400", "94081"),            # postal code
    ("94081", "94081"),            # INSEE code
    ("2A004", "2A004"),            # Corsica
    ("2a004", "2A004"),
    ("vitry sur sene", "94081"),   # typo
    ("Saint-Maur (94)", "94068"),  # département hint
    ("saint maur 94", "94068"),
    ("Vitry (94)", "94081"),
    ("La Garde (83)", "83062"),    # the exact name wins over La Garde-Freinet (83)
    ("SAINT MAUR DES FOSSES", "94068"),
    ("st-maur-des-fosses", "94068"),
    ("Créteil", "94028"),
    ("creteil", "94028"),
    ("75115", "75056"),            # arrondissement: its current commune
    ("75001", "75056"),            # postal code of Paris
    ("  94081 ", "94081"),
])
def test_cli_resolves(cli, query: str, code: str) -> None:
    result = cli("communes", query, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["commune"]["code"] == code


def test_cli_typo_says_it_approximated(cli) -> None:
    data = json.loads(cli("communes", "vitry sur sene", "-f", "json").stdout)
    assert "approché" in data["note"]


def test_cli_unknown_name(cli) -> None:
    result = cli("communes", "Zzyzx-les-Bains")
    assert result.exit_code == 1
    assert "Aucune commune" in result.stdout or "aucune commune" in result.stdout
    assert "Traceback" not in result.output
    data = json.loads(cli("communes", "Zzyzx-les-Bains", "-f", "json").stdout)
    assert data["commune"] is None and data["candidats"] == []
    assert "aucune commune" in data["note"]


def test_cli_unknown_code(cli) -> None:
    result = cli("communes", "99999", "-f", "json")
    assert result.exit_code == 1
    assert "99999" in json.loads(result.stdout)["note"]


def test_cli_missing_argument_is_usage_error(cli) -> None:
    result = cli("communes")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- Geo.resolve -----------------------------------------------------------------------


def test_resolve_insee_that_is_also_a_postal_code_warns(geo) -> None:
    res = geo.resolve("69003")  # INSEE of Albigny-sur-Saône, postal code of Lyon 3e
    assert res.commune is not None and res.commune.code == "69003"
    assert "code postal" in res.note


def test_resolve_shared_postal_code_gives_candidates(geo) -> None:
    shared = next(cp for cp, rows in geo.by_postal.items()
                  if len({r[0] for r in rows if r[2] == "C"}) > 1 and geo.get(cp) is None)
    res = geo.resolve(shared)
    assert res.commune is None and len(res.candidats) > 1
    assert [c.population for c in res.candidats] == sorted((c.population for c in res.candidats), reverse=True)


def test_resolve_empty(geo) -> None:
    res = geo.resolve("   ")
    assert res.commune is None and res.candidats == ()


def test_resolution_is_deterministic(geo) -> None:
    assert [c.code for c in geo.resolve("St Maur").candidats] == [c.code for c in geo.resolve("St Maur").candidats]


def test_fold() -> None:
    assert fold("Saint-Maur-des-Fossés") == "saint maur des fosses"
    assert fold("  L'Haÿ-les-Roses ") == "l hay les roses"
    assert fold("Œuilly") == "oeuilly"
    assert fold_name("St Maur") == "saint maur"
    assert fold_name("Ste-Geneviève-des-Bois") == "sainte genevieve des bois"


# --- Geo.expand ----------------------------------------------------------------------


def test_expand_departement(geo) -> None:
    communes = geo.expand(departements=["94"])
    assert len(communes) == 47
    assert all(code.startswith("94") for code in communes)
    assert {"94081", "94028", "94068"} <= communes


def test_expand_corsica(geo) -> None:
    communes = geo.expand(departements=["2A"])
    assert "2A004" in communes and all(code.startswith("2A") for code in communes)


def test_expand_epci(geo) -> None:
    mgp = geo.expand(epci=["200054781"])  # Métropole du Grand Paris
    assert {"94081", "75056", "92012"} <= mgp
    assert all(geo.get(code).epci == "200054781" for code in mgp)
    assert not any(code.startswith("77") for code in mgp)


def test_expand_ept(geo) -> None:
    ept = geo.expand(epci=["200058014"])  # EPT Grand-Orly Seine Bièvre (Vitry-sur-Seine)
    assert {"94081", "91027"} <= ept  # it spans Val-de-Marne and Essonne (Athis-Mons)
    assert {code[:2] for code in ept} == {"91", "94"}
    assert ept < geo.expand(epci=["200054781"])


def test_expand_region_and_union(geo) -> None:
    idf = geo.expand(regions=["11"])
    assert geo.expand(departements=["94", "75"]) <= idf
    union = geo.expand(communes=["94081"], departements=["2A"])
    assert union == {"94081"} | geo.expand(departements=["2A"])


def test_expand_arrondissement_to_current_commune(geo) -> None:
    assert geo.expand(communes=["75115", "75056"]) == {"75056"}


def test_expand_unknown_codes_add_nothing(geo) -> None:
    assert geo.expand(communes=["99999"], epci=["123456789"], departements=["99"], regions=["99"]) == set()
