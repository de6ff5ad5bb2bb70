"""BNGL emitter: PySB's BNGL export plus actions that reproduce the policy's run.

Timed commands become ``setParameter`` (one per parameter a command sets,
:mod:`bioxen.backend.commands`) between continued simulations, so that BNG2.pl's
run matches the SBML events (outputs at the same evenly spaced times where a
command falls on that grid).

:func:`with_actions` rewrites a build's model.bngl for one run of BNG2.pl: observables and
functions for the quantities asked for (read from the SBML model's species and kinetic laws),
whole-molecule starting amounts for SSA, and actions sampling the run's output grid.
"""
from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import libsbml
import numpy as np
from pysb.generator.bng import BngGenerator

from bioxen.buildspec import ControlEntry
from bioxen.errors import SimulationError
from bioxen.ir import SimulationPlan


def _segments(commands: Iterable[tuple[float, Mapping[str, float]]],
              until: float) -> list[tuple[float, float, dict[str, float]]]:
    """(start, end, parameters set at start) for each stretch between command times;
    ``commands``: (time, the parameters set then), in time order."""
    commands = list(commands)
    times = sorted({at for at, _ in commands if 0 < at < until})
    bounds = [0.0] + times + [until]
    return [(start, end, {k: v for at, values in commands if (at == start if start > 0 else at <= 0)
                          for k, v in values.items()})
            for start, end in zip(bounds, bounds[1:])]


def _number(level: float) -> str:
    """A parameter value in BNGL, exactly (shortest round-trip form; ``1`` for 1.0)."""
    return repr(float(level)).removesuffix(".0")


class _Text:
    """Text that grows in place: ``+=`` appends a piece, ``str()`` joins them once."""

    def __init__(self, start: str):
        self.pieces = [start]

    def __iadd__(self, more: str) -> "_Text":
        self.pieces.append(more)
        return self

    def __str__(self) -> str:
        return "".join(self.pieces)


class _BngText(BngGenerator):
    """PySB's BNGL generator, its text grown in place. It builds the file with
    ``self.__content += ...``, and CPython copies a string attribute at each ``+=``: time
    quadratic in the file's size (the rules section of three Syn3A VMs took 42 s, of one 1.8 s).
    Its private ``__content`` is kept here as a :class:`_Text`, which appends instead."""

    @property
    def _BngGenerator__content(self):
        return self._text

    @_BngGenerator__content.setter
    def _BngGenerator__content(self, value):
        self._text = value if value is None or isinstance(value, _Text) else _Text(value)


def bngl_model(model) -> str:
    """PySB's BNGL of ``model`` (what ``pysb.export.export(model, "bngl")`` writes), in time linear
    in its size."""
    return str(_BngText(model).get_content())


def to_bngl(model, plan: SimulationPlan, steps=()) -> str:
    """PySB's BNGL with actions that run the plan and apply the timed commands' ``steps``
    (:func:`bioxen.backend.commands.steps`)."""
    method = "ode" if plan.method == "ode" else "ssa"
    seed = f",seed=>{plan.seed}" if plan.seed is not None and method == "ssa" else ""
    interval = plan.until / (plan.points - 1)
    lines = ["", "begin actions", "  generate_network({overwrite=>1})"]
    for index, (start, end, applied) in enumerate(_segments(((s.at, s.assignments) for s in steps), plan.until)):
        lines += [f'  setParameter("{parameter}",{_number(level)})' for parameter, level in applied.items()]
        n_steps = max(1, round((end - start) / interval))
        more = ",continue=>1" if index else seed  # one random stream, seeded once
        lines.append(f'  simulate({{method=>"{method}",t_start=>{start:g},t_end=>{end:g},'
                     f"n_steps=>{n_steps}{more}}})")
    lines.append("end actions")
    return bngl_model(model) + "\n".join(lines) + "\n"


# -- model.bngl rewritten for one run of BNG2.pl --------------------------------------------------

_MONOMER = re.compile(r"(\w+)\((.*)\)")


def _site(name: str, value) -> str:
    if value is None:
        return name
    if isinstance(value, int):
        return f"{name}!{value}"
    if isinstance(value, str):
        return f"{name}~{value}"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return _site(name, value[0]) + (f"!{value[1]}" if value[1] is not None else "")
    if isinstance(value, list) and all(isinstance(bond, int) for bond in value):
        return name + "".join(f"!{bond}" for bond in value)
    raise ValueError(f"site {name}={value!r}")


def bngl_species(pysb_species: str) -> str:
    """A PySB species (an SBML species' name) in BNGL:
    ``mRNA_x(rib=1, sd='o1') % ribosome(mrna=1)`` -> ``mRNA_x(rib!1,sd~o1).ribosome(mrna!1)``."""
    monomers = []
    for part in pysb_species.split(" % "):
        match = _MONOMER.fullmatch(part.strip())
        try:
            call = ast.parse(f"_({match.group(2)})", mode="eval").body
            sites = [_site(k.arg, ast.literal_eval(k.value)) for k in call.keywords]
        except (AttributeError, SyntaxError, ValueError) as exc:
            raise SimulationError(f"cannot write species '{pysb_species}' in BNGL") from exc
        monomers.append(f"{match.group(1)}({','.join(sites)})")
    return ".".join(monomers)


