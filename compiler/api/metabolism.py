"""Flux balance of a VM's genome with COBRApy: a genome-matched metabolic model, constrained by
the VM's knockouts and expression.

Models: iMB155 (Breuer et al. 2019, eLife 8:e36842) for JCVI-Syn3A, whose ``MMSYN1_`` gene ids
name the same genes as the genome's ``JCVISYN3A_`` locus tags (same number); cobra's bundled
E. coli core model (``textbook``, Orth et al. 2010) for the E. coli chassis, whose genes are
b-numbers. Where a model's genes are not the genome's, knockouts of genome genes the model
lacks remove no reaction (reported as such).

Constraints:
- a knocked-out gene removes every reaction its loss makes impossible (cobra's GPR evaluation,
  ``knock_out_model_genes``); the result lists them;
- ``set_expression(gene, factor)`` with factor < 1 caps the flux of each reaction that needs
  the gene at ``factor`` times its flux in the unconstrained parsimonious optimum (an E-Flux
  style bound, Colijn et al. 2009, taken relative to the wild-type flux because iMB155's
  bounds of 1000 would never bind);
- ``glucose_available=False`` closes glucose uptake (``EX_glc__D_e``).

An infeasible problem is growth 0 (iMB155 has non-growth maintenance fluxes with positive
lower bounds, so a cell that cannot make them is infeasible, not slow).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

try:
    import cobra
except FileExistsError:
    # cobrapy makes its cache directory on import without exist_ok: on a new machine two
    # processes importing it at once (pytest -n 2, Dask workers) race, and the loser fails
    # (seen 2026-12-03: "File exists: '/root/.cache/cobrapy'"). The directory is there now.
    import cobra
import pandas as pd
from cobra.flux_analysis import pfba
from cobra.manipulation import knock_out_model_genes

from bioxen.data.reference import find_data_file
from bioxen.errors import MetabolismError

GLUCOSE_EXCHANGE = "EX_glc__D_e"
EXCHANGES = {"glucose": GLUCOSE_EXCHANGE, "phosphate": "EX_pi_e"}    # nutrient -> uptake exchange
IMB155 = "iMB155_syn3a_metabolism.xml"
GROWTH_FLOOR = 1e-9      # objective values below this are no growth


@dataclass(frozen=True)
class MetabolicModel:
    """A metabolic model and how its gene ids map to the genome's locus tags."""

    name: str
    model: cobra.Model
    to_model: dict[str, str]          # genome locus tag -> model gene id

    def genes_of(self, locus_tags) -> list[str]:
        return [self.to_model[t] for t in locus_tags if t in self.to_model]


@dataclass(frozen=True)
class FluxState:
    """One flux balance: growth (the objective, 1/h), solver status, fluxes (mmol/gDW/h) and
    what the constraints removed."""

    model: str
    status: str
    growth: float
    fluxes: pd.Series
    lost_reactions: tuple[str, ...] = ()
    knocked_out: tuple[str, ...] = ()
    not_in_model: tuple[str, ...] = ()
    capped: dict[str, float] = field(default_factory=dict)     # reaction -> flux cap

    @property
    def grows(self) -> bool:
        return self.growth > GROWTH_FLOOR


def _data_file(name: str, directory: str | os.PathLike | None) -> Path:
    return find_data_file(name, directories=[directory], error=MetabolismError, what="metabolic model")


