"""The workspace cache (orienter/store/cache.py): same answers as without it, rebuilt whenever a file
changes (even a same-size edit that keeps the mtime), ignored when damaged, never a case."""

from __future__ import annotations

import os
import pickle
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from orienter.load.model import to_data
from orienter.store import cache
from orienter.load import validation
from orienter.load.workspace import Workspace, load_workspace

RECENT = (date.today() - timedelta(days=3)).isoformat()
TERRITOIRE = "id: t-cache\nnom: Territoire du cache\nfictif: true\nperimetre:\n  departements: [\"94\"]\n"
STRUCTURE = f"""\
id: dac-cache
nom: DAC du cache
type: DAC
verification:
  derniere_verification: {RECENT}
services:
  - id: dac-cache-appui
    nom: Appui
    type: DAC
    besoins: [coordination-parcours]
    zone:
      communes: ["94081"]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A territory in tmp_path/data, a private cache folder, and a counter of real validations."""
    data = tmp_path / "data" / "t"
    (data / "structures").mkdir(parents=True)
    (data / "territoire.yaml").write_text(TERRITOIRE, encoding="utf-8")
    (data / "structures" / "dac.yaml").write_text(STRUCTURE, encoding="utf-8")
    folder = tmp_path / "cache"
    monkeypatch.setenv("ORIENTER_CACHE", str(folder))
    monkeypatch.chdir(tmp_path)
    builds: list[int] = []
    real = validation.load_territories

    def counting(*args: Any, **kwargs: Any) -> Any:
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "load_territories", counting)
    return {"data": tmp_path / "data", "structure": data / "structures" / "dac.yaml", "cache": folder,
            "builds": builds}


def load(env: dict[str, Any], **kwargs: Any) -> Workspace:
    return load_workspace([env["data"]], **kwargs)


def slots(env: dict[str, Any]) -> list[Path]:
    return sorted(env["cache"].glob("workspace-*.pickle"))


def summary(ws: Workspace) -> Any:
    return ([(t.id, t.folder, t.file, sorted(t.communes), t.files, [to_data(s) for s in t.structures])
             for t in ws.territories], ws.diagnostics, [d.message for d in ws.diagnostics], ws.files, ws.rules,
            sorted(ws.vocab.types), sorted(ws.vocab.besoins))


def test_second_load_comes_from_the_cache_and_is_identical(env: dict[str, Any]) -> None:
    fresh = load(env, cache=False)
    first = load(env)
    second = load(env)
    assert len(env["builds"]) == 2  # cache=False, then the miss that fills the cache
    assert summary(second) == summary(first) == summary(fresh)
    assert second.geo is fresh.geo  # the shipped geography is never pickled
    assert len(slots(env)) == 1


def test_folder_is_private_and_write_is_atomic(env: dict[str, Any]) -> None:
    load(env)
    assert stat.S_IMODE(env["cache"].stat().st_mode) == 0o700
    (slot,) = slots(env)
    assert slot.read_bytes().startswith(cache.MAGIC)
    assert [p.name for p in env["cache"].iterdir()] == [slot.name]  # no temporary file left


def test_same_size_edit_with_the_same_mtime_is_seen(env: dict[str, Any]) -> None:
    path: Path = env["structure"]
    load(env)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    edited = text.replace("nom: Appui", "nom: Appu1")
    assert len(edited) == len(text)
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    ws = load(env)
    assert len(env["builds"]) == 2
    assert ws.territories[0].structures[0].services[0].nom == "Appu1"


