"""The profiler: which resource limits each VM's translation, measured on the build's model.

For every resource a VM draws on, the parameters that supply it are raised by ``STEP`` (10%)
in the compiled SBML, the model is run from the design's operating point to its new steady
state (libRoadRunner, :func:`bioxen.runtime.simulate.load_simulator`), and the normalised
sensitivity ``S = d ln J / d ln p ≈ ln(J'/J) / ln(1 + STEP)`` of the VM's translation flux J
(proteins/min, every pool) and of the host's growth rate is computed. The resource with the
largest S is the VM's bottleneck. Resources (their parameters read from the build's spec and
the roles in locus_map.json):

* ``pool``: the VM's o-ribosome pool, its o-rRNA transcription (``w_rRNA_<pool>``, :mod:`bioxen.pools`);
* ``host_ribosomes``: the host rRNA's transcription (``w_rR``, :func:`bioxen.rules.ribosomes.host_rrna`);
* ``energy``: the nutrient quality (``n_s``, energy per nutrient; policy ``host.nutrient_quality``);
* ``mrna``: the transcription of every gene of the VM (``w_<gene>``), scaled together;
* ``protease``: the VM's protease level (its gene's transcription).

Each VM then gets suggestions for its bottleneck (and, on an orthogonal pool, its ribosome
share, the hypervisor's own knob): a change 1.5-fold in the direction that raises its flux,
as the model parameters it sets and, where the policy has the knob, the policy edit. Every
suggestion is verified by running the changed model to steady state: profile.json reports
the measured change of the VM's flux, of the host's growth and of the other VMs' flux.

The operating point is every VM running as compiled: timed commands are left out (a
CREATE_VM's settings apply from the start); with the internal clock the fluxes are averaged
over one period of the ring. A round robin on the external clock (its turns are timed commands)
is measured over the policy's run instead, each change from the start: means over the run's
last quarter. The round robin's quantum itself is not varied (it is compiled into the model).
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from bioxen.buildspec import BuildSpec, read_json
from bioxen.errors import Location, SimulationError

PROFILE_FILE, PROFILE_KEY, PROFILE_VERSION = "profile.json", "bioxen_profile", 1
STEP = 0.10                  # A: +10% per parameter: S is read above the ODE tolerance, still local
SUGGESTED_FOLD = 1.5         # A: a suggestion moves its knob 1.5-fold (large enough to matter in a design)
MAX_ORTHOGONAL_SHARE = 0.8   # A: a suggested share leaves the host at least 20% of all ribosomes
SETTLE_MIN = 4000.0          # from the compiled start to the operating point (3 VMs settle in ~2,000 min)
RELAX_DILUTIONS = 10         # a changed model runs 10 dilution times (1/growth) from the operating point
RELAX_MIN_BOUNDS = (1000.0, 10000.0)
WINDOW_POINTS = 20           # output points per period of the internal clock (averaged over one)
STEADY_POINTS = 21           # without a clock: the drift is the change over the run's last 5%
# CVODE tolerances of the profiler's runs: on the three-Syn3A build 1e-6 gives every S of 1e-8's
# to 5 digits in 60% of the time (measured: energy S 0.880495 vs 0.880494, 0.85 s vs 1.5 s a run)
PROFILE_TOLERANCE = 1e-6
HOST_RIBOSOMES = "w_rR"      # host rRNA transcription (rules/ribosomes.py host_rrna)
NUTRIENT_QUALITY = "n_s"     # energy units per nutrient (rules/energy.py; policy host.nutrient_quality)


def transcription_parameter(gene: str) -> str:
    """A gene's maximum transcription (molecules/min), as :func:`bioxen.rules.expression.transcription` names it.

    >>> transcription_parameter("protease_vm1")
    'w_protease_vm1'
    """
    return f"w_{gene}"


@dataclass(frozen=True)
class Resource:
    """What a VM draws on: ``key`` (pool, host_ribosomes, energy, mrna, protease), the model
    parameters that supply it, and the VM it belongs to (None: shared by every VM)."""

    key: str
    label: str
    parameters: tuple[str, ...]
    vm: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """A change for ``vm``'s ``resource``: in words, as a policy edit (None: no policy knob) and
    as the model parameters it sets."""

    vm: str
    resource: str
    change: str
    policy: str | None
    parameters: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class OperatingPoint:
    """The host's growth rate (1/min) and each VM's translation flux (proteins/min) at steady
    state, and how much they still drift (relative; :meth:`Probe._measure`)."""

    growth: float
    flux: Mapping[str, float]
    drift: float


# -- the model at its operating point -----------------------------------------------------------

def running_sbml(sbml: str, spec: BuildSpec) -> str:
    """The model without its timed commands (events), every CREATE_VM's settings applied from the start."""
    import libsbml

    document = libsbml.readSBMLFromString(sbml)
    model = document.getModel()
    while model.getNumEvents():
        model.removeEvent(0)
    for entry in spec.control:
        if entry.command == "CREATE_VM":
            for name, value in entry.assignments.items():
                if model.getParameter(name) is None:
                    raise SimulationError(f"CREATE_VM {entry.vm} sets '{name}', which the model lacks",
                                          hint="recompile the policy")
                model.getParameter(name).setValue(value)
    return libsbml.writeSBMLToString(document)


