"""Measure `orienter importe finess` on a national FINESS+ feed against DESIGN §6 (under 60 s and
1 GB), with a plain `json.load` of the same file as the baseline of the same run.

    python bench/registers.py [--flux FICHIER.json | --etablissements 100000] [--repeat 1]

Without --flux, a synthetic feed in the real format is generated in a temporary folder
(bench/generate_finess.py). Each measurement is a new process: wall time (median of --repeat
runs) and the child's own peak memory (ru_maxrss, the largest of the runs). Measured:
- baseline: `json.load` of the file (what a naive importer would do);
- first import into an empty data folder (every establishment of a mapped category written);
- the same import again (nothing changed: the state file makes it a comparison, no file rewritten);
- `validate` of the imported territory is left to bench/run.py (same budgets as any territory).
Exits 1 when a budget is not met.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S, BUDGET_MB = 60.0, 1000.0
BASELINE = "import json, sys\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n"


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        err.seek(0)
        out.seek(0)
        tail = (err.read()[-400:] + out.read()[-400:]).decode("utf-8", "replace")
        return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), tail


def measure(label: str, cmd: list[str], env: dict[str, str], repeat: int, before=None) -> tuple[float, float]:
    times, peak = [], 0.0
    for _ in range(repeat):
        if before:
            before()
        elapsed, rss, rc, tail = run_once(cmd, env)
        if rc != 0:
            sys.exit(f"{label} : échec (code {rc})\n{tail}")
        times.append(elapsed)
        peak = max(peak, rss)
    median = statistics.median(times)
    print(f"| {label:<46} | {median:>8.1f} s | {peak:>8.0f} Mo |")
    return median, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flux", type=Path, help="flux FINESS+ JSON existant (sinon généré)")
    parser.add_argument("--etablissements", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="orienter-bench-registres-"))
    try:
        flux = args.flux
        if flux is None:
            flux = work / "finess-structures-journalier-20260309.json"
            subprocess.run([sys.executable, str(ROOT / "bench" / "generate_finess.py"), str(flux),
                            "--etablissements", str(args.etablissements)], check=True)
        size = flux.stat().st_size / 1e6
        env = {**os.environ, "ORIENTER_CACHE": str(work / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
        data = work / "territoires"
        orienter = [sys.executable, "-m", "orienter", "importe", "finess", str(flux), "--territoire", "national",
                    "--donnees", str(data), "--force"]

        def empty() -> None:
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir()

        print(f"Flux : {flux.name}, {size:.0f} Mo ; machine : {platform.machine()}, {os.cpu_count()} cœur(s), "
              f"Python {platform.python_version()}\n")
        print(f"| {'mesure':<46} | {'temps':>10} | {'mémoire':>11} |")
        print(f"|{'-' * 48}|{'-' * 12}|{'-' * 13}|")
        measure("json.load du même fichier (référence)", [sys.executable, "-c", BASELINE, str(flux)], env, args.repeat)
        first_s, first_mb = measure("importe finess, premier import (dossier vide)", orienter, env, args.repeat,
                                    before=empty)
        files = len(list((data / "national" / "structures").glob("*.yaml")))
        again_s, again_mb = measure("importe finess, même flux (rien ne change)", orienter, env, args.repeat)
        print(f"\n{files} fiches écrites. Budget DESIGN §6 : {BUDGET_S:.0f} s et {BUDGET_MB:.0f} Mo.")
        worst_s, worst_mb = max(first_s, again_s), max(first_mb, again_mb)
        if worst_s > BUDGET_S or worst_mb > BUDGET_MB:
            print(f"Budget NON tenu : {worst_s:.1f} s, {worst_mb:.0f} Mo.")
            sys.exit(1)
        print("Budget tenu.")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
