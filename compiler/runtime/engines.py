"""One results table from any of four simulators: libRoadRunner, bngsim, COPASI and BNG2.pl.

Every engine returns the quantities :func:`bioxen.runtime.simulate.selections` names (species,
assignment-rule values such as ``growth_rate``, and reaction fluxes such as the elongations) at
the same evenly spaced times, and :func:`bioxen.runtime.simulate.tabulate` turns them into the
table ``simulate_build`` gives. Each engine reads them its own way:

=========== ============ ============================================================
engine      methods      reads
=========== ============ ============================================================
roadrunner  ode, ssa     model.xml; species, rule values and fluxes by SBML id
bngsim      ode, ssa,    model.xml; species, and rules and reaction rates as expressions
            hybrid       (hybrid: model.net, :mod:`bioxen.runtime.hybrid`)
copasi      ode, ssa     model.cps (ODE) or model.xml; particle numbers and particle fluxes
bng         ode, ssa     model.bngl with its own actions replaced: a Species observable per
                         selected species, a function per rule value and per reaction
                         rate (the SBML kinetic law over those observables)
=========== ============ ============================================================

SSA counts molecules. Every engine starts from the same whole-molecule state that
``simulate.load_simulator`` gives libRoadRunner: initial amounts rounded, the ribosome
inventory set to the rounded ribosomes. bngsim and COPASI refuse a reversible reaction whose
law is not mass action (one net-rate channel would lock at equilibrium), so for SSA each
reversible reaction is split into a forward and a ``_reverse`` reaction from the positive and
negative terms of its law; its flux is read back as their difference.

A run that fails raises a SimulationError naming the engine, the time it reached and the
parameters or species to suspect (:mod:`bioxen.runtime.failures`); so does a run whose output
holds a non-finite value. ``simulate(..., progress=...)`` reports the minutes simulated as the
run goes: libRoadRunner's SSA in legs along the output grid (``SSA_LEGS``), other runs at their end.
"""
from __future__ import annotations

import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import libsbml
import numpy as np
import pandas as pd

from bioxen.backend.bngl import bngl_species, with_actions  # noqa: F401  (bngl_species: re-exported)
from bioxen.buildspec import BuildSpec, read_spec
from bioxen.errors import SimulationError
from bioxen.runtime.failures import (bngsim_values, check_finite, native_stderr, sbml_values, solver_failure,
                                     time_in)
from bioxen.runtime.jacobian import ode_simulator
from bioxen.runtime.limits import ODE_TOLERANCE, duration_minutes, output_points
from bioxen.runtime.netfile import _net_reactions, columns as _columns, net_reader  # noqa: F401  (re-exported)
from bioxen.runtime.simulate import (METHODS, Outputs, advance, inventories, load_simulator, read_build,
                                     read_manifest, read_text, selections, tabulate)

logger = logging.getLogger(__name__)

# The default engine by network size. libRoadRunner's CVODE factorises a dense Jacobian
# (cost ~ species^3) after compiling the model with LLVM; bngsim factorises with sparse KLU.
# Measured on this project's two-to-four-VM designs (6 h ODE, load + run, one process each):
#   species      125   197   293   533   914   1377   2657
#   roadrunner   0.5   0.7   1.7   5.5  17.7   68.4  661.5 s
#   bngsim       0.5   0.6   0.8   1.5   2.4    4.0   10.4 s
# Equal at ~125 species; from ~200 bngsim is faster and the gap widens. Below, libRoadRunner
# stays: it is the reference engine (the live hypervisor runs on it) and either takes < 1 s.
SPARSE_FROM_SPECIES = 200
# bngsim's own defaults derive an analytical Jacobian (45 s at 914 species, growing faster than
# the network) and, from 256 species, compile the right-hand side with the system C compiler
# into ~/.cache/bngsim (minutes, cold). A difference-quotient Jacobian, coloured over the
# sparsity pattern for KLU, needs neither: the times above are with these settings.
BNGSIM_ODE = {"jacobian": "fd", "codegen": False}
# libRoadRunner's SSA goes in up to this many legs along its output grid, reporting its progress
# after each: a genome-scale SSA runs for minutes, and libRoadRunner holds the GIL while it runs,
# so nothing else can report for it. The legs are fixed by the grid, so a seed gives the same run
# with or without anyone watching. bngsim runs in one piece: it releases the GIL (a live display
# keeps its clock), and its SSA continued leg by leg (``run_until``) drifted from the ODE mean
# (z = 2.2 over 40 runs of 0.01 min, against -0.6 in one piece).
SSA_LEGS = 20
Progress = Callable[[float, float], None]     # (minutes simulated, minutes asked for)


