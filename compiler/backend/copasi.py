"""COPASI's view of a build: model.cps written through basico, and time courses run in COPASI.

COPASI reads model.xml as the SBML says: time in minutes, quantities in molecules (COPASI's
quantity unit ``#``) in the 1 fL ``cell`` compartment, so a species' concentration is
molecules/fL. Read-outs here never depend on that: species are read as particle numbers,
reactions as particle fluxes (molecules/min) and assignment-rule parameters as their values,
each through its SBML id.

basico keeps a "current model" of its own; every call here names its data model and frees it.
"""
from __future__ import annotations

import locale
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bioxen.errors import CompileError, SimulationError
from bioxen.formats import refuse_above

QUANTITY_UNIT = "#"              # molecules: what the SBML's substance unit "item" means
ODE_TOLERANCE = 1e-9             # relative and absolute (LSODA)
MAX_INTERNAL_STEPS = 2_000_000_000   # per output interval; the host alone fires ~1e7 reactions/min
METHODS = {"ode": "deterministic", "ssa": "directMethod"}
# model.cps is made by COPASI's own SBML import, which resolves each name in each kinetic law by a
# linear scan of every element made so far (SBMLImporter::sbmlId2CopasiCN; gdb samples, python-copasi
# 4.48), so its time grows as reactions x elements: one Syn3A VM at gene resolution (6,985 reactions)
# 196-235 s, three such VMs (29,083) unfinished after 20 min (benchmarks/README.md). Above this many
# reactions the format is refused with that reason (BIOXEN_COPASI_MAX_REACTIONS sets another limit).
COPASI_MAX_REACTIONS = 10_000
LIMIT_VARIABLE = "BIOXEN_COPASI_MAX_REACTIONS"


_CTYPE = locale.setlocale(locale.LC_CTYPE)


def _basico(error: type = SimulationError):
    """basico, imported with the process's locale kept: COPASI's import resets LC_CTYPE to "C",
    which would turn Python's default text encoding into ASCII for everything after it."""
    try:
        import basico
    except ImportError as exc:
        raise error("COPASI is not installed", hint="pip install copasi-basico") from exc
    finally:
        locale.setlocale(locale.LC_CTYPE, _CTYPE)
    return basico


@contextmanager
def copasi_model(sbml: str | Path):
    """A COPASI data model loaded from an SBML file (a path) or SBML text, freed afterwards."""
    basico = _basico()
    if isinstance(sbml, Path):
        model = basico.load_model(str(sbml))
    else:
        model = basico.load_model_from_string(sbml)
    if model is None:
        raise SimulationError(f"COPASI cannot load the model{f' {sbml}' if isinstance(sbml, Path) else ''}")
    try:
        yield model
    finally:
        basico.remove_datamodel(model)
        locale.setlocale(locale.LC_CTYPE, _CTYPE)   # COPASI's calls reset it too


def write_cps(sbml_path: Path, cps_path: Path, plan=None, reactions: int | None = None) -> Path:
    """model.cps: COPASI's file for the model in ``sbml_path``; with a simulation ``plan``
    (``until`` in min, ``points``) its time-course task is set to the policy's run. A network of
    more than :data:`COPASI_MAX_REACTIONS` ``reactions`` (:func:`bioxen.formats.refuse_above`) is refused (:class:`FormatRefused`) before
    COPASI starts on it."""
    refuse_above("COPASI", reactions, LIMIT_VARIABLE, COPASI_MAX_REACTIONS,
                 "its import grows as reactions x elements: 6,985 reactions took 196-235 s, 29,083 did not "
                 "finish in 20 min")
    basico = _basico(CompileError)
    with copasi_model(Path(sbml_path)) as model:
        basico.set_model_name(model.getModel().getSBMLId() or Path(sbml_path).stem, model=model)
        if plan is not None:
            basico.set_task_settings(basico.T.TIME_COURSE, {"problem": {
                "Duration": float(plan.until), "StepNumber": int(plan.points) - 1}}, model=model)
        basico.save_model(str(cps_path), model=model)
    if not Path(cps_path).is_file():
        raise CompileError(f"COPASI could not write {cps_path}")
    return Path(cps_path)


def references(model) -> dict[str, str]:
    """SBML id -> COPASI common name of what to read: particle number, particle flux or value."""
    found = {"time": model.getModel().getValueReference().getCN().getString()}
    cmodel = model.getModel()
    for species in cmodel.getMetabolites():
        found[species.getSBMLId()] = species.getValueReference().getCN().getString()
    for quantity in cmodel.getModelValues():
        found[quantity.getSBMLId()] = quantity.getValueReference().getCN().getString()
    for reaction in cmodel.getReactions():
        found[reaction.getSBMLId()] = reaction.getParticleFluxReference().getCN().getString()
    return found


def _settings(method: str, seed: int | None) -> dict:
    settings = {"method": METHODS[method], "max_steps": MAX_INTERNAL_STEPS, "output_event": False,
                "use_initial_values": True}
    if method == "ode":
        settings.update(r_tol=ODE_TOLERANCE, a_tol=ODE_TOLERANCE)
    else:
        settings.update(use_seed=seed is not None, seed=int(seed or 0) % 2**31)
    return settings


def time_course(model, selected: list[str], until: float, points: int, method: str = "ode",
                seed: int | None = None) -> np.ndarray:
    """The ``selected`` quantities (SBML ids, or "time") at ``points`` even times from 0 to
    ``until``: a (points x selected) array."""
    basico = _basico()
    if method == "ssa" and basico.get_model_units(model=model)["quantity_unit"] != QUANTITY_UNIT:
        basico.set_model_unit(quantity_unit=QUANTITY_UNIT, model=model)  # the direct method counts
    found = references(model)
    missing = [name for name in selected if name not in found]
    if missing:
        raise SimulationError(f"COPASI's model has no {', '.join(missing[:5])}")
    try:
        table = basico.run_time_course_with_output([found[name] for name in selected], 0.0, float(until),
                                                   points - 1, model=model, **_settings(method, seed))
    except (IndexError, RuntimeError, ValueError) as exc:   # basico reports some COPASI failures so
        raise SimulationError(f"COPASI's time course failed: {exc!r}") from exc
    data = table.to_numpy(dtype=float) if table is not None else np.empty((0, len(selected)))
    ended = "time" not in selected or (len(data) and math.isclose(data[-1, selected.index("time")], until))
    if data.shape != (points, len(selected)) or not np.isfinite(data).all() or not ended:
        raise SimulationError(f"COPASI's time course failed ({data.shape[0]} of {points} points)",
                              hint="run the model in COPASI to see its messages")
    return data
