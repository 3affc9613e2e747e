"""Hostile and arbitrary input never raises: it gives data or located diagnostics (issue 6).

Property-based (hypothesis) on the loader, the commune resolver, validation, the matcher and the
engine; explicit cases for what an attacker or an unlucky export produces: YAML bombs, huge,
binary and NUL-ridden files, deep nesting in block and flow style, Unicode in NFC and NFD
forms, emoji.

Profiles: "ci" (default: 50 examples, derandomized, so CI is reproducible) and "long"
(`HYPOTHESIS_PROFILE=long pytest tests/test_robustness.py`, 5000 examples, random).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import tracemalloc
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orienter.core.diagnostics import CODES, Diagnostic, OrienterError
from orienter.load.geo import Resolution, load_geo
from orienter.core.limits import MAX_FILE_BYTES
from orienter.load.yamlsafe import MAX_DEPTH, Document, load_yaml, load_yaml_bytes, load_yaml_text
from orienter.core.paths import rules_dir
from orienter.load.vocabulary import load_vocabulary

settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

RECENT = (date.today() - timedelta(days=3)).isoformat()
TERRITOIRE = "id: t-robuste\nnom: Territoire de test\nfictif: true\nperimetre:\n  departements: [\"94\"]\n"


def check_located(diags: list[Diagnostic], name: str | None = None) -> None:
    for d in diags:
        assert isinstance(d, Diagnostic)
        assert d.code in CODES, d
        assert d.line >= 1 and d.col >= 1, d
        assert d.message.strip(), d
        if name is not None:
            assert d.file == name, d


def check_load(result: tuple[Document | None, list[Diagnostic]], name: str) -> None:
    doc, diags = result
    check_located(diags, name)
    if doc is None:
        assert diags, "a refused document must say why"
    else:
        assert isinstance(doc, Document)


@pytest.fixture(scope="module")
def vocab() -> Any:
    return load_vocabulary(rules_dir())[0]


def validate_tree(files: dict[str, str | bytes], vocab: Any) -> list[Diagnostic]:
    """Write a territory with these structure files in a fresh folder and validate it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "t"
        (root / "structures").mkdir(parents=True)
        (root / "territoire.yaml").write_text(TERRITOIRE, encoding="utf-8")
        for rel, content in files.items():
            path = root / "structures" / rel
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        from orienter.load.workspace import load_workspace

        result = load_workspace([root], today=date.today(), cache=False)
    check_located(result.diagnostics)
    return result.diagnostics


# --- loader ---------------------------------------------------------------------------------

YAMLISH = st.lists(st.sampled_from(list("-:[]{},&*!|>'\"#%@`?\n\t ab0.~<=") + ["\u00e9", "e\u0301",
                                                                                  "\U0001f600", "\x00"]),
                   max_size=200).map("".join)


@given(st.text(max_size=400))
def test_load_text_never_raises(text: str) -> None:
    check_load(load_yaml_text(text, "f.yaml"), "f.yaml")


@given(YAMLISH)
def test_load_yaml_like_text_never_raises(text: str) -> None:
    check_load(load_yaml_text(text, "f.yaml"), "f.yaml")


@given(st.binary(max_size=400))
def test_load_bytes_never_raises(raw: bytes) -> None:
    check_load(load_yaml_bytes(raw, "f.yaml"), "f.yaml")


@given(st.lists(st.sampled_from([b"a: ", b"- ", b"[", b"]", b"{", b"}", b"&x ", b"*x", b"\n", b"  ", b"\xc3\xa9",
                                 b"\xe9", b"\xef\xbb\xbf", b"\x00", b"!!python/object ", b"<<: ", b"'", b'"',
                                 b"01000", b"10:30", b"NO"]), max_size=60).map(b"".join))
def test_load_yaml_fragments_never_raise(raw: bytes) -> None:
    check_load(load_yaml_bytes(raw, "f.yaml"), "f.yaml")


# --- geography ------------------------------------------------------------------------------


@given(st.text(max_size=60))
def test_resolve_never_raises(query: str) -> None:
    geo = load_geo()
    res = geo.resolve(query)
    assert isinstance(res, Resolution)
    if res.commune is not None:
        assert geo.get(res.commune.code) is not None
    assert all(geo.get(c.code) is not None for c in res.candidats)


@given(st.from_regex(r"[0-9AaBb ,()]{1,12}", fullmatch=True))
def test_resolve_codes_never_raise(query: str) -> None:
    assert isinstance(load_geo().resolve(query), Resolution)


# --- validation -----------------------------------------------------------------------------

