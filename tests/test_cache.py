"""The data-only cache (orienter/store/) and the trust defects of issue 12: answers never stale
whatever the layout, nothing skipped in silence, a cache that cannot run code and never blocks,
nothing in it that tells which commune was asked or when."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orienter.cli.app import app
from orienter.load.model import to_data
from orienter.load.validation import Checker
from orienter.load.workspace import Workspace, load_workspace
from orienter.store import datacache

RECENT = (date.today() - timedelta(days=3)).isoformat()
TERRITOIRE = "id: t-cache\nnom: Territoire du cache\nfictif: true\nperimetre:\n  departements: [\"94\"]\n"
PHONE = "01 99 00 00 01"


def structure(ident: str, phone: str = PHONE) -> str:
    return f"""\
id: {ident}
nom: DAC du cache {ident}
type: DAC
contact: {{telephone: "{phone}"}}
verification:
  derniere_verification: {RECENT}
services:
  - id: {ident}-appui
    nom: Appui
    type: DAC
    besoins: [coordination-parcours]
    zone:
      communes: ["94081"]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A territory in tmp_path/data/t, a private cache folder, and a counter of files checked."""
    data = tmp_path / "data" / "t"
    (data / "structures").mkdir(parents=True)
    (data / "territoire.yaml").write_text(TERRITOIRE, encoding="utf-8")
    (data / "structures" / "dac.yaml").write_text(structure("dac-cache"), encoding="utf-8")
    folder = tmp_path / "cache"
    monkeypatch.setenv("ORIENTER_CACHE", str(folder))
    monkeypatch.chdir(tmp_path)
    checked: list[str] = []
    real = Checker.structure_file

    def counting(self: Checker, raw: bytes, name: str, territory: Any) -> Any:
        checked.append(name)
        return real(self, raw, name, territory)

    monkeypatch.setattr(Checker, "structure_file", counting)
    return {"data": tmp_path / "data", "territory": data, "structure": data / "structures" / "dac.yaml",
            "cache": folder, "checked": checked}


def summary(ws: Workspace) -> Any:
    return ([(t.id, t.file, t.files, [to_data(s) for s in t.structures]) for t in ws.territories],
            [d.as_dict() for d in ws.diagnostics], ws.files)


def phones(env: dict[str, Any], *extra: str) -> list[str]:
    """The phones suggest gives for Vitry-sur-Seine, through the CLI (a new load each time)."""
    result = CliRunner().invoke(app, ["suggest", "--donnees", str(env["data"]), "--commune", "94081",
                                      "--territoire", "t-cache", "--format", "json", *extra,
                                      "situation complexe, vit seul, aidant épuisé"])
    assert result.exit_code == 0, result.output
    return sorted(s["contact"]["telephone"] for s in json.loads(result.stdout)["suggestions"] if s["type"] == "DAC")


# --- same answers, fewer reads ---------------------------------------------------------------------


def test_second_load_comes_from_the_cache_and_is_identical(env: dict[str, Any]) -> None:
    first = load_workspace([env["data"]])
    assert env["checked"] == ["structures/dac.yaml"]
    second = load_workspace([env["data"]])
    assert env["checked"] == ["structures/dac.yaml"]  # nothing checked again
    assert summary(first) == summary(second) == summary(load_workspace([env["data"]], cache=False))


def test_one_changed_file_is_the_only_one_checked_again(env: dict[str, Any]) -> None:
    for i in range(5):
        (env["territory"] / "structures" / f"s{i}.yaml").write_text(structure(f"s-{i}"), encoding="utf-8")
    load_workspace([env["data"]], structures=False)
    env["checked"].clear()
    path = env["territory"] / "structures" / "s3.yaml"
    path.write_text(structure("s-3", "01 99 00 00 33"), encoding="utf-8")
    ws = load_workspace([env["data"]])
    assert env["checked"] == ["structures/s3.yaml"]
    assert any(s.contact.telephone == "01 99 00 00 33" for s in ws.territories[0].structures)


def test_same_size_edit_with_the_same_mtime_is_seen(env: dict[str, Any]) -> None:
    """Editors that write in place, rsync -t, tar and cp -p keep dates: the key is the content."""
    assert phones(env) == [PHONE]
    path = env["structure"]
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace(PHONE, "01 99 00 00 09"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    assert phones(env) == ["01 99 00 00 09"]


@pytest.mark.parametrize("layout", ["yml", "nested", "symlinked-folder", "symlinked-file", "territory-link"])
def test_every_layout_gives_a_fresh_answer_after_an_edit(env: dict[str, Any], tmp_path: Path, layout: str) -> None:
    structures = env["territory"] / "structures"
    env["structure"].unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if layout == "yml":
        target = structures / "dac.yml"
    elif layout == "nested":
        (structures / "sous" / "dossier").mkdir(parents=True)
        target = structures / "sous" / "dossier" / "dac.yaml"
    elif layout == "symlinked-folder":
        structures.rmdir()
        structures.symlink_to(elsewhere, target_is_directory=True)
        target = elsewhere / "dac.yaml"
    elif layout == "symlinked-file":
        target = elsewhere / "dac.yaml"
        (structures / "dac.yaml").symlink_to(target)
    else:  # the territory folder itself is a link
        shutil.move(str(env["territory"]), str(elsewhere / "t"))
        env["territory"].symlink_to(elsewhere / "t", target_is_directory=True)
        target = elsewhere / "t" / "structures" / "dac.yaml"
        target.parent.mkdir(exist_ok=True)
    target.write_text(structure("dac-cache"), encoding="utf-8")
    assert phones(env) == [PHONE]
    target.write_text(structure("dac-cache", "01 99 00 00 07"), encoding="utf-8")
    assert phones(env) == ["01 99 00 00 07"]


def test_removed_and_added_files_are_seen(env: dict[str, Any]) -> None:
    assert phones(env) == [PHONE]
    (env["territory"] / "structures" / "autre.yaml").write_text(structure("autre", "01 99 00 00 02"),
                                                                  encoding="utf-8")
    assert phones(env) == [PHONE, "01 99 00 00 02"]
    env["structure"].unlink()
    assert phones(env) == ["01 99 00 00 02"]


@pytest.mark.parametrize("change", ["territory", "rules", "today"])
def test_inputs_beyond_the_files_rebuild(env: dict[str, Any], change: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from orienter.core.paths import rules_dir

    rules = tmp_path / "rules"
    shutil.copytree(rules_dir(), rules)
    load_workspace([env["data"]], rules)
    env["checked"].clear()
    today = None
    if change == "territory":
        territory = env["territory"] / "territoire.yaml"
        territory.write_text(territory.read_text(encoding="utf-8") + "population: 1000\n", encoding="utf-8")
    elif change == "rules":
        (rules / "publics.yaml").write_text((rules / "publics.yaml").read_text(encoding="utf-8") + "\n# modifié\n",
                                            encoding="utf-8")
    else:
        today = date.today() + timedelta(days=400)
    ws = load_workspace([env["data"]], rules, today)
    if change == "today":
        assert env["checked"] == []  # dated checks are evaluated at load, not cached
        assert any(d.code == "O403" for d in ws.diagnostics)
    else:
        assert env["checked"] == ["structures/dac.yaml"]


# --- a cache that cannot run code, never blocks, and says nothing of the questions -------------------


def test_cache_files_hold_data_only(env: dict[str, Any]) -> None:
    phones(env)
    files = list(env["cache"].iterdir())
    assert files
    for path in files:
        blob = path.read_bytes()
        assert blob.startswith(datacache.MAGIC)
        with pytest.raises(Exception):  # noqa: B017 - whatever pickle says, it is not a pickle
            pickle.loads(blob)


def test_a_planted_pickle_is_never_loaded(env: dict[str, Any], tmp_path: Path) -> None:
    """Whatever a planted file holds, it is read as data (or refused), never run."""
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> Any:
            return (Path.touch, (marker,))

    phones(env)
    for path in env["cache"].iterdir():
        key = path.read_bytes()[len(datacache.MAGIC):len(datacache.MAGIC) + 16]
        path.write_bytes(datacache.MAGIC + key + b"\0" * 32 + pickle.dumps(Payload()))
    assert phones(env) == [PHONE]
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "digest", "other-key"])
def test_damaged_cache_files_are_ignored_and_rebuilt(env: dict[str, Any], damage: str) -> None:
    phones(env)
    for path in env["cache"].iterdir():
        blob = path.read_bytes()
        if damage == "garbage":
            blob = os.urandom(len(blob))
        elif damage == "truncated":
            blob = blob[: len(blob) // 2]
        elif damage == "empty":
            blob = b""
        elif damage == "digest":
            blob = blob[:-1] + bytes([blob[-1] ^ 1])
        else:
            blob = blob[: len(datacache.MAGIC)] + bytes(16) + blob[len(datacache.MAGIC) + 16:]
        path.write_bytes(blob)
    assert phones(env) == [PHONE]


def test_folder_writable_by_others_is_neither_read_nor_written(env: dict[str, Any]) -> None:
    env["cache"].mkdir(mode=0o700)
    env["cache"].chmod(0o777)
    phones(env)
    assert list(env["cache"].iterdir()) == []


def test_file_writable_by_others_is_never_read(env: dict[str, Any]) -> None:
    load_workspace([env["data"]])
    for path in env["cache"].iterdir():
        path.chmod(0o666)
    env["checked"].clear()
    load_workspace([env["data"]])
    assert env["checked"] == ["structures/dac.yaml"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX")
def test_a_fifo_in_the_cache_never_blocks(env: dict[str, Any]) -> None:
    phones(env)
    for path in list(env["cache"].iterdir()):
        path.unlink()
        os.mkfifo(path, 0o600)

    def stuck(*_: Any) -> None:
        raise TimeoutError("blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(10)
    try:
        assert phones(env) == [PHONE]
        result = CliRunner().invoke(app, ["validate", str(env["data"])])
        assert result.exit_code == 0, result.output
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert all(stat.S_ISFIFO(p.stat().st_mode) for p in env["cache"].iterdir())  # left alone


def test_no_home_means_no_cache_not_a_crash(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORIENTER_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert datacache.cache_dir() is None
    assert phones(env) == [PHONE]


def test_cache_off_writes_nothing(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORIENTER_CACHE", "off")
    phones(env)
    assert not env["cache"].exists()


def test_cache_says_nothing_of_the_question(env: dict[str, Any]) -> None:
    """Names are hashes of data folders; times are those of the data, not of the question; the
    situation is nowhere."""
    secret = "Madame Zéphyrine Quatrepattes, née le 03/04/1941"
    data_time = max(p.stat().st_mtime_ns for p in env["territory"].rglob("*.yaml"))
    result = CliRunner().invoke(app, ["suggest", "--donnees", str(env["data"]), "--commune", "94081",
                                      "--format", "json", secret])
    assert result.exit_code == 0, result.output
    written = list(env["cache"].iterdir())
    assert written
    for path in written:
        assert "94" not in path.name.split("-")[0] and "94081" not in path.name
        blob = path.read_bytes()
        assert b"Quatrepattes" not in blob and "Quatrepattes".encode("utf-16-le") not in blob
        if path.name.startswith("territoire-"):
            assert path.stat().st_mtime_ns == data_time


# --- nothing skipped in silence ---------------------------------------------------------------------


def test_unreadable_structures_folder_is_an_error(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir
    blocked = os.fspath(env["territory"] / "structures")

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission non accordée")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(app, ["validate", str(env["data"])])
    assert result.exit_code == 1
    assert "O001" in result.stdout and "dossier illisible" in result.stdout


def test_unreadable_root_folder_is_an_error(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir
    blocked = os.fspath(env["data"])

    def scandir(path: Any = ".") -> Any:
        if os.fspath(path) == blocked:
            raise PermissionError(13, "Permission non accordée")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(app, ["validate", str(env["data"])])
    assert result.exit_code == 1 and "dossier illisible" in result.stdout


def test_validate_file_outside_structures_says_it_is_never_read(env: dict[str, Any]) -> None:
    stray = env["territory"] / "notes.yaml"
    stray.write_text("id: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(stray)])
    assert result.exit_code == 1 and "O014" in result.stdout


def test_validate_loose_structure_file_checks_it(env: dict[str, Any], tmp_path: Path) -> None:
    loose = tmp_path / "loose.yaml"
    loose.write_text(structure("loose").replace("type: DAC\ncontact", "type: DACX\ncontact"), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(loose)])
    assert result.exit_code == 1 and "O303" in result.stdout


def test_validate_file_it_cannot_classify(env: dict[str, Any], tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("a: b\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(odd)])
    assert result.exit_code == 1 and "O015" in result.stdout


def test_shipped_lexicon_is_compiled_from_the_shipped_rules():
    """The package ships its lexicon compiled (the first question on a new machine would
    otherwise wait for the compilation); it must be the one of today's rules and compiler."""
    import msgspec

    from orienter.core.paths import bundled_rules
    from orienter.store.lexicons import SHIPPED, shipped_key

    stored = msgspec.msgpack.decode(SHIPPED.read_bytes())
    assert stored["cle"] == shipped_key(bundled_rules()), (
        "orienter/engine/lexique.msgpack est périmé : régénérez-le avec python -m orienter.store.lexicons")


def test_a_stale_shipped_lexicon_is_ignored_not_used(tmp_path):
    from orienter.store import lexicons

    from orienter.core.paths import bundled_rules

    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules(), rules)
    assert lexicons._shipped(rules) is not None  # same content, another folder: still the shipped one
    with (rules / "besoins.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# une règle locale modifiée\n")
    assert lexicons._shipped(rules) is None
