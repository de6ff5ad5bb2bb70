"""Reports: the metrics of a hypervisor design, set beside the founding expectations.

``write_report(build_dir)`` writes ``metrics.json`` and a self-contained, interactive
``report.html`` (Plotly, :mod:`bioxen.report.html`) into a build directory and returns the metrics and the comparison
rows (:mod:`bioxen.report.expectations`).
"""
from __future__ import annotations
import libsedml  # noqa: F401,E402  before libsbml: python-libsedml loaded after libsbml breaks libsbml's ASTNode.getType() (../shared/TOOLCHAIN.md)

import json
from pathlib import Path

import pandas as pd

from bioxen.report.expectations import comparison
from bioxen.report.dna import dna_metrics
from bioxen.report.metrics import compute, intended_shares



def results_table(build_dir: Path) -> pd.DataFrame:
    """The build's results.csv if it has every column the report needs; else simulate the
    policy's plan again (and write results.csv)."""
    from bioxen.outdir import staged_files
    from bioxen.report.metrics import read_results
    from bioxen.buildspec import read_spec
    from bioxen.runtime.simulate import simulate_build

    results = build_dir / "results.csv"
    table = read_results(results)
    if table is not None:
        return table
    plan = read_spec(build_dir).simulate
    table = simulate_build(build_dir, plan.until_min, plan.points, plan.method, plan.seed)
    with staged_files(results) as (staged,):
        table.to_csv(staged, index=False)
    return table


def policy_of(build_dir: Path) -> Path | None:
    """The policy a build was compiled from, if it is still where the manifest says."""
    manifest = json.loads((build_dir / "manifest.json").read_text())
    for entry in manifest["inputs"]:
        if entry["role"] == "policy" and Path(entry["path"]).is_file():
            return Path(entry["path"])
    return None


def hypervisor_gene_count(build_dir: Path, spec) -> dict:
    """The hypervisor's own genes in a build: its protein genes (``spec.hypervisor``: proteases,
    reporters, controllers, ATP guard, clock repressors) and its RNA genes (o-rRNAs and gate
    RNAs, by their roles in locus_map.json), each list sorted."""
    from bioxen.buildspec import read_json

    roles = read_json(build_dir / "locus_map.json").get("monomer_roles", {})
    orrna = sorted(r["gene"] for r in roles.values() if r.get("kind") == "rrna" and r.get("pool") != "host")
    gates = sorted(name for name, r in roles.items() if r.get("kind") == "srna")
    proteins = sorted(spec.hypervisor or {})
    return {"protein_genes": proteins, "rna_genes": orrna + gates, "protein": len(proteins),
            "rna": len(orrna) + len(gates), "orrna": len(orrna), "gate_rna": len(gates)}


def write_report(build_dir: str | Path, table: pd.DataFrame | None = None,
                 host_alone_doubling: float | None = None, sweep: int = 0, progress=None):
    """metrics.json and report.html for a build (and its results); returns (metrics, rows)."""
    from bioxen.outdir import check_out_file, staged_files
    from bioxen.report.html import render
    from bioxen.report.profile import read_profile
    from bioxen.runtime.simulate import read_build

    build_dir = Path(build_dir)
    _, spec = read_build(build_dir)
    written = [check_out_file(build_dir / name) for name in ("metrics.json", "report.html")]   # before any work
    table = results_table(build_dir) if table is None else table
    isolation_file = build_dir / "isolation.json"
    isolation = json.loads(isolation_file.read_text()) if isolation_file.is_file() else None
    policy = policy_of(build_dir)
    if host_alone_doubling is None and policy is not None:
        from bioxen import pipeline
        from bioxen.runtime.steady import host_alone

        alone = host_alone(pipeline.load(policy), float(table["time_min"].iloc[-1]))
        host_alone_doubling = float(alone["doubling_time_min"].iloc[-1])
    metrics = compute(table, spec, isolation, host_alone_doubling)
    metrics["hypervisor_genes"] = hypervisor_gene_count(build_dir, spec)
    metrics["dna"] = dna_metrics(build_dir, metrics["growth"], intended_shares(spec),
                                 {vm: v.get("pool") for vm, v in (isolation or {}).get("vms", {}).items()},
                                 spec.recombination)
    scaling = None
    if sweep and policy is not None:
        from bioxen.report.scaling import sweep as run_sweep

        scaling = run_sweep(policy, sweep, progress)
        metrics["scalability"] = scaling
    rows = comparison(metrics, scaling)
    metrics["against_seed"] = [{"metric": a, "seed": b, "bioxen": c} for a, b, c in rows]
    png = "results.png" if (build_dir / "results.png").is_file() else None
    page = render(build_dir.name, table, spec, metrics, rows, isolation, scaling, png, read_profile(build_dir))
    with staged_files(*written) as (metrics_file, page_file):
        metrics_file.write_text(json.dumps(metrics, indent=1), encoding="utf-8")
        page_file.write_text(page, encoding="utf-8")
    return metrics, rows
