"""`rapport` and `graphe` at national scale (issue 14.3), the national layer (issue 11.1, 11.3) and
coverage shown honestly (issue 11.3).

Fast and deterministic: the work of the overlap search is counted (`Context.counters`), never
timed. Small territories are built in memory (hundreds of services) or written in tmp_path
(same helpers as test_checks); the coverage summary is also checked on the shipped data.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from orienter.directory import graph
from orienter.directory.checks import (SITUATIONS, Context, build_report, failures,
                                       has_sourced_contact, overlaps, situation_key_types)
from orienter.directory.queries import territories_summary
from orienter.directory.scope import read_heads, related
from orienter.load.model import Publics, Service, Structure, Territoire, Zone
from orienter.load.territory import Territory
from orienter.load.workspace import Workspace, load_workspace
from orienter.store.index import Index
from test_checks import ALL4, CRETEIL, IVRY, MAISONS, RECENT, VITRY, service, structure, write_territory

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "territories"
TODAY = date.today()


# --- overlap search: linear in the services of a type ---------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Geography and vocabulary, from one tiny valid territory."""
    root = tmp_path_factory.mktemp("base")
    write_territory(root, "tiny", True, [VITRY], [])
    ws = load_workspace([root])
    assert not ws.errors, ws.errors
    return ws


def in_memory(base: Workspace, communes: list[str], zones: list[list[str]], *, type_: str = "SSIAD",
              publics: list[list[str]] | None = None, ages: list[tuple[int | None, int | None]] | None = None,
              owners: list[int] | None = None) -> tuple[Workspace, Territory]:
    """A fictional territory on `communes` with one service per zone, each of its own structure
    unless `owners` says which structure holds it."""
    by_owner: dict[int, list[Service]] = {}
    for i, zone in enumerate(zones):
        lo, hi = ages[i] if ages else (None, None)
        sv = Service(id=f"sv-{i}", nom=f"Service {i}", type=type_, besoins=["soins-infirmiers-domicile"],
                     publics=Publics(inclus=publics[i] if publics else ["seniors"], age_min=lo, age_max=hi),
                     zone=Zone(communes=zone))
        by_owner.setdefault(owners[i] if owners else i, []).append(sv)
    structures = [Structure(id=f"st-{k}", nom=f"Structure {k}", type=type_, services=svs)
                  for k, svs in sorted(by_owner.items())]
    model = Territoire(id="grand", nom="Grand territoire", fictif=True, perimetre=Zone(communes=list(communes)))
    t = Territory(model, Path("."), "territoire.yaml", structures=structures, expand=lambda: set(communes))
    return Workspace(base.geo, base.vocab, [t], [], 0, base.rules), t


def run_overlaps(ws: Workspace, t: Territory) -> tuple[list[dict[str, Any]], dict[str, int]]:
    ctx = Context(ws, Index(ws.territories, ws.geo), TODAY)
    return overlaps(ctx, t), ctx.counters


def nord(base: Workspace, n: int) -> list[str]:
    return sorted(base.geo.by_dep["59"])[:n]


def test_overlap_search_is_linear_when_every_service_overlaps(base: Workspace) -> None:
    """N services of one type on the same communes: N(N-1)/2 pairs overlap, the search does not
    look at them one by one (the work doubles when N doubles) and the finding names all N."""
    communes = nord(base, 30)
    work = {}
    for n in (100, 200, 400):
        ws, t = in_memory(base, communes, [communes] * n)
        found, counters = run_overlaps(ws, t)
        assert len(found) == 1 and len(found[0]["services"]) == n and found[0]["multiplicite_max"] == n
        assert set(found[0]["communes"]) == set(communes)
        work[n] = counters["overlap_checks"] + counters["overlap_cells"]
    assert work[200] <= 2.2 * work[100] and work[400] <= 2.2 * work[200]
    assert work[400] < 400 * 399 / 2 / 10  # far below the pairs


