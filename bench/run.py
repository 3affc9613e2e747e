"""Measure orienter against the budgets of DESIGN §6, on the shipped data and a national dataset.

    python bench/run.py [--national DOSSIER | --structures 30000] [--repeat 3]

Every measurement is a new process (wall time, median of --repeat runs; peak memory is the
child's own ru_maxrss, the largest of the runs). Baselines are measured in the same run: an
empty interpreter (`python -c pass`) and libyaml alone (yaml.load with CSafeLoader) on the same
files as `validate`. Without --national, a dataset is generated in a temporary folder (and
removed afterwards). The cache runs use a private ORIENTER_CACHE folder, never yours.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "territories"
TEXTE = ("Vit seule, chutes répétées, troubles de la mémoire, sa fille est épuisée, "
         "sortie d'hospitalisation prévue vendredi.")
COMMUNE = "94081"  # Vitry-sur-Seine: covered by the shipped data and by every national dataset

LIBYAML = r"""
import sys, yaml
from pathlib import Path
files = sorted(Path(sys.argv[2]).glob("*.y*ml"))
for t in sorted({p.parent for p in Path(sys.argv[1]).rglob("territoire.yaml")}):
    files.append(t / "territoire.yaml")
    files += sorted((t / "structures").rglob("*.y*ml"))
for f in files:
    yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
"""

IMPORTS = r"""
import sys, runpy
sys.argv = ["orienter", *sys.argv[1:]]
try:
    runpy.run_module("orienter", run_name="__main__")
except SystemExit:
    pass
