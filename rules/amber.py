"""Genetic-code isolation: a VM's own amber suppressor pair, and its non-canonical amino acid.

An ``amber`` or ``ncaa`` VM's essential genes carry in-frame UAG codons
(:mod:`bioxen.passes.genetic_code`). Its orthogonal pair, M. jannaschii TyrRS (aaRS) and its
tRNA(CUA) (Wang et al. 2001 Science 292:498), reads them; for ``ncaa`` an evolved aaRS charges a
non-canonical amino acid (X) taken up from the medium (Mandell et al. 2015, Rovner et al. 2015).
Molecules per cell, minutes; the hypervisor's genes are on host ribosomes::

    ∅ → m_aaRS → aaRS                       (a hypervisor protein gene, bioxen.rules.expression)
    ∅ → tRNA              at  w_t·a/(θ + a)·c            (stable RNA; c: the VM's CREATE licence)
    tRNA + aaRS → tRNA* + aaRS   at  k_ch·s               (s = 1 for tyrosine; X/(K_X + X) for ncaa)
    tRNA* → tRNA          at  k_d                         (delivered at a UAG, or hydrolysed)
    ∅ ⇌ X                 at  k_x·X_medium, k_x           (ncaa only; X_medium is set by
                                                           SET_RESOURCE_LIMIT ncaa)

Each UAG is read (not terminated by release factor 1) with probability

    p = p_0 + (p_max − p_0)·C/(C + K_C)          (C: charged tRNA, tRNA*)

where p_max is the suppression on the VM's ribosomes (ribo-X orthogonal ribosomes or host
ribosomes, Wang, Neumann & Chin 2007) and p_0 the near-cognate background. A gene with k sites is
full length with probability p^k (:func:`unit_yield`); the rest are truncated (the shared
``defective_protein``). Dilution of every species is :func:`bioxen.rules.growth.dilution`'s.
Constants: ``genetic_code`` of the parts library.
"""
from __future__ import annotations

from collections import Counter

from bioxen.commands import ncaa_parameter
from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, expression
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("parts.genetic_code.amber_suppression_orthogonal", "parts.genetic_code.amber_suppression_host",
              "parts.genetic_code.amber_background", "parts.genetic_code.aars_max_transcription",
              "parts.genetic_code.aars_length", "parts.genetic_code.trna_transcription",
              "parts.genetic_code.charging", "parts.genetic_code.discharge", "parts.genetic_code.charged_K",
              "parts.genetic_code.ncaa_medium", "parts.genetic_code.ncaa_Km", "parts.genetic_code.ncaa_exchange")


def aars_gene(vm: str) -> str:
    """The model gene of a VM's aminoacyl-tRNA synthetase (a hypervisor gene)."""
    return f"aars_{vm}"


def trna_name(vm: str) -> str:
    return f"tRNA_CUA_{vm}"


def ncaa_name(vm: str) -> str:
    return f"ncAA_{vm}"


def suppression_name(vm: str) -> str:
    """The expression of the chance that one of the VM's UAG codons is read."""
    return f"amber_suppression_{vm}"


def suppressor_pair(b: Builder, vm: str, q: dict[str, Quantity], orthogonal: bool, ncaa: bool,
                    transcription_threshold: float, mrna_decay: float, licence=None):
    """The VM's aaRS gene, suppressor tRNA and (``ncaa``) amino acid; returns the expression of
    the chance p that one of its UAG codons is read. ``orthogonal``: the VM translates on its own
    (ribo-X) pool; ``licence``: the VM's CREATE level, which switches the pair on with the VM."""
    spec = GeneSpec(name=aars_gene(vm), locus_tags=(), max_transcription=q["aars_max_transcription"].value,
                    threshold=transcription_threshold, length=q["aars_length"].value, mrna_decay=mrna_decay)
    aars = expression.gene(b, spec, factor=licence)["protein_pattern"]
    trna = b.monomer(trna_name(vm), role=Role("trna", vm=vm, gene=trna_name(vm)))
    loaded = b.monomer(f"{trna_name(vm)}_charged", role=Role("trna", vm=vm, gene=trna_name(vm)))
    trna_spec = GeneSpec(name=trna_name(vm), locus_tags=(), max_transcription=q["trna_transcription"].value,
                         threshold=transcription_threshold, coding=False)
    expression.transcription(b, trna(), trna_spec, factor=licence)
    charging = b.parameter(f"k_charging_{vm}", q["charging"])
    if ncaa:
        x = b.monomer(ncaa_name(vm), role=Role("amino_acid", vm=vm))
        exchange = b.parameter(f"k_ncaa_exchange_{vm}", q["ncaa_exchange"])
        medium = b.parameter(ncaa_parameter(vm), q["ncaa_medium"].value, "molecules",
                             "parts genetic_code.ncaa_medium; SET_RESOURCE_LIMIT ncaa sets it")
        b.rule(f"ncaa_uptake_{vm}", None >> x(), b.expression(f"ncaa_uptake_rate_{vm}", exchange * medium,
                                                                "molecules/min", local=True),
               role=Role("transport", vm=vm))
        b.rule(f"ncaa_efflux_{vm}", x() >> None, exchange, role=Role("transport", vm=vm))
        level = b.observable(f"{ncaa_name(vm)}_level", x())
        km = b.parameter(f"ncaa_Km_{vm}", q["ncaa_Km"])
        rate = b.expression(f"charging_rate_{vm}", charging * level / (km + level), "1/(molecule*min)", local=True)
    else:
        rate = charging
    b.rule(f"aminoacylation_{vm}", trna() + aars >> loaded() + aars, rate,
           role=Role("aminoacylation", vm=vm, gene=trna_name(vm)))
    b.rule(f"deacylation_{vm}", loaded() >> trna(), b.parameter(f"k_discharge_{vm}", q["discharge"]),
           role=Role("deacylation", vm=vm, gene=trna_name(vm)))
    charged = b.observable(f"{trna_name(vm)}_charged_level", loaded())
    top = b.parameter(f"amber_suppression_max_{vm}",
                      q["amber_suppression_orthogonal" if orthogonal else "amber_suppression_host"])
    floor = b.parameter(f"amber_background_{vm}", q["amber_background"])
    k = b.parameter(f"charged_K_{vm}", q["charged_K"])
    return b.expression(suppression_name(vm), floor + (top - floor) * charged / (charged + k), "dimensionless")


def unit_yield(b: Builder, name: str, sites: tuple[int, ...], suppression):
    """The share of a unit's finished proteins that are full length: the mean over its member
    genes of p^k (k: the gene's UAG sites); None when no member has a site."""
    if not any(sites):
        return None
    counts = Counter(sites)
    total = len(sites)
    mean = sum((n / total) * suppression ** k for k, n in sorted(counts.items()))
    return b.expression(f"amber_yield_{name}", mean, "dimensionless")
