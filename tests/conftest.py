"""Shared test helpers: a CLI runner working in a temporary folder, a minimal valid territory,
and the line format of `orienter validate` (DESIGN §5).

Dates are relative to today: a fixture written with a fixed date would start failing the day
its verification becomes "old" (O403).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

RECENT = (date.today() - timedelta(days=3)).isoformat()

# `path:line:col: level CODE message` (contract, DESIGN §5)
LINE_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): "
                     r"(?P<level>error|warning) (?P<code>O\d{3}) (?P<message>\S.*)$")
SUMMARY_RE = re.compile(r"^\d+ fichier\(s\) vérifié\(s\) : "
                        r"(aucune erreur|\d+ erreur\(s\)), \d+ avertissement\(s\)\.$")

MINIMAL_TERRITOIRE = """\
id: test-94
nom: Territoire de test
fictif: false
perimetre:
  departements: ["94"]
"""

# Line numbers matter: tests/test_validate.py points at them.
MINIMAL_STRUCTURE = f"""\
id: dac-test
nom: DAC de test
type: DAC
nature: association
adresse:
  code_postal: "94400"
  commune: "94081"
contact:
  telephone: "00 00 00 00 00"
  source: https://exemple.invalid/contact
sources:
  - titre: Page de test
    url: https://exemple.invalid/
    consulte_le: {RECENT}
verification:
  derniere_verification: {RECENT}
  frequence_revue_mois: 6
services:
  - id: dac-test-appui
    nom: Appui
    type: DAC
    besoins: [coordination-parcours]
    publics:
      inclus: [tous-publics]
    acces:
      orienteurs: [professionnels]
    zone:
      departements: ["94"]
"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "donnees_livrees: dépend de data/territories, en cours d'écriture (à durcir ensuite)")


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text or bytes} under root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def minimal_files() -> dict[str, str]:
    """A valid real territory `t/` with one structure, as {path: text}; tests break a copy."""
    return {"t/territoire.yaml": MINIMAL_TERRITOIRE, "t/structures/x.yaml": MINIMAL_STRUCTURE}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Run `orienter ARGS...` in-process with tmp_path as current folder (reports show
    relative paths such as t/structures/x.yaml)."""
    from orienter.cli.app import app

    monkeypatch.chdir(tmp_path)
    # Hermetic: never read or fill the user's cache (orienter/store/cache.py); repeated runs within
    # one test still go through it.
    monkeypatch.setenv("ORIENTER_CACHE", str(tmp_path / ".cache-orienter"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: no truncated names in text output
    runner = CliRunner()

    def invoke(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [str(a) for a in args], **kwargs)

    return invoke


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """No test reads or fills the user's own cache (~/.cache/orienter)."""
    import os

    previous = os.environ.get("ORIENTER_CACHE")
    os.environ["ORIENTER_CACHE"] = str(tmp_path_factory.mktemp("cache-orienter"))
    yield
    if previous is None:
        os.environ.pop("ORIENTER_CACHE", None)
    else:
        os.environ["ORIENTER_CACHE"] = previous
