"""What the hypervisor BioXen designs achieves, against the founding document and issue 19's targets.

``python benchmarks/hypervisor.py [--out benchmarks/hypervisor_results.json]`` compiles the
three-Syn3A design (models/policies/syn3a_three_vms.yaml, subsystem resolution) in the runs below,
simulates each with libRoadRunner and measures them with the report's own metrics
(:func:`bioxen.report.metrics.compute`), so the figures are the ones ``bioxen report`` prints:

* steady     no commands, 6 h: isolation per VM (made on other pools, degraded by other
             proteases), fairness, growth, the hypervisor's genes and tax;
* switch     PAUSE_VM vm2 at 300 min, RESUME_VM at 360 min, every context-switch mechanism the
             compiler offers (policy ``isolation.gate``), one output point every 0.25 min;
* round_robin  scheduler round_robin with an external clock at each quantum in QUANTA;
* destroy    DESTROY_VM vm3 at 300 min, 10 h: the neighbours' degradation after the VM is cleared;
* eight      models/policies/syn3a_eight_vms.yaml: growth, fairness and isolation with 8 VMs;
* sweep      ``bioxen report --sweep 8`` on the three-VM policy: where growth, fairness or
             isolation break down as VMs are added;
* profile    ``bioxen profile`` on the steady build: each VM's bottleneck, suggestions and their
             measured gains.

Every figure is from one run on one machine; the JSON records which.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libsbml
from ruamel.yaml import YAML

from bioxen import pipeline
from bioxen.backend.compile import outputs_spec
from bioxen.backend.isolation import isolation_report
from bioxen.report.metrics import compute
from bioxen.runtime.simulate import Outputs, simulate_sbml

ROOT = Path(__file__).resolve().parents[1]
BIOXEN = str(Path(sys.executable).with_name("bioxen"))   # the console script beside this Python
THREE_VMS = ROOT / "models" / "policies" / "syn3a_three_vms.yaml"
EIGHT_VMS = ROOT / "models" / "policies" / "syn3a_eight_vms.yaml"
GATES = ("ribosome", "mrna", "both")          # policy isolation.gate: the context-switch mechanisms
QUANTA = (10, 15, 30)                         # round-robin quanta (min)
TARGETS = {"pause_min": 5.0, "resume_min": 10.0, "round_robin_turn_min": 5.0, "fairness_abs_error": 0.05,
           "isolation_simulated": 0.995, "neighbour_degradation_after_destroy": 0.01, "vms": 8}
SEED = {"context switch": "about 30 s", "isolation": "above 99%", "after DESTROY_VM": "no cross-contamination",
        "VMs per host": "3-4", "hypervisor genes": "about 100", "profiler": "bottleneck detection, tuning suggestions"}


def _policy(base: Path, **changes) -> dict:
    yaml = YAML(typ="safe")
    policy = yaml.load(base)
    for key, value in changes.items():
        if value is None:
            policy.pop(key, None)
        elif isinstance(value, dict) and isinstance(policy.get(key), dict):
            policy[key] = {**policy[key], **value}
        else:
            policy[key] = value
    return policy


def _text(policy: dict) -> str:
    from io import StringIO

    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    out = StringIO()
    yaml.dump(policy, out)
    return out.getvalue()


def run(policy: dict, base: Path, until: float, points: int) -> tuple[dict, object, object, float]:
    """Compile ``policy`` (read as the text of ``base``, so relative paths resolve against its folder),
    simulate ``until`` minutes at ``points`` output points, and measure the run."""
    started = time.perf_counter()
    build = pipeline.compile(pipeline.load(base, text=_text(policy)))
    spec = outputs_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), until, points)
    metrics = compute(table, spec, isolation_report(build.design))
    return metrics, build, table, time.perf_counter() - started


def steady() -> dict:
    from bioxen.runtime.steady import host_alone

    metrics, build, table, seconds = run(_policy(THREE_VMS, control=None), THREE_VMS, 360, 361)
    alone = float(host_alone(build.design, 360)["doubling_time_min"].iloc[-1])
    metrics["growth"].update(host_alone_doubling_time_min=alone,
                             burden=metrics["growth"]["doubling_time_min"] / alone - 1)
    return {"seconds": round(seconds, 1), "isolation": metrics["isolation"]["simulated"],
            "fairness": metrics["fairness"], "growth": metrics["growth"], "hypervisor_tax": metrics["hypervisor_tax"]}


def switch(gate: str) -> dict:
    control = [{"at": "300 min", "command": "PAUSE_VM", "vm": "vm2"},
               {"at": "360 min", "command": "RESUME_VM", "vm": "vm2"}]
    policy = _policy(THREE_VMS, control=control, isolation={"gate": gate})
    metrics, _, table, seconds = run(policy, THREE_VMS, 480, 1921)
    switch = metrics["context_switch_min"]
    before = float(table[table["time_min"] <= 300]["vm2_translation_flux"].iloc[-1])
    paused = table[(table["time_min"] >= 330) & (table["time_min"] <= 360)]   # the second half of the pause
    return {"gate": gate, "seconds": round(seconds, 1), "pause_min": switch["pause"], "resume_min": switch["resume"],
            # vm2's translation while paused, and the part of it on host or other pools, per its flux before
            "paused_flux_share": float(paused["vm2_translation_flux"].mean()) / before,
            "paused_offtarget_share": float(paused["vm2_offtarget_flux"].mean()) / before}


def round_robin(quantum: int, clock: str = "external") -> dict:
    policy = _policy(THREE_VMS, control=None,
                     scheduler={"policy": "round_robin", "quantum": f"{quantum} min", "clock": clock})
    metrics, _, _, seconds = run(policy, THREE_VMS, 360, 1441)
    return {"quantum_min": quantum, "clock": clock, "seconds": round(seconds, 1),
            "turn_min": metrics["context_switch_min"]["round_robin_turn"],
            "fairness_max_abs_error": metrics["fairness"]["max_abs_error"],
            "growth_doubling_min": metrics["growth"]["doubling_time_min"]}


def destroy() -> dict:
    policy = _policy(THREE_VMS, control=[{"at": "300 min", "command": "DESTROY_VM", "vm": "vm3"}])
    metrics, _, _, seconds = run(policy, THREE_VMS, 600, 601)
    return {"seconds": round(seconds, 1), **(metrics.get("destroy") or {})}


def eight() -> dict:
    policy = _policy(EIGHT_VMS)
    metrics, build, _, seconds = run(policy, EIGHT_VMS, 360, 361)
    return {"seconds": round(seconds, 1), "vms": len(build.design.vms), "growth": metrics["growth"],
            "fairness_max_abs_error": metrics["fairness"]["max_abs_error"],
            "isolation_min_simulated": metrics["isolation"]["min_simulated"]}


def sweep(max_vms: int = 8) -> dict:
    from bioxen.report.scaling import sweep as run_sweep

    started = time.perf_counter()
    result = run_sweep(THREE_VMS, max_vms)
    return {"seconds": round(time.perf_counter() - started, 1), **result}


def profile(work: Path) -> dict:
    """``bioxen profile`` on the steady three-VM build, and the hypervisor's genes in that build."""
    from bioxen.buildspec import read_spec
    from bioxen.report import hypervisor_gene_count

    out = work / "steady_build"
    started = time.perf_counter()
    subprocess.run([BIOXEN, "--quiet", "compile", str(THREE_VMS), "-o", str(out)],
                   check=True, capture_output=True)
    compiled = time.perf_counter()
    subprocess.run([BIOXEN, "--quiet", "profile", str(out)], check=True,
                   capture_output=True)
    data = json.loads((out / "profile.json").read_text())
    genes = hypervisor_gene_count(out, read_spec(out))
    return {"compile_seconds": round(compiled - started, 1),
            "profile_seconds": round(time.perf_counter() - compiled, 1), "hypervisor_genes": genes, **data}


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "compiler", "rules"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip())
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "commit": commit, "uncommitted_edits": dirty, "load_average": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "hypervisor_results.json")
    parser.add_argument("--only", default="", help="comma-separated parts to run (default: all)")
    args = parser.parse_args()
    parts = {"steady": steady, "switch": lambda: [switch(g) for g in GATES],
             "round_robin": lambda: [round_robin(q) for q in QUANTA] + [round_robin(30, "internal")],
             "destroy": destroy, "eight": eight, "sweep": sweep}
    chosen = [p for p in args.only.split(",") if p] or [*parts, "profile"]
    results = json.loads(args.out.read_text()) if args.out.is_file() and args.only else {}
    results.update(machine=machine(), targets=TARGETS, seed=SEED)
    with tempfile.TemporaryDirectory() as work:
        for name in chosen:
            started = time.perf_counter()
            results[name] = profile(Path(work)) if name == "profile" else parts[name]()
            print(f"{name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
            args.out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k not in ("machine", "sweep", "profile")}, indent=1,
                     default=str))


if __name__ == "__main__":
    main()
