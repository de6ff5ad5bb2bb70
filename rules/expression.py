"""Gene expression: transcription, translation on ribosomes, mRNA and protein decay.

Reaction schema for one gene (or lumped unit) x, after Weisse et al. 2015
(PNAS 112:E1038), molecules per cell and minutes::

    ∅ → m_x                 at  w_x·a/(θ_x + a) [·1/(1 + (q/K_q)^h_q)]   (transcription)
    m_x + R ⇌ m_x:R         k_b·e_x (1/(molecule·min)), k_u (1/min)      (initiation)
    m_x:R → m_x + R + P_x   at  γ(a)/n_x                                   (elongation)
    m_x → ∅                 at  d_m                                        (mRNA decay)
    P_x → ∅                 at  d_p                                        (protein decay)

e_x is a relative initiation strength (1 for an average RBS); n_x the protein
length in amino acids. A stable RNA gene has only the first reaction.
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.rules import Builder


@dataclass(frozen=True)
class GeneSpec:
    """Everything the expression macros need for one gene or lumped unit."""

    name: str                      # already a valid identifier
    locus_tags: tuple[str, ...]
    max_transcription: float       # w_x, molecules/min at saturating energy
    threshold: float               # θ_x, molecules of energy
    length: float = 300.0          # n_x, aa
    initiation_strength: float = 1.0
    mrna_decay: float = 0.1        # 1/min
    protein_decay: float = 0.0     # 1/min
    coding: bool = True


def transcription(b: Builder, transcript, spec: GeneSpec, repression=None):
    """``∅ → m`` at ``w·a/(θ+a)``, optionally divided by a repression term."""
    a = b.model.observables["energy_level"]
    w = b.parameter(f"w_{spec.name}", spec.max_transcription, "molecules/min")
    theta = b.parameter(f"theta_{spec.name}", spec.threshold, "molecules")
    rate = w * a / (theta + a)
    if repression is not None:
        rate = rate / repression
    b.rule(f"transcription_{spec.name}", None >> transcript,
           b.expression(f"transcription_rate_{spec.name}", rate, "molecules/min"), tags=spec.locus_tags)


def translation(b: Builder, mrna, spec: GeneSpec, products: list):
    """Initiation (reversible binding of a free ribosome) and elongation with release."""
    ribosome = b.model.monomers["ribosome"]
    k_b = b.parameter(f"kb_{spec.name}", b.model.parameters["k_b"].value * spec.initiation_strength,
                      "1/(molecule*min)")
    b.rule(f"initiation_{spec.name}",
           mrna(rib=None) + ribosome(mrna=None) | mrna(rib=1) % ribosome(mrna=1),
           k_b, b.model.parameters["k_u"], tags=spec.locus_tags)
    length = b.parameter(f"n_{spec.name}", spec.length, "aa")
    rate = b.expression(f"translation_rate_{spec.name}",
                        b.model.expressions["elongation_rate"] / length, "1/min")
    released = mrna(rib=None) + ribosome(mrna=None)
    for made in products:
        released = released + made
    b.rule(f"elongation_{spec.name}", mrna(rib=1) % ribosome(mrna=1) >> released, rate,
           tags=spec.locus_tags)
    return rate


def first_order_decay(b: Builder, pattern, name: str, rate: float, tags=()):
    if rate > 0:
        b.rule(f"decay_{name}", pattern >> None,
               b.parameter(f"d_{name}", rate, "1/min"), tags=tags)


def gene(b: Builder, spec: GeneSpec, product=None, repression=None):
    """All expression reactions of one gene; returns its species monomers.

    ``product`` is the monomer the translation makes (default: a new protein
    ``protein_<name>``), or a list of patterns: the host's ribosomal sector
    passes ``[ribosome(mrna=None), ribosome_inventory()]``.
    """
    if not spec.coding:
        rna = b.monomer(f"RNA_{spec.name}", tags=spec.locus_tags)
        transcription(b, rna(), spec)
        return {"rna": rna}
    mrna = b.monomer(f"mRNA_{spec.name}", ["rib"], tags=spec.locus_tags)
    transcription(b, mrna(rib=None), spec, repression)
    if product is None:
        product = b.monomer(f"protein_{spec.name}", tags=spec.locus_tags)
        made = [product()]
        first_order_decay(b, made[0], f"protein_{spec.name}", spec.protein_decay, spec.locus_tags)
    else:
        made = [product()] if hasattr(product, "sites") else list(product)
    rate = translation(b, mrna, spec, made)
    first_order_decay(b, mrna(rib=None), f"mRNA_{spec.name}", spec.mrna_decay, spec.locus_tags)
    return {"mrna": mrna, "protein": product, "translation_rate": rate}
