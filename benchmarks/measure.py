"""One measurement in a fresh process: ``python measure.py bioxen|naive POLICY WORK_DIR``.

Prints a ``BENCH {json}`` line as each stage starts and ends, the network's facts, and at
the end this process's peak memory, so the parent (run.py) learns the stage times as they
come and where a run it had to kill was.

bioxen: read_design -> compile_design (passes, rules, network, sbml) -> write_sbml (with
        libsbml's consistency check) -> model.net -> what outputs.json selects -> the
        default engine (choose_engine; bngsim reads model.net when engines._uses_net says
        so), loaded and run as bioxen.runtime.engines drives it.
naive:  the same PySB model -> BNG2.pl generate_network -> PySB's SBML exporter ->
        libRoadRunner with its default settings.
simulate: ``python measure.py simulate BUILD_DIR`` (BUILD_DIR a bioxen run's work directory):
        the same ODE in a fresh process, as a later ``bioxen simulate`` of the build runs it
        (what the engine prepared on an earlier run of the network kept; Python's start-up and
        imports not timed).
"""
from __future__ import annotations

import json
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import bngsim
import pysb.export
import roadrunner
from pysb.bng import generate_equations

from bioxen import collector
from bioxen.backend.compile import WRITERS, build_spec, compile_design
from bioxen.backend.model import build_model
from bioxen.backend.sbml import write_sbml
from bioxen.buildspec import read_spec, write_spec
from bioxen.frontend import read_design
from bioxen.passes import PIPELINE
from bioxen.runtime.engines import BNGSIM_ODE, ODE_TOLERANCE, _uses_net, choose_engine
from bioxen.runtime.jacobian import ode_simulator
from bioxen.runtime.netfile import network
from bioxen.runtime.simulate import Outputs, advance, load_simulator, selections

PREFIX = "BENCH "
COMPILE_STAGES = ("passes", "rules", "network", "sbml")   # what compile_design times


def report(**fields) -> None:
    print(PREFIX + json.dumps(fields), flush=True)


@contextmanager
def stage(name: str):
    report(start=name)
    start = time.perf_counter()
    yield
    report(stage=name, seconds=round(time.perf_counter() - start, 4))


def roadrunner_ode(work: Path, selected: list[str], until: float, points: int) -> None:
    """simulate.load_simulator (LLJIT, tolerances) on model.xml, then simulate.advance."""
    with stage("load"):
        rr = load_simulator((work / "model.xml").read_text(), "ode")
    with stage("integrate"):
        advance(rr, 0, until, points, selected)


def bngsim_ode(model_from, simulator_of):
    """bngsim as bioxen.runtime.engines runs an ODE: model and simulator, then the run (it
    reports every species and expression; reading ``selected`` out afterwards is not timed)."""
    def run(work: Path, selected: list[str], until: float, points: int) -> None:
        with stage("load"):
            simulator = simulator_of(model_from(work), work)
        with stage("integrate"):
            result = simulator.run(t_span=(0.0, until), n_points=points, rtol=ODE_TOLERANCE, atol=ODE_TOLERANCE)
        report(facts={"solver_stats": result.solver_stats})
    return run


ENGINE_ODE = {
    "roadrunner": roadrunner_ode,
    # engines._bngsim_net: its analytical Jacobian, checked once per network (bioxen.runtime.jacobian)
    "bngsim (model.net)": bngsim_ode(lambda work: bngsim.Model.from_net(str(work / "model.net")),
                                     lambda model, work: ode_simulator(model, work / "model.net")),
    # engines._bngsim_result: SBML, a difference-quotient Jacobian (BNGSIM_ODE)
    "bngsim (SBML)": bngsim_ode(lambda work: bngsim.Model.from_sbml_string((work / "model.xml").read_text()),
                                lambda model, work: bngsim.Simulator(model, method="ode", **BNGSIM_ODE)),
}


def default_engine(build, work: Path, spec: dict) -> str:
    """What ``bioxen simulate`` runs an ODE in: the engine for the network's size, and for
    bngsim the file it reads."""
    engine = choose_engine(len(build.species_ids))
    if engine == "bngsim":
        return "bngsim (model.net)" if _uses_net(work, spec, "ode") else "bngsim (SBML)"
    return engine


def bioxen_path(policy: Path, work: Path) -> None:
    with stage("parse"):
        design = read_design(policy)
    report(start="+".join(COMPILE_STAGES))
    timings: dict[str, float] = {}
    build = compile_design(design, timings)
    for name in COMPILE_STAGES:
        report(stage=name, seconds=timings[name])
    with stage("write_sbml"):
        write_sbml(build.sbml, work / "model.xml", build.reaction_names)
    with stage("write_net"):
        WRITERS["net"](build, work)
    with stage("outputs"):
        spec = build_spec(build)
        selected = selections(Outputs.from_spec(spec))
    engine = default_engine(build, work, spec)
    report(facts={"genes": build.design.genes_expressed, "species": len(build.species_ids),
                  "reactions": len(build.reaction_ids), "engine": engine, "expanded_by": build.expander})
    write_spec(spec, work)                                   # for a later `measure.py simulate` (not timed)
    plan = build.design.simulation
    ENGINE_ODE[engine](work, selected, plan.until, plan.points)


def simulate_path(work: Path) -> None:
    """The ODE of a bioxen run's work directory in this fresh process (``load``, ``integrate``)."""
    spec = read_spec(work)
    engine = choose_engine(len(network(work / "model.net").species))
    if engine == "bngsim":
        engine = "bngsim (model.net)" if _uses_net(work, spec, "ode") else "bngsim (SBML)"
    report(facts={"engine": engine})
    ENGINE_ODE[engine](work, selections(Outputs.from_spec(spec)), spec.simulate.until_min, spec.simulate.points)


def naive_path(policy: Path, work: Path) -> None:
    with stage("parse"):
        design = read_design(policy)
    with stage("passes"):
        for _, apply in PIPELINE:
            design = apply(design)
    with stage("rules"):
        model = build_model(design)[0].model
    with stage("network"):
        generate_equations(model)
    report(facts={"genes": design.genes_expressed, "species": len(model.species),
                  "reactions": len(model.reactions_bidirectional), "engine": "roadrunner (defaults)"})
    with stage("sbml"):
        sbml = pysb.export.export(model, "sbml")
    (work / "naive.xml").write_text(sbml)
    with stage("load"):
        rr = roadrunner.RoadRunner(sbml)
    with stage("integrate"):
        rr.simulate(0, design.simulation.until, design.simulation.points)


def peak_rss_mb() -> dict[str, float]:
    """This process's peak resident memory, and its largest child's (BNG2.pl), in MB."""
    return {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "children_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


PATHS = {"bioxen": bioxen_path, "naive": naive_path}

if __name__ == "__main__":
    collector.one_shot()          # as the bioxen CLI: this process ends after its measurement
    if sys.argv[1] == "simulate":
        simulate_path(Path(sys.argv[2]))
    else:
        path, policy, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
        work.mkdir(parents=True, exist_ok=True)
        PATHS[path](policy, work)
    report(memory=peak_rss_mb())
