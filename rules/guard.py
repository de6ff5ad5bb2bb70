"""The ATP guard: a low-energy switch that represses lower-priority VMs' non-essential genes.

A repressor gene (on host ribosomes) is transcribed from a promoter that turns on
when the host's energy pool a falls below a threshold θ_a; the repressor G
represses the guarded promoters (molecules per cell, minutes)::

    ∅ → m_G          at  w_G·θ_a^n/(θ_a^n + a^n)          (low-energy sensing promoter)
    guarded genes:   transcription × 1/(1 + (G/K_G)^h)

Kinetics are in the parts library (``atp_guard``); the threshold is the policy's.
"""
from __future__ import annotations

from bioxen.rules import Builder, Quantity, expression
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("parts.atp_guard.hill", "parts.atp_guard.max_transcription", "parts.atp_guard.length",
              "parts.atp_guard.repressor_K", "parts.atp_guard.repressor_hill")


def atp_guard(b: Builder, threshold: float, q: dict[str, Quantity], transcription_threshold: float,
              mrna_decay: float):
    """The guard gene; returns the repression factor (dimensionless, 1 = no repression)."""
    a = b.model.observables["energy_level"]
    theta = b.parameter("atp_guard_threshold", threshold, "molecules", "policy scheduler.atp_guard.threshold")
    n = b.parameter("atp_guard_hill", q["hill"])
    sensing = b.expression("atp_guard_sensor", theta ** n / (theta ** n + a ** n), "dimensionless")
    spec = GeneSpec(name="atp_guard", locus_tags=(), max_transcription=q["max_transcription"].value,
                    threshold=transcription_threshold, length=q["length"].value, mrna_decay=mrna_decay)
    made = expression.gene(b, spec, factor=sensing)
    level = b.observable("atp_guard_repressor", made["protein_pattern"])
    k, h = b.parameter("atp_guard_K", q["repressor_K"]), b.parameter("atp_guard_repressor_hill", q["repressor_hill"])
    return b.expression("atp_guard_repression", 1 / (1 + (level / k) ** h), "dimensionless")