class Probe:
    """The build's model (libRoadRunner) settled at its operating point; :meth:`run` measures it
    with parameters changed, from that state, and puts them back."""

    def __init__(self, sbml: str, spec: BuildSpec):
        from bioxen.runtime.simulate import advance, load_simulator

        self.spec, self._advance = spec, advance
        # the external clock's turns are timed commands: such a design is measured over its run
        self.timed = spec.scheduler == "round_robin" and spec.clock is None
        self.rr = load_simulator(sbml if self.timed else running_sbml(sbml, spec))
        for setting in ("relative_tolerance", "absolute_tolerance"):
            self.rr.getIntegrator().setValue(setting, PROFILE_TOLERANCE)
        self.selected = ["time", spec.host["growth_rate"]] + [r for v in spec.vms.values()
                                                              for r in v.elongation_reactions]
        if self.timed:
            self.relax_min = float(spec.simulate.until_min)
            self.window = self.relax_min / 4
            self.levels = {name: self.value(name) for entry in spec.control for name in entry.assignments}
            return
        self.window = float((spec.clock or {}).get("period_min") or 0.0)
        settled = self._measure(SETTLE_MIN)
        self.state = self.rr.model.getFloatingSpeciesAmounts().copy()
        low, high = RELAX_MIN_BOUNDS
        growth = max(settled.growth, RELAX_DILUTIONS / high)
        self.relax_min = min(high, max(low, RELAX_DILUTIONS / growth))

    def value(self, name: str) -> float:
        try:
            return float(self.rr[name])
        except RuntimeError:
            raise SimulationError(f"the model has no parameter '{name}'", hint="recompile the policy") from None

    def run(self, changes: Mapping[str, float], longer: bool = False) -> OperatingPoint:
        """The steady state with ``changes`` (parameter -> value) in force, from the operating
        point (``longer``: run twice as long, for large changes); a timed design: its run from
        the start with ``changes``."""
        if self.timed:                   # back to the start: the commands' levels as compiled
            for name, level in self.levels.items():
                self.rr[name] = level
            self.rr.reset()
        before = {name: self.value(name) for name in changes}
        try:
            for name, value in changes.items():
                self.rr[name] = float(value)
            if self.timed:
                return self._measure(self.relax_min)
            self.rr.model.setFloatingSpeciesAmounts(self.state)
            return self._measure(self.relax_min * (2 if longer else 1))
        finally:
            for name, value in before.items():
                self.rr[name] = value

    def _measure(self, until: float) -> OperatingPoint:
        """The growth rate and fluxes at the end of a run of ``until`` minutes (with the internal
        clock: their means over its last period; a timed design: over the run's last quarter),
        and their drift (relative, against the window before; at steady state, over the run's last 5%)."""
        window = self.window
        if self.timed:
            points = int(min(4001, until + 1))
        else:
            points = int(min(4001, WINDOW_POINTS * until / window + 1)) if window else STEADY_POINTS
        data = self._advance(self.rr, 0.0, until, points, self.selected)
        time = data[:, 0]
        if window:
            last, previous = time >= until - window, (time >= until - 2 * window) & (time < until - window)
            means = [data[last, 1:].mean(axis=0), data[previous, 1:].mean(axis=0)]
        else:
            means = [data[-1, 1:], data[-2, 1:]]
        drift = float(np.max(np.abs(means[0] - means[1]) / np.maximum(np.abs(means[0]), 1e-12)))
        column = dict(zip(self.selected[1:], means[0]))
        flux = {vm: float(sum(column[r] for r in v.elongation_reactions)) for vm, v in self.spec.vms.items()}
        return OperatingPoint(float(column[self.spec.host["growth_rate"]]), flux, drift)


