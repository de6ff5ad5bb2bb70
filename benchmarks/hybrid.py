"""Hybrid stochastic simulation at genome scale (issue 22): one whole Syn3A VM for a cell cycle,
and a hybrid ensemble on Dask with one and two workers.

    BIOXEN_GENOME_PATH=../shared/genomes BIOXEN_DATA_PATH=../shared/data python benchmarks/hybrid.py

Every run is a fresh `bioxen` process timed wall-clock from spawn to exit (start-up, loading the
build, simulating, writing results.csv and its plot), with its peak resident memory:
  - `bioxen simulate BUILD --method hybrid --until 2h` on the single-VM Syn3A build
    (models/policies/syn3a_single_vm.yaml, every gene resolved), against the same command with
    `--method ode` on the same build;
  - what exact SSA would cost: the build's SSA propensity at its initial state
    (bioxen.runtime.cost), times the measured speed of bngsim's exact SSA on this network;
  - `bioxen sweep models/policies/syn3a_subsystem_vm.yaml --method hybrid --replicates 100`
    with `--workers 1` and `--workers 2` (wall time should fall with workers).
Writes benchmarks/hybrid_results.json. Quote the figures of one run together.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from run import machine, timed_run   # benchmarks/run.py
from startup import bioxen_script

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("hybrid_results.json")
SINGLE = ROOT / "models" / "policies" / "syn3a_single_vm.yaml"
SUBSYSTEM = ROOT / "models" / "policies" / "syn3a_subsystem_vm.yaml"
TARGETS = {"hybrid_2h_s": 60.0, "peak_rss_mb": 4096.0, "ensemble_speedup_2_workers": 1.5}


def exact_ssa_cost(build: Path, minutes: float) -> dict:
    """Events an exact SSA would fire over ``minutes`` and how long bngsim's SSA takes for them."""
    import logging

    import bngsim

    from bioxen.runtime.cost import ssa_cost

    logging.getLogger("bngsim").setLevel(logging.ERROR)
    cost = ssa_cost(build, minutes)
    model = bngsim.Model.from_net(str(build / "model.net"))
    model.set_state(np.round(model.get_state()))             # whole molecules, as SSA counts
    simulator = bngsim.Simulator(model, method="ssa", reaction_stats=True)
    start = time.perf_counter()
    result = simulator.run(t_span=(0.0, 0.002), n_points=2, seed=1)
    seconds = time.perf_counter() - start
    rate = float(np.asarray(result.reaction_firing_counts)[-1].sum()) / seconds   # counts since the start
    return {"events": round(cost.events), "events_per_min": round(cost.events_per_minute),
            "events_per_s": round(rate), "projected_s": round(cost.events / rate)}


def hybrid_results(until: str = "2h", replicates: int = 100, ensemble_until: str = "30 min",
                   timeout: float = 3600.0) -> dict:
    """Every measurement of this benchmark (the module's docstring), with which targets it met."""
    bioxen = str(bioxen_script())
    results: dict = {"targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="bioxen-hybrid-") as work:
        work = Path(work)
        build = work / "single"
        results["compile"] = timed_run([bioxen, "compile", str(SINGLE), "-o", str(build), "--no-cache"], timeout)
        for method in ("hybrid", "ode"):
            results[method] = timed_run([bioxen, "simulate", str(build), "--method", method, "--until", until,
                                         "--points", "121", "--seed", "1", "-o", str(work / f"{method}.csv")],
                                        timeout)
            print(f"{method}: {results[method]['wall_s']} s, {results[method]['peak_rss_mb']} MB", flush=True)
        import pandas as pd
        hybrid, ode = (pd.read_csv(work / f"{m}.csv") for m in ("hybrid", "ode"))
        results["end_state"] = {column: {"hybrid": float(hybrid[column].iloc[-1]), "ode": float(ode[column].iloc[-1])}
                                for column in ("growth_rate_per_min", "energy", "vm1_protein_total")}
        minutes = float(hybrid["time_min"].iloc[-1])
        results["exact_ssa"] = exact_ssa_cost(build, minutes)
        print(f"exact SSA: {results['exact_ssa']}", flush=True)
        ensemble = {}
        for workers in (1, 2):
            ensemble[workers] = timed_run([bioxen, "sweep", str(SUBSYSTEM), "--method", "hybrid", "--replicates",
                                           str(replicates), "--until", ensemble_until, "--workers",
                                           str(workers), "-o", str(work / f"ensemble{workers}.parquet")], timeout)
            print(f"ensemble, {workers} worker(s): {ensemble[workers]['wall_s']} s", flush=True)
        results["ensemble"] = {"replicates": replicates, "until": ensemble_until,
                               "workers": {str(k): v for k, v in ensemble.items()},
                               "speedup_2_workers": round(ensemble[1]["wall_s"] / ensemble[2]["wall_s"], 2)}
    results["met"] = {
        "hybrid_2h_s": results["hybrid"]["wall_s"] <= TARGETS["hybrid_2h_s"],
        "peak_rss_mb": max(results[m]["peak_rss_mb"] or 0 for m in ("hybrid", "ode")) < TARGETS["peak_rss_mb"],
        "ensemble_speedup_2_workers": results["ensemble"]["speedup_2_workers"] >= TARGETS["ensemble_speedup_2_workers"],
    }
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", default="2h")
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--ensemble-until", default="30 min")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for variable in ("BIOXEN_GENOME_PATH", "BIOXEN_DATA_PATH"):
        if not os.environ.get(variable):
            print(f"note: {variable} is not set (the genome may be downloaded)", file=sys.stderr)
    results = {"machine": machine(), **hybrid_results(args.until, args.replicates, args.ensemble_until, args.timeout)}
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({k: results[k] for k in ("met",)}, indent=1))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
