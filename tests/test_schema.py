"""`orienter schema` (issue 13.6, editors and CI): a JSON Schema whose every key is described in
French and whose code lists come from the rules folder in use; the schema file shipped next to
the territories and the `$schema` paths of the docs that reach it; `--output` written atomically;
and a release story that is true (version, CHANGELOG, tag in the docs, pre-commit hook)."""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import MINIMAL_STRUCTURE, MINIMAL_TERRITOIRE, write_tree

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
TERRITORIES = ROOT / "data" / "territories"
SHIPPED = TERRITORIES / "territoire.schema.json"
DOCS = [ROOT / "docs" / "format.md", ROOT / "docs" / "territoires.md"]
REGENERATE = "régénérez : orienter schema --regles rules --output data/territories/territoire.schema.json"


@pytest.fixture(scope="module")
def vocab() -> Any:
    """The shipped vocabulary, read the way `validate` reads it (the lists it checks codes against)."""
    from orienter.load.vocabulary import load_vocabulary

    found, diags = load_vocabulary(RULES)
    assert not [d for d in diags if d.level == "error"], diags
    return found


@pytest.fixture(scope="module")
def schema(vocab: Any) -> dict[str, Any]:
    from orienter.load.schema import json_schema

    return json_schema(vocab)


def _validator(schema: dict[str, Any]) -> Any:
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _data(text: str) -> Any:
    from orienter.load.yamlsafe import load_yaml_text

    doc, diags = load_yaml_text(text, "f.yaml")
    assert doc is not None and not diags
    return doc.data


# --- French descriptions ---------------------------------------------------------------------

_ENGLISH = re.compile(r"\b(the|of|and|is|are|which|whose|must|should|default|when|list|set|every)\b")
_FRENCH = re.compile(r"[àâçéèêëîïôûùüÿœ]|\b(de|du|des|la|le|les|un|une|en|au|aux|ou|et|si|sinon|ex)\b",
                     re.IGNORECASE)


def _is_french(text: str) -> bool:
    return bool(_FRENCH.search(text)) and not _ENGLISH.search(text)


def test_every_property_of_every_definition_is_described_in_french(schema: dict[str, Any]) -> None:
    missing, english = [], []
    for name, definition in schema["definitions"].items():
        if _ENGLISH.search(definition.get("title", "")) or not _is_french(definition.get("description", "")):
            english.append(f"{name}: {definition.get('title')!r}, {definition.get('description')!r}")
        assert definition.get("description"), f"définition {name} sans description"
        for key, prop in definition.get("properties", {}).items():
            text = prop.get("description")
            if not text:
                missing.append(f"{name}.{key}")
            elif not _is_french(text) or len(text) < 15:
                english.append(f"{name}.{key}: {text!r}")
            # pydantic's titles ("Delai", "Age Min") are gone: the key is its own name
            assert "title" not in prop, f"{name}.{key}"
    assert not missing, f"propriétés sans description (orienter/load/schema.py, PROPERTIES) : {missing}"
    assert not english, f"descriptions à écrire en français : {english}"


def test_the_description_table_follows_the_models(schema: dict[str, Any]) -> None:
    """A key removed from the models leaves no description behind, and every definition has one."""
    from orienter.load.schema import DEFINITIONS, PROPERTIES

    defs = schema["definitions"]
    assert set(DEFINITIONS) == set(defs)
    for name, described in PROPERTIES.items():
        assert set(described) == set(defs[name].get("properties", {})), name


def test_a_reference_keeps_its_description_in_draft7(schema: dict[str, Any]) -> None:
    """Beside a `$ref`, draft-07 ignores every keyword: a described reference is wrapped in allOf."""
    for name, definition in schema["definitions"].items():
        for key, prop in definition.get("properties", {}).items():
            assert not ("$ref" in prop and len(prop) > 1), f"{name}.{key}: {prop}"
    assert schema["definitions"]["Service"]["properties"]["publics"]["allOf"] == [{"$ref": "#/definitions/Publics"}]


def test_the_model_enums_carry_french_labels(schema: dict[str, Any]) -> None:
    for name in ("Niveau", "Statut", "PolitiqueAccueil", "Mode"):
        definition = schema["definitions"][name]
        assert len(definition["enumDescriptions"]) == len(definition["enum"]), name
    assert "accès direct" in schema["definitions"]["Niveau"]["enumDescriptions"]


# --- code lists ------------------------------------------------------------------------------