def test_overlap_search_is_linear_when_services_are_spread(base: Workspace) -> None:
    """N services of one type, each on its own commune: nothing overlaps and no service is ever
    compared with another; in a chain (i covers communes i and i+1) the work stays linear."""
    communes = nord(base, 401)
    ws, t = in_memory(base, communes, [[c] for c in communes[:400]])
    found, counters = run_overlaps(ws, t)
    assert found == [] and counters.get("overlap_checks", 0) == 0
    work = {}
    for n in (100, 200, 400):
        ws, t = in_memory(base, communes, [[communes[i], communes[i + 1]] for i in range(n)])
        found, counters = run_overlaps(ws, t)
        assert len(found) == 1 and len(found[0]["zones"]) == n - 1 and found[0]["multiplicite_max"] == 2
        work[n] = counters["overlap_checks"] + counters["overlap_cells"]
    assert work[200] <= 2.2 * work[100] and work[400] <= 2.2 * work[200]


def brute_force(zones: list[list[str]], publics: list[list[str]], ages: list[tuple[int | None, int | None]],
                owners: list[int]) -> dict[str, set[int]]:
    """Commune -> services that overlap another one there, by trying every pair (the reference)."""
    def meet(a: int, b: int) -> bool:
        pa, pb = set(publics[a]), set(publics[b])
        lo_a, hi_a = ages[a][0] or 0, 200 if ages[a][1] is None else ages[a][1]
        lo_b, hi_b = ages[b][0] or 0, 200 if ages[b][1] is None else ages[b][1]
        publics_meet = bool(pa & pb) or "tous-publics" in pa or "tous-publics" in pb
        return owners[a] != owners[b] and publics_meet and lo_a <= hi_b and lo_b <= hi_a

    out: dict[str, set[int]] = {}
    for a in range(len(zones)):
        for b in range(a + 1, len(zones)):
            for c in set(zones[a]) & set(zones[b]):
                if meet(a, b):
                    out.setdefault(c, set()).update({a, b})
    return out