@dataclass(frozen=True)
class Engine:
    """A simulator: its name, the methods it runs, and how it fills a (points x selected) array."""

    name: str
    methods: tuple[str, ...]
    run: Callable[..., np.ndarray]    # (build_dir, selected, until, points, method, seed, progress=None)


def choose_engine(n_species: int) -> str:
    """libRoadRunner (dense CVODE) for small networks, bngsim (sparse KLU) from
    ``SPARSE_FROM_SPECIES`` species on."""
    return "bngsim" if n_species >= SPARSE_FROM_SPECIES else "roadrunner"


# -- reading an engine's output ------------------------------------------------------------------

def _net_fluxes(data: np.ndarray, read_names: list[str], selected: list[str], reverse_of: dict) -> np.ndarray:
    """Columns for ``selected`` from data read for ``read_names`` (selected plus split reverses)."""
    index = {name: i for i, name in enumerate(read_names)}
    return np.column_stack([data[:, index[name]] - (data[:, index[reverse_of[name]]] if name in reverse_of else 0)
                            for name in selected])


def _with_reverses(selected: list[str], reverse_of: dict[str, str]) -> list[str]:
    return selected + [reverse_of[name] for name in selected if name in reverse_of]


# -- SBML prepared for SSA ------------------------------------------------------------------------

def _operator(node: libsbml.ASTNode, symbol: str) -> bool:
    # getCharacter, not getType: once python-libsedml is imported after libsbml, libsbml's
    # ASTNode.getType() returns a bare SWIG pointer that equals no AST_* constant
    return node.isOperator() and node.getCharacter() == symbol


def _negated(node: libsbml.ASTNode) -> tuple[bool, str]:
    """(True, "x") for ``-x`` or a product with an odd number of negated factors, else
    (False, the term's formula)."""
    if node.isUMinus():
        return True, libsbml.formulaToL3String(node.getChild(0))
    if node.isNumber() and node.getValue() < 0:
        return True, repr(-node.getValue())
    if _operator(node, "*"):
        parts = [_negated(node.getChild(i)) for i in range(node.getNumChildren())]
        if sum(negative for negative, _ in parts) % 2:
            return True, " * ".join(f"({factor})" for _, factor in parts)
    return False, libsbml.formulaToL3String(node)


def _signed_terms(node: libsbml.ASTNode, sign: int = 1) -> list[tuple[int, str]]:
    """A rate law as signed terms: ``kf*A*B - kr*C`` -> [(+1, "kf * A * B"), (-1, "kr * C")]."""
    n = node.getNumChildren()
    if _operator(node, "+"):
        return [term for i in range(n) for term in _signed_terms(node.getChild(i), sign)]
    if _operator(node, "-") and n == 2:
        return _signed_terms(node.getChild(0), sign) + _signed_terms(node.getChild(1), -sign)
    negative, term = _negated(node)
    return [(-sign if negative else sign, term)]


def _sum(terms: list[str]) -> libsbml.ASTNode:
    return libsbml.parseL3Formula(" + ".join(f"({term})" for term in terms))


def _reverse_reaction(model: libsbml.Model, reaction: libsbml.Reaction, law: libsbml.ASTNode) -> str:
    back = reaction.clone()
    back.unsetMetaId(), back.setReversible(False)
    back.setId(next(sid for sid in (f"{reaction.getId()}_reverse{i or ''}" for i in range(1000))
                    if model.getElementBySId(sid) is None))
    back.getListOfReactants().clear(), back.getListOfProducts().clear()
    for source, add in ((reaction.getListOfProducts(), back.addReactant),
                        (reaction.getListOfReactants(), back.addProduct)):
        for reference in source:
            copy = reference.clone()
            copy.unsetId(), copy.unsetMetaId()
            add(copy)
    back.getKineticLaw().setMath(law)
    model.addReaction(back)
    return back.getId()