# -- what each VM draws on --------------------------------------------------------------------------

def _names_in(node) -> set[str]:
    """Every name (species, parameter) a libsbml formula reads."""
    found = {node.getName()} if node.isName() else set()
    for i in range(node.getNumChildren()):
        found |= _names_in(node.getChild(i))
    return found


def _protease_gene(sbml_model, observable: str, locus_map: dict) -> str | None:
    """The gene of the protease an observable counts (its species' monomers' roles)."""
    rule = sbml_model.getAssignmentRule(observable) if observable else None
    if rule is None:
        return None
    roles, monomers = locus_map["monomer_roles"], locus_map["species_monomers"]
    genes = {roles[m].get("gene") for species in _names_in(rule.getMath()) for m in monomers.get(species, ())
             if roles.get(m, {}).get("kind") == "protease"}
    return min(genes) if genes else None


def resources(spec: BuildSpec, sbml_model, locus_map: dict) -> list[Resource]:
    """Every resource profiled: the host's (shared) and each VM's own."""
    found = [Resource("host_ribosomes", "host ribosomes (host rRNA transcription)", (HOST_RIBOSOMES,)),
             Resource("energy", "energy (nutrient quality)", (NUTRIENT_QUALITY,))]
    roles = locus_map["monomer_roles"]
    for vm, v in spec.vms.items():
        if v.orrna_transcription:
            found.append(Resource("pool", f"o-ribosome pool {v.pool} (its o-rRNA)", (v.orrna_transcription,), vm))
        genes = sorted({r["gene"] for r in roles.values() if r.get("kind") == "mRNA" and r.get("vm") == vm
                        and r["gene"] not in (spec.hypervisor or {})})
        if genes:
            found.append(Resource("mrna", f"mRNA supply ({len(genes)} transcription units)",
                                  tuple(transcription_parameter(g) for g in genes), vm))
        protease = _protease_gene(sbml_model, v.protease, locus_map)
        if protease:
            found.append(Resource("protease", f"protease load ({protease})",
                                  (transcription_parameter(protease),), vm))
    missing = sorted({p for r in found for p in r.parameters if sbml_model.getParameter(p) is None})
    if missing:
        raise SimulationError(f"the model has no parameter {', '.join(repr(p) for p in missing[:3])} the profiler "
                              "scales", hint="recompile the policy with this bioxen")
    return found


# -- sensitivities and suggestions ------------------------------------------------------------------

def sensitivity(changed: float, base: float, fold: float = 1 + STEP) -> float | None:
    """``ln(changed/base) / ln(fold)``; None where the base or the change is not positive.

    >>> round(sensitivity(110.0, 100.0), 3)
    1.0
    """
    if base <= 0 or changed <= 0:
        return None
    return math.log(changed / base) / math.log(fold)


def _scaled(probe: Probe, parameters, fold: float) -> dict[str, float]:
    return {p: probe.value(p) * fold for p in parameters}


def _share_suggestion(probe: Probe, found: list[Resource], vm: str, up: bool) -> Suggestion | None:
    """The VM's ribosome share 1.5-fold up (the VMs' shares summing to MAX_ORTHOGONAL_SHARE at
    most) or down, as compiling the edited policy sets it: every pool's o-rRNA resized
    (:meth:`bioxen.pools.PoolSizing.parameters`) and every VM's mRNA transcription scaled as its
    share / (1 - Σ shares) (:mod:`bioxen.passes.parameterize`; the gates' transcription is kept)."""
    spec = probe.spec
    sizing = spec.ribosome_pools
    if sizing is None or vm not in sizing.pools:
        return None
    shares = {v: s.ribosome_share for v, s in spec.vms.items()}
    old = shares[vm]
    new = min(old * SUGGESTED_FOLD, MAX_ORTHOGONAL_SHARE - (sum(shares.values()) - old)) if up \
        else old / SUGGESTED_FOLD
    if (up and new <= old * 1.01) or new <= 0:
        return None
    changed = {**shares, vm: round(new, 4)}
    parameters = sizing.parameters({v: changed[v] for v in sizing.pools})
    free, free_changed = 1 - sum(shares.values()), 1 - sum(changed.values())
    for r in found:
        if r.key == "mrna":
            parameters.update(_scaled(probe, r.parameters, changed[r.vm] / free_changed / (shares[r.vm] / free)))
    return Suggestion(vm, "pool", f"{'raise' if up else 'lower'} {vm}'s ribosome share {old:g} -> {changed[vm]:g}",
                      f"vms.{vm}.ribosomes.share={changed[vm]:g}", parameters)