@pytest.mark.parametrize("change", ["add", "remove", "territory", "rules", "today", "cwd", "paths"])
def test_any_input_change_rebuilds(env: dict[str, Any], change: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from orienter.core.paths import rules_dir

    rules = tmp_path / "rules"
    rules.mkdir()
    for f in rules_dir().glob("*.yaml"):
        (rules / f.name).write_bytes(f.read_bytes())
    kwargs: dict[str, Any] = {"rules": rules}
    load(env, **kwargs)
    paths = [env["data"]]
    if change == "add":
        (env["structure"].parent / "autre.yaml").write_text(STRUCTURE.replace("dac-cache", "dac-autre"), "utf-8")
    elif change == "remove":
        env["structure"].unlink()
    elif change == "territory":
        t = env["data"] / "t" / "territoire.yaml"
        t.write_text(t.read_text("utf-8").replace("du cache", "du cach3"), "utf-8")
    elif change == "rules":
        with open(rules / "besoins.yaml", "a", encoding="utf-8") as f:
            f.write("# commentaire\n")
    elif change == "today":
        kwargs["today"] = date.today() + timedelta(days=400)
    elif change == "cwd":
        (tmp_path / "ailleurs").mkdir()
        monkeypatch.chdir(tmp_path / "ailleurs")  # reports print paths relative to it
    elif change == "paths":
        paths = [env["data"] / "t"]
    ws = load_workspace(paths, **kwargs)
    assert len(env["builds"]) == 2, change
    assert summary(ws) == summary(load_workspace(paths, cache=False, **kwargs))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "format", "key", "payload", "foreign",
                                    "directory"])