def split_reversible(model: libsbml.Model) -> dict[str, str]:
    """Split each reversible reaction whose law has positive and negative terms into a forward
    and a reverse reaction; reaction id -> its reverse's id."""
    reverse_of = {}
    for reaction in list(model.getListOfReactions()):
        if not reaction.getReversible() or reaction.getKineticLaw() is None:
            continue
        terms = _signed_terms(reaction.getKineticLaw().getMath())
        forward, backward = [t for s, t in terms if s > 0], [t for s, t in terms if s < 0]
        if forward and backward:
            reverse_of[reaction.getId()] = _reverse_reaction(model, reaction, _sum(backward))
            reaction.setReversible(False)
            reaction.getKineticLaw().setMath(_sum(forward))
    return reverse_of


def _initial_amount(model: libsbml.Model, species: libsbml.Species) -> float:
    assignment = model.getInitialAssignmentBySymbol(species.getId())
    if assignment is not None:
        value = libsbml.SBMLTransforms.evaluateASTNode(assignment.getMath(), model)
        model.removeInitialAssignment(species.getId())
        return value
    if species.isSetInitialAmount():
        return species.getInitialAmount()
    return species.getInitialConcentration() * model.getCompartment(species.getCompartment()).getSize()


def whole_molecules(model: libsbml.Model) -> dict[str, float]:
    """Round every initial amount and set each inventory to the rounded sum it counts (what
    ``simulate.load_simulator`` does for libRoadRunner's SSA); species id -> amount."""
    amounts = {}
    for species in model.getListOfSpecies():
        if not species.getBoundaryCondition() and not species.getConstant():
            amounts[species.getId()] = float(round(_initial_amount(model, species)))
            species.setInitialAmount(amounts[species.getId()])
    libsbml.SBMLTransforms.clearComponentValues(model)
    for inventory, total in inventories(list(amounts)).items():
        rule = model.getAssignmentRule(total)
        if rule is not None:
            amounts[inventory] = float(round(libsbml.SBMLTransforms.evaluateASTNode(rule.getMath(), model)))
            model.getSpecies(inventory).setInitialAmount(amounts[inventory])
    return amounts


def ssa_sbml(sbml: str) -> tuple[str, dict[str, str]]:
    """The model for a stochastic run: whole molecules, reversible reactions split."""
    text, reverse_of = _ssa_sbml(sbml)
    return text, dict(reverse_of)


@lru_cache(maxsize=2)
def _ssa_sbml(sbml: str) -> tuple[str, dict[str, str]]:
    doc = libsbml.readSBMLFromString(sbml)
    whole_molecules(doc.getModel())
    reverse_of = split_reversible(doc.getModel())
    return libsbml.writeSBMLToString(doc), reverse_of


# -- libRoadRunner, bngsim, COPASI ----------------------------------------------------------------

def legs(points: int, pieces: int) -> list[tuple[int, int]]:
    """The stretches of the output grid (first and last index) a run goes in: up to ``pieces``."""
    count = max(1, min(pieces, points - 1))
    bounds = np.linspace(0, points - 1, count + 1).round().astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


def _in_legs(run_leg, selected, until, points, pieces: int, progress: Progress | None) -> np.ndarray:
    """A run made of its legs: ``run_leg(start, end, n)`` gives each leg's rows."""
    grid, parts = np.linspace(0.0, until, points), []
    for first, last in legs(points, pieces):
        data = np.array(run_leg(grid[first], grid[last], last - first + 1), dtype=float)
        data[:, selected.index("time")] = grid[first:last + 1]
        parts.append(data if not parts else data[1:])
        if progress is not None:
            progress(float(grid[last]), float(until))
    return np.vstack(parts)


def _roadrunner(build_dir: Path, selected, until, points, method, seed, progress=None) -> np.ndarray:
    rr = load_simulator(read_text(build_dir / "model.xml"), method, seed)
    return _in_legs(lambda start, end, n: advance(rr, start, end, n, selected), selected, until, points,
                    SSA_LEGS if method == "ssa" else 1, progress)


