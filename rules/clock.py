"""The round-robin clock: a ring of repressor genes, and the gates it drives.

After the repressilator (Elowitz & Leibler 2000, Nature 403:335), for any odd
number of nodes. Each node is a repressor gene made on host ribosomes, its
promoter repressed by the previous node's repressor; each repressor carries a
degron (an ssrA variant, degraded by host ClpXP at δ). Molecules per cell,
minutes::

    ∅ → m_i        at  w·a/(θ + a)·(ε_{i-1} + (1 - ε_{i-1})/(1 + (P_{i-1}/K)^n_{i-1}))   (i - 1 round the ring)
    m_i ⇌ m_i:R → m_i + R + P_i                                           (as every host gene)
    P_i → ∅        at  δ

Node i's gene sits behind node i - 1's repressor's promoter, so n_{i-1} and ε_{i-1} are that
repressor's on its own promoter: a designed ring's nodes are :attr:`bioxen.ir.RingClock.parts`
(each one's n and leak, with their sources, and its designed RBS: the Cello repressors the wiring
assigned, :mod:`bioxen.passes.clock`), else every node is the parts library's repressor (``clock``).
A VM's gate promoter (its gate sRNA's, its ribosome gate RNA's, or both) is repressed by its
node's repressor: the clock closes the VM's gate at level ``1/(1 + (P/K_g)^h)`` (h_i = 2·n_i,
two operators) and releases it while the repressor is high. K, w and the mRNA constants are
the parts library's; δ, each node's K_g and RBS strength are designed by
:mod:`bioxen.passes.clock`.
"""
from __future__ import annotations

from bioxen.ring import node_gene
from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, expression
from bioxen.rules.expression import GeneSpec

__all__ = ["PARAMETERS", "gate_closure", "node_gene", "repressor_name", "ring"]   # node_gene: bioxen.ring's

PARAMETERS = ("parts.clock.repression_K", "parts.clock.hill", "parts.clock.leak", "parts.clock.max_transcription",
              "parts.clock.length", "parts.clock.mrna_decay", "parts.clock.gate_hill")


def repressor_name(node: int) -> str:
    """``clock_repressor_<node>``, the repressor of one ring node (its level: ``<name>_level``)."""
    return f"clock_repressor_{node}"


def ring(b: Builder, nodes: int, q: dict[str, Quantity], degradation: float, strength: float,
         transcription_threshold: float, initial=(), parts=()) -> list:
    """The ring's genes; returns each node's repressor observable. ``initial``: (free mRNA,
    repressor) per node at the start; ``parts``: each node's repressor (objects with its ``hill``
    and ``leak`` on its own promoter and its gene's RBS ``initiation_strength``, as
    :class:`bioxen.ir.RingNode`), or none for the parts library's and ``strength`` at every node."""
    if parts and len(parts) != nodes:
        raise ValueError(f"a ring of {nodes} nodes given {len(parts)} repressors")
    repressors = [b.monomer(repressor_name(i), role=Role("repressor", gene=node_gene(i))) for i in range(nodes)]
    levels = [b.observable(f"{repressor_name(i)}_level", r()) for i, r in enumerate(repressors)]
    K = b.parameter("clock_K", q["repression_K"])
    hill = [b.parameter(f"clock_hill_{i}", p.hill if p else q["hill"]) for i, p in enumerate(parts or [None] * nodes)]
    leak = [b.parameter(f"clock_leak_{i}", p.leak if p else q["leak"]) for i, p in enumerate(parts or [None] * nodes)]
    delta = b.parameter("clock_degradation", degradation, "1/min", "BioXen design: period = nodes x quantum")
    for i, repressor in enumerate(repressors):
        spec = GeneSpec(name=node_gene(i), locus_tags=(), max_transcription=q["max_transcription"].value,
                        threshold=transcription_threshold, length=q["length"].value,
                        initiation_strength=parts[i].initiation_strength if parts else strength,
                        mrna_decay=q["mrna_decay"].value)
        activity = b.expression(f"promoter_activity_clock_{i}",
                                leak[i - 1] + (1 - leak[i - 1]) / (1 + (levels[i - 1] / K) ** hill[i - 1]),
                                "dimensionless")
        made = expression.gene(b, spec, product=repressor, factor=activity)
        b.rule(f"decay_{repressor_name(i)}", repressor() >> None, delta, role=Role("decay", gene=spec.name))
        if i < len(initial):
            mrna, protein = initial[i]
            b.initial(made["mrna"](rib=None), b.parameter(f"initial_mRNA_clock_{i}", mrna, "molecules"))
            b.initial(repressor(), b.parameter(f"initial_{repressor_name(i)}", protein, "molecules"))
    return levels


def gate_closure(b: Builder, vm: str, level, threshold: float, q: dict[str, Quantity], part=None):
    """How far the clock closes the VM's gate (0 open to 1 closed) while its node's repressor
    is at ``level``. ``part``: the node's repressor constants (its gate
    promoters' ``gate_hill`` and designed ``gate_threshold``), or None for ``threshold`` and the
    parts library's gate Hill coefficient."""
    if part is not None:
        threshold = part.gate_threshold
    K = b.parameter(f"clock_gate_K_{vm}", threshold, "molecules",
                    "BioXen design: the gate promoter's operators, for an equal share of the period's ribosome time")
    h = b.parameter(f"clock_gate_hill_{vm}", part.gate_hill if part is not None else q["gate_hill"])
    return b.expression(f"clock_gate_{vm}", 1 / (1 + (level / K) ** h), "dimensionless")
