"""The national layer (issue 11): lines and services with one entry point for all of France,
offered in every commune, after the local services that answer the same need, and never
counted as a local territory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from orienter.cli.app import app

runner = CliRunner()
IDEAS = "homme de 45 ans, idées noires, parle de mourir, pas de plan, vit seul"
VIOLENCE = "femme de 35 ans, victime de violences conjugales, pas de danger immédiat ce soir, cherche de l'aide"


def suggest(commune: str, text: str, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["suggest", "--commune", commune, "--format", "json", *extra, text])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("commune", ["92050", "38151", "13055", "97411"])  # Nanterre, Échirolles, Marseille, Saint-Denis (La Réunion)
def test_every_commune_gets_the_national_lines(commune: str) -> None:
    data = suggest(commune, IDEAS)
    lines = [s for s in data["suggestions"] if s["national"]]
    assert any("3114" in (s["contact"]["telephone"] or "") for s in lines), data["suggestions"]
    assert all(s["national"] or s["territoire"] != "national" for s in data["suggestions"])


def test_a_commune_outside_every_territory_is_told_so() -> None:
    data = suggest("13055", VIOLENCE)
    assert any("Aucun territoire local" in w for w in data["avertissements"])
    assert any("3919" in (s["contact"]["telephone"] or "") for s in data["suggestions"])


def test_a_line_meant_for_others_is_not_offered() -> None:
    """Fil Santé Jeunes is for young people, Unafam's line for families: not for this man."""
    names = [s["structure"]["nom"] for s in suggest("13055", IDEAS)["suggestions"]]
    assert not any("Fil Santé Jeunes" in n or "Unafam" in n for n in names), names


def test_local_service_comes_before_a_national_line_for_the_same_need() -> None:
    data = suggest("45234", "alcoolodépendant, veut arrêter de boire, 50 ans")
    ranked = [(s["national"], set(s["besoins_servis"])) for s in data["suggestions"]]
    for i, (national, needs) in enumerate(ranked):
        if national:
            assert not any(not nat and needs & other for nat, other in ranked[i + 1:]), data["suggestions"]


def test_national_layer_never_masks_the_training_territory() -> None:
    """The national layer is real, but it is not a local territory: in the Loiret the fictional
    training territory still answers (with its banner)."""
    data = suggest("45234", "Femme de 84 ans, vit seule, chutes répétées, troubles de mémoire, fille épuisée")
    assert any(s["fictif"] for s in data["suggestions"])
    assert data["territoire"]["id"] == "fictif-loiret"


def test_one_commune_scan_and_the_index_find_the_same_services() -> None:
    """`covering` answers a first commune by looking at each zone, later ones with the index:
    both must agree, exclusions, EPCI, former communes and the national layer included."""
    from orienter.core.paths import bundled_data
    from orienter.load.workspace import load_workspace
    from orienter.store.index import Index

    ws = load_workspace([bundled_data()])
    named = {c for t in ws.territories for s in t.structures for sv in s.services if sv.zone
             for c in [*sv.zone.communes, *(sv.zone.exclus.communes if sv.zone.exclus else [])]}
    every = ws.geo.all_current()
    codes = sorted({ws.geo.current(c).code for code in named if (c := ws.geo.get(code))}
                   | {"75056", "13055", "69123", "2A004", "97411"} | set(every[::150]))
    communes = [ws.geo.get(code) for code in codes]
    assert len(communes) > 100
    indexed = Index(ws.territories, ws.geo)
    indexed.covering(communes[0])
    for commune in communes:
        by_scan = [id(e.service) for e in Index(ws.territories, ws.geo).covering(commune)]
        by_index = [id(e.service) for e in indexed._indexed(commune)]
        assert by_scan == by_index, commune.libelle