def _check_libsbml() -> None:
    """bngsim reads SBML through libsbml's Python AST, which python-libsedml breaks when it is
    imported after libsbml (``ASTNode.getType()`` then returns a bare SWIG pointer)."""
    if libsbml.parseL3Formula("a + b").getType() != libsbml.AST_PLUS:
        raise SimulationError("bngsim cannot read SBML in this process: libsbml's Python AST is broken "
                              "(python-libsedml was imported after libsbml)",
                              hint="import libsedml before libsbml, or run bngsim in a fresh process")


def _bngsim_errors():
    import bngsim

    return bngsim.BngsimError, ValueError, RuntimeError


def _bngsim_failure(exc: Exception, native: str, model, simulator=None) -> SimulationError:
    """A bngsim run's failure, with the time it reached and the suspect values."""
    reached = time_in(native, str(exc))
    if reached is None and simulator is not None:
        reached = float(simulator.current_time)
    return solver_failure("bngsim", str(exc), reached, *bngsim_values(model))


def _bngsim_load(sbml: str):
    """bngsim's model of ``sbml``: a fresh copy (``clone``, 7 ms) of the one this process loaded
    last for that text. The runs of an ensemble on one worker load the model once: loading took
    0.64 s of a 1.5 s SSA run of the Syn3A subsystem VM. A run advances the model it is given, so
    each run gets its own copy."""
    return _bngsim_loaded(sbml).clone()


@lru_cache(maxsize=2)
def _bngsim_loaded(sbml: str):
    import bngsim

    _check_libsbml()
    try:
        with native_stderr():
            return bngsim.Model.from_sbml_string(sbml)
    except _bngsim_errors() as exc:
        raise SimulationError(f"bngsim cannot load the model: {str(exc)[:500]}") from exc


def _bngsim_result_reader(result) -> Callable[[str], np.ndarray | None]:
    species = {name: i for i, name in enumerate(result.species_names)}
    expressions = set(result.expression_names)

    def read(name):
        if name == "time":
            return result.time
        if name in species:
            return result.species[:, species[name]]
        return result.expressions[name] if name in expressions else None
    return read


def _bngsim(build_dir: Path, selected, until, points, method, seed, progress=None) -> np.ndarray:
    import bngsim

    if method == "hybrid":
        from bioxen.runtime.hybrid import run
        return run(build_dir, selected, until, points, method, seed, progress)
    if _uses_net(build_dir, read_spec(build_dir), method):
        return _bngsim_net(build_dir, selected, until, points, method, seed, progress)
    sbml, reverse_of = read_text(build_dir / "model.xml"), {}
    if method == "ssa":
        sbml, reverse_of = ssa_sbml(sbml)
    model = _bngsim_load(sbml)
    try:
        with native_stderr():
            simulator = bngsim.Simulator(model, method="ssa") if method == "ssa" else \
                bngsim.Simulator(model, method="ode", **BNGSIM_ODE)
    except _bngsim_errors() as exc:
        raise SimulationError(f"bngsim cannot prepare the model for {method}: {str(exc)[:500]}") from exc
    names = _with_reverses(selected, reverse_of)

    options = {"seed": seed} if method == "ssa" else {"rtol": ODE_TOLERANCE, "atol": ODE_TOLERANCE}
    try:
        with native_stderr() as native:
            result = simulator.run(t_span=(0.0, until), n_points=points, **options)
    except _bngsim_errors() as exc:
        raise _bngsim_failure(exc, native.text, model, simulator) from exc
    if progress is not None:
        progress(float(until), float(until))
    solver = {0: "dense LU", 1: "sparse KLU", 2: "LAPACK dense"}.get((result.solver_stats or {}).get("linear_solver"))
    logger.info("bngsim %s: %d species, linear solver %s", method, model.n_species, solver)
    return _net_fluxes(_columns(names, _bngsim_result_reader(result), "bngsim"), names, selected, reverse_of)


# -- bngsim on the compiler's network file ---------------------------------------------------------

def _uses_net(build_dir: Path, spec: BuildSpec, method: str) -> bool:
    """ODE runs without timed commands read model.net (the .net form has no events)."""
    return method == "ode" and (build_dir / "model.net").is_file() and not spec.control