def suggestion(probe: Probe, found: list[Resource], resource: Resource, vm: str, up: bool) -> Suggestion | None:
    """The change of ``resource`` that raises (``up``) or lowers its supply 1.5-fold, for ``vm``
    (``found``: every resource profiled)."""
    fold = SUGGESTED_FOLD if up else 1 / SUGGESTED_FOLD
    verb = "raise" if up else "lower"
    parameters = _scaled(probe, resource.parameters, fold)
    if resource.key == "pool":
        return _share_suggestion(probe, found, vm, up)
    if resource.key == "energy":
        value = parameters[NUTRIENT_QUALITY]
        return Suggestion(vm, "energy", f"{verb} the medium's nutrient quality to {value:.3g}",
                          f"host.nutrient_quality={value:.3g}", parameters)
    if resource.key == "host_ribosomes":
        return Suggestion(vm, "host_ribosomes", f"{verb} the host rRNA's transcription {fold:.2g}-fold (chassis "
                          f"{HOST_RIBOSOMES}: a host with {'more' if up else 'fewer'} rRNA operons)", None, parameters)
    if resource.key == "mrna":
        return Suggestion(vm, "mrna", f"{verb} the promoter strength of every {vm} gene {fold:.2g}-fold",
                          f"vms.{vm}.expression: {fold:.3g} for every gene", parameters)
    return Suggestion(vm, "protease", f"{verb} the {vm} protease's expression {fold:.2g}-fold (its promoter, parts "
                      "library protease.max_transcription)", None, parameters)


def _key(parameters: Mapping[str, float]) -> tuple:
    return tuple(sorted((k, round(v, 12)) for k, v in parameters.items()))


class _Runs:
    """Runs of the probe, each parameter set once; ``done`` is called after each new run."""

    def __init__(self, probe: Probe, done: Callable[[], None]):
        self.probe, self.done, self.cache = probe, done, {}

    def __call__(self, parameters: Mapping[str, float], longer: bool = False) -> OperatingPoint:
        key = (_key(parameters), longer)
        if key not in self.cache:
            self.cache[key] = self.probe.run(parameters, longer)
            self.done()
        return self.cache[key]


def _vm_profile(vm: str, base: OperatingPoint, found: list[Resource], runs: _Runs, probe: Probe) -> dict:
    rows = []
    for resource in (r for r in found if r.vm in (None, vm)):
        point = runs(_scaled(probe, resource.parameters, 1 + STEP))
        rows.append({"resource": resource.key, "label": resource.label, "parameters": list(resource.parameters),
                     "flux": sensitivity(point.flux[vm], base.flux[vm]),
                     "growth": sensitivity(point.growth, base.growth)})
    ranked = sorted((row for row in rows if row["flux"] is not None), key=lambda row: -row["flux"])
    if not ranked:
        return {"flux": base.flux[vm], "sensitivities": rows, "bottleneck": None, "suggestions": []}
    chosen = [(ranked[0]["resource"], ranked[0]["flux"] > 0)]
    if ranked[0]["resource"] != "pool" and any(r.key == "pool" and r.vm == vm for r in found):
        chosen.append(("pool", True))
    by_key = {r.key: r for r in found if r.vm in (None, vm)}
    suggestions = [s for key, up in chosen if (s := suggestion(probe, found, by_key[key], vm, up)) is not None]
    return {"flux": base.flux[vm], "sensitivities": rows, "bottleneck": ranked[0]["resource"],
            "suggestions": [_verified(s, base, runs(s.parameters, longer=True)) for s in suggestions]}


def _verified(s: Suggestion, base: OperatingPoint, point: OperatingPoint) -> dict:
    def change(new, old):
        return None if old <= 0 else new / old - 1

    return {**asdict(s), "parameters": dict(s.parameters), "target": f"{s.vm} translation flux",
            "flux_change": change(point.flux[s.vm], base.flux[s.vm]),
            "growth_change": change(point.growth, base.growth),
            "verified": point.flux[s.vm] > base.flux[s.vm],      # the simulated change raised the VM's flux
            "other_vms_flux_change": {vm: change(point.flux[vm], base.flux[vm]) for vm in base.flux if vm != s.vm},
            "drift": point.drift}