CODES_ = st.sampled_from(["94081", "94", "2A", "974", "200054781", "75056", "75112", "00000", "", "x", "94 081"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=20), st.dates(), CODES_)
ANY = st.recursive(SCALARS, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                   st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                   max_leaves=20)
IDENT = st.one_of(st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True), st.text(max_size=10))
ZONE = st.dictionaries(st.sampled_from(["communes", "epci", "departements", "regions", "exclus", "commune"]),
                       st.one_of(st.lists(CODES_, max_size=4), ANY), max_size=3)
SERVICE = st.fixed_dictionaries(
    {"id": IDENT, "nom": st.text(max_size=20), "type": st.sampled_from(["DAC", "SSIAD", "CMP", "XYZ", ""])},
    optional={"besoins": st.lists(st.sampled_from(["coordination-parcours", "repit", "inconnu"]), max_size=3),
              "publics": st.fixed_dictionaries({}, optional={
                  "inclus": st.lists(st.sampled_from(["tous-publics", "seniors", "nope"]), max_size=2),
                  "age_min": st.one_of(st.integers(-5, 200), SCALARS), "age_max": st.integers(-5, 200),
                  "accueil": st.sampled_from(["inconditionnel", "exclusif", "autre"])}),
              "acces": st.dictionaries(st.sampled_from(["prescription", "orienteurs", "conditions", "x"]), ANY,
                                       max_size=2),
              "zone": ZONE, "modes": st.lists(st.sampled_from(["telephone", "sur_place", "fax"]), max_size=2),
              "suspension": st.fixed_dictionaries({"du": st.dates()}, optional={"au": st.dates()}),
              "inconnu": ANY})
STRUCTURE = st.fixed_dictionaries(
    {"id": IDENT, "nom": st.text(max_size=30)},
    optional={"type": st.sampled_from(["DAC", "MAIA", "CPTS", "??"]), "nature": st.text(max_size=10),
              "identifiants": st.fixed_dictionaries({}, optional={
                  "finess": st.lists(st.from_regex(r"[0-9AB]{8,10}", fullmatch=True), max_size=2),
                  "siret": st.from_regex(r"[0-9]{13,15}", fullmatch=True)}),
              "adresse": st.fixed_dictionaries({}, optional={"commune": CODES_, "code_postal": CODES_}),
              "contact": st.dictionaries(st.sampled_from(["telephone", "courriel", "source", "fax"]), SCALARS,
                                         max_size=3),
              "statut": st.sampled_from(["actif", "absorbe", "ferme", "mort"]),
              "porteur": IDENT, "partenaires": st.lists(IDENT, max_size=3),
              "absorbee_par": st.fixed_dictionaries({"structure": IDENT, "depuis": st.dates()}),
              "verification": st.fixed_dictionaries({}, optional={
                  "derniere_verification": st.dates(), "frequence_revue_mois": st.integers(-1, 100)}),
              "services": st.lists(SERVICE, max_size=3), "fictif": st.booleans(), "cle-inconnue": ANY})