def _strings(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The string schemas of a property: itself, its items, its non-null branches."""
    out = [node] if node.get("type") == "string" else []
    if isinstance(node.get("items"), dict):
        out += _strings(node["items"])
    for branch in node.get("anyOf", []):
        out += _strings(branch)
    return out


def test_code_lists_are_the_codes_the_validator_checks(schema: dict[str, Any], vocab: Any) -> None:
    from orienter.load.schema import CODE_LISTS

    expected = {"types": list(vocab.types), "besoins": list(vocab.besoins), "publics": list(vocab.publics),
                "orienteurs": list(vocab.orienteurs), "natures": list(vocab.natures)}
    assert set(CODE_LISTS.values()) == set(expected)
    for (name, key), listed in CODE_LISTS.items():
        strings = _strings(schema["definitions"][name]["properties"][key])
        assert strings, f"{name}.{key}"
        for node in strings:
            assert node["enum"] == expected[listed], f"{name}.{key}"
            if "enumDescriptions" in node:
                assert len(node["enumDescriptions"]) == len(node["enum"])
    service = schema["definitions"]["Service"]["properties"]
    assert service["type"]["enumDescriptions"][service["type"]["enum"].index("DAC")] == vocab.types["DAC"].libelle


def _own_rules(root: Path) -> Path:
    """A copy of the shipped rules with one more type, need, public and referrer."""
    rules = root / "rules"
    shutil.copytree(RULES, rules)
    for name, section, code, value in (
        ("types", "types", "ESSAI", {"libelle": "Type d'essai", "niveau": "appui", "reference": "test"}),
        ("besoins", "besoins", "besoin-essai", {"libelle": "Besoin d'essai", "axe": "social"}),
        ("publics", "publics", "public-essai", {"libelle": "Public d'essai"}),
        ("publics", "orienteurs", "orienteur-essai", "Orienteur d'essai"),
    ):
        path = rules / f"{name}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data[section][code] = value
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rules


def test_a_territory_with_its_own_rules_gets_its_own_lists(cli, tmp_path: Path) -> None:
    rules = _own_rules(tmp_path / "ailleurs")
    for args in (("schema", "--regles", rules), ("schema",)):
        if args == ("schema",):  # the default, as for the other commands: ./rules of the current folder
            shutil.copytree(rules, tmp_path / "rules")
        result = cli(*args)
        assert result.exit_code == 0, result.output
        defs = json.loads(result.stdout)["definitions"]
        assert "ESSAI" in defs["Service"]["properties"]["type"]["enum"]
        assert "besoin-essai" in defs["Service"]["properties"]["besoins"]["items"]["enum"]
        assert "public-essai" in defs["Publics"]["properties"]["inclus"]["items"]["enum"]
        assert "orienteur-essai" in defs["Acces"]["properties"]["orienteurs"]["items"]["enum"]


# --- validating files with the schema ----------------------------------------------------------


def test_every_shipped_file_validates_against_the_schema(schema: dict[str, Any]) -> None:
    from orienter.load.yamlsafe import load_yaml

    validator = _validator(schema)
    files = sorted(TERRITORIES.rglob("*.yaml"))
    assert files
    for path in files:
        doc, diags = load_yaml(path, str(path))
        assert doc is not None and not diags, path
        errors = [e.message for e in validator.iter_errors(doc.data)]
        assert not errors, (path, errors[:3])


@pytest.mark.parametrize("line, replacement", [
    ("    type: DAC", "    type: DACX"),
    ("type: DAC", "type: DACX"),
    ("    besoins: [coordination-parcours]", "    besoins: [coordination-parcour]"),
    ("      inclus: [tous-publics]", "      inclus: [tout-public]"),
    ("      orienteurs: [professionnels]", "      orienteurs: [professionnel]"),
    ("nature: association", "nature: asso"),
])
def test_an_unknown_code_fails(schema: dict[str, Any], line: str, replacement: str) -> None:
    validator = _validator(schema)
    assert not list(validator.iter_errors(_data(MINIMAL_STRUCTURE)))
    assert not list(validator.iter_errors(_data(MINIMAL_TERRITOIRE)))
    lines = MINIMAL_STRUCTURE.splitlines(keepends=True)
    index = next(i for i, text in enumerate(lines) if text.rstrip("\n") == line)
    lines[index] = replacement + "\n"
    assert list(validator.iter_errors(_data("".join(lines)))), replacement


def test_the_shipped_schema_file_is_up_to_date() -> None:
    from orienter.load.schema import dumps_schema, load_rules

    assert SHIPPED.is_file(), REGENERATE
    assert SHIPPED.read_text(encoding="utf-8") == dumps_schema(load_rules(RULES)), REGENERATE


# --- the `$schema` paths of the docs ---------------------------------------------------------

_PAIR = re.compile(r"^# (data/territories/\S+\.yaml), première ligne :\n# yaml-language-server: \$schema=(\S+)$",
                   re.MULTILINE)


def _example(pattern: str) -> Path:
    """A real file at the location the docs describe (<id>, <x> replaced by shipped names)."""
    glob = pattern.replace("<id>", "*").replace("<x>", "*")
    found = sorted(ROOT.glob(glob))
    assert found, pattern
    return found[0]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_schema_paths_of_the_docs_resolve(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    pairs = _PAIR.findall(text)
    assert len(pairs) == text.count("$schema="), "chaque $schema= des docs dit depuis quel fichier il se lit"
    assert {p.rsplit("/", 1)[-1] for p, _ in pairs} == {"territoire.yaml", "<x>.yaml"}
    for where, target in pairs:
        example = _example(where)
        assert Path(os.path.normpath(example.parent / target)) == SHIPPED, (where, target)
    # the command the docs give writes the file those paths reach
    outputs = re.findall(r"orienter schema --output ([^\s`]+)", text)
    assert outputs and all(ROOT / o == SHIPPED for o in outputs), outputs


# --- --output -----------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".orienter-")]


def test_output_writes_the_file_atomically(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    printed = cli("schema", "--regles", RULES)
    assert printed.exit_code == 0 and printed.stderr == ""
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        replaced.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    (tmp_path / "data" / "territories").mkdir(parents=True)
    target = tmp_path / "data" / "territories" / "territoire.schema.json"
    result = cli("schema", "--regles", RULES, "--output", "data/territories/territoire.schema.json")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Schéma écrit : data/territories/territoire.schema.json" in result.stderr
    assert target.read_text(encoding="utf-8") == printed.stdout
    # written beside the target, then renamed over it
    [(temporary, final)] = replaced
    assert Path(temporary).parent.resolve() == target.parent.resolve()
    assert Path(temporary).name.startswith(".orienter-")
    assert final == "data/territories/territoire.schema.json"
    assert target.stat().st_mode & 0o777 == 0o644
    assert _leftovers(target.parent) == []


def test_output_says_what_it_did_each_time(cli, tmp_path: Path) -> None:
    target = tmp_path / "territoire.schema.json"
    assert "Schéma écrit" in cli("schema", "-o", target).stderr
    before = target.stat().st_mtime_ns
    again = cli("schema", "-o", target)
    assert again.exit_code == 0 and "déjà à jour" in again.stderr
    assert target.stat().st_mtime_ns == before
    # an older schema of orienter is replaced without --force: regenerating is the point
    old = json.loads(target.read_text(encoding="utf-8"))
    old["definitions"].pop("Mode")
    target.write_text(json.dumps(old), encoding="utf-8")
    result = cli("schema", "-o", target)
    assert result.exit_code == 0 and "Schéma remplacé" in result.stderr
    assert "Mode" in json.loads(target.read_text(encoding="utf-8"))["definitions"]


def test_output_never_overwrites_another_file_silently(cli, tmp_path: Path) -> None:
    other = tmp_path / "territoire.yaml"
    other.write_text(MINIMAL_TERRITOIRE, encoding="utf-8")
    result = cli("schema", "--output", other)
    assert result.exit_code == 2 and result.stdout == ""
    assert "n'est pas un schéma écrit par orienter" in result.stderr and "--force" in result.stderr
    assert other.read_text(encoding="utf-8") == MINIMAL_TERRITOIRE
    forced = cli("schema", "--output", other, "--force")
    assert forced.exit_code == 0 and "Schéma remplacé" in forced.stderr
    assert json.loads(other.read_text(encoding="utf-8"))["$schema"].startswith("http://json-schema.org/draft-07")


def test_output_refusals_are_french_and_exit_2(cli, tmp_path: Path) -> None:
    kept = tmp_path / "cible.json"
    kept.write_text("{}", encoding="utf-8")
    (tmp_path / "lien.json").symlink_to(kept)
    (tmp_path / "dossier").mkdir()
    cases = {
        "lien.json": "lien symbolique",
        "dossier": "est un dossier",
        "absent/territoire.schema.json": "n'existe pas",
    }
    for target, message in cases.items():
        for extra in ((), ("--force",)):
            result = cli("schema", "--output", target, *extra)
            assert result.exit_code == 2, (target, extra, result.output)
            assert message in result.stderr and result.stdout == ""
            assert "Traceback" not in result.output
    assert kept.read_text(encoding="utf-8") == "{}"
    assert not (tmp_path / "absent").exists()


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_an_interrupted_write_leaves_the_old_file(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   failing: str) -> None:
    target = tmp_path / "territoire.schema.json"
    assert cli("schema", "-o", target).exit_code == 0
    old = target.read_text(encoding="utf-8").replace("Mode d'intervention", "ancien")
    target.write_text(old, encoding="utf-8")

    def broken(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, broken)
    result = cli("schema", "-o", target)
    assert result.exit_code == 2 and "Rien n'a été modifié" in result.stderr
    assert target.read_text(encoding="utf-8") == old
    assert _leftovers(tmp_path) == []


# --- a bad --regles ----------------------------------------------------------------------------


def test_a_bad_rules_folder_is_refused_in_french(cli, tmp_path: Path) -> None:
    (tmp_path / "vide").mkdir()
    (tmp_path / "fichier.yaml").write_text("a: 1\n", encoding="utf-8")
    broken = tmp_path / "casse"
    shutil.copytree(RULES, broken)
    (broken / "types.yaml").write_text("types: [\n", encoding="utf-8")
    cases = {
        "absent": "Dossier de règles introuvable",
        "fichier.yaml": "n'est pas un dossier",
        "vide": "Règles inutilisables",
        "casse": "types.yaml",
    }
    for folder, message in cases.items():
        result = cli("schema", "--regles", folder)
        assert result.exit_code == 2, (folder, result.output)
        assert message in result.stderr and "--regles" in result.stderr, result.stderr
        assert result.stdout == "" and "Traceback" not in result.output
    result = cli("schema", "--regles", "casse")
    assert re.search(r"casse/types\.yaml:\d+:\d+: error O005", result.stderr), result.stderr
    written = cli("schema", "--regles", "absent", "--output", "s.json")
    assert written.exit_code == 2 and not (tmp_path / "s.json").exists()


# --- release: version, CHANGELOG, tag, pre-commit hook ------------------------------------------


def _version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_changelog_and_cli_agree(cli) -> None:
    version = _version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    entries = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert entries and entries[0] == version, "CHANGELOG.md : la première entrée est la version de pyproject.toml"
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"orienter {version}", (
        "orienter --version doit dire la version de pyproject.toml (orienter/__init__.py, __version__)")


def test_the_docs_pin_the_current_version_tag() -> None:
    """Every `rev:` and `git+…@` given for orienter names the tag of this version, `v<version>`."""
    tag = f"v{_version()}"
    found = 0
    for doc in [*DOCS, ROOT / "README.md"]:
        text = doc.read_text(encoding="utf-8")
        for rev in re.findall(r"^\s*rev: (\S+)", text, re.MULTILINE):
            found += 1
            assert rev == tag or re.fullmatch(r"[0-9a-f]{40}", rev), f"{doc.name} : rev: {rev}, attendu {tag}"
        for pinned in re.findall(r"orienter\.git@(\S+?)[\"\s]", text):
            found += 1
            assert pinned == tag, f"{doc.name} : git+…@{pinned}, attendu {tag}"
    assert found


def test_the_pre_commit_hook_runs_orienter_validate(cli, tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    # the id the docs tell territory repositories to use
    for doc in [*DOCS, ROOT / "README.md"]:
        for used in re.findall(r"^\s*hooks:\n\s*- id: (\S+)", doc.read_text(encoding="utf-8"), re.MULTILINE):
            assert used in by_id, f"{doc.name} : crochet {used} absent de .pre-commit-hooks.yaml"
    hook = by_id["orienter-validate"]
    assert hook["entry"].split() == ["orienter", "validate"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert re.search(hook["files"], "data/territories/t/structures/x.yml")
    # what pre-commit runs, in a territory repository: passes on valid data, fails on an error
    write_tree(tmp_path, {f"data/territories/{k}": v for k, v in {
        "t/territoire.yaml": MINIMAL_TERRITOIRE, "t/structures/x.yaml": MINIMAL_STRUCTURE}.items()})
    args = hook["entry"].split()[1:] + hook.get("args", [])
    assert cli(*args).exit_code == 0
    bad = tmp_path / "data/territories/t/structures/x.yaml"
    bad.write_text(MINIMAL_STRUCTURE.replace("    type: DAC", "    type: DACX"), encoding="utf-8")
    result = cli(*args)
    assert result.exit_code == 1 and "O303" in result.stdout
