"""The safe YAML loader (orienter/load/yamlsafe.py, DESIGN §8): typing that keeps French codes as
text, hostile files refused with a located French diagnostic, never an exception."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orienter.load import yamlsafe as loading
from orienter.core.diagnostics import CODES
from orienter.load.yamlsafe import load_yaml, load_yaml_bytes, load_yaml_text


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """A generous guard so that a regression (exponential alias expansion) fails instead of hanging."""

    def fail(*_: object) -> None:
        raise TimeoutError(f"plus de {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def only(text: str) -> tuple[int, int, str, str]:
    """The single diagnostic of a refused text, as (line, col, code, message)."""
    doc, diags = load_yaml_text(text, "f.yaml")
    assert doc is None, doc
    assert len(diags) == 1, diags
    d = diags[0]
    return d.line, d.col, d.code, d.message


def data(text: str) -> object:
    doc, diags = load_yaml_text(text, "f.yaml")
    assert diags == [] and doc is not None
    return doc.data


# --- YAML 1.1 pitfalls ---------------------------------------------------------------


def test_yaml11_pitfalls_stay_strings() -> None:
    got = data(
        "code_postal: 01000\n"
        "finess: 010000024\n"
        "ouverture: 10:30\n"
        "horaire: 10:30:00\n"
        "pays: NO\n"
        "on: on\n"
        "off: off\n"
        "reponse: yes\n"
        "y: n\n"
        "date: 2026-05-01\n"
        "horodatage: 2026-05-01T10:00:00\n"
        "hexa: 0x1F\n"
        "octal: 0o17\n"
        "separateur: 1_000\n"
        "exposant: 1e3\n"
        "infini: .inf\n"
        "pasnombre: .nan\n"
        "corse: 2A004\n"
    )
    assert got == {
        "code_postal": "01000", "finess": "010000024", "ouverture": "10:30", "horaire": "10:30:00",
        "pays": "NO", "on": "on", "off": "off", "reponse": "yes", "y": "n", "date": "2026-05-01",
        "horodatage": "2026-05-01T10:00:00", "hexa": "0x1F", "octal": "0o17", "separateur": "1_000",
        "exposant": "1e3", "infini": ".inf", "pasnombre": ".nan", "corse": "2A004",
    }


def test_json_like_scalars_are_typed() -> None:
    got = data("a: 12\nb: -3\nc: 1.5\nd: true\ne: False\nf: null\ng: ~\nh:\ni: '12'\nj: \"true\"\nk: 0\n")
    assert got == {"a": 12, "b": -3, "c": 1.5, "d": True, "e": False, "f": None, "g": None, "h": None,
                   "i": "12", "j": "true", "k": 0}
    assert type(got["a"]) is int and type(got["d"]) is bool  # type: ignore[index]


def test_explicit_core_tags_are_allowed() -> None:
    assert data("a: !!int '7'\nb: !!str texte\nc: !!null ''\n") == {"a": 7, "b": "texte", "c": None}


def test_explicit_str_tag_keeps_text() -> None:
    assert data("a: !!str 123\nb: !!str true\n") == {"a": "123", "b": "true"}


@given(st.from_regex(r"0[0-9]{1,12}", fullmatch=True))
def test_leading_zero_codes_stay_strings(code: str) -> None:
    assert data(f"code: {code}\n") == {"code": code}


def test_bom_is_accepted() -> None:
    doc, diags = load_yaml_bytes("\ufeffnom: Créteil\n".encode(), "f.yaml")
    assert diags == [] and doc is not None and doc.data == {"nom": "Créteil"}


def test_empty_file_is_a_document_without_data() -> None:
    for text in ("", "# commentaire seul\n", "---\n...\n"):
        doc, diags = load_yaml_text(text, "f.yaml")
        assert diags == [] and doc is not None and doc.data is None


# --- duplicate keys, tags, merge keys, non-text keys ------------------------------------


def test_duplicate_key_located() -> None:
    line, col, code, message = only("id: x\nservices:\n  - id: a\n    nom: A\n    nom: B\n")
    assert (line, col, code) == (5, 5, "O006")
    assert "« nom »" in message and "ligne 4" in message


@pytest.mark.parametrize("text, col", [
    ("a: !!python/object/apply:os.system ['echo non']\n", 4),
    ("a: !!python/name:os.system ''\n", 4),
    ("a: !perso valeur\n", 4),
    ("a: !!binary aGVsbG8=\n", 4),
    ("a: !!timestamp 2026-05-01\n", 4),
    ("a: !!set {x}\n", 4),
])
def test_custom_tag_refused(text: str, col: int) -> None:
    line, got_col, code, message = only(text)
    assert (line, got_col, code) == (1, col, "O007")
    assert "étiquette" in message


def test_merge_key_refused() -> None:
    line, col, code, _ = only("base: &b {x: 1}\nautre:\n  <<: *b\n  y: 2\n")
    assert (line, col, code) == (3, 3, "O010")


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    assert data('"<<": 1\n') == {"<<": 1}


def test_plain_alias_is_allowed() -> None:
    assert data("a: &z [94081, 94028]\nb: *z\n") == {"a": [94081, 94028], "b": [94081, 94028]}


@pytest.mark.parametrize("text, pos", [("? [a, b]\n: 1\n", (1, 3)), ("{a: 1}: x\n", (1, 1))])
def test_non_text_key_refused(text: str, pos: tuple[int, int]) -> None:
    line, col, code, _ = only(text)
    assert (line, col, code) == (*pos, "O011")


# --- aliases and nesting --------------------------------------------------------------


def _laughs(levels: int, width: int) -> str:
    names = [f"n{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["lol"] * width) + "]"]
    for prev, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels, width", [(9, 9), (10, 10), (30, 2)])
def test_billion_laughs_refused_fast(levels: int, width: int) -> None:
    with deadline(5):
        line, col, code, message = only(_laughs(levels, width))
    assert code == "O008"
    assert (line, col) == (1, 5)  # the first anchor expanded again and again
    assert "billion laughs" in message


def test_many_small_aliases_are_fine() -> None:
    text = "a: &a [1, 2, 3]\n" + "".join(f"b{i}: *a\n" for i in range(200))
    assert len(data(text)) == 201  # type: ignore[arg-type]


def test_recursive_alias_refused() -> None:
    with deadline(5):
        line, col, code, message = only("id: x\npartenaires: &p [a, *p]\n")
    assert (line, col, code) == (2, 14, "O008")
    assert "récursif" in message


@pytest.mark.parametrize("opener, closer", [("[", "]"), ("{a: ", "}")])
def test_100000_nested_brackets_refused(opener: str, closer: str) -> None:
    n = 100_000
    with deadline(10):
        line, col, code, message = only("x: " + opener * n + closer * n + "\n")
    assert (line, code) == (1, "O009")
    assert col > 3
    assert "imbrication" in message


def test_deep_block_nesting_refused() -> None:
    text = "".join("  " * i + "a:\n" for i in range(3000)) + "  " * 3000 + "b\n"
    with deadline(10):
        line, _, code, _ = only(text)
    assert code == "O009" and line > 60


def test_nesting_just_below_the_limit_is_fine() -> None:
    depth = loading.MAX_DEPTH - 1
    assert data("x: " + "[" * depth + "]" * depth + "\n") is not None


def _deep_with_alias(n: int) -> str:
    # One bracket per line: below the cheap depth bound, so composed directly; then the
    # alias check walks the tree.
    return "a: &a 1\nb:\n" + " [\n" * n + " *a\n" + " ]\n" * n


@pytest.mark.parametrize("n", [500, 2900])
def test_deep_tree_with_alias_does_not_crash(n: int) -> None:
    with deadline(10):
        _, _, code, _ = only(_deep_with_alias(n))
    assert code == "O009"


def test_deep_tree_with_alias_is_located() -> None:
    line, col, code, _ = only(_deep_with_alias(2900))
    assert (line, col, code) == (67, 2, "O009")


# --- bytes ---------------------------------------------------------------------------


def test_windows_1252_byte_located() -> None:
    raw = "id: x\nnom: Centre de santé Créteil\n".encode("cp1252")
    doc, diags = load_yaml_bytes(raw, "f.yaml")
    assert doc is None and len(diags) == 1
    d = diags[0]
    assert (d.line, d.col, d.code) == (2, 20, "O002")
    assert "0xE9" in d.message and "Windows-1252" in d.message and "« é »" in d.message


def test_windows_1252_column_counts_characters_not_bytes() -> None:
    raw = "nom: é".encode() + b"t\xe9\n"  # valid UTF-8 é, then a cp1252 é
    _, diags = load_yaml_bytes(raw, "f.yaml")
    assert (diags[0].line, diags[0].col, diags[0].code) == (1, 8, "O002")


def test_nul_byte_refused() -> None:
    _, diags = load_yaml_bytes(b"id: x\nnom: ab\x00cd\n", "f.yaml")
    assert [(d.line, d.col, d.code) for d in diags] == [(2, 8, "O003")]
    assert "binaire" in diags[0].message


def test_utf16_file_is_binary() -> None:
    _, diags = load_yaml_bytes("id: x\n".encode("utf-16"), "f.yaml")
    assert diags[0].code == "O003"


def test_oversized_file_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import orienter.load.files

    monkeypatch.setattr(orienter.load.files, "MAX_FILE_BYTES", 1024)
    path = tmp_path / "gros.yaml"
    path.write_text("a: " + "x" * 2000 + "\n", encoding="utf-8")
    doc, diags = load_yaml(path, "gros.yaml")
    assert doc is None and [(d.file, d.line, d.col, d.code) for d in diags] == [("gros.yaml", 1, 1, "O004")]
    assert "découpez" in diags[0].message


def test_missing_file(tmp_path: Path) -> None:
    doc, diags = load_yaml(tmp_path / "absent.yaml", "absent.yaml")
    assert doc is None and [(d.line, d.col, d.code) for d in diags] == [(1, 1, "O001")]
    assert "lecture impossible" in diags[0].message


# --- documents and syntax ---------------------------------------------------------------


def test_several_documents_refused() -> None:
    line, col, code, message = only("a: 1\n---\nb: 2\n")
    assert (line, col, code) == (2, 1, "O012")
    assert "plusieurs documents" in message


def test_one_explicit_document_is_fine() -> None:
    assert data("---\na: 1\n...\n") == {"a": 1}


@pytest.mark.parametrize("text, pos, words", [
    ("id: x\n nom: y\n", (2, 5), "« : » inattendu"),
    ("a: b: c\n", (1, 5), "« : » inattendu"),
    ("a:\n  b: 1\n c: 2\n", (3, 2), "indentation incohérente"),
    ("- a\nb: 1\n", (2, 1), "indentation incohérente dans une liste"),
    ('a: "abc\nb: 2\n', (3, 1), "guillemet"),
    ("a: [1, 2\n", (2, 1), "crochet"),
    ("a: {b: 1\n", (2, 1), "accolade"),
    ("a: *rien\n", (1, 4), "alias"),
    ('a: "\\q"\n', (1, 5), "échappement"),
    ("a: &x 1\nb: &x 2\n", (2, 4), "ancre"),
    ("a: 1\nb: @nom\n", (2, 4), "caractère interdit"),
    ("a: `nom`\n", (1, 4), "caractère interdit"),
])
def test_syntax_errors_in_french(text: str, pos: tuple[int, int], words: str) -> None:
    line, col, code, message = only(text)
    assert (line, col, code) == (*pos, "O005")
    assert words in message
    assert "found" not in message and "expected" not in message


@pytest.mark.parametrize("text", ["a:\n\tb: 1\n", "a: 1\n\tb: 2\n"])
def test_tab_indentation_in_french(text: str) -> None:
    line, col, code, message = only(text)
    assert (line, col, code) == (2, 1, "O005")
    assert "tabulation" in message


def test_control_character_located_in_french() -> None:
    line, col, code, message = only("id: x\nnom: a\x07b\n")
    assert (line, col, code) == (2, 7, "O005")
    assert "\n" not in message
    assert "caractère de contrôle" in message


# --- positions -----------------------------------------------------------------------


def test_positions_of_nodes_and_keys() -> None:
    text = "id: x\nservices:\n  - id: a\n    zone:\n      communes: [\"94081\", \"94028\"]\n"
    doc, _ = load_yaml_text(text, "f.yaml")
    assert doc is not None
    assert doc.position(()) == (1, 1)
    assert doc.position(("id",)) == (1, 5)
    assert doc.position(("services", 0)) == (3, 5)
    assert doc.position(("services", 0, "zone", "communes", 1)) == (5, 27)
    # a path that goes further than the file: its deepest present node
    assert doc.position(("services", 0, "zone", "epci", 0)) == (5, 7)
    assert doc.position(("services", 7, "nom")) == (3, 3)
    assert doc.key_position(("services", 0, "zone")) == (4, 5)
    assert doc.key_position(("services", 0, "inconnu")) == (3, 5)


# --- never an exception ------------------------------------------------------------------

_YAMLISH = st.text(alphabet=st.sampled_from(list("ab01: -[]{},&*!<>|'\"#%@`\n\t\\?é\x07")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_YAMLISH)
def test_any_text_loads_or_is_diagnosed(text: str) -> None:
    doc, diags = load_yaml_text(text, "f.yaml")
    assert doc is not None or diags
    for d in diags:
        assert d.code in CODES and d.line >= 1 and d.col >= 1 and d.file == "f.yaml"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_load_or_are_diagnosed(raw: bytes) -> None:
    doc, diags = load_yaml_bytes(raw, "f.yaml")
    assert doc is not None or diags
    assert all(d.code in CODES for d in diags)


def test_validate_in_parallel_finds_what_one_process_finds(monkeypatch, tmp_path):
    """validate reads its territories in forked processes on a multi-core machine: the same
    findings, in the same order, as one process, cache cold or warm."""
    import os

    from orienter.load.workspace import load_workspace
    from orienter.store import territories

    if not hasattr(os, "fork"):
        pytest.skip("pas de fork sur cette plateforme : validate reste dans un seul processus")
    root = Path(__file__).resolve().parent.parent / "data" / "territories"
    results = []
    for processes, cache in (("1", "seq"), ("2", "par"), ("2", "par")):
        monkeypatch.setenv("ORIENTER_PROCESSUS", processes)
        monkeypatch.setenv("ORIENTER_CACHE", str(tmp_path / cache))
        monkeypatch.setattr(territories, "_workers", lambda count, p=processes: int(p))
        ws = load_workspace([root], structures=False)
        results.append((ws.diagnostics, ws.files, [t.id for t in ws.territories]))
    assert results[0] == results[1] == results[2]
    assert results[0][1] > 100