@given(data=st.one_of(STRUCTURE, st.lists(STRUCTURE, max_size=3), ANY))
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_validation_of_arbitrary_structures_never_raises(vocab: Any, data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    validate_tree({"s.yaml": text}, vocab)


@given(text=YAMLISH)
def test_validation_of_arbitrary_text_never_raises(vocab: Any, text: str) -> None:
    validate_tree({"s.yaml": text.replace("\x00", "")}, vocab)


# --- explicit hostile files -----------------------------------------------------------------


def codes_of(text: str | bytes) -> list[str]:
    res = load_yaml_bytes(text, "f.yaml") if isinstance(text, bytes) else load_yaml_text(text, "f.yaml")
    check_load(res, "f.yaml")
    return [d.code for d in res[1]]


def test_billion_laughs_is_refused_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    assert codes_of("\n".join(lines) + "\n") == ["O008"]
    assert time.perf_counter() - start < 2


def test_quadratic_blowup_and_recursive_alias_are_refused() -> None:
    wide = "a: &a [" + ",".join(["x"] * 5000) + "]\nb: [" + ",".join(["*a"] * 5000) + "]\n"
    assert codes_of(wide) == ["O008"]
    assert codes_of("a: &a [*a]\n")[0] in {"O005", "O008"}


def test_bomb_inside_a_territory_is_a_diagnostic(vocab: Any) -> None:
    bomb = "id: x\nnom: y\na: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"b{i}: &b{i} [" + ",".join([f"*{'a' if i == 0 else f'b{i - 1}'}"] * 10) + "]\n" for i in range(8))
    assert [d.code for d in validate_tree({"bombe.yaml": bomb}, vocab)] == ["O008"]


def test_fifty_megabyte_file_is_refused_without_reading_it(tmp_path: Path, vocab: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "t" / "structures" / "enorme.yaml"
    big.parent.mkdir(parents=True)
    (tmp_path / "t" / "territoire.yaml").write_text(TERRITOIRE, encoding="utf-8")
    chunk = b"cle: valeur\n" * (1 << 16)
    with open(big, "wb") as f:
        while f.tell() < 50 * 1024 * 1024:
            f.write(chunk)
    assert big.stat().st_size > MAX_FILE_BYTES
    monkeypatch.setenv("ORIENTER_CACHE", str(tmp_path / "cache"))
    from orienter.load.workspace import load_workspace

    load_geo()
    tracemalloc.start()
    try:
        start = time.perf_counter()
        doc, diags = load_yaml(big, "enorme.yaml")
        ws = load_workspace([tmp_path / "t"], today=date.today())  # the cache key must not read it either
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc is None and [d.code for d in diags] == ["O004"]
    assert [d.code for d in ws.diagnostics if d.file.endswith("enorme.yaml")] == ["O004"]
    assert peak < 10 * 1024 * 1024, f"{peak / 1e6:.1f} Mo alloués : le fichier a été lu"
    assert elapsed < 5


@pytest.mark.parametrize("raw, code", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "O003"),
    (bytes(range(128, 256)) * 4, "O002"),
    (b"id: a\nnom: b\x00c\n", "O003"),
    (b"\x00" * 1000, "O003"),
    ("nom: Cr\u00e9teil\n".encode("cp1252"), "O002"),
])
def test_binary_and_nul_bytes(raw: bytes, code: str) -> None:
    assert codes_of(raw) == [code]


def test_nul_byte_is_located() -> None:
    _, diags = load_yaml_bytes(b"id: a\nnom: b\x00c\n", "f.yaml")
    assert (diags[0].line, diags[0].col, diags[0].code) == (2, 7, "O003")


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,                               # flow sequences
    "{a: " * 50_000 + "b" + "}" * 50_000,                        # flow mappings
    "- " * 100_000 + "x\n",                                      # compact block sequences, one line
    "".join(" " * (2 * i) + "a:\n" for i in range(2_000)) + " " * 4000 + "x\n",  # indented block mappings
    "[" * 100_000,                                               # unclosed, deep
    "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n",  # just past the limit, below the scan bound
])
def test_deep_nesting_is_refused(text: str) -> None:
    start = time.perf_counter()
    found = codes_of(text)
    assert found and found[0] in {"O009", "O005"}, found
    assert time.perf_counter() - start < 5


def test_nesting_within_the_limit_is_accepted() -> None:
    depth = MAX_DEPTH - 2
    doc, diags = load_yaml_text("a: " + "[" * depth + "1" + "]" * depth + "\n", "f.yaml")
    assert doc is not None and not diags


def test_deep_nesting_inside_a_territory(vocab: Any) -> None:
    assert [d.code for d in validate_tree({"p.yaml": "- " * 50_000 + "x\n"}, vocab)] == ["O009"]


SPECIAL = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from orienter.load.yamlsafe import load_yaml
doc, diags = load_yaml(Path(sys.argv[1]), "x.yaml")
print(" ".join(d.code for d in diags))
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"), reason="POSIX")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_special_files_are_refused(tmp_path: Path, kind: str) -> None:
    """A symlink to /dev/zero or a FIFO named *.yaml (a hostile pull request can add either)."""
    import subprocess
    import sys

    path = tmp_path / "x.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    try:
        proc = subprocess.run([sys.executable, "-c", SPECIAL, str(path)], check=False, capture_output=True, text=True,
                              timeout=2)
    except subprocess.TimeoutExpired:
        pytest.fail("load_yaml bloque")
    assert proc.returncode == 0, proc.stderr[-300:]
    assert proc.stdout.split() and proc.stdout.split()[0].startswith("O00")


# --- Unicode ----------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Créteil", "Cre\u0301teil", unicodedata.normalize("NFD", "CRÉTEIL"),
                                   "cre\u0301teil (94)"])
def test_commune_in_nfd_resolves(query: str) -> None:
    res = load_geo().resolve(query)
    assert res.commune is not None and res.commune.code == "94028", res


