"""Reading a build's network file (model.net): its reactions by rule, its species by SBML id,
and any named quantity out of a bngsim-shaped result (species, observables, functions,
parameters, reaction fluxes). Shared by the engines, the runtime's cells and hybrid runs."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from bioxen.buildspec import read_json, read_text
from bioxen.errors import SimulationError


def columns(selected: list[str], read: Callable[[str], np.ndarray | None], engine: str) -> np.ndarray:
    """The selected columns from ``read`` (None for a quantity the engine does not report)."""
    found = {name: read(name) for name in selected}
    missing = [name for name, column in found.items() if column is None]
    if missing:
        raise SimulationError(f"{engine} reports no {', '.join(missing[:5])}"
                              + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""))
    return np.column_stack([np.asarray(found[name], dtype=float) for name in selected])


def _net_reactions(text: str) -> dict[str, list[tuple[int, list[int], float, str]]]:
    """A .net file's reactions by the rule that made them: rule -> [(+1 forward or -1 reverse,
    reactant indices (0-based), factor, rate constant)]."""
    block = text[text.index("begin reactions"):text.index("end reactions")].splitlines()[1:]
    found: dict[str, list] = {}
    for line in block:
        fields, _, rule = line.partition("#")
        _, reactants, _, rate = fields.split()
        factor, _, constant = rate.rpartition("*")
        sign = -1 if rule.startswith("_reverse_") else 1
        found.setdefault(rule.strip().removeprefix("_reverse_"), []).append(
            (sign, [int(i) - 1 for i in reactants.split(",") if i != "0"], float(factor or 1), constant))
    return found


@lru_cache(maxsize=8)
def _network_index(net: Path, mtime_ns: int) -> tuple[dict[str, int], dict]:
    """A network file's species (SBML id -> index, from locus_map.json beside it) and reactions
    by rule (:func:`_net_reactions`), read once per file version (a stepped run reads them often)."""
    listed = read_json(net.with_name("locus_map.json")).get("species")
    if not isinstance(listed, (list, dict)):
        raise SimulationError(f"{net.with_name('locus_map.json')} lists no species", hint="recompile the policy")
    try:
        return {sid: i for i, sid in enumerate(listed)}, _net_reactions(read_text(net))
    except (ValueError, IndexError) as exc:
        raise SimulationError(f"{net}: cannot read its reactions ({exc})", hint="recompile the policy") from None


def net_reader(build_dir: Path, model, result) -> Callable[[str], np.ndarray | None]:
    """How to read a named quantity out of a bngsim result on the build's model.net: species (by
    SBML id, in locus_map.json's order), observables, functions, parameters, and reaction fluxes
    (a rule's net flux, from its rate constants and reactants; None for an unknown name)."""
    species, reactions = _network_index(build_dir / "model.net", (build_dir / "model.net").stat().st_mtime_ns)
    # bngsim builds these mappings anew on each access: take them once
    expressions, observables = result.expressions, result.observables
    expression_names, observable_names = set(result.expression_names), set(result.observable_names)

    def value(name):
        if name in expression_names:
            return expressions[name]
        if name in observable_names:
            return observables[name]
        if name in species:
            return result.species[:, species[name]]
        if name in model.param_names:
            return np.full(len(result.time), float(model.get_param(name)))
        return None

    def read(name):
        if name == "time":
            return result.time
        if name in reactions:
            flux = np.zeros(len(result.time))
            for sign, reactants, factor, constant in reactions[name]:
                flux += sign * factor * value(constant) * np.prod([result.species[:, i] for i in reactants], axis=0)
            return flux
        return value(name)

    return read