def simulations_needed(found: list[Resource], vms) -> int:
    """How many runs a profile takes at most (a progress bar's total): one per resource and two
    suggestions per VM, besides settling."""
    return 1 + len(found) + 2 * len(vms)


def profile(build_dir: str | Path, progress: Callable[[int, int], None] | None = None) -> dict:
    """The profile of a build (profile.json's content); ``progress(done, total)`` after each run."""
    import libsbml
    from bioxen.runtime.simulate import read_build

    build_dir = Path(build_dir)
    sbml, spec = read_build(build_dir)
    locus_map = read_json(build_dir / "locus_map.json")
    found = resources(spec, libsbml.readSBMLFromString(sbml).getModel(), locus_map)
    total, done = simulations_needed(found, spec.vms) + 1, [0]

    def tick():
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    probe = Probe(sbml, spec)
    tick()
    runs = _Runs(probe, tick)
    base = runs({})
    vms = {vm: _vm_profile(vm, base, found, runs, probe) for vm in spec.vms}
    return {PROFILE_KEY: PROFILE_VERSION, "build": build_dir.name, "step": STEP, "suggested_fold": SUGGESTED_FOLD,
            "operating_point": {"measured": "over the policy's run (its last quarter)" if probe.timed else
                                "steady state, every VM running (timed commands left out)",
                                "growth_rate_per_min": base.growth, "doubling_time_min": math.log(2) / base.growth
                                if base.growth > 0 else None, "run_min": probe.relax_min, "drift": base.drift,
                                "averaged_over_min": probe.window or None},
            "vms": vms, "simulations": len(runs.cache) + (not probe.timed)}   # settling is a run


# -- profile.json and the report's section ----------------------------------------------------------

def write_profile(build_dir: str | Path, content: dict) -> Path:
    """``build_dir/profile.json``, written whole or not at all."""
    from bioxen.outdir import check_out_file, staged_files

    path = check_out_file(Path(build_dir) / PROFILE_FILE)
    with staged_files(path) as (staged,):
        staged.write_text(json.dumps(content, indent=1), encoding="utf-8")
    return path


def read_profile(build_dir: str | Path) -> dict | None:
    """A build's profile.json (None without one), checked for its stamp."""
    path = Path(build_dir) / PROFILE_FILE
    if not path.is_file():
        return None
    content = read_json(path)
    if content.get(PROFILE_KEY) != PROFILE_VERSION or not isinstance(content.get("vms"), dict):
        raise SimulationError(f"{path.name} is not a BioXen profile (version {PROFILE_VERSION})", Location(str(path)),
                              "run `bioxen profile DIR` again")
    return content


def _signed(value, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1%}" if percent else f"{value:+.2f}"


def profile_html(content: dict | None) -> str:
    """report.html's "Profile" section ("" without a profile)."""
    import html

    if content is None:
        return ""
    rows, ideas = [], []
    for vm, p in content["vms"].items():
        for s in p["sensitivities"]:
            mark = " <b>(bottleneck)</b>" if s["resource"] == p["bottleneck"] else ""
            rows.append(f"<tr><td>{html.escape(vm)}</td><td>{html.escape(s['label'])}{mark}</td>"
                        f"<td>{_signed(s['flux'])}</td><td>{_signed(s['growth'])}</td></tr>")
        for s in p["suggestions"]:
            ideas.append(f"<tr><td>{html.escape(vm)}</td><td>{html.escape(s['change'])}</td>"
                         f"<td><code>{html.escape(s['policy'] or '-')}</code></td>"
                         f"<td>{_signed(s['flux_change'], True)}{'' if s['verified'] else ' (no gain)'}</td>"
                         f"<td>{_signed(s['growth_change'], True)}</td></tr>")
    return (f"<h2>Profile</h2><p>Normalised sensitivities d ln J / d ln p of each VM's translation flux J and of "
            f"the host's growth to each resource (its parameters +{content['step']:.0%}, run to steady state); "
            "the largest is the VM's bottleneck. Each suggestion was simulated: the measured changes.</p>"
            "<table><tr><th>VM</th><th>resource</th><th>flux</th><th>growth</th></tr>" + "".join(rows) + "</table>"
            "<table><tr><th>VM</th><th>suggestion</th><th>policy</th><th>VM flux</th><th>growth</th></tr>"
            + "".join(ideas) + "</table>")