def _rename(node: libsbml.ASTNode, model: libsbml.Model, observable: Callable[[str], str]) -> None:
    """Species -> their observables, compartments -> their sizes, numbers without their SBML units
    (BNGL has none), throughout ``node``."""
    if node.isNumber() and node.hasUnits():
        node.unsetUnits()
    if node.isName():
        if model.getSpecies(node.getName()) is not None:
            node.setName(observable(node.getName()))
        elif model.getCompartment(node.getName()) is not None:
            node.setValue(model.getCompartment(node.getName()).getSize())
    for i in range(node.getNumChildren()):
        _rename(node.getChild(i), model, observable)


def _law(model: libsbml.Model, reaction: libsbml.Reaction, observable: Callable[[str], str]) -> str:
    """A reaction's SBML kinetic law as a BNGL expression over Species observables."""
    law = reaction.getKineticLaw().getMath().deepCopy()
    _rename(law, model, observable)
    return libsbml.formulaToL3String(law)


@dataclass
class _Readout:
    """What a BNGL file gains so that BNG2.pl's .gdat holds every selected quantity."""

    observables: list[str]
    functions: list[str]
    column: dict[str, str]    # selected name -> .gdat column


def _readout(model: libsbml.Model, selected: list[str]) -> _Readout:
    readout = _Readout([], [], {"time": "time"})
    species_observable: dict[str, str] = {}

    def observable(sid: str) -> str:
        if sid not in species_observable:
            species_observable[sid] = f"bioxen_species_{len(species_observable)}"
            pattern = bngl_species(model.getSpecies(sid).getName())
            readout.observables.append(f"  Species {species_observable[sid]} {pattern}")
        return species_observable[sid]

    for index, name in enumerate(n for n in selected if n != "time"):
        if model.getSpecies(name) is not None:
            readout.column[name] = observable(name)
            continue
        reaction = model.getReaction(name)
        formula = _law(model, reaction, observable) if reaction is not None else name
        readout.column[name] = f"bioxen_selected_{index}"
        readout.functions.append(f"  bioxen_selected_{index}() {formula}")
    return readout


def _insert_block(bngl: str, block: str, lines: list[str]) -> str:
    if not lines:
        return bngl
    if f"end {block}" in bngl:
        return bngl.replace(f"end {block}", "\n".join(lines) + f"\nend {block}", 1)
    return bngl.replace("end model", f"begin {block}\n" + "\n".join(lines) + f"\nend {block}\n\nend model", 1)


def _actions(control: tuple[ControlEntry, ...], until: float, points: int, method: str, seed: int | None,
             initial: dict[str, str], tolerance: float | None) -> list[str]:
    grid = np.linspace(0.0, until, points)
    lines = ["begin actions", "  generate_network({overwrite=>1})"]
    lines += [f'  setConcentration("{pattern}",{amount})' for pattern, amount in initial.items()]
    for index, (start, end, applied) in enumerate(_segments(((c.at_min, c.assignments) for c in control), until)):
        lines += [f'  setParameter("{name}",{_number(level)})' for name, level in applied.items()]
        times = [start] + [t for t in grid if start < t < end and not math.isclose(t, end)] + [end]
        if len(times) < 3:
            times.insert(1, (start + end) / 2)   # BNG2.pl wants three sample times or more
        more = ",continue=>1" if index else (f",seed=>{int(seed) % 2**31}" if seed is not None else "")
        tolerances = f",atol=>{tolerance:g},rtol=>{tolerance:g}" if tolerance is not None else ""
        lines.append(f'  simulate({{method=>"{method}",t_start=>{_number(start)},print_functions=>1,'
                     f"sample_times=>[{','.join(_number(t) for t in times)}]{tolerances}{more}}})")
    return lines + ["end actions"]


def with_actions(bngl: str, model: libsbml.Model, selected: list[str], control: tuple[ControlEntry, ...],
                 until: float, points: int, method: str, seed: int | None, initial: Mapping[str, float],
                 tolerance: float | None) -> tuple[str, dict[str, str]]:
    """``bngl`` (a build's model.bngl) made to run ``until`` minutes on a ``points`` grid with the
    build's timed commands ``control``, printing every ``selected`` quantity of the SBML ``model``;
    ``initial``: species id -> starting amount to set (SSA's whole molecules); ``tolerance``:
    the ODE's relative and absolute tolerance (None: BNG2.pl's own). Returns the text and the
    .gdat column of each selected quantity."""
    readout = _readout(model, selected)
    patterns = {bngl_species(model.getSpecies(sid).getName()): _number(amount) for sid, amount in initial.items()}
    bngl = re.sub(r"\nbegin actions\n.*?\nend actions\n?", "\n", bngl, flags=re.S)
    bngl = _insert_block(_insert_block(bngl, "observables", readout.observables), "functions", readout.functions)
    return bngl + "\n" + "\n".join(_actions(control, until, points, method, seed, patterns, tolerance)) + "\n", \
        readout.column