def test_nfd_and_emoji_in_names_validate(vocab: Any) -> None:
    nom = unicodedata.normalize("NFD", "Équipe mobile gériatrique de Créteil") + " 🏥👵🏽"
    structure = (f"id: emg-creteil\nnom: \"{nom}\"\ntype: EMG\nsources:\n  - titre: Test 🧪\n"
                 f"    consulte_le: {RECENT}\nverification:\n  derniere_verification: {RECENT}\n"
                 f"services:\n  - id: emg-creteil-s1\n    nom: \"Évaluation à domicile 🏠 — {nom}\"\n"
                 "    type: EMG\n    zone:\n      communes: [\"94028\"]\n")
    diags = validate_tree({"emg.yaml": structure}, vocab)
    assert not [d for d in diags if d.level == "error"], diags
    doc, _ = load_yaml_text(structure, "emg.yaml")
    assert doc is not None and doc.data["nom"] == nom  # kept as written, not normalised behind the user's back


def test_emoji_and_nfd_identifiers_are_refused_with_a_position(vocab: Any) -> None:
    structure = "id: \"dac-🚑\"\nnom: DAC\nservices:\n  - id: \"cre\u0301teil\"\n    nom: s\n    type: DAC\n"
    diags = validate_tree({"x.yaml": structure}, vocab)
    where = {(d.line, d.code) for d in diags}
    assert (1, "O100") in where and (4, "O100") in where, diags


def test_nfd_key_is_an_unknown_key(vocab: Any) -> None:
    structure = "id: a\nnom: b\nde\u0301scription: x\n"
    diags = validate_tree({"x.yaml": structure}, vocab)
    assert any(d.code == "O100" and d.line == 3 for d in diags), diags


# --- matcher and engine ---------------------------------------------------------------------

FRENCH = st.lists(st.sampled_from([*"abcdeéèêàçôùï ,.;:!?()-/'\n0123456789", "e\u0301", "🙂", "MMSE", " pas ",
                                   " ne ", "ans", " chutes ", " mémoire "]), max_size=120).map("".join)


_RULES = load_vocabulary(rules_dir())[0]
NEEDS = sorted(_RULES.besoins) or ["repit"]  # mostly known codes: unknown ones stop at the first check
CRITERIA = sorted(getattr(_RULES, "criteres", {})) or ["mmse"]


@pytest.fixture(scope="module")
def engine() -> Any:
    pytest.importorskip("orienter.engine.orient")
    from orienter.engine.orient import Engine
    from orienter.store.index import Index
    from orienter.load.workspace import load_workspace

    ws = load_workspace(cache=False)
    from orienter.store.lexicons import compiled_for

    return Engine(Index(ws.territories, ws.geo), ws.vocab, compiled=compiled_for(ws.vocab, ws.rules, ws.rules_key))


@given(text=st.one_of(st.text(max_size=300), FRENCH))
def test_matcher_reads_any_text(engine: Any, text: str) -> None:
    from orienter.engine.matcher import Reading

    reading = engine.lexicon.read(text)
    assert isinstance(reading, Reading)
    for hits in (*reading.needs.values(), *reading.facts.values()):
        assert all(h.code for h in hits)


@given(texte=st.one_of(st.text(max_size=200), FRENCH), age=st.one_of(st.none(), st.integers(0, 130)),
       besoins=st.lists(st.sampled_from([*NEEDS, "inconnu"]), max_size=3),
       criteres=st.dictionaries(st.sampled_from([*CRITERIA, "zzz"]),
                                st.one_of(st.booleans(), st.integers(-5, 200), st.text(max_size=5)), max_size=3),
       commune=st.sampled_from(["94081", "94028", "45234", "29019", "75056"]))
def test_engine_orients_any_situation(engine: Any, texte: str, age: int | None, besoins: list[str],
                                      criteres: dict[str, Any], commune: str) -> None:
    from orienter.load.model import Situation

    place = load_geo().get(commune)
    assert place is not None
    situation = Situation(commune=commune, texte=texte, age=age, besoins=besoins, criteres=criteres)
    try:
        first = engine.orient(situation, place)
    except OrienterError as exc:  # a wrong input is the user's error (exit 1), said in French
        assert exc.text.strip()
        return
    data = first.to_json(with_trace=True)
    json.dumps(data, ensure_ascii=False)
    assert [s["rang"] for s in data["suggestions"]] == list(range(1, len(data["suggestions"]) + 1))
    assert json.dumps(engine.orient(situation, place).to_json(with_trace=True), sort_keys=True,
                      default=str) == json.dumps(data, sort_keys=True, default=str)  # deterministic