def test_overlap_search_agrees_with_every_pair(base: Workspace) -> None:
    """Random zones, publics, age bounds and shared structures (fixed seed): the communes and
    services found are exactly those of the pairwise definition."""
    rng = random.Random(2026)
    communes = nord(base, 25)
    choices = [["seniors"], ["adultes"], ["tous-publics"], ["seniors", "aidants"], ["aidants"]]
    bounds = [(None, None), (None, None), (60, None), (None, 59), (18, 70), (75, 90)]
    for _ in range(20):
        n = rng.randint(2, 30)
        zones = [rng.sample(communes, rng.randint(1, 6)) for _ in range(n)]
        publics = [rng.choice(choices) for _ in range(n)]
        ages = [rng.choice(bounds) for _ in range(n)]
        owners = [rng.randint(0, max(1, n // 2)) for _ in range(n)]
        ws, t = in_memory(base, communes, zones, publics=publics, ages=ages, owners=owners)
        found, _ = run_overlaps(ws, t)
        got: dict[str, set[int]] = {}
        for f in found:
            assert f["nature"] == "type"
            for z in f["zones"]:
                for c in z["communes"]:
                    got.setdefault(c, set()).update(int(s.split("-")[1]) for s in z["services"])
        assert got == brute_force(zones, publics, ages, owners)


# --- the national layer ----------------------------------------------------------------------------


def write_national(root: Path) -> None:
    folder = root / "nat"
    (folder / "structures").mkdir(parents=True)
    terr = {"id": "nat", "nom": "France entière", "fictif": False, "perimetre": {"france": True},
            "sources": [{"titre": "Source", "consulte_le": RECENT}]}
    (folder / "territoire.yaml").write_text(yaml.safe_dump(terr, allow_unicode=True, sort_keys=False), "utf-8")
    lines = [
        structure("nat-c360", "C360", [service("nat-c360-ligne", "C360", [], ["accompagnement-handicap"],
                                               ["tous-publics"], zone={"france": True})], real=True),
        structure("nat-ecoute-a", "LIGNE", [service("nat-ecoute-a-ligne", "LIGNE", [], ["sante-mentale"],
                                                    ["tous-publics"], zone={"france": True})], real=True),
        structure("nat-ecoute-b", "LIGNE", [service("nat-ecoute-b-ligne", "LIGNE", [], ["sante-mentale"],
                                                    ["tous-publics"], zone={"france": True})], real=True),
    ]
    for s in lines:
        (folder / "structures" / f"{s['id']}.yaml").write_text(
            yaml.safe_dump(s, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture(scope="module")
def nat_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("national")
    write_national(root)
    # A real local territory: a CMP on Vitry and Ivry (sourced contact), a CSAPA without any
    # contact, a national line listed locally (zone france: true), and nothing for older people.
    write_territory(root, "loc", False, ALL4, [
        structure("loc-cmp", "CMP", [service("loc-cmp-adultes", "CMP", [VITRY, IVRY], ["sante-mentale"],
                                             ["adultes"])], real=True),
        structure("loc-csapa", "CSAPA", [service("loc-csapa-soins", "CSAPA", ALL4, ["addiction"], ["tous-publics"])],
                  contact=False, real=True),
        structure("loc-ligne", "LIGNE", [service("loc-ligne-ecoute", "LIGNE", [], ["sante-mentale"],
                                                 ["tous-publics"], zone={"france": True})], real=True),
    ])
    # Another département: never in the scope of `loc`.
    write_territory(root, "loin", False, ["59350"], [
        structure("loin-cmp", "CMP", [service("loin-cmp-adultes", "CMP", ["59350"], ["sante-mentale"],
                                              ["adultes"])], real=True),
    ])
    return root


@pytest.fixture(scope="module")
def nat_ws(nat_root: Path) -> Workspace:
    ws = load_workspace([nat_root])
    assert not ws.errors, ws.errors
    return ws


@pytest.fixture(scope="module")
def nat_report(nat_ws: Workspace) -> dict[str, Any]:
    return build_report(nat_ws)


def terr(report: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(t for t in report["territoires"] if t["id"] == ident)


def test_national_layer_is_no_local_coverage(nat_report: dict[str, Any]) -> None:
    loc = terr(nat_report, "loc")
    gap = next(g for g in loc["lacunes"] if g["code"] == "C360")
    assert gap["tout_le_territoire"]  # the national C360 line closes no gap...
    assert [s["id"] for s in gap["nationaux"]] == ["nat-c360-ligne"]  # ...it is named as an answer from afar
    assert next(r for r in loc["couverture_types"] if r["type"] == "C360")["part"] == 0
    national_ids = {"nat-c360-ligne", "nat-ecoute-a-ligne", "nat-ecoute-b-ligne", "loc-ligne-ecoute"}
    assert not any(s["id"] in national_ids for f in loc["chevauchements"] for s in f["services"])
    for row in loc["couverture"]["situations"]:
        assert not any(s["id"] in national_ids for s in row["exemples"])
    matrix = loc["matrice"]
    assert "LIGNE" not in [ty["code"] for ty in matrix["types"]]


def test_national_report_says_what_applies(nat_report: dict[str, Any]) -> None:
    nat = terr(nat_report, "nat")
    assert nat["national"] is True and nat["score"]["total"] is None and "Sans objet" in nat["score"]["sans_objet"]
    assert nat["chevauchements"] == [] and nat["lacunes"] == [] and nat["couverture"] is None
    assert nat["matrice"] is None and nat["synthese"]["chevauchements"] == 0  # no overlap between national lines
    assert [line["id"] for line in nat["lignes"]] == ["nat-c360-ligne", "nat-ecoute-a-ligne", "nat-ecoute-b-ligne"]
    assert all(line["contact_source"] for line in nat["lignes"])
    assert nat["contacts"]["contact_source"] == nat["contacts"]["services"] == 3
    # real territories first, the national layer after the local ones
    assert [t["id"] for t in nat_report["territoires"]] == ["loc", "loin", "nat"]
    assert failures(nat_report, [], 101) == [f"{t} : score {terr(nat_report, t)['score']['total']} inférieur au "
                                             "minimum 101" for t in ("loc", "loin")]
    assert failures({**nat_report, "territoires": [nat]}, ["lacunes", "chevauchements"], 100) == []


def test_coverage_summary_situations_and_contacts(nat_report: dict[str, Any]) -> None:
    cov = terr(nat_report, "loc")["couverture"]
    rows = {r["code"]: r for r in cov["situations"]}
    assert list(rows) == [s["code"] for s in SITUATIONS]
    psy = rows["psychiatrie-perte-logement"]
    assert psy["repond"] and [s["id"] for s in psy["exemples"]] == ["loc-cmp-adultes"]
    assert psy["communes"] == 2 and "couvre 2 commune(s) sur 4" in psy["note"]
    alcohol = rows["dependance-alcool"]  # a CSAPA, but no way to reach it
    assert not alcohol["repond"] and "loc-csapa-soins (aucun contact)" in alcohol["raison"]
    older = rows["personne-agee-chutes-memoire"]
    assert not older["repond"] and older["raison"].startswith("aucun service local de ces types (SSIAD, SAAD")
    assert cov["situations_repondues"] == 1
    assert cov["types_cles"]["liste"] == ["CMP", "CSAPA"] and cov["types_cles"]["total"] == len(situation_key_types())
    contacts = terr(nat_report, "loc")["contacts"]
    assert (contacts["services"], contacts["contact_source"]) == (3, 2)
    assert [(x["id"], x["raison"]) for x in contacts["sans_contact_source"]] == [("loc-csapa-soins", "aucun moyen de contact")]


def test_territories_summary_matches_the_report(nat_ws: Workspace, nat_report: dict[str, Any]) -> None:
    rows = {r["id"]: r for r in territories_summary(nat_ws)}
    assert rows["nat"]["couverture"] is None and rows["nat"]["national"] is True
    for ident in ("loc", "loin"):
        cov, row = terr(nat_report, ident)["couverture"], rows[ident]["couverture"]
        assert row["types_cles_presents"] == cov["types_cles"]["presents"]
        assert row["services_contact_source"] == cov["services_contact_source"]
        assert row["situations_repondues"] == cov["situations_repondues"]
        assert [s["repond"] for s in row["situations"]] == [s["repond"] for s in cov["situations"]]


def test_graph_marks_the_national_layer(nat_ws: Workspace) -> None:
    g = graph.build_graph(nat_ws, territoire="nat")
    assert g.nodes["territoire:nat"]["national"] is True and "couche nationale" in g.nodes["territoire:nat"]["label"]
    assert all(d["national"] for _, d in g.nodes(data=True) if d["kind"] in ("structure", "service"))
    g = graph.build_graph(nat_ws, territoire="loc")
    services = {d["ident"]: d for _, d in g.nodes(data=True) if d["kind"] == "service"}
    assert not services["loc-cmp-adultes"]["national"] and services["loc-ligne-ecoute"]["national"]
    assert not any(ident.startswith("nat-") for ident in services)


def test_scope_reads_the_territories_that_meet(nat_root: Path, nat_ws: Workspace) -> None:
    heads = read_heads([nat_root])
    assert related(heads, "loc", nat_ws.geo) == ["loc", "nat"]
    assert related(heads, "loc", nat_ws.geo, national=False) == ["loc"]
    assert related(heads, "nat", nat_ws.geo) == ["nat"]
    assert related(heads, "inconnu", nat_ws.geo) is None


# --- shipped data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> tuple[Workspace, dict[str, Any]]:
    ws = load_workspace([SHIPPED])
    return ws, build_report(ws)


@pytest.mark.donnees_livrees
def test_shipped_coverage_is_shown_honestly(shipped: tuple[Workspace, dict[str, Any]]) -> None:
    ws, report = shipped
    services = {sv.id: (s, sv) for t in ws.territories for s in t.structures for sv in s.services}
    national = {sv.id for t in ws.territories for s in t.structures for sv in s.services
                if t.national or (sv.zone and sv.zone.france)}
    assert national  # the national layer is shipped
    real_local = [t for t in report["territoires"] if not t["fictif"] and not t["national"]]
    assert len(real_local) >= 5
    for t in real_local:
        cov = t["couverture"]
        keys = cov["types_cles"]
        assert keys["presents"] + len(keys["absents"]) == keys["total"] == len(situation_key_types())
        assert [r["code"] for r in cov["situations"]] == [s["code"] for s in SITUATIONS]
        for row in cov["situations"]:
            if row["repond"]:
                assert row["exemples"] and not row.get("raison")
                for ref in row["exemples"]:
                    assert ref["id"] not in national
                    assert has_sourced_contact(*services[ref["id"]]), ref["id"]
            else:
                assert row["raison"] and not row["exemples"]
        assert 0 <= t["contacts"]["contact_source"] <= t["contacts"]["services"]
        c360 = next(r for r in t["couverture_types"] if r["type"] == "C360")
        assert c360["services"] == 0 or t["id"].startswith(("hauts-de-seine", "val-de-marne"))
    nat = next(t for t in report["territoires"] if t["national"])
    assert nat["score"]["total"] is None and nat["chevauchements"] == [] and nat["couverture"] is None


@pytest.mark.donnees_livrees
def test_shipped_report_of_one_territory_equals_its_part_of_the_whole(cli: Any) -> None:
    """`rapport T` reads T's scope only (T, the territories whose perimeter meets it, the national
    layer) and says the same about T as `rapport` over everything."""
    res = cli("rapport", "--donnees", SHIPPED, "--format", "json")
    assert res.exit_code == 0, res.output
    whole = json.loads(res.stdout)
    for ident in ("val-de-marne-ouest", "val-de-marne", "sud-est-grenoblois", "national"):
        res = cli("rapport", ident, "--donnees", SHIPPED, "--format", "json")
        assert res.exit_code == 0, res.output
        alone = json.loads(res.stdout)["territoires"]
        assert [t["id"] for t in alone] == [ident]
        assert alone[0] == terr(whole, ident), ident


# --- command line ----------------------------------------------------------------------------------


def test_cli_national_report_and_thresholds(cli: Any, nat_root: Path) -> None:
    res = cli("rapport", "nat", "--donnees", nat_root, "--format", "json", "--min-score", "100",
              "--fail-on", "gaps,overlaps")
    assert res.exit_code == 0, res.output  # no score, no gap, no overlap: no threshold applies
    data = json.loads(res.stdout)
    assert data["schema"] == "orienter/rapport@2" and data["territoires"][0]["score"]["total"] is None
    text = cli("rapport", "nat", "--donnees", nat_root)
    assert text.exit_code == 0 and "Sans objet pour la couche nationale" in text.stdout
    assert "Lignes et services nationaux" in text.stdout and "s.o." in text.stdout
    md = cli("rapport", "--donnees", nat_root, "--format", "markdown")
    assert md.exit_code == 0 and "### Couche nationale" in md.stdout and "### Quatre situations" in md.stdout
    local = cli("rapport", "loc", "--donnees", nat_root)
    assert local.exit_code == 0 and "Quatre situations" in local.stdout and "(aucun contact)" in local.stdout
    assert "à distance (couche nationale" in local.stdout


def test_cli_whole_report_is_streamed_as_json_dump_would_write_it(cli: Any, nat_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = cli("rapport", "--donnees", nat_root, "--output", out, "--min-score", "100")
    assert res.exit_code == 1 and "Rapport écrit" in res.stderr and "loc : score" in res.stderr
    assert "nat :" not in res.stderr
    here = load_workspace([nat_root])  # read from the same folder as the command: same relative paths
    expected = json.dumps(build_report(here), ensure_ascii=False, indent=2, default=str) + "\n"
    assert out.read_text("utf-8") == expected


def test_cli_territoires_shows_coverage(cli: Any, nat_root: Path) -> None:
    rows = json.loads(cli("territoires", "--donnees", nat_root, "--format", "json").stdout)
    by_id = {r["id"]: r for r in rows}
    assert by_id["nat"]["couverture"] is None
    assert by_id["loc"]["couverture"]["situations_repondues"] == 1
    text = cli("territoires", "--donnees", nat_root)
    assert text.exit_code == 0, text.output
    assert "s.o." in text.stdout and "Contacts sourcés" in text.stdout
    assert "loc — Personne dépendante à l'alcool" in text.stdout  # why not, said plainly


def test_cli_graph_and_report_of_a_territory_read_its_scope(cli: Any, nat_root: Path) -> None:
    res = cli("graphe", "loc", "--donnees", nat_root, "--format", "json")
    assert res.exit_code == 0, res.output
    kinds = {n["ident"] for n in json.loads(res.stdout)["nodes"] if n["kind"] == "structure"}
    assert kinds == {"loc-cmp", "loc-csapa", "loc-ligne"}
    unknown = cli("rapport", "inconnu", "--donnees", nat_root)
    assert unknown.exit_code == 1 and "inconnu" in unknown.stderr and "loc" in unknown.stderr


def test_fictional_territory_counts_other_fictional_territories_through_the_cli(cli: Any, tmp_path: Path) -> None:
    """`rapport ta` reads ta and tb (their perimeters meet) but not tr (real): tb's CMP on Vitry
    still counts for ta, as in the report over everything (test_checks)."""
    root = tmp_path / "d"
    write_territory(root, "ta", True, ALL4, [])
    write_territory(root, "tb", True, [VITRY], [
        structure("b-cmp", "CMP", [service("b-cmp-adultes", "CMP", [VITRY], ["sante-mentale"], ["adultes"])])])
    write_territory(root, "tr", False, ALL4, [
        structure("r-cmp", "CMP", [service("r-cmp-adultes", "CMP", ALL4, ["sante-mentale"], ["adultes"])], real=True)])
    res = cli("rapport", "ta", "--donnees", root, "--format", "json")
    assert res.exit_code == 0, res.output
    gap = next(g for g in json.loads(res.stdout)["territoires"][0]["lacunes"] if g["code"] == "CMP")
    assert set(gap["communes"]) == {IVRY, CRETEIL, MAISONS}
    assert related(read_heads([root]), "ta", load_workspace([root]).geo) == ["ta", "tb"]


def test_progress_counts_territories_and_stays_off_a_pipe(cli: Any, nat_root: Path, nat_ws: Workspace,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from orienter.directory.checks import prepare_report, territory_reports
    from orienter.core import progress

    bar = progress.Progress("Rapport", stream=io.StringIO(), force=True)
    monkeypatch.setattr(progress, "_current", bar)
    _, ctx, chosen = prepare_report(nat_ws)
    seen = [(bar.done, t["id"]) for t in territory_reports(ctx, chosen)]
    assert [i for i, _ in seen] == [0, 1, 2] and (bar.done, bar.total) == (3, 3)
    monkeypatch.setattr(progress, "_current", None)
    res = cli("rapport", "--donnees", nat_root, "--format", "json")  # standard error is not a terminal
    assert res.exit_code == 0 and "\x1b" not in res.stderr and "Rapport :" not in res.stderr