def test_damaged_cache_is_ignored_and_rebuilt(env: dict[str, Any], damage: str) -> None:
    reference = summary(load(env))
    (slot,) = slots(env)
    raw = slot.read_bytes()
    head = cache._HEADER.size
    if damage == "garbage":
        slot.write_bytes(os.urandom(len(raw)))
    elif damage == "truncated":
        slot.write_bytes(raw[: len(raw) // 2])
    elif damage == "empty":
        slot.write_bytes(b"")
    elif damage == "format":
        slot.write_bytes(raw[: len(cache.MAGIC)] + b"\xff\xff" + raw[len(cache.MAGIC) + 2:])
    elif damage == "key":
        slot.write_bytes(raw[: len(cache.MAGIC) + 2] + bytes(32) + raw[len(cache.MAGIC) + 34:])
    elif damage == "payload":  # one flipped byte: caught by the digest before unpickling
        slot.write_bytes(raw[:head + 10] + bytes([raw[head + 10] ^ 0xFF]) + raw[head + 11:])
    elif damage == "foreign":  # a well-formed file whose pickle is not a workspace
        data = pickle.dumps({"autre": 1})
        payload = cache._FRAME.pack(len(data)) + data
        import hashlib

        magic, fmt, key, _, _ = cache._HEADER.unpack(raw[:head])
        slot.write_bytes(cache._HEADER.pack(magic, fmt, key, len(payload),
                                            hashlib.blake2b(payload, digest_size=32).digest()) + payload)
    elif damage == "directory":  # unreadable: a folder where the file should be
        slot.unlink()
        slot.mkdir()
    ws = load(env)
    assert summary(ws) == reference
    assert len(env["builds"]) == 2
    if damage != "directory":
        load(env)
        assert len(env["builds"]) == 2, "the rebuilt cache is written back"


def test_cache_off_writes_nothing(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORIENTER_CACHE", "off")
    load(env)
    load(env)
    assert len(env["builds"]) == 2
    assert not env["cache"].exists()
    assert cache.cache_dir() is None


def test_keyword_disables_the_cache(env: dict[str, Any]) -> None:
    load(env, cache=False)
    assert not env["cache"].exists()


def test_folder_writable_by_others_is_never_used(env: dict[str, Any]) -> None:
    env["cache"].mkdir(mode=0o700)
    os.chmod(env["cache"], 0o777)
    load(env)
    load(env)
    assert len(env["builds"]) == 2
    assert slots(env) == []


def test_file_writable_by_others_is_never_read(env: dict[str, Any]) -> None:
    load(env)
    (slot,) = slots(env)
    os.chmod(slot, 0o666)
    load(env)
    assert len(env["builds"]) == 2


def test_file_edited_during_validation_is_not_cached(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    real = validation.load_territories
    path: Path = env["structure"]

    def racing(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        path.write_text(path.read_text("utf-8").replace("Appui", "Appuy"), "utf-8")  # an editor saves now
        return result

    monkeypatch.setattr(validation, "load_territories", racing)
    load(env)
    assert slots(env) == []


def test_slots_are_bounded(env: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(cache.MAX_SLOTS + 4):
        folder = tmp_path / f"cwd{i}"
        folder.mkdir()
        monkeypatch.chdir(folder)
        load(env)
    assert len(slots(env)) == cache.MAX_SLOTS


def test_cache_never_holds_case_data(env: dict[str, Any]) -> None:
    """`suggest` reads a situation after loading the workspace: nothing of it reaches the cache."""
    pytest.importorskip("orienter.engine.orient")
    from typer.testing import CliRunner

    from orienter.cli.app import app

    secret = "Madame Zéphyrine Quatrepattes, née le 03/04/1941"
    result = CliRunner().invoke(app, ["suggest", "--donnees", str(env["data"]), "--commune", "94081", "--age",
                                      "82", "--format", "json", secret])
    assert result.exit_code in (0, 1), result.output
    written = list(env["cache"].iterdir())
    assert written  # suggest leaves a département extract (orienter/store/shards.py)
    for path in written:
        blob = path.read_bytes()
        assert b"Quatrepattes" not in blob and "Quatrepattes".encode("utf-16-le") not in blob
    from orienter.store import shards

    extract = next(p for p in written if p.name.startswith("extrait-"))
    stored = pickle.loads(extract.read_bytes()[shards._HEADER.size:])
    assert set(stored) == {"departement", "vocab", "territories", "index"}


def test_clear_removes_the_files(env: dict[str, Any]) -> None:
    load(env)
    assert cache.clear() == 1
    assert slots(env) == []


def test_constants_match_the_loader_and_the_validator() -> None:
    from orienter.load import yamlsafe as loading
    from orienter.load import validation

    assert cache.MAX_FILE_BYTES == loading.MAX_FILE_BYTES
    assert cache.TERRITORY_FILE == validation.TERRITORY_FILE


def test_folder_search_matches_the_validator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key must cover what validation reads: both find the same territory folders."""
    from orienter.load.validation import find_territory_folders

    for rel in ("root/a/territoire.yaml", "root/b/c/territoire.yaml", "root/a/structures/x.yaml",
                "root/vide/notes.txt", "seul/territoire.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("id: x\n", encoding="utf-8")
    (tmp_path / "root" / "lien").symlink_to(tmp_path / "seul", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    cases = [[Path("root")], [Path("root/a/structures/x.yaml")], [Path("root/b")], [Path("root/vide")],
             [Path("absent")], [Path("seul"), Path("root")], [tmp_path / "root" / "a"]]
    for paths in cases:
        folders, notes = cache.territory_folders(paths)
        expected, diags = find_territory_folders(paths)
        assert folders == expected, paths
        assert len(notes) == len(diags), (paths, notes, diags)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_special_files_never_block_the_key(env: dict[str, Any], kind: str) -> None:
    """A FIFO would block open(), /dev/zero never ends: the key refuses both (validation reports)."""
    import signal

    path = env["structure"].parent / "special.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")

    def hang(*_: object) -> None:
        raise TimeoutError("la clé du cache a bloqué")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(5)
    try:
        with pytest.raises(ValueError):
            cache.content_key([env["data"]], Path("rules"), date.today())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_diagnostics_only_loads_have_their_own_slot(env: dict[str, Any]) -> None:
    """validate keeps no structure in memory: its cached result must never serve a command that
    needs the structures, and a second validate must not re-read the YAML."""
    first = load(env, structures=False)
    assert first.territories[0].structures == []
    assert len(env["builds"]) == 1
    again = load(env, structures=False)
    assert len(env["builds"]) == 1 and again.diagnostics == first.diagnostics
    assert list(env["cache"].glob("*-diagnostics.pickle"))
    full = load(env)
    assert len(env["builds"]) == 2 and full.territories[0].structures
