"""What one VM's PAUSE or DESTROY does to the other VMs (issue 20: others' flux within 5%).

``python benchmarks/neighbours.py [POLICY ...] [--out benchmarks/neighbours_results.json]``
compiles each policy (default: models/policies/syn3a_three_vms.yaml), warms it up 200 min without
commands, then gives each (VM, command) alone and compares with the cell left alone, 60 and 240
min later (:mod:`bioxen.report.neighbours`). One run on one machine; the JSON records which.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from bioxen.backend.compile import compile_design
from bioxen.frontend import read_design
from bioxen.report.neighbours import WINDOWS, CommandBench

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "models" / "policies" / "syn3a_three_vms.yaml"


def measure(policy: Path) -> dict:
    start = time.perf_counter()
    bench = CommandBench(compile_design(read_design(policy)))
    cases = {}
    for found in bench.effects():
        cases[f"{found.command} {found.vm}"] = {
            "own_flux": {str(w): round(x, 4) for w, x in found.own_flux.items()},
            "own_proteins": {str(w): round(x, 4) for w, x in found.own_proteins.items()},
            "neighbours_flux_change": {str(w): {v: round(x, 4) for v, x in d.items()} for w, d in found.neighbours.items()},
            "worst": {str(w): round(found.worst(w), 4) for w in WINDOWS},
        }
    base = {vm: round(bench.vm_flux(bench.baseline(WINDOWS[0]), vm), 1) for vm in bench.flux}
    return {"policy": str(policy.relative_to(ROOT) if policy.is_relative_to(ROOT) else policy),
            "baseline_flux": base, "cases": cases,
            "worst_neighbour_change": {str(w): max(c["worst"][str(w)] for c in cases.values()) for w in WINDOWS},
            "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("policies", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "neighbours_results.json")
    args = parser.parse_args()
    results = {"machine": platform.platform(), "date": time.strftime("%Y-%m-%d"),
               "runs": [measure(p.resolve()) for p in args.policies]}
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    for run in results["runs"]:
        print(run["policy"], "worst neighbour change:", run["worst_neighbour_change"], f"({run['seconds']} s)")
        for name, case in run["cases"].items():
            print(f"  {name:12s} own flux {case['own_flux']}  proteins {case['own_proteins']}  worst {case['worst']}")


if __name__ == "__main__":
    main()
