"""The round-robin clock: a ring of repressor genes, and the gates it drives.

After the repressilator (Elowitz & Leibler 2000, Nature 403:335), for any odd
number of nodes. Each node is a repressor gene made on host ribosomes, its
promoter repressed by the previous node's repressor; each repressor carries a
degron (an ssrA variant, degraded by host ClpXP at δ). Molecules per cell,
minutes::

    ∅ → m_i        at  w·a/(θ + a)·(ε + (1 - ε)/(1 + (P_{i-1}/K)^n))     (i - 1 taken round the ring)
    m_i ⇌ m_i:R → m_i + R + P_i                                           (as every host gene)
    P_i → ∅        at  δ

A VM's gate promoter (its gate sRNA's, its ribosome gate RNA's, or both) is
repressed by its node's repressor: the clock closes the VM's gate at level
``1/(1 + (P/K_g)^h)`` and releases it while the repressor is high. Kinetics in the parts library (``clock``); δ, K_g and the
RBS strength are designed by :mod:`bioxen.passes.clock`.
"""
from __future__ import annotations

from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, expression
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("parts.clock.repression_K", "parts.clock.hill", "parts.clock.leak", "parts.clock.max_transcription",
              "parts.clock.length", "parts.clock.mrna_decay", "parts.clock.gate_hill")


def repressor_name(node: int) -> str:
    """``clock_repressor_<node>``, the repressor of one ring node (its level: ``<name>_level``)."""
    return f"clock_repressor_{node}"


def node_gene(node: int) -> str:
    """``clock_<node>``, the model's name of one ring node's gene."""
    return f"clock_{node}"


def ring(b: Builder, nodes: int, q: dict[str, Quantity], degradation: float, strength: float,
         transcription_threshold: float, initial=()) -> list:
    """The ring's genes; returns each node's repressor observable. ``initial``: (free mRNA,
    repressor) per node at the start."""
    repressors = [b.monomer(repressor_name(i), role=Role("repressor", gene=node_gene(i))) for i in range(nodes)]
    levels = [b.observable(f"{repressor_name(i)}_level", r()) for i, r in enumerate(repressors)]
    K, n = b.parameter("clock_K", q["repression_K"]), b.parameter("clock_hill", q["hill"])
    leak = b.parameter("clock_leak", q["leak"])
    delta = b.parameter("clock_degradation", degradation, "1/min", "BioXen design: period = nodes x quantum")
    for i, repressor in enumerate(repressors):
        spec = GeneSpec(name=node_gene(i), locus_tags=(), max_transcription=q["max_transcription"].value,
                        threshold=transcription_threshold, length=q["length"].value,
                        initiation_strength=strength, mrna_decay=q["mrna_decay"].value)
        activity = b.expression(f"promoter_activity_clock_{i}",
                                leak + (1 - leak) / (1 + (levels[i - 1] / K) ** n), "dimensionless")
        made = expression.gene(b, spec, product=repressor, factor=activity)
        b.rule(f"decay_{repressor_name(i)}", repressor() >> None, delta, role=Role("decay", gene=spec.name))
        if i < len(initial):
            mrna, protein = initial[i]
            b.initial(made["mrna"](rib=None), b.parameter(f"initial_mRNA_clock_{i}", mrna, "molecules"))
            b.initial(repressor(), b.parameter(f"initial_{repressor_name(i)}", protein, "molecules"))
    return levels


def gate_closure(b: Builder, vm: str, level, threshold: float, q: dict[str, Quantity]):
    """How far the clock closes the VM's gate (0 open to 1 closed) while its node's repressor
    is at ``level``."""
    K = b.parameter(f"clock_gate_K_{vm}", threshold, "molecules", "BioXen design: open for 1/nodes of the period")
    h = b.parameter(f"clock_gate_hill_{vm}", q["gate_hill"])
    return b.expression(f"clock_gate_{vm}", 1 / (1 + (level / K) ** h), "dimensionless")
