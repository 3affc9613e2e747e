"""The territory graph (`orienter graphe`) on the small territories of test_checks, plus one with
hostile names: quotes, brackets, pipes, HTML, a structure called `end`, ids that collide once
sanitised. Every Mermaid line must match the small flowchart grammar the exporter emits."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from orienter.directory import graph
from orienter.core.diagnostics import OrienterError
from orienter.load.workspace import Workspace, load_workspace
from test_checks import ALL4, IVRY, VITRY, service, structure, territory_a, write_territory

TRICKY = 'CMP "Les Cèdres" [adultes] (secteur {1}) | <b>#1</b> `x`; fin'


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("graphe")
    write_territory(root, "ta", True, ALL4, territory_a())
    write_territory(root, "tb", True, [VITRY], [
        structure("b-cmp", "CMP", [service("b-cmp-adultes", "CMP", [VITRY], ["sante-mentale"], ["adultes"])]),
    ])
    write_territory(root, "tr", False, ALL4, [
        structure("r-cmp", "CMP", [service("r-cmp-adultes", "CMP", ALL4, ["sante-mentale"], ["adultes"])], real=True),
    ])
    write_territory(root, "tq", True, [VITRY], [
        structure("end", "CMP", [service("end-cmp", "CMP", [VITRY], ["sante-mentale"], ["adultes"])], nom=TRICKY),
        structure("q-x", "CSAPA", [service("q-x-1", "CSAPA", [VITRY], ["addiction"], ["tous-publics"])],
                  nom="Équipe [test] « guillemets »", partenaires=["q_x"]),
        structure("q_x", "CSAPA", [], nom='Autre "équipe"'),
    ])
    return root


@pytest.fixture(scope="module")
def ws(root: Path) -> Workspace:
    w = load_workspace([root])
    assert not w.errors, w.errors
    return w


def edges(g: Any) -> set[tuple[str, str, str]]:
    return {(u, v, k) for u, v, k in g.edges(keys=True)}


def kinds(g: Any, kind: str) -> set[str]:
    return {d["ident"] for _, d in g.nodes(data=True) if d["kind"] == kind}


def test_nodes_and_relations(ws: Workspace) -> None:
    g = graph.build_graph(ws, territoire="ta")
    assert kinds(g, "territoire") == {"ta"}
    assert "a-maia" in kinds(g, "structure") and "a-had-soins" in kinds(g, "service")
    assert {"coordination-parcours", "soutien-aidants"} <= kinds(g, "besoin")
    assert {"DAC", "SSIAD", "SAD", "MAIA"} <= kinds(g, "type")
    assert {
        ("territoire:ta", "structure:a-dac", "comprend"),
        ("structure:a-dac", "service:a-dac-appui", "propose"),
        ("service:a-dac-appui", "besoin:coordination-parcours", "repond_a"),
        ("service:a-dac-appui", "type:DAC", "de_type"),
        ("structure:a-maia", "structure:a-dac", "absorbee_par"),
        ("structure:a-maia", "structure:a-dac", "partenaire_de"),
        ("structure:a-clic", "structure:a-ccas-1", "porte_par"),
    } <= edges(g)
    assert g.nodes["structure:a-maia"]["statut"] == "actif" and g.graph["fictif"] is True
    assert "FICTIF" in g.nodes["territoire:ta"]["label"]
    assert not kinds(graph.build_graph(ws, territoire="ta", types=False), "type")


def test_filter_need_and_commune(ws: Workspace) -> None:
    g = graph.build_graph(ws, besoin="soins-infirmiers-domicile", commune="Ivry-sur-Seine")
    assert kinds(g, "service") == {"a-ssiad-1-soins", "a-ssiad-2-soins"}  # the SAD is in Créteil
    assert kinds(g, "structure") == {"a-ssiad-1", "a-ssiad-2"}
    assert kinds(g, "besoin") == {"soins-infirmiers-domicile"}
    assert kinds(g, "commune") == {IVRY}
    assert ("service:a-ssiad-1-soins", f"commune:{IVRY}", "intervient_a") in edges(g)
    g = graph.build_graph(ws, besoin="sante-mentale", commune=VITRY)
    assert kinds(g, "service") == {"b-cmp-adultes", "r-cmp-adultes", "end-cmp"}
    g = graph.build_graph(ws, territoire="tb", besoin="sante-mentale", commune="94081")
    assert kinds(g, "service") == {"b-cmp-adultes"} and kinds(g, "territoire") == {"tb"}
    assert "besoin=sante-mentale" in g.graph["titre"] and "Vitry-sur-Seine" in g.graph["titre"]


def test_filter_errors_are_french(ws: Workspace) -> None:
    with pytest.raises(OrienterError, match="prevention-chutes"):
        graph.build_graph(ws, besoin="prevention-chute")
    with pytest.raises(OrienterError, match="introuvable|ambigu"):
        graph.build_graph(ws, commune="Zzyzxville")


# --- Mermaid ------------------------------------------------------------------------------------

_ID = r"[a-z]{2}_[A-Za-z0-9_]+"
_LABEL = r'"[^"\[\](){}|<>`]*"'
MERMAID = [re.compile(p + r"$") for p in (
    r"---",
    r'title: "[^"\\]*"',
    r"%% [^\n]*",
    r"flowchart LR",
    rf"    {_ID}(\[\[{_LABEL}\]\]|\[{_LABEL}\]|\({_LABEL}\)|\(\[{_LABEL}\]\)|\{{\{{{_LABEL}\}}\}}|\(\({_LABEL}\)\))",
    rf"    {_ID} (-->|-\.->)\|{_LABEL}\| {_ID}",
    r"    classDef [a-z]+ [a-z-]+:[^,;\s]+(,[a-z-]+:[^,;]+)*",
    rf"    class {_ID}(,{_ID})* [a-z]+",
)]


def check_mermaid(text: str) -> None:
    lines = text.rstrip("\n").split("\n")
    assert lines[:3] == ["---", lines[1], "---"] and lines[1].startswith("title: ")
    assert [ln for ln in lines if not ln.startswith(" ")].count("flowchart LR") == 1
    declared: set[str] = set()
    for ln in lines:
        assert any(p.match(ln) for p in MERMAID), f"ligne Mermaid invalide : {ln!r}"
        node = re.match(rf"    ({_ID})[\[({{]", ln)
        if node:
            assert node.group(1) not in declared, f"nœud déclaré deux fois : {ln!r}"
            declared.add(node.group(1))
    for ln in lines:
        edge = re.match(rf"    ({_ID}) \S+ \|[^|]*\| ({_ID})$", ln)
        if edge:
            assert {edge.group(1), edge.group(2)} <= declared, ln
        cls = re.match(r"    class (\S+) ", ln)
        if cls:
            assert set(cls.group(1).split(",")) <= declared, ln


def test_mermaid_is_valid_with_hostile_names(ws: Workspace) -> None:
    text = graph.to_mermaid(graph.build_graph(ws))
    check_mermaid(text)
    assert 'st_end["CMP #quot;Les Cèdres#quot; #91;adultes#93; #40;secteur #123;1#125;#41; #124; ' \
           '#lt;b#gt;#35;1#lt;/b#gt; #96;x#96;; fin"]' in text
    assert "st_q_x[" in text and "st_q_x_2[" in text  # q-x and q_x stay two nodes
    assert "st_q_x -.->|\"partenaire de\"| st_q_x_2" in text
    assert "%% FICTIF" in text
    check_mermaid(graph.to_mermaid(graph.build_graph(ws, besoin="aide-sociale", commune=IVRY)))  # empty graph


def test_mermaid_ids_unique_and_safe() -> None:
    g = nx.MultiDiGraph()
    for ident in ("a-b", "a_b", "a.b", "end", "o"):
        g.add_node(f"structure:{ident}", kind="structure", ident=ident, label=ident)
    ids = graph.mermaid_ids(g)
    assert len(set(ids.values())) == 5
    assert all(re.fullmatch(r"st_[A-Za-z0-9_]+", i) for i in ids.values())


# --- DOT, GraphML, JSON, CLI ----------------------------------------------------------------------

_DQ = r'"(?:[^"\\]|\\.)*"'
DOT = [re.compile(p + r"$") for p in (
    r"digraph orienter \{",
    rf"  graph \[rankdir=LR, labelloc=t, label={_DQ}\];",
    r"  (node|edge) \[[^\]]*\];",
    rf"  {_DQ} \[label={_DQ}, [^\n]*\];",
    rf"  {_DQ} -> {_DQ} \[label={_DQ}(, style=dashed)?\];",
    r"\}",
)]


def test_dot_lines(ws: Workspace) -> None:
    text = graph.to_dot(graph.build_graph(ws))
    declared: set[str] = set()
    for ln in text.rstrip("\n").split("\n"):
        assert any(p.match(ln) for p in DOT), f"ligne DOT invalide : {ln!r}"
        m = re.match(rf"  ({_DQ}) \[label=", ln)
        if m:
            declared.add(m.group(1))
        e = re.match(rf"  ({_DQ}) -> ({_DQ})", ln)
        if e:
            assert {e.group(1), e.group(2)} <= declared
    assert r'label="CMP \"Les Cèdres\" [adultes]' in text


def test_cli_exports(cli: Any, root: Path, tmp_path: Path, ws: Workspace) -> None:
    expected = graph.build_graph(ws, territoire="ta")
    mermaid = cli("graphe", "ta", "--donnees", root, "--format", "mermaid")
    assert mermaid.exit_code == 0, mermaid.output
    check_mermaid(mermaid.stdout)

    dot = cli("graphe", "ta", "--donnees", root, "-f", "dot")
    assert dot.exit_code == 0 and dot.stdout.startswith("digraph orienter {")

    out = tmp_path / "ta.graphml"
    res = cli("graphe", "ta", "--donnees", root, "--output", out)  # format from the extension
    assert res.exit_code == 0, res.output
    read = nx.read_graphml(out)
    assert read.number_of_nodes() == expected.number_of_nodes()
    assert read.number_of_edges() == expected.number_of_edges()
    assert read.nodes["structure:a-maia"]["kind"] == "structure"
    again = cli("graphe", "ta", "--donnees", root, "--output", out)
    assert again.exit_code == 2 and "existe déjà" in again.stderr
    assert cli("graphe", "ta", "--donnees", root, "--output", out, "--force").exit_code == 0

    js = cli("graphe", "ta", "--donnees", root, "--format", "json", "--besoin", "soins-infirmiers-domicile",
             "--commune", "Ivry-sur-Seine")
    assert js.exit_code == 0, js.output
    data = json.loads(js.stdout)
    assert data["schema"] == "orienter/graphe@1" and data["graph"]["bandeau"].startswith("FICTIF")
    back = nx.node_link_graph(data, edges="edges")
    assert {d["ident"] for _, d in back.nodes(data=True) if d["kind"] == "service"} == {
        "a-ssiad-1-soins", "a-ssiad-2-soins"}

    tree = cli("graphe", "ta", "--donnees", root)
    assert tree.exit_code == 0 and "FICTIF" in tree.stdout and "absorbée par" in tree.stdout
    bad = cli("graphe", "--donnees", root, "--besoin", "nimporte")
    assert bad.exit_code == 1 and "inconnu" in bad.stderr
    assert cli("graphe", "--donnees", root, "-o", tmp_path / "g.png").exit_code == 2
