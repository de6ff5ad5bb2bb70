"""sRNA translation gates: an inducible antisense sRNA per VM.

The sRNA pairs with the SD region and start codon of every free mRNA of its
VM (all carry the VM's 5' UTR); a paired mRNA cannot bind a ribosome, and the
pair is degraded together (Massé et al. 2003, Genes Dev 17:2374; Levine et
al. 2007, PLoS Biol 5:e229). Molecules per cell and minutes::

    ∅ → s                  at  w_s·a/(θ + a)·(leak + (1 - leak)·I)     (inducible promoter)
    s → ∅                  at  β_s
    s + m_x ⇌ s:m_x        k_on, k_off = k_on·K_d                      (every m_x with sd = the VM's class)
    s:m_x → ∅              at  δ_p                                      (co-degradation)

K_d comes from the ViennaRNA duplex energy of the sRNA with its target
(:func:`bioxen.rna.dissociation_constant`), in molecules per cell.
"""
from __future__ import annotations

from bioxen.roles import Role
from bioxen.rules import Builder, Quantity
from bioxen.rules.control import inducible

PARAMETERS = ("parts.srna.leak", "parts.srna.decay", "parts.srna.pairing", "parts.srna.paired_decay")


def gate(b: Builder, vm: str, transcription: float, threshold: float, dissociation: float,
         q: dict[str, Quantity], inducer, targets) -> None:
    """The VM's gate sRNA and its pairing with each target ``(gene name, free mRNA pattern)``."""
    a = b.model.observables["energy_level"]
    srna = b.monomer(f"sRNA_{vm}", ["m"], role=Role("srna", vm=vm))
    w = b.parameter(f"w_sRNA_{vm}", transcription, "molecules/min", "BioXen sizing (sRNA excess)")
    theta = b.parameter(f"theta_sRNA_{vm}", threshold, "molecules")
    activity = inducible(b, f"sRNA_{vm}", inducer, q["leak"].value)
    b.rule(f"transcription_sRNA_{vm}", None >> srna(m=None),
           b.expression(f"transcription_rate_sRNA_{vm}", w * a / (theta + a) * activity, "molecules/min"),
           role=Role("transcription", vm=vm))
    b.rule(f"decay_sRNA_{vm}", srna(m=None) >> None, b.parameter(f"d_sRNA_{vm}", q["decay"]),
           role=Role("decay", vm=vm))
    k_on = b.parameter(f"k_pair_sRNA_{vm}", q["pairing"])
    k_off = b.parameter(f"k_unpair_sRNA_{vm}", q["pairing"].value * dissociation, "1/min",
                        "k_on x K_d (ViennaRNA duplex energy)")
    paired_decay = b.parameter(f"d_paired_sRNA_{vm}", q["paired_decay"])
    b.observable(f"sRNA_free_{vm}", srna(m=None))
    for name, free in targets:
        paired = srna(m=1) % free.monomer(**{**free.site_conditions, "srna": 1})
        b.rule(f"pairing_sRNA_{vm}_{name}", srna(m=None) + free | paired, k_on, k_off,
               role=Role("pairing", vm=vm, gene=name))
        b.rule(f"decay_paired_sRNA_{vm}_{name}", paired >> None, paired_decay, role=Role("decay", vm=vm, gene=name))