heavy = [m for m in ("networkx", "rich.table") if m in sys.modules]
sys.stderr.write("HEAVY=" + ",".join(heavy) + "\n")
"""


@dataclass
class Result:
    times: list[float] = field(default_factory=list)
    rss_mb: float = 0.0
    rc: int = 0
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def ok(self) -> bool:
        return bool(self.times) and not self.error


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall time, peak RSS (MB) of this child alone, exit code, end of stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-600:].decode("utf-8", "replace")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return elapsed, usage.ru_maxrss / scale, proc.returncode, tail


def measure(cmd: list[str], env: dict[str, str], repeat: int, ok_codes: tuple[int, ...] = (0,)) -> Result:
    r = Result()
    for _ in range(repeat):
        elapsed, rss, rc, tail = run_once(cmd, env)
        r.rss_mb = max(r.rss_mb, rss)
        r.rc = rc
        if rc not in ok_codes:
            r.error = f"code {rc} : {tail.strip().splitlines()[-1] if tail.strip() else ''}"
            return r
        r.times.append(elapsed)
    return r


def orienter_cmd() -> list[str]:
    script = Path(sys.executable).parent / "orienter"
    return [str(script)] if script.exists() else [sys.executable, "-m", "orienter"]


def suggest_args(orienter: list[str], env: dict[str, str]) -> list[str] | None:
    """The `suggest` command line, or None when the command does not exist (yet)."""
    proc = subprocess.run([*orienter, "suggest", "--help"], check=False, capture_output=True, text=True,
                          env=env, cwd=ROOT)
    if proc.returncode != 0:
        return None
    if "--commune" in proc.stdout:
        return ["suggest", "--commune", COMMUNE, "--age", "82", "--format", "json", TEXTE]
    situation = Path(tempfile.mkdtemp(prefix="orienter-bench-")) / "situation.yaml"
    situation.write_text(f"commune: \"{COMMUNE}\"\nage: 82\ntexte: \"{TEXTE}\"\n", encoding="utf-8")
    return ["suggest", str(situation), "--format", "json"]


def dataset_stats(path: Path) -> str:
    files = [p for p in path.rglob("*.y*ml")]
    size = sum(p.stat().st_size for p in files)
    terr = sum(1 for p in files if p.name == "territoire.yaml")
    return f"{terr} territoires, {len(files)} fichiers, {size / 1e6:.1f} Mo"


def bench_dataset(path: Path, repeat: int, orienter: list[str], suggest: list[str] | None,
                  base_env: dict[str, str], cache_root: Path) -> dict[str, Result]:
    off = {**base_env, "ORIENTER_CACHE": "off"}
    warm = {**base_env, "ORIENTER_CACHE": str(cache_root / path.name)}
    out: dict[str, Result] = {}
    out["libyaml"] = measure([sys.executable, "-c", LIBYAML, str(path), str(ROOT / "rules")], off, repeat)
    validate = [*orienter, "validate", str(path)]
    out["validate"] = measure(validate, off, repeat, ok_codes=(0, 1))
    run_once(validate, warm)  # fills the cache
    out["validate_cache"] = measure(validate, warm, repeat, ok_codes=(0, 1))
    proc = subprocess.run(validate, check=False, capture_output=True, text=True, env=warm, cwd=ROOT)
    lines = proc.stdout.strip().splitlines()
    out["summary"] = Result(error=lines[-1] if lines else proc.stderr.strip()[-200:])
    if suggest is None:
        out["suggest_cold"] = out["suggest_warm"] = Result(error="n/a")
    else:
        cmd = [*orienter, *suggest, "--donnees", str(path)]
        out["suggest_cold"] = measure(cmd, off, repeat)
        run_once(cmd, warm)
        out["suggest_warm"] = measure(cmd, warm, repeat)
        proc = subprocess.run([sys.executable, "-c", IMPORTS, *suggest, "--donnees", str(path)], check=False,
                              capture_output=True, text=True, env=warm, cwd=ROOT)
        heavy = next((ln[6:] for ln in proc.stderr.splitlines() if ln.startswith("HEAVY=")), "?")
        out["suggest_imports"] = Result(error=heavy or "")
    return out


def cell(r: Result, base: Result | None = None, label: str = "") -> str:
    if r.error == "n/a":
        return "n/a"
    if not r.ok:
        return f"ÉCHEC ({r.error[:40]})"
    text = f"{r.median:7.3f} s {r.rss_mb:6.0f} Mo"
    if base is not None and base.ok and base.median > 0:
        text += f"  ×{r.median / base.median:.2f} {label}"
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--national", type=Path, help="jeu national déjà généré (bench/generate.py)")
    ap.add_argument("--structures", type=int, default=30_000, help="taille du jeu généré sans --national")
    ap.add_argument("--repeat", type=int, default=3, help="exécutions par mesure (médiane), défaut 3")
    ap.add_argument("--sans-national", action="store_true", help="seulement les données livrées")
    args = ap.parse_args(argv)

    env = {**os.environ, "COLUMNS": "120", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("ORIENTER_DONNEES", None)
    orienter = orienter_cmd()
    work = Path(tempfile.mkdtemp(prefix="orienter-bench-"))
    datasets: list[tuple[str, Path]] = [("livré", SHIPPED)]
    if not args.sans_national:
        national = args.national
        if national is None:
            national = work / "national"
            print(f"génération du jeu national ({args.structures} structures)...", file=sys.stderr)
            subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), str(national),
                            "--structures", str(args.structures)], check=True, stdout=subprocess.DEVNULL)
        datasets.append(("national", national))
    try:
        python = measure([sys.executable, "-c", "pass"], env, max(args.repeat, 5))
        help_ = measure([*orienter, "--help"], env, max(args.repeat, 5))
        suggest = suggest_args(orienter, env)
        results = {}
        for label, path in datasets:
            print(f"mesures sur {label} ({path})...", file=sys.stderr)
            results[label] = bench_dataset(path, args.repeat, orienter, suggest, env, work / "cache")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"orienter bench — {time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cœurs, médiane de {args.repeat} exécution(s), processus neufs")
    for label, path in datasets:
        print(f"  {label} : {path} ({dataset_stats(path)})")
        print(f"    validate : {results[label]['summary'].error}")
    names = [label for label, _ in datasets]
    width = 44
    print()
    print(f"{'mesure':34}" + "".join(f"{n:>{width}}" for n in names))
    print(f"{'python -c pass (référence)':34}" + f"{cell(python):>{width}}" * len(names))
    print(f"{'orienter --help':34}" + f"{cell(help_, python, 'python'):>{width}}" * len(names))
    rows = [("libyaml seul (CSafeLoader)", "libyaml", None, ""),
            ("validate (sans cache)", "validate", "libyaml", "libyaml"),
            ("validate (cache chaud)", "validate_cache", "libyaml", "libyaml"),
            ("suggest à froid (sans cache)", "suggest_cold", "python", "python"),
            ("suggest (cache chaud)", "suggest_warm", "python", "python")]
    for title, key, base, blabel in rows:
        line = f"{title:34}"
        for n in names:
            ref = python if base == "python" else (results[n][base] if base else None)
            line += f"{cell(results[n][key], ref, blabel):>{width}}"
        print(line)

    print()
    print(f"{'budget (DESIGN §6)':58}{'mesure':>16}{'limite':>12}  résultat")
    budgets: list[tuple[str, Result | None, float | str, str]] = []
    ship = results["livré"]
    budgets.append(("suggest, données livrées, processus à froid (sans cache)", ship["suggest_cold"], 0.3, "s"))
    budgets.append(("suggest, données livrées, processus neuf, cache chaud", ship["suggest_warm"], 0.3, "s"))
    if "suggest_imports" in ship:
        budgets.append(("suggest --format json sans networkx ni rich.table", ship["suggest_imports"], "", "imports"))
    if "national" in results:
        nat = results["national"]
        budgets.append(("validate national ≤ 1,5 × libyaml", _ratio(nat["validate"], nat["libyaml"]), 1.5, "×"))
        budgets.append(("suggest national, cache chaud", nat["suggest_warm"], 0.5, "s"))
        peak = [r for k, r in nat.items() if k.startswith(("validate", "suggest_cold", "suggest_warm")) and r.ok]
        mem = Result(times=[max((r.rss_mb for r in peak), default=float("nan"))]) if peak else None
        budgets.append(("mémoire national (pic de validate et suggest)", mem, 500, "Mo"))
    failed = 0
    for title, r, limit, unit in budgets:
        if unit == "imports":
            assert r is not None
            status = "OK" if r.error == "" else f"ÉCHEC ({r.error})"
            print(f"{title:58}{r.error or 'aucun':>16}{'aucun':>12}  {status}")
            failed += status != "OK"
            continue
        if r is None or not r.ok:
            reason = "n/a" if r is not None and r.error == "n/a" else "non mesuré"
            print(f"{title:58}{reason:>16}{f'{limit} {unit}':>12}  {reason}")
            continue
        value = r.median
        passed = value <= float(limit)
        failed += not passed
        shown = f"{value:.2f} {unit}" if unit != "×" else f"×{value:.2f}"
        lim = f"{limit} {unit}" if unit != "×" else f"×{limit}"
        print(f"{title:58}{shown:>16}{lim:>12}  {'OK' if passed else 'ÉCHEC'}")
    return 1 if failed else 0


def _ratio(a: Result, b: Result) -> Result | None:
    if not (a.ok and b.ok):
        return None
    return Result(times=[a.median / b.median])


if __name__ == "__main__":
    sys.exit(main())
