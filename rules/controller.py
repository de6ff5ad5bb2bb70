"""The feedback controller of an orthogonal ribosome pool (Darlington et al. 2018, Fig. 6).

A repressor F, translated by the pool's own o-ribosomes, represses the pool's o-rRNA gene
(:func:`bioxen.rules.ribosomes.orthogonal_pool` divides its transcription by the repression
this module returns). F is an ordinary gene (:mod:`bioxen.rules.expression`), so this module
sits above both: expression imports ribosomes, and neither imports this one.
"""
from __future__ import annotations

from bioxen.rules import Builder, value
from bioxen.rules.expression import GeneSpec, gene

PARAMETERS = ("parts.orthogonal_ribosomes.controller_transcription",
              "parts.orthogonal_ribosomes.controller_threshold", "parts.orthogonal_ribosomes.controller_length",
              "parts.orthogonal_ribosomes.controller_initiation",
              "parts.orthogonal_ribosomes.controller_mrna_decay",
              "parts.orthogonal_ribosomes.controller_protein_decay", "parts.orthogonal_ribosomes.controller_K",
              "parts.orthogonal_ribosomes.controller_hill")


def feedback_controller(b: Builder, pool: str, q: dict, licence=1):
    """Darlington et al. 2018's dynamic allocator of o-ribosomes (Fig. 6; NC lib/fbprnODE.m): a
    repressor F, translated by the pool's own o-ribosomes, represses the pool's o-rRNA gene.
    Returns the repression ``1 + (F/K_F)^h_F`` that divides o-rRNA transcription. Constants
    from the parts library (``controller_*``: w_F 1e3, θ_F 4.38, K_F 1e4, h_F 4, n_F 300; NC)::

        ∅ → m_F                at  w_F·a/(θ_F + a)·licence
        m_F + P ⇌ m_F:P        k_b·e_F, k_u           (P: the pool's free o-ribosomes)
        m_F:P → m_F + P + F    at  γ(a)/n_F
        m_F → ∅                at  d_mF               (F is diluted only, NC dypF = 0)
        ∅ → r_P                at  w_rP·a/(θ_rP + a) / (1 + (F/K_F)^h_F)

    When a circuit's demand takes o-ribosomes, F's translation falls, F is diluted away and the
    o-rRNA gene makes more o-ribosomes from the shared ribosomal protein.
    """
    spec = GeneSpec(name=f"controller_{pool}", locus_tags=(), max_transcription=value(q["controller_transcription"]),
                    threshold=value(q["controller_threshold"]), length=value(q["controller_length"]),
                    initiation_strength=value(q["controller_initiation"]),
                    mrna_decay=value(q["controller_mrna_decay"]),
                    protein_decay=value(q["controller_protein_decay"]), pool=pool)
    made = gene(b, spec, factor=None if isinstance(licence, (int, float)) and licence == 1 else licence)
    level = b.observable(f"controller_level_{pool}", made["protein_pattern"])
    k_f = b.parameter(f"K_controller_{pool}", q["controller_K"])
    h_f = b.parameter(f"h_controller_{pool}", q["controller_hill"])
    return b.expression(f"controller_repression_{pool}", 1 + (level / k_f) ** h_f, "dimensionless")
