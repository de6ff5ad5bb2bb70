"""Start-up cost of the command line: `bioxen --help` and a compile the build cache answers.

    BIOXEN_GENOME_PATH=../shared/genomes python benchmarks/startup.py

Each run is a fresh process, timed wall-clock from spawn to exit. The cache is a temporary
BIOXEN_CACHE_DIR, filled by one first (cold) compile, which is timed but not counted. A cached
compile is measured two ways: into a new directory (copied from the cache) and into the
directory it built last time (already in place, nothing copied). One more run of each command
under ``python -X importtime`` lists the heavy modules it imported. Writes
benchmarks/startup_results.json (issue 18's targets: medians under 0.5 s and 1.5 s).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import machine   # benchmarks/run.py: CPU, memory, versions, commit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("startup_results.json")
POLICY = ROOT / "models" / "policies" / "syn3a_single_vm.yaml"
TARGETS_S = {"help": 0.5, "compile_cached": 1.5}
# imports a start-up should not pay for: simulators, PySB and its symbolic algebra, SciPy, pandas, parsers
HEAVY = ("pysb", "sympy", "scipy", "scipy.signal", "libsbml", "libsedml", "pandas", "bionetgen", "roadrunner",
         "Bio.SeqIO", "cobra", "RNA", "dask", "matplotlib", "plotly")
_IMPORT_LINE = re.compile(r"^import time:\s+\d+\s+\|\s+(\d+)\s+\|\s*(\S+)$")


def bioxen_script() -> Path:
    """The `bioxen` console script beside this Python (a pyenv shim in PATH adds its own start-up)."""
    beside = Path(sys.executable).with_name("bioxen")
    found = beside if beside.is_file() else shutil.which("bioxen")
    if not found:
        sys.exit("no `bioxen` console script: pip install -e . first")
    return Path(found)


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def heavy_imports(command: list[str], env: dict) -> dict[str, float]:
    """Heavy modules the command imports, each with its cumulative import time (s)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *command], env=env, cwd=ROOT,
                          capture_output=True, text=True)
    found = {}
    for line in done.stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match and match.group(2) in HEAVY:
            found[match.group(2)] = round(int(match.group(1)) / 1e6, 3)
    return dict(sorted(found.items(), key=lambda item: -item[1]))


def summary(times: list[float], target: float | None = None) -> dict:
    median = statistics.median(times)
    result = {"runs_s": [round(t, 3) for t in times], "min_s": round(min(times), 3),
              "median_s": round(median, 3), "max_s": round(max(times), 3)}
    if target is not None:
        result.update(target_s=target, result="PASS" if median < target else "FAIL")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--help-runs", type=int, default=10)
    parser.add_argument("--compile-runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    script = bioxen_script()
    work = Path(tempfile.mkdtemp(prefix="bioxen-startup-"))
    env = {**os.environ, "BIOXEN_CACHE_DIR": str(work / "cache"), "BIOXEN_QUIET": "1"}
    try:
        load_before = os.getloadavg()
        help_times = [timed([str(script), "--help"], env) for _ in range(args.help_runs)]
        compile_args = ["compile", str(POLICY), "-o"]
        cold = timed([str(script), *compile_args, str(work / "cold")], env)
        copied = [timed([str(script), *compile_args, str(work / f"copy{i}")], env) for i in range(args.compile_runs)]
        in_place = [timed([str(script), *compile_args, str(work / "cold")], env) for _ in range(args.compile_runs)]
        load_after = os.getloadavg()
        results = {
            "machine": machine(), "load_average_1_5_15": {"before": load_before, "after": load_after},
            "command": str(script), "policy": str(POLICY.relative_to(ROOT)),
            "help": summary(help_times, TARGETS_S["help"]),
            "compile_cold_s": round(cold, 3),
            "compile_cached": summary(copied, TARGETS_S["compile_cached"]),
            "compile_unchanged_in_place": summary(in_place),
            "heavy_imports_s": {
                "help": heavy_imports([str(script), "--help"], env),
                "compile_cached": heavy_imports([str(script), *compile_args, str(work / "imports")], env)},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for name in ("help", "compile_cached", "compile_unchanged_in_place"):
        row = results[name]
        print(f"{name}: median {row['median_s']} s (min {row['min_s']}, max {row['max_s']})"
              + (f", target < {row['target_s']} s: {row['result']}" if "target_s" in row else ""))
    print(f"heavy imports: {results['heavy_imports_s']}; load {load_before[0]:.2f} -> {load_after[0]:.2f}")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
