"""Measure `rapport` and `graphe` against their budgets (DESIGN §6, issue 14.3) on a synthetic
national set: one national-sized territory ≤ 2 s warm and ≤ 300 MB, the whole country ≤ 30 s.

    python bench/generate.py /tmp/national          # once
    python bench/rapport.py /tmp/national [--territoire synth-59] [--repeat 3] [--regles rules]

Every measurement is a new process (`python -m orienter`), warm: a first run fills a private
cache (ORIENTER_CACHE in a temporary folder, never yours), then the median of --repeat runs and
the largest peak memory (the child's ru_maxrss) are printed. Children run without
PYTHONDONTWRITEBYTECODE, as an installed program does. Default territory: the one with the most
structure files. Exit code 1 when a budget is not met.

The children import orienter from the current folder first (`python -m`): run from the
repository, or from a copy of it to measure a fixed version while the repository changes (any
edited module invalidates the cache, and a "warm" run would then check every file again).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGETS = {"territoire": (2.0, 300.0), "graphe": (2.0, 300.0), "pays": (30.0, None)}


def largest_territory(path: Path) -> str:
    folders = [d for d in path.iterdir() if (d / "territoire.yaml").is_file()]
    best = max(folders, key=lambda d: sum(1 for _ in (d / "structures").glob("*.y*ml")))
    for line in (best / "territoire.yaml").read_text("utf-8").splitlines():
        if line.startswith("id:"):
            return line.split(":", 1)[1].strip().strip('"')
    return best.name


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and this child's own peak memory (MB), from wait4's rusage."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        raise SystemExit(f"échec de {' '.join(cmd)} :\n{err}")
    return elapsed, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("donnees", type=Path)
    ap.add_argument("--territoire")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--regles", type=Path)
    args = ap.parse_args(argv)
    ident = args.territoire or largest_territory(args.donnees)
    base = [sys.executable, "-m", "orienter"]
    common = ["--donnees", str(args.donnees)] + (["--regles", str(args.regles)] if args.regles else [])
    failed = 0
    with tempfile.TemporaryDirectory(prefix="orienter-bench-rapport-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["ORIENTER_CACHE"] = str(Path(tmp) / "cache")
        out = Path(tmp) / "rapport.json"
        cases = [
            ("territoire", f"rapport {ident}", base + ["rapport", ident, "--format", "json"] + common),
            ("graphe", f"graphe {ident} --format json", base + ["graphe", ident, "--format", "json"] + common),
            ("pays", "rapport --format json --output", base + ["rapport", "--format", "json", "--output", str(out),
                                                               "--force"] + common),
        ]
        run(base + ["validate", str(args.donnees)] + (["--regles", str(args.regles)] if args.regles else []), env)
        print(f"{'mesure':<40} {'médiane':>9} {'mémoire':>9}  budget")
        for key, label, cmd in cases:
            run(cmd, env)  # warm: the cache holds this command's files now
            times, peak = [], 0.0
            for _ in range(args.repeat):
                t, mb = run(cmd, env)
                times.append(t)
                peak = max(peak, mb)
            median = statistics.median(times)
            max_s, max_mb = BUDGETS[key]
            ok = median <= max_s and (max_mb is None or peak <= max_mb)
            failed += not ok
            budget = f"≤ {max_s:g} s" + (f", ≤ {max_mb:g} Mo" if max_mb else "")
            print(f"{label:<40} {median:>7.2f} s {peak:>6.0f} Mo  {budget} {'tenu' if ok else 'NON TENU'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