def syn3a_model(data_dir=None) -> MetabolicModel:
    """iMB155, its MMSYN1_ genes mapped to JCVISYN3A_ locus tags."""
    path = _data_file(IMB155, data_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cobra.io.read_sbml_model(str(path))
    to_model = {g.id.replace("MMSYN1_", "JCVISYN3A_", 1): g.id for g in model.genes}
    return MetabolicModel("iMB155", model, to_model)


def ecoli_core_model() -> MetabolicModel:
    """cobra's bundled E. coli core model; its genes are b-numbers (the genome's locus tags in
    MG1655 GenBank records)."""
    model = cobra.io.load_model("textbook")
    return MetabolicModel("e_coli_core", model, {g.id: g.id for g in model.genes})


def model_for(genome_locus_tags, data_dir=None) -> MetabolicModel:
    """The metabolic model matching a genome, chosen by its locus tags."""
    tags = list(genome_locus_tags)
    if any(t.startswith(("JCVISYN3", "MMSYN1")) for t in tags):
        return syn3a_model(data_dir)
    return ecoli_core_model()


def _optimum(model: cobra.Model) -> tuple[str, float, pd.Series]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        solution = model.optimize()
    if solution.status != "optimal":
        return solution.status, 0.0, pd.Series(0.0, index=[r.id for r in model.reactions])
    return solution.status, max(float(solution.objective_value), 0.0), solution.fluxes


def _reference_fluxes(model: cobra.Model) -> pd.Series:
    """The parsimonious wild-type optimum (minimal total flux at maximal growth)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pfba(model).fluxes


def flux_balance(metabolic: MetabolicModel, knockouts=(), expression: dict[str, float] | None = None,
                 glucose_available: bool = True, absent=()) -> FluxState:
    """Maximal growth under the VM's knockouts (genome locus tags), expression factors (locus tag
    -> factor, 1 = as wild type) and nutrient supply (``absent``: nutrients of :data:`EXCHANGES`
    whose uptake is closed; ``glucose_available=False`` adds glucose); the model itself is left
    unchanged."""
    model, expression = metabolic.model, dict(expression or {})
    knockouts = tuple(dict.fromkeys(knockouts))
    unknown = sorted(set(absent) - set(EXCHANGES))
    if unknown:
        raise MetabolismError(f"unknown nutrient(s) {', '.join(unknown)} (known: {', '.join(EXCHANGES)})")
    closed = {EXCHANGES[n] for n in absent} | (set() if glucose_available else {GLUCOSE_EXCHANGE})
    with model:
        caps = _expression_caps(metabolic, expression) if any(f < 1 for f in expression.values()) else {}
        for exchange in sorted(closed):
            if exchange in model.reactions:
                model.reactions.get_by_id(exchange).lower_bound = 0.0
        for reaction_id, cap in caps.items():
            reaction = model.reactions.get_by_id(reaction_id)
            reaction.bounds = (max(reaction.lower_bound, -cap), min(reaction.upper_bound, cap))
        genes = metabolic.genes_of(knockouts)
        lost = knock_out_model_genes(model, genes) if genes else []
        status, growth, fluxes = _optimum(model)
    return FluxState(metabolic.name, status, growth, fluxes, tuple(sorted(r.id for r in lost)),
                     knockouts, tuple(t for t in knockouts if t not in metabolic.to_model), caps)


def _expression_caps(metabolic: MetabolicModel, expression: dict[str, float]) -> dict[str, float]:
    """Reaction -> |flux| cap for the genes expressed below wild type (see the module)."""
    reference = _reference_fluxes(metabolic.model)
    caps: dict[str, float] = {}
    for locus_tag, factor in expression.items():
        if factor >= 1 or locus_tag not in metabolic.to_model:
            continue
        gene = metabolic.model.genes.get_by_id(metabolic.to_model[locus_tag])
        needing = [r for r in gene.reactions if not r.gpr.eval({gene.id})]   # no isozyme stands in
        for reaction in needing:
            cap = max(factor, 0.0) * abs(float(reference[reaction.id]))
            caps[reaction.id] = min(cap, caps.get(reaction.id, cap))
    return caps


# -- the host's own metabolism (a chassis's profile names its model) -------------------------------

def yeast_model(data_dir=None) -> MetabolicModel:
    """Yeast9 (yeast-GEM 9.0.0, Zhang et al. 2024), fetched with ``bioxen data fetch yeast-gem``."""
    path = _data_file("yeast-GEM.xml", data_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cobra.io.read_sbml_model(str(path))
    return MetabolicModel("yeast-GEM 9.0.0", model, {g.id: g.id for g in model.genes})


HOST_MODELS = {"e_coli_core": lambda data_dir: ecoli_core_model(), "imb155": syn3a_model, "yeast-gem": yeast_model}


@dataclass(frozen=True)
class HostFlux:
    """The chassis host's flux balance against the growth its profile's host model has."""

    chassis: str
    model: str
    reactions: int
    status: str
    growth_per_h: float               # the metabolic model's optimum (its own medium bounds)
    host_growth_per_h: float          # the chassis's growth-coupled host at steady state


def host_flux_balance(chassis, data_dir=None) -> HostFlux:
    """Flux balance of ``chassis``'s (:class:`bioxen.chassis.Chassis`) own genome-scale model, as the
    model's file sets the medium, beside the growth of the chassis's coarse host."""
    from bioxen.runtime.steady import host_summary

    name = chassis.metabolism
    if name not in HOST_MODELS:
        raise MetabolismError(f"chassis {chassis.name} names no host metabolic model "
                              f"(metabolism: one of {', '.join(HOST_MODELS)})")
    metabolic = HOST_MODELS[name](data_dir)
    status, growth, _ = _optimum(metabolic.model)
    return HostFlux(chassis.name, metabolic.name, len(metabolic.model.reactions), status, growth,
                    host_summary(chassis)["growth_rate"] * 60)

