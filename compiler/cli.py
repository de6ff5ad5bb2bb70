"""The `bioxen` command line."""
from __future__ import annotations

import errno
import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from bioxen import collector, progress
from bioxen.formats import DEFAULT_FORMATS, FORMATS
from bioxen.errors import BioxenError, at
from bioxen.units import minutes

app = typer.Typer(help="BioXen: compile genomes and a hypervisor policy into a whole-cell model.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
genome_app = typer.Typer(help="Inspect genomes.", no_args_is_help=True)
chassis_app = typer.Typer(help="Host chassis profiles.", no_args_is_help=True)
app.add_typer(genome_app, name="genome")
app.add_typer(chassis_app, name="chassis")
console = Console()
errors = Console(stderr=True)
GENOME_FINDINGS_SHOWN = 20      # genome info: annotation findings listed before "and N more"
OUT_HELP = "output directory: new, empty or a BioXen build (replaced whole, never anything else)"


@app.callback()
def _options(context: typer.Context,
             quiet: bool = typer.Option(False, "--quiet", "-q",
                                        help=f"no progress bars (also: {progress.QUIET_VARIABLE}=1); they are drawn "
                                             "on stderr, only when it is a terminal")):
    # the command runs inside this block: its progress goes to stderr, or nowhere if quiet
    context.with_resource(progress.shown(quiet=quiet, console=errors))


@contextmanager
def _user_errors():
    try:
        yield
    except BioxenError as exc:
        _print_diagnostics(exc)
        raise typer.Exit(1)


def _print_diagnostics(exc: BioxenError) -> None:
    for diagnostic in exc.errors:
        errors.print(str(diagnostic), style="red", highlight=False, markup=False, soft_wrap=True)


@contextmanager
def _stage(label: str):
    """Show the stage on stderr while it runs (bioxen.progress)."""
    with progress.task(label):
        yield


def _duration(text: str) -> float:
    try:
        return minutes(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@genome_app.command("info")
def genome_info(source: str = typer.Argument(..., help="GenBank, EMBL or FASTA (+ GFF3) path, or NCBI accession"),
                as_json: bool = typer.Option(False, "--json", help="print JSON"),
                operon_gap: int = typer.Option(50, help="max intergenic gap for operons (bp)")):
    """Replicons (length, topology), genetic code, features, pseudogenes, partial and untagged
    genes, operons, UGA codons and annotation defects (see docs/genomes.md)."""
    from bioxen.genome import load_genome
    from bioxen.genome.summary import genome_summary

    with _user_errors():
        summary = genome_summary(load_genome(source, Path.cwd()), operon_gap)
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    console.print(_genome_table(summary))
    findings = summary["findings"]
    for finding in findings[:GENOME_FINDINGS_SHOWN]:
        where = f"{finding['file']}:{finding['line']}" if finding["line"] else finding["file"]
        errors.print(f"{where}: {'defect' if finding['severity'] == 'defect' else 'warning'}: {finding['message']}",
                     style="yellow", highlight=False, markup=False, soft_wrap=True)
    if len(findings) > GENOME_FINDINGS_SHOWN:
        errors.print(f"... and {len(findings) - GENOME_FINDINGS_SHOWN:,} more (--json lists every one)",
                     style="yellow", highlight=False, markup=False)


def _genome_table(summary: dict) -> Table:
    table = Table(title=f"{summary['accession']}: {summary['description']}", show_header=False)
    assumed = " (assumed: the file does not say)"
    topology = summary["topology"] + (assumed if summary["topology_assumed"] and len(summary["replicons"]) == 1 else "")
    table.add_row("length bp", f"{summary['length_bp']:,}")
    table.add_row("topology", topology)
    table.add_row("translation table", str(summary["translation_table"]) +
                  (" (assumed: no /transl_table)" if summary["translation_table_assumed"] else ""))
    if len(summary["replicons"]) > 1:
        for replicon in summary["replicons"]:
            table.add_row(f"record {replicon['id']}",
                          f"{replicon['length_bp']:,} bp, {replicon['topology']}"
                          f"{assumed if replicon['topology_assumed'] else ''}, {replicon['genes']} genes"
                          f"{'' if replicon['has_sequence'] else ', no sequence'}; {replicon['description']}")
    for kind, count in summary["features"].items():
        table.add_row(f"{kind} features", str(count))
    for key in ("pseudogenes", "partial_genes", "coding_genes", "untagged_genes", "operons", "internal_tga_codons",
                "annotation_defects"):
        table.add_row(key.replace("_", " "), str(summary[key]))
    renamed = list(summary["renamed"].items())
    for name, keys in renamed[:GENOME_FINDINGS_SHOWN]:
        table.add_row(f"untagged {name}", f"keyed {', '.join(keys)} (made unique in genome order)")
    if len(renamed) > GENOME_FINDINGS_SHOWN:
        table.add_row("untagged, renamed", f"{len(renamed) - GENOME_FINDINGS_SHOWN} more names (--json lists them)")
    return table


def _warn(text: str) -> None:
    errors.print(f"warning: {text}", style="yellow", highlight=False, markup=False, soft_wrap=True)


@app.command()
def check(policy: Path = typer.Argument(..., help="policy YAML")):
    """Validate a policy and everything it names (genomes, tables, chassis, parts, commands)
    with every check compile makes short of building the model."""
    from bioxen import pipeline

    with _user_errors():
        with _stage("checking"):
            design = pipeline.check(policy)
        for warning in pipeline.genome_warnings(design):   # what BioXen assumed reading each genome
            _warn(warning)
    console.print(f"{policy}: ok ({len(design.vms)} VM(s), {design.genes_expressed} expressed gene(s), "
                  f"{len(design.control)} timed command(s), chassis {design.chassis.name})",
                  soft_wrap=True, highlight=False, markup=False)


def _compile(policy: Path, out: Optional[Path], formats=DEFAULT_FORMATS, use_cache: bool = True,
             need_design: bool = False):
    """Compile (or copy an unchanged design's build from the cache: :func:`bioxen.pipeline.build`)
    and say what was done; the pipeline's Built, holding the design when ``need_design``."""
    from bioxen import cache, pipeline

    built = pipeline.build(policy, out, formats, use_cache=use_cache, quick=not need_design)
    for warning in built.warnings:      # what BioXen assumed reading each genome, also on a cache hit
        _warn(warning)
    network = built.network
    how = (f"unchanged: copied from the cache, {cache.root() / built.key[:16]}..." if built.cached
           else f"network by {network['expanded_by']}")
    console.print(f"compiled {built.name}: {network['species']} species, {network['reactions']} reactions "
                  f"({how}) -> {built.out}")
    _refused_format_warnings(built.out)
    if built.build is not None and built.build.design.crosstalk is not None:
        from bioxen.backend.isolation import design_warnings

        design = built.build.design
        if design.chassis.hardware.has("translation", "orthogonal_ribosomes"):   # SD classes and pools
            console.print(_isolation_table(design))
        for warning in design_warnings(built.build.design):
            errors.print(f"warning: {warning}", style="yellow", highlight=False, markup=False)
    return built


def _refused_format_warnings(out: Path) -> None:
    """A warning line per format that ``--formats all`` left out, with the reason (manifest.json)."""
    refused = json.loads((out / "manifest.json").read_text()).get("formats_refused", {})
    for name, reason in refused.items():
        errors.print(f"warning: --formats all: {name} not written: {reason}", style="yellow", highlight=False,
                     markup=False, soft_wrap=True)


def _isolation_table(design) -> Table:
    """The cross-talk matrix (initiation strength of each SD class on each pool) and isolation per VM."""
    import numpy as np

    from bioxen.passes.isolate import isolation_ratios
    from bioxen.rna import leak_ratios

    crosstalk = design.crosstalk
    users = {vm.parts.pool: vm.id for vm in design.vms if vm.pool == "orthogonal"}
    label = lambda pool: f"{pool} ({users[pool]})" if pool in users else pool  # noqa: E731
    table = Table(title="translation initiation: SD class (row) on ribosome pool (column), host:host = 1")
    table.add_column("SD class")
    for pool in crosstalk.pools:
        table.add_column(label(pool), justify="right")
    table.add_column("on/off", justify="right")
    table.add_column("own mRNAs: on/off", justify="right")
    ratios = isolation_ratios(crosstalk)
    # the VM's own mRNAs on its pool over their best other pool (the row's ratio); on/off takes the
    # worse of both directions (a pool's ribosomes also read other classes' mRNAs)
    leaks = dict(zip(crosstalk.sd_classes[1:], (float(r) for r in leak_ratios(np.array(crosstalk.strength)))))
    for i, sd_class in enumerate(crosstalk.sd_classes):
        cells = [f"{v:.3g}" for v in crosstalk.strength[i]]
        ratio, leak = ratios.get(sd_class), leaks.get(sd_class)
        table.add_row(f"{label(sd_class)} {crosstalk.sd[i]}", *cells,
                      "" if ratio is None else f"{ratio:,.0f}x ({1 - 1 / ratio:.2%})",
                      "" if leak is None or ratio is None else f"{leak:,.0f}x ({1 - 1 / leak:.2%})")
    return table


def _formats_option():
    """The --formats option of compile and run."""
    return typer.Option(",".join(DEFAULT_FORMATS), "--formats",
                        help=f"comma-separated: {', '.join(FORMATS)}, or all: every format that applies to "
                             "the design, the others listed as refused (model.xml and the JSON files are always "
                             "written)")


@app.command("compile")
def compile_command(policy: Path = typer.Argument(..., help="policy YAML"),
                    out: Optional[Path] = typer.Option(None, "-o", "--out", help=OUT_HELP),
                    formats: str = _formats_option(),
                    no_cache: bool = typer.Option(False, "--no-cache",
                                                  help="compile even if the cache holds this design's build "
                                                       "(cache: $BIOXEN_CACHE_DIR/builds, safe to delete)")):
    """Compile a policy into DIR/model.xml (SBML L3V2), outputs.json, manifest.json and the formats asked for."""
    with _user_errors():
        _compile(policy, out, formats.split(","), use_cache=not no_cache)


def _ssa_budget(build_dir: Path, until: float, max_events: Optional[float], force: bool) -> None:
    """Print what an SSA run will cost; refuse it above the budget unless forced."""
    from bioxen.runtime.cost import check_budget, ssa_cost

    with _stage("estimating the SSA run's cost"):
        cost = ssa_cost(build_dir, until)
    console.print(f"SSA: {cost}")
    if not force:
        check_budget(cost, max_events, hint="raise the budget (bioxen simulate --max-events N, or "
                                            "BIOXEN_MAX_SSA_EVENTS) or run anyway (--force); or simulate fewer "
                                            "minutes, or the ODE")


def _simulate(build_dir: Path, until: float, points: int, method: str, seed, results: Path, engine=None,
              max_events: Optional[float] = None, force: bool = False):
    from bioxen.outdir import check_out_file, staged_files
    from bioxen.runtime.engines import resolve_engine, simulate as simulate_with
    from bioxen.runtime.limits import duration_minutes, output_points
    from bioxen.buildspec import read_spec
    from bioxen.runtime.plot import plot_timecourse
    from bioxen.runtime.simulate import read_build

    figure = results.with_suffix(".png")
    for path in (results, figure):
        check_out_file(path)           # before the simulation
    until, points = duration_minutes(until, "simulate"), output_points(points)   # mistakes cost nothing
    read_build(build_dir)              # nor does a broken build
    chosen, why = resolve_engine(build_dir, engine, method)
    if method == "ssa":
        _ssa_budget(build_dir, until, max_events, force)
    # a bar over simulated time (libRoadRunner's SSA reports after each leg, other runs at their end)
    with progress.task(f"simulating {until:g} min in {chosen.name} ({method}; {why})", until, "min") as advance:
        table = simulate_with(build_dir, until, points, method, seed, chosen.name, progress=advance)
    with staged_files(results, figure) as (table_file, figure_file):
        table.to_csv(table_file, index=False)
        plot_timecourse(table, figure_file, build_dir.name, vms=read_spec(build_dir).vms)
    console.print(f"time courses -> {results}, plot -> {figure}")
    return table


@app.command()
def simulate(build_dir: Path = typer.Argument(..., help="a compiled build directory"),
             until: str = typer.Option("6 h", help="duration with a unit, e.g. '6 h'"),
             points: int = typer.Option(361, help="output time points"),
             method: str = typer.Option("ode", help="ode, ssa or hybrid (exact low-copy expression, ODE pools)"),
             seed: Optional[int] = typer.Option(None, help="random seed (ssa, hybrid)"),
             out: Optional[Path] = typer.Option(None, "-o", "--out", help="results CSV"),
             engine: Optional[str] = typer.Option(None, "--engine",
                                                  help="roadrunner, bngsim, copasi or bng (default: by network size)"),
             max_events: Optional[float] = typer.Option(None, "--max-events",
                                                        help="SSA budget: refuse a run expected to fire more reaction "
                                                             "events (default 5e8, or $BIOXEN_MAX_SSA_EVENTS)"),
             force: bool = typer.Option(False, "--force", help="run an SSA over its budget anyway")):
    """Simulate a compiled model; write CSV time courses and a PNG plot. An SSA run's cost is
    estimated and printed first, and a run over the budget is refused unless forced."""
    with _user_errors():
        _simulate(build_dir, _duration(until), points, method, seed, out or build_dir / "results.csv", engine,
                  max_events, force)


def _sweep_table(summary, paths: list[str], title: str) -> Table:
    """Per grid point: mean ± sd over replicates of the final growth rate and each VM's translation."""
    quantities = ["growth_rate_per_min"] + [q for q in dict.fromkeys(summary["quantity"])
                                            if q.endswith("_translation_flux")]
    table = Table(title=title)
    for column in ("point", *paths, "runs"):
        table.add_column(column, justify="right")
    for quantity in quantities:
        table.add_column(quantity.replace("_per_min", " (1/min)").replace("_translation_flux", " translation (/min)"),
                         justify="right")
    for point, rows in summary.groupby("point", sort=True):
        stats = rows.set_index("quantity")
        first = rows.iloc[0]
        cells = [f"{stats.at[q, 'mean']:.4g}" + (f" ± {stats.at[q, 'std']:.2g}" if stats.at[q, "n"] > 1 else "")
                 for q in quantities]
        table.add_row(str(point), *(str(first[p]) for p in paths), str(first["n"]), *cells)
    return table


def _sweep(policy: Path, settings: list[str], replicates: int, method, until, points, engine, seed: int,
           scheduler, workers: int, out: Optional[Path], max_runs: Optional[int] = None) -> None:
    from bioxen.outdir import check_out_file
    from bioxen.sweep import output_paths, run_sweep

    if out is not None:
        for path in output_paths(out).values():   # a bad suffix or place fails before any work
            check_out_file(path)
    start = time.perf_counter()
    result = run_sweep(policy, settings, replicates, method, until, points, engine, seed, scheduler, workers,
                       max_runs=max_runs)   # draws its own bars (bioxen.progress)
    about = result.results.attrs["bioxen_sweep"]
    written = result.write(out or Path("build") / about["design"] / "sweep.parquet")
    paths = list(about["settings"])
    console.print(_sweep_table(result.summary, paths, f"{about['design']}: final values, mean ± sd over replicates"))
    console.print(f"{about['runs']} run(s), {', '.join(about['methods'])} in {', '.join(about['engines'])}, "
                  f"in {time.perf_counter() - start:.1f} s -> {written['results']}; per run -> {written['runs']}; "
                  f"summary -> {written['summary']}")


@app.command()
def sweep(policy: Path = typer.Argument(..., help="policy YAML"),
          settings: list[str] = typer.Option([], "--set", help="PATH=SPEC: a policy field by dotted path (list items "
                                             "by id or index) and its values: start:stop:n, a,b,c or one value; "
                                             "several --set span the full grid"),
          replicates: int = typer.Option(1, help="runs per grid point (SSA; ODE takes 1)"),
          method: Optional[str] = typer.Option(None, help="ode, ssa or hybrid (default: the policy's simulate.method)"),
          until: Optional[str] = typer.Option(None, help="duration with a unit, e.g. '30 min' (default: the "
                                                         "policy's)"),
          points: Optional[int] = typer.Option(None, help="output time points (default: the policy's)"),
          engine: Optional[str] = typer.Option(None, help="roadrunner, bngsim, copasi or bng (default: bngsim for "
                                                          "ssa, by network size for ode)"),
          seed: int = typer.Option(0, help="base seed: run (point, replicate) gets its own from it"),
          scheduler: Optional[str] = typer.Option(None, help="address of a running Dask scheduler, e.g. "
                                                             "tcp://10.0.0.5:8786 (default: a LocalCluster)"),
          workers: int = typer.Option(2, help="worker processes of the LocalCluster"),
          out: Optional[Path] = typer.Option(None, "-o", "--out", help="results .parquet or .csv (default: "
                                                                       "build/<policy name>/sweep.parquet)"),
          max_runs: Optional[int] = typer.Option(None, "--max-runs", help="the most runs (grid points x "
                                                 "replicates) to allow (default: $BIOXEN_MAX_SWEEP_RUNS or 10,000)")):
    """Sweep policy fields over a grid with replicates on Dask: one tidy table of every run, a
    table of each run's final values and a summary per grid point."""
    with _user_errors():
        _sweep(policy, settings, replicates, method, until, points, engine, seed, scheduler, workers, out, max_runs)


def _summary_table(summary, design_name: str) -> Table:
    table = Table(title=f"{design_name}: what happened")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    if summary.host_alone_doubling_time_min is not None:
        table.add_row("host doubling time, alone (min)", f"{summary.host_alone_doubling_time_min:.1f}")
    table.add_row("host doubling time, with guests (min)", f"{summary.doubling_time_min:.1f}")
    if summary.burden is not None:
        table.add_row("burden (longer doubling)", f"{summary.burden:+.1%}")
    for vm in summary.vms:
        table.add_row(f"{vm.vm}: total protein (molecules)", f"{vm.protein_final:,.0f}")
        table.add_row(f"{vm.vm}: translation (proteins/min)", f"{vm.translation_flux_final:,.1f}")
        table.add_row(f"{vm.vm}: steady state", "yes" if vm.steady else
                      f"no ({vm.relative_change_last_window:.1%} change in last 10%)")
    for command, target in (("PAUSE_VM", "<10%"), ("RESUME_VM", ">=90%")):
        for vm in sorted({s.vm for s in summary.switches if s.command == command}):
            times = [s.minutes for s in summary.switches if s.command == command and s.vm == vm]
            reached = [t for t in times if t is not None]
            text = f"{sum(reached) / len(reached):.1f}" if reached else "not reached in the run"
            if reached and len(reached) < len(times):
                text += f" ({len(times) - len(reached)} of {len(times)} not reached)"
            table.add_row(f"{vm}: context switch {command} to {target} of its flux (min)", text)
    return table


@app.command()
def run(policy: Path = typer.Argument(..., help="policy YAML"),
        out: Optional[Path] = typer.Option(None, "-o", "--out", help=OUT_HELP),
        formats: str = _formats_option()):
    """Compile (the formats asked for), simulate as the policy's `simulate:` says, and summarise."""
    from bioxen.buildspec import read_spec
    from bioxen.report import write_report
    from bioxen.runtime.steady import host_alone
    from bioxen.runtime.summary import summarize

    with _user_errors():
        built = _compile(policy, out, formats.split(","), need_design=True)
        design, out_dir = built.design, built.out
        plan = design.simulation
        table = _simulate(out_dir, plan.until, plan.points, plan.method, plan.seed, out_dir / "results.csv")
        with _stage("simulating the host alone"):
            alone = host_alone(design, plan.until)
        summary = summarize(table, alone, read_spec(out_dir).control, vms=[vm.id for vm in design.vms])
        with _stage("report"):
            _, rows = write_report(out_dir, table, summary.host_alone_doubling_time_min)
    console.print(_summary_table(summary, design.name))
    console.print(_comparison_table(rows, design.name))
    console.print(f"report -> {out_dir / 'report.html'}, metrics -> {out_dir / 'metrics.json'}")


def _comparison_table(rows, name: str) -> Table:
    table = Table(title=f"{name}: against the founding expectations (data, not a verdict)")
    for column in ("metric", "seed expects", "BioXen measured"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


@app.command()
def report(build_dir: Path = typer.Argument(..., help="a compiled build directory"),
           sweep: int = typer.Option(0, help="scalability: simulate 1..N copies of the policy's first VM")):
    """Write metrics.json and a self-contained report.html for a build; print the comparison."""
    from bioxen.report import write_report
    from bioxen.report.metrics import read_results
    from bioxen.runtime.simulate import read_build, read_manifest

    with _user_errors():
        if sweep < 0:
            raise BioxenError(f"--sweep takes a number of VMs (0 for none), got {sweep}")
        read_build(build_dir)                                 # a broken build fails before any work
        read_manifest(build_dir)
        table = read_results(build_dir / "results.csv")       # None: none yet, or one from before reports
        label = "report" + (f" with a sweep of 1..{sweep} VMs" if sweep else "")
        with progress.task(label, sweep or None, "VMs") as advance:   # a bar over the sweep's VMs
            _, rows = write_report(build_dir, table, sweep=sweep, progress=lambda copies: advance(copies - 1))
    console.print(_comparison_table(rows, build_dir.name))
    console.print(f"report -> {build_dir / 'report.html'}, metrics -> {build_dir / 'metrics.json'}")


def _percent_or_na(value) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _profile_tables(content: dict) -> list[Table]:
    """Sensitivities per VM (bottleneck marked) and the suggestions with their measured changes."""
    found = Table(title=f"{content['build']}: d ln(flux) / d ln(resource), measured (+{content['step']:.0%} each)")
    for column in ("VM", "resource", "VM flux", "host growth"):
        found.add_column(column, justify="left" if column in ("VM", "resource") else "right")
    ideas = Table(title=f"suggestions, each simulated: {content['operating_point']['measured']} "
                        "('no gain': the VM's flux did not rise)")
    for column in ("VM", "change", "policy", "VM flux", "host growth", "other VMs"):
        ideas.add_column(column, justify="right" if column in ("VM flux", "host growth") else "left")
    for vm, p in content["vms"].items():
        for row in p["sensitivities"]:
            bottleneck = row["resource"] == p["bottleneck"]
            found.add_row(vm, row["label"] + (" (bottleneck)" if bottleneck else ""),
                          "n/a" if row["flux"] is None else f"{row['flux']:+.2f}",
                          "n/a" if row["growth"] is None else f"{row['growth']:+.2f}",
                          style="bold" if bottleneck else None)
        for s in p["suggestions"]:
            others = ", ".join(f"{v} {_percent_or_na(c)}" for v, c in s["other_vms_flux_change"].items())
            ideas.add_row(vm, s["change"], s["policy"] or "-",
                          _percent_or_na(s["flux_change"]) + ("" if s["verified"] else " (no gain)"),
                          _percent_or_na(s["growth_change"]), others or "-")
    return [found, ideas]


@app.command()
def profile(build_dir: Path = typer.Argument(..., help="a compiled build directory")):
    """Which resource limits each VM: sensitivities of its translation flux (and of the host's
    growth) to its o-ribosome pool, host ribosomes, energy, mRNA supply and protease load,
    measured on the model; suggestions, each verified by simulation. Writes DIR/profile.json and,
    if DIR has a report.html, its Profile section."""
    from bioxen.outdir import check_out_file
    from bioxen.report import write_report
    from bioxen.report.metrics import read_results
    from bioxen.report.profile import PROFILE_FILE, profile as measure, write_profile
    from bioxen.runtime.simulate import read_build

    with _user_errors():
        read_build(build_dir)                                 # a broken build fails before any work
        check_out_file(build_dir / PROFILE_FILE)
        start = time.perf_counter()
        with progress.task("profiling: one run per resource and per suggestion", None, "runs") as advance:
            content = measure(build_dir, progress=advance)
        written = write_profile(build_dir, content)
        elapsed = time.perf_counter() - start
        page = build_dir / "report.html"
        if page.is_file():
            with _stage("report"):
                write_report(build_dir, read_results(build_dir / "results.csv"))
    for table in _profile_tables(content):
        console.print(table)
    console.print(f"{content['simulations']} runs in {elapsed:.1f} s; profile -> {written}"
                  + (f", report -> {page}" if page.is_file() else ""))


@app.command()
def debug(build_dir: Path = typer.Argument(..., help="a compiled build directory"),
          watch: list[str] = typer.Option([], "--watch", "-w",
                                          help="a further condition to trace, e.g. 'energy < 5' (repeatable)")):
    """The molecular debugger's trace of a run of the build (its policy's simulate plan): when each
    fluorescent checkpoint (policy checkpoints:) and each --watch condition fired, at the time its
    quantity crossed the threshold, and when each checkpoint's reporter lit."""
    from bioxen.report import results_table
    from bioxen.runtime.debugger import Condition, Event, checkpoint_trace, fired
    from bioxen.runtime.simulate import read_build

    with _user_errors():
        _, spec = read_build(build_dir)
        table = results_table(build_dir)
        missing = [c.name for c in spec.checkpoints if c.column not in table]
        if missing:       # a results.csv written before the checkpoints: simulate again
            from bioxen.runtime.engines import simulate
            from bioxen.runtime.simulate import simulate_build
            plan = spec.simulate
            run = simulate_build if plan.method != "hybrid" else simulate       # hybrid runs in bngsim
            table = run(build_dir, plan.until_min, plan.points, plan.method, plan.seed)
        events = checkpoint_trace(table, spec.checkpoints)
        for text in watch:
            condition = Condition.parse(text, table.columns)
            events += [Event(t, "watchpoint", text, str(condition), v) for t, v in fired(table, condition)]
    events.sort(key=lambda e: e.time_min)
    found = Table("time (min)", "kind", "name", "condition", "value", title=f"{build_dir.name}: trace")
    for e in events:
        found.add_row(f"{e.time_min:.2f}", e.kind, e.name, e.condition, f"{e.value:.4g}")
    console.print(found)
    if not spec.checkpoints and not watch:
        console.print("the build has no checkpoints (policy checkpoints:) and no --watch was given")
    console.print(f"{len(events)} event(s) in {float(table['time_min'].iloc[-1]):g} min")


@chassis_app.command("list")
def chassis_list():
    """Every chassis profile: its host at steady state and the mechanism serving each hypervisor function."""
    from bioxen.chassis import load_chassis, shipped_chassis
    from bioxen.runtime.steady import host_summary

    table = Table(title="chassis (bioxen chassis show NAME: every mechanism and its source)")
    for column in ("chassis", "code", "doubling", "ribosomes", "proteins", "translation", "gate", "degradation",
                   "commands"):
        table.add_column(column, overflow="fold")
    for name in shipped_chassis():
        try:
            chassis = load_chassis(name)
        except BioxenError as exc:        # one bad profile in BIOXEN_CHASSIS_PATH: say so, list the others
            table.add_row(name, "", "", "", "", f"[red]unreadable[/red]: {exc.errors[0].message}", "", "", "")
            continue
        host, hw = host_summary(chassis), chassis.hardware
        table.add_row(chassis.name, str(hw.genetic_code), f"{host['doubling_time']:.0f} min",
                      f"{host['ribosomes']:,.0f}", f"{host['non_ribosomal_proteins']:,.0f}",
                      *(", ".join(hw.offers.get(f, ())) or "[red]none[/red]"
                        for f in ("translation", "gate", "degradation", "commands")))
    console.print(table)


@chassis_app.command("show")
def chassis_show(name: str = typer.Argument(..., help="chassis name, alias (ecoli, yeast) or path")):
    """One chassis: its host at steady state, what it offers each function (with sources), what it lacks and why."""
    from bioxen.chassis import load_chassis
    from bioxen.hardware import FUNCTIONS
    from bioxen.runtime.steady import host_summary

    with _user_errors():
        chassis = load_chassis(name)
    hw = chassis.hardware
    console.print(f"[bold]{chassis.name}[/bold]: {chassis.description} ({chassis.source})")
    console.print(f"genetic code: translation table {hw.genetic_code}")
    host = host_summary(chassis)
    console.print("host at steady state: " + ", ".join(
        f"{k.replace('_', ' ')} {v:,.4g}" for k, v in host.items()))
    table = Table("function", "mechanism", "status", title="hardware")
    table.add_column("source or reason", overflow="fold")
    for function, spec in FUNCTIONS.items():
        for mechanism in spec.mechanisms:
            if hw.has(function, mechanism):
                default = " (default)" if hw.default(function) == mechanism else ""
                table.add_row(spec.does, mechanism, f"offered{default}", hw.sources[mechanism])
            else:
                table.add_row(spec.does, mechanism, "[red]lacks[/red]", hw.lacks.get(mechanism, "not known to work here"))
    console.print(table)


@chassis_app.command("metabolism")
def chassis_metabolism(name: str = typer.Argument(..., help="chassis name, alias or path")):
    """Flux balance of the chassis's own metabolic model (COBRApy), beside its coarse host's growth."""
    from bioxen.api.metabolism import host_flux_balance
    from bioxen.chassis import load_chassis

    with _user_errors():
        flux = host_flux_balance(load_chassis(name))
    console.print(f"{flux.chassis}: {flux.model} ({flux.reactions:,} reactions): {flux.status}, growth "
                  f"{flux.growth_per_h:.4g} /h at the model's own medium bounds; the chassis's host grows at "
                  f"{flux.host_growth_per_h:.4g} /h")


@chassis_app.command("steady-state")
def chassis_steady_state(name: str = typer.Argument("ecoli_mg1655", help="chassis name or path")):
    """Compute the host's steady state; paste it into the chassis YAML."""
    from bioxen.chassis import load_chassis
    from bioxen.runtime.steady import host_steady_state

    with _user_errors():
        state = host_steady_state(load_chassis(name))
    print("steady_state:")
    for key, value in state.items():
        print(f"  {key}: {value:.6g}")


# --- bioxen data: reference data sets (where each is found; fetch into the cache) ---------------
data_app = typer.Typer(help="Reference data (Syn3A metabolic model, gene table): where found, fetch.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("list")
def data_list():
    """Each reference data set, where it is found now, and how to get it if it is not."""
    from bioxen.data.reference import REFERENCE_DATA, locate

    table = Table("name", "file", title="reference data")
    table.add_column("found", overflow="fold")
    with _user_errors():
        for data in REFERENCE_DATA.values():
            found = locate(data)
            table.add_row(data.name, data.filename, str(found) if found else f"[red]missing[/red]: {data.route()}")
    console.print(table)


@data_app.command("fetch")
def data_fetch(name: str = typer.Argument(..., help="data set (bioxen data list) or its file name"),
               source: Optional[str] = typer.Option(None, "--from", help="a local copy or an http(s) URL "
                                                    "(default: the publication's repository)")):
    """Put a reference data set into the cache, checked against its published SHA-256."""
    from bioxen.data.fetch import fetch

    with _user_errors():
        path = fetch(name, source)
    console.print(f"{name} -> {path} (SHA-256 checked)", highlight=False)


def _terminated(number: int, frame) -> None:
    raise SystemExit(128 + number)


INTERRUPTED = 130               # Ctrl-C: typer exits with 128 + SIGINT
INTERNAL_ERROR = 70             # EX_SOFTWARE (sysexits.h): a fault in BioXen, not in its input
DEBUG_VARIABLE = "BIOXEN_DEBUG"


# errors of a path a user gave (a name too long, a loop of symbolic links): said of the path, with
# what to do, wherever they surface; BioXen's checks catch the common ones first, with their limits
PATH_ERRORS = {errno.ENAMETOOLONG: "give a shorter name or path",
               errno.ELOOP: "the path runs through a loop of symbolic links: give the real path"}


def main() -> None:
    """``bioxen``: a user's mistake (a BioxenError) prints its diagnostics and exits 1, never a
    traceback; any other exception is BioXen's fault, written in full to a log file the user is
    pointed to (exit 70; ``BIOXEN_DEBUG=1`` shows the traceback instead)."""
    # SIGTERM unwinds like Ctrl-C, so a build or file being written is cleaned up, not left half-made
    signal.signal(signal.SIGTERM, _terminated)
    collector.one_shot()        # this process ends after the command: builds are frozen, not collected
    try:
        app()
    except SystemExit as exc:
        if exc.code == INTERRUPTED:
            errors.print("interrupted", style="red", highlight=False)
        raise
    except KeyboardInterrupt:
        errors.print("interrupted", style="red", highlight=False)
        raise SystemExit(INTERRUPTED) from None
    except BioxenError as exc:
        _print_diagnostics(exc)
        raise SystemExit(1) from None
    except Exception as exc:
        if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
            raise
        if isinstance(exc, OSError) and exc.errno in PATH_ERRORS and exc.filename:
            _print_diagnostics(BioxenError(exc.strerror or os.strerror(exc.errno), at(os.fsdecode(exc.filename)),
                                           PATH_ERRORS[exc.errno]))
            raise SystemExit(1) from None
        log = _crash_log(exc)
        report = f"with {log}" if log else f"(no log could be written; {DEBUG_VARIABLE}=1 shows the traceback)"
        errors.print(f"bioxen: internal error ({type(exc).__name__}: {str(exc)[:200]}), please report it {report}",
                     style="red", highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(INTERNAL_ERROR) from None


def _crash_log(exc: BaseException) -> Path | None:
    """Write the traceback, the command line and the versions to a new log file in the cache's
    ``logs/`` (else the temporary directory); its path, or None if neither can be written."""
    import platform
    import tempfile
    import traceback
    from datetime import datetime, timezone

    import bioxen
    from bioxen.env import cache_root

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    text = (f"bioxen {bioxen.__version__}, Python {platform.python_version()}, {platform.platform()}\n"
            f"command: {' '.join(sys.argv)}\ntime: {stamp}\n\n"
            + "".join(traceback.format_exception(exc)))
    for directory in (cache_root() / "logs", Path(tempfile.gettempdir())):
        log = directory / f"bioxen-{stamp}-{os.getpid()}.log"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            log.write_text(text)
            return log
        except OSError:
            continue
    return None