def _bngsim_net(build_dir: Path, selected, until, points, method, seed, progress=None) -> np.ndarray:
    """bngsim on model.net: no SBML to parse, and an analytical Jacobian derived per function
    with the mass-action factors applied by the engine (the sparse KLU solver needs it: a
    difference-quotient Jacobian of a genome-scale model costs about one right-hand side per
    species, since shared pools make some rows dense)."""
    import bngsim

    try:
        with native_stderr():
            model = bngsim.Model.from_net(str(build_dir / "model.net"))
    except _bngsim_errors() as exc:
        raise SimulationError(f"bngsim cannot load {build_dir / 'model.net'}: {str(exc)[:500]}") from exc
    try:
        with native_stderr() as native:
            simulator = ode_simulator(model, build_dir / "model.net")
            result = simulator.run(t_span=(0.0, until), n_points=points, rtol=ODE_TOLERANCE, atol=ODE_TOLERANCE)
    except _bngsim_errors() as exc:
        raise _bngsim_failure(exc, native.text, model) from exc
    if progress is not None:
        progress(float(until), float(until))
    read = net_reader(build_dir, model, result)
    logger.info("bngsim ODE on model.net: %d species, Jacobian %s", model.n_species, model.analytical_jacobian_status)
    return _columns(selected, read, "bngsim")


def _copasi(build_dir: Path, selected, until, points, method, seed, progress=None) -> np.ndarray:
    from bioxen.backend.copasi import copasi_model, time_course

    source, reverse_of = build_dir / "model.xml", {}
    if method == "ssa":
        source, reverse_of = ssa_sbml(read_text(source))
    elif (build_dir / "model.cps").is_file():
        source = build_dir / "model.cps"
    names = _with_reverses(selected, reverse_of)
    with copasi_model(source) as model:
        try:
            data = time_course(model, names, until, points, method, seed)
        except SimulationError as exc:
            raise _copasi_failure(exc, build_dir, until, points) from exc
    return _net_fluxes(data, names, selected, reverse_of)


def _copasi_failure(exc: SimulationError, build_dir: Path, until: float, points: int) -> SimulationError:
    """COPASI's failure, with the time it reached (the points it gave) and the suspect values."""
    done = re.search(r"\((\d+) of (\d+) points\)", str(exc))
    reached = max(int(done.group(1)) - 1, 0) * until / (points - 1) if done else time_in(str(exc))
    return solver_failure("copasi", exc.errors[0].message, reached, *sbml_values(read_text(build_dir / "model.xml")))


# -- BNG2.pl on model.bngl ------------------------------------------------------------------------

def _bngl_for_run(build_dir: Path, selected, until, points, method, seed) -> tuple[str, dict[str, str]]:
    """model.bngl rewritten for this run (:func:`bioxen.backend.bngl.with_actions`), and the .gdat
    column of each selected quantity."""
    if not (build_dir / "model.bngl").is_file():
        raise SimulationError(f"{build_dir} has no model.bngl", hint="compile with --formats bngl")
    model = libsbml.readSBMLFromString(read_text(build_dir / "model.xml")).getModel()
    initial = {}
    if method == "ssa":
        original = {s.getId(): s.getInitialAmount() for s in model.getListOfSpecies()}
        initial = {sid: amount for sid, amount in whole_molecules(model).items() if amount or original.get(sid)}
    return with_actions(read_text(build_dir / "model.bngl"), model, selected, read_spec(build_dir).control, until,
                        points, method, seed, initial, ODE_TOLERANCE / 100 if method == "ode" else None)


def _read_gdat(path: Path, until: float, points: int) -> pd.DataFrame:
    with open(path) as handle:
        header = [name.removesuffix("()") for name in handle.readline().lstrip("#").split()]
    table = pd.DataFrame(np.loadtxt(path, ndmin=2), columns=header).drop_duplicates("time", keep="last")
    grid = np.linspace(0.0, until, points)
    rows = [int(np.argmin(np.abs(table["time"].to_numpy() - t))) for t in grid]
    if not np.allclose(table["time"].to_numpy()[rows], grid, rtol=1e-9, atol=1e-9 * max(until, 1)):
        raise SimulationError(f"BNG2.pl's output misses times of the {points}-point grid")
    return table.iloc[rows].reset_index(drop=True)


