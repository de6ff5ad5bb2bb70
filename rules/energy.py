"""The host's energy pool: nutrient import, catabolism and the cost of translation.

Weisse et al. 2015 (PNAS 112:E1038), molecules per cell and minutes::

    ∅ → s_i                 at  p_t·v_t·s/(K_t + s)          (import)
    s_i → n_s·a             at  p_m·v_m·s_i/(K_m + s_i)      (catabolism)
    a → ∅                   at  γ(a)·C                       (n_x a per protein, Σ n_x ν_x = γ C)
    γ(a) = gmax·a/(K_γ + a)                                  (elongation, aa/min per ribosome)

C is the number of translating ribosomes. The fractional yield n_s is written
as two rules (consume s_i; make a at n_s times that rate).

A VM whose ribosomes elongate at f_v·γ(a) (policy ``kinetics.translation_aa_per_s``,
:mod:`bioxen.rules.expression`) makes amino acids faster or slower per ribosome, so
energy use counts translating ribosomes at the host's speed (the growth rate does not:
:mod:`bioxen.rules.growth` says why)::

    C_eff = C + Σ_v (f_v − 1)·C_v     (C_v: ribosomes on VM v's mRNAs, genes and reporter)
    a → ∅                   at  γ(a)·C_eff

Without such a VM, C_eff is C and the model is as above.
"""
from __future__ import annotations

from bioxen.roles import Role
from bioxen.rules import Builder

PARAMETERS = ("chassis.parameters.gmax", "chassis.parameters.K_gamma", "chassis.parameters.s",
              "chassis.parameters.v_t", "chassis.parameters.K_t", "chassis.parameters.n_s",
              "chassis.parameters.v_m", "chassis.parameters.K_m")


def energy_pool(b: Builder, p: dict):
    """Declare the energy and internal-nutrient species and the elongation rate γ(a)."""
    energy = b.monomer("energy", role=Role("energy"))
    nutrient = b.monomer("nutrient_in", role=Role("nutrient"))
    a = b.observable("energy_level", energy())
    b.observable("nutrient_level", nutrient())
    gmax = b.parameter("gmax", p["gmax"])
    k_gamma = b.parameter("K_gamma", p["K_gamma"])
    gamma = b.expression("elongation_rate", gmax * a / (k_gamma + a), "aa/min")
    return energy, nutrient, gamma


def metabolism(b: Builder, p: dict, transporter, enzyme):
    """Import and catabolism of the nutrient, driven by host proteins p_t and p_m."""
    energy, nutrient = b.model.monomers["energy"], b.model.monomers["nutrient_in"]
    s_i = b.model.observables["nutrient_level"]
    s, v_t, k_t = (b.parameter(n, p[n]) for n in ("s", "v_t", "K_t"))
    n_s, v_m, k_m = (b.parameter(n, p[n]) for n in ("n_s", "v_m", "K_m"))
    b.rule("nutrient_import", None >> nutrient(),
           b.expression("nutrient_import_rate", transporter * v_t * s / (k_t + s), "molecules/min"),
           role=Role("nutrient_import"))
    b.rule("catabolism_consumes_nutrient", nutrient() >> None,
           b.expression("catabolism_rate_constant", enzyme * v_m / (k_m + s_i), "1/min"), role=Role("catabolism"))
    b.rule("catabolism_makes_energy", None >> energy(),
           b.expression("energy_production_rate", n_s * enzyme * v_m * s_i / (k_m + s_i), "molecules/min"),
           role=Role("catabolism"))


def translating_at_host_speed(b: Builder, scaled=()):
    """C_eff = C + Σ_v (f_v − 1)·C_v, so that γ(a)·C_eff is the amino acids made per minute.

    ``scaled``: (f_v parameter, C_v observable) of each VM with an elongation factor; without
    any, C itself (the ``ribosomes_translating`` expression).
    """
    translating = b.model.expressions["ribosomes_translating"]
    return translating + sum((f - 1) * c for f, c in scaled) if scaled else translating


def translation_cost(b: Builder, p: dict, scaled=()):
    """Translation consumes one energy unit per amino acid: γ(a)·C_eff in total
    (:func:`translating_at_host_speed`)."""
    energy = b.model.monomers["energy"]
    a = b.model.observables["energy_level"]
    translating = translating_at_host_speed(b, scaled)
    gmax, k_gamma = b.model.parameters["gmax"], b.model.parameters["K_gamma"]
    b.rule("translation_consumes_energy", energy() >> None,
           b.expression("energy_use_rate_constant", gmax * translating / (k_gamma + a), "1/min"),
           role=Role("energy_use"))
