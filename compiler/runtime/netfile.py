"""Reading a build's network file (model.net): its reactions by rule, its species by SBML id,
and any named quantity out of a bngsim-shaped result (species, observables, functions,
parameters, reaction fluxes), shared by the engines, the runtime's cells and hybrid runs; and
the two networks a hybrid run splits it into (:func:`frozen_rates`, :func:`continuous_network`)."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from bioxen.buildspec import read_json, read_text
from bioxen.errors import SimulationError
from bioxen.runtime.failures import native_stderr


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


# -- the networks of a hybrid run ------------------------------------------------------------

@dataclass(frozen=True)
class Network:
    """What a hybrid run needs of a network file, read once per file version."""

    text: str
    species: tuple[str, ...]          # SBML ids, in the network's order (locus_map.json)
    functions: tuple[str, ...]        # rate functions, in the network's order
    observables: dict                 # observable -> (species indices, weights)


def _blocks(text: str, name: str) -> list[str]:
    start, end = text.find(f"begin {name}"), text.find(f"end {name}")
    return [] if start < 0 or end < 0 else text[start:end].splitlines()[1:]


@lru_cache(maxsize=4)
def _network(net: Path, mtime_ns: int) -> Network:
    text = read_text(net)
    if net.with_name("locus_map.json").is_file():      # a build: species by their SBML ids
        listed = read_json(net.with_name("locus_map.json")).get("species")
        if not isinstance(listed, (list, dict)):
            raise SimulationError(f"{net.with_name('locus_map.json')} lists no species", hint="recompile the policy")
    else:
        listed = [line.split()[1] for line in _blocks(text, "species") if line.strip()]
    functions = tuple(line.split()[1].split("(")[0] for line in _blocks(text, "functions") if line.strip())
    observables = {}
    for line in _blocks(text, "groups"):
        fields = line.split()
        if len(fields) < 3:
            continue
        members = [member.partition("*") for member in fields[2].split(",")]
        observables[fields[1]] = (np.array([int(i if w else f) - 1 for f, w, i in members]),
                                  np.array([float(f) if w else 1.0 for f, w, i in members]))
    return Network(text, tuple(listed), functions, observables)


def network(net: Path) -> Network:
    """A network file (a build's model.net, or any BioNetGen .net) as the hybrid reads it."""
    if not net.is_file():
        raise SimulationError(f"{net.parent} has no {net.name}, which hybrid runs need",
                              hint="recompile the policy: model.net is one of the default formats; a `--formats` list "
                                   "must name net")
    return _network(net, net.stat().st_mtime_ns)


def frozen_rates(text: str) -> str:
    """The network with every function replaced by a parameter of the same name (mass action
    throughout): what the exact steps fire, each function's value set per step."""
    lines = _blocks(text, "functions")
    if not lines:
        return text
    params = _blocks(text, "parameters")
    first = 1 + max((int(line.split()[0]) for line in params if line.strip()), default=0)
    frozen = "".join(f"    {first + k} {line.split()[1].split('(')[0]} 0\n"
                     for k, line in enumerate(line for line in lines if line.strip()))
    start, end = text.index("begin functions"), text.index("end functions") + len("end functions")
    text = text[:start].rstrip("\n") + "\n" + text[end:].lstrip("\n")
    return text.replace("end parameters", frozen + "end parameters", 1)


def continuous_network(text: str, keep: np.ndarray) -> str:
    """The network with only the reactions ``keep`` (indices in its order) and only the functions
    their rates need (with the functions those call): the continuous step's right-hand side then
    evaluates a handful of functions, not every gene's (0.4 ms a call on a Syn3A VM)."""
    reactions = [line for line in _blocks(text, "reactions") if line.strip()]
    kept = [reactions[i] for i in keep]
    functions = {line.split()[1].split("(")[0]: line for line in _blocks(text, "functions") if line.strip()}
    needed, todo = set(), [line.partition("#")[0].split()[3].rpartition("*")[2] for line in kept]
    while todo:
        name = todo.pop()
        if name in functions and name not in needed:
            needed.add(name)
            todo += re.findall(r"[A-Za-z_]\w*", functions[name].split(None, 2)[2])
    body = {"functions": [line for name, line in functions.items() if name in needed],
            "reactions": [f"    {k} {line.split(None, 1)[1]}" for k, line in enumerate(kept, start=1)]}
    for block, lines in body.items():
        if f"begin {block}" not in text:        # a network without functions
            continue
        start, end = text.index(f"begin {block}"), text.index(f"end {block}")
        text = text[:start] + f"begin {block}\n" + "".join(line + "\n" for line in lines) + text[end:]
    return text


def load_network_text(text: str):
    """bngsim's model of a network given as text (bngsim reads networks from files)."""
    import bngsim

    handle, path = tempfile.mkstemp(suffix=".net")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        with native_stderr():
            return bngsim.Model.from_net(path)
    finally:
        os.unlink(path)