def _bng(build_dir: Path, selected, until, points, method, seed, progress=None) -> np.ndarray:
    from pysb.pathfinder import get_path

    bngl, column = _bngl_for_run(build_dir, selected, until, points, method, seed)
    with tempfile.TemporaryDirectory(prefix="bioxen-bng-") as work:
        (Path(work) / "model.bngl").write_text(bngl)
        run = subprocess.run(["perl", get_path("bng"), "model.bngl"], cwd=work, capture_output=True, text=True)
        if run.returncode != 0 or not (Path(work) / "model.gdat").is_file():
            tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-8:])
            if re.search(r"CV_|CVODE|integrat", tail):
                raise solver_failure("bng", tail, time_in(tail), *sbml_values(read_text(build_dir / "model.xml")))
            raise SimulationError(f"BNG2.pl failed on model.bngl:\n{tail}")
        gdat = _read_gdat(Path(work) / "model.gdat", until, points)
    return _columns(selected, lambda name: gdat[column[name]].to_numpy() if column[name] in gdat else None, "BNG2.pl")


# -- the entry point ------------------------------------------------------------------------------

ENGINES: dict[str, Engine] = {engine.name: engine for engine in (
    Engine("roadrunner", ("ode", "ssa"), _roadrunner),
    Engine("bngsim", ("ode", "ssa", "hybrid"), _bngsim),
    Engine("copasi", ("ode", "ssa"), _copasi),
    Engine("bng", ("ode", "ssa"), _bng),
)}


def species_count(build_dir: str | Path) -> int:
    """The network's species (manifest.json, else model.xml)."""
    manifest = read_manifest(build_dir)
    if manifest is not None:
        return manifest["network"]["species"]
    sbml, _ = read_build(build_dir)
    model = libsbml.readSBMLFromString(sbml).getModel()
    if model is None:
        raise SimulationError(f"{Path(build_dir) / 'model.xml'} holds no SBML model")
    return model.getNumSpecies()


def resolve_engine(build_dir: str | Path, engine: str | None, method: str) -> tuple[Engine, str]:
    """The engine to run and why: the one asked for, or the default for the network's size."""
    if not isinstance(method, str) or method not in METHODS:
        raise SimulationError(f"unknown method '{method}' (expected one of: {', '.join(METHODS)})")
    if engine is None and method == "hybrid":
        engine, why = "bngsim", "the engine of hybrid runs"
    elif engine is None:
        n = species_count(build_dir)
        engine = choose_engine(n)
        why = f"default for {n} species ({'>=' if engine == 'bngsim' else '<'} {SPARSE_FROM_SPECIES})"
    else:
        why = "requested"
    if not isinstance(engine, str) or engine not in ENGINES:
        raise SimulationError(f"unknown engine '{engine}' (expected one of: {', '.join(ENGINES)})")
    if method not in ENGINES[engine].methods:
        raise SimulationError(f"engine '{engine}' cannot run method '{method}' "
                              f"(it runs: {', '.join(ENGINES[engine].methods)})")
    return ENGINES[engine], why


def simulate(build_dir: str | Path, until: float, points: int = 361, method: str = "ode",
             seed: int | None = None, engine: str | None = None, progress: Progress | None = None) -> pd.DataFrame:
    """The results table of ``simulate_build``, from the named engine or the default one;
    ``table.attrs["engine"]`` says which ran. ``progress(minutes done, minutes asked)`` is called
    as the run goes (after each leg of an SSA run: ``SSA_LEGS``)."""
    build_dir = Path(build_dir)
    sbml, spec = read_build(build_dir)
    until, points = duration_minutes(until, "simulate"), output_points(points)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
        raise SimulationError(f"seed must be a whole number from 0 to {2**31 - 1}, got {seed!r}")
    chosen, why = resolve_engine(build_dir, engine, method)
    logger.info("engine: %s (%s), method %s", chosen.name, why, method)
    outputs = Outputs.from_spec(spec)
    selected = selections(outputs)
    data = check_finite(chosen.name, chosen.run(build_dir, selected, until, points, method, seed, progress=progress),
                        selected, lambda: sbml_values(sbml))
    table = tabulate(data, selected, outputs)
    table.attrs.update(engine=chosen.name, engine_reason=why, method=method)
    return table
