"""A pulse generator: an incoherent feed-forward loop that makes a gene's expression a pulse.

After Basu, Mehreja, Thiberge, Chen & Weiss 2004 (PNAS 101:6355): one inducer I drives a target
gene and a repressor gene R; R represses the target's promoter, so the target is expressed from
induction until R has accumulated, then stays off while I stays. The target's promoter is a
combinatorial one, inducible and carrying R's operators (Cox, Surette & Elowitz 2007, Mol Syst
Biol 3:145; Lutz & Bujard 1997, NAR 25:1203). R is a stable TetR-family repressor made on host
ribosomes and diluted by growth (molecules per cell, minutes)::

    ∅ → m_R        at  w_R·a/(θ + a)·(ε + (1 - ε)·I)           (the repressor's inducible promoter)
    m_R ⇌ m_R:R → m_R + R + P_R                                 (as every host gene)
    target promoter activity  (ε + (1 - ε)·I) / (1 + (P_R/K)^n)

The pulse lasts until P_R reaches K. P_R and the target's protein are made in a fixed ratio
from induction on (same inducer, energy and ribosomes), so the pulse is sized as a dose: the
target protein made before P_R reaches K (:func:`repressor_transcription`).
"""
from __future__ import annotations

from bioxen.errors import CompileError
from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, control, expression
from bioxen.rules.expression import GeneSpec

PARAMETERS = ("parts.protease.pulse_repressor_K", "parts.protease.pulse_repressor_hill",
              "parts.protease.pulse_repressor_length", "parts.protease.pulse_dose",
              "parts.protease.max_transcription", "parts.protease.length", "parts.protease.leak")


def repressor_name(target: str) -> str:
    """``pulse_repressor_<target>``, the repressor ending the pulse of ``target`` (its gene's name too)."""
    return f"pulse_repressor_{target}"


def proteins_per_transcript(free_ribosomes: float, k_b: float, k_u: float, elongation: float, length: float,
                            mrna_decay: float, growth_rate: float, strength: float = 1.0) -> float:
    """Proteins one transcript of a host gene yields: ``k·γ/L / (d_m + λ(1 + k))`` with
    ``k = k_b·e·R_free/(k_u + γ/L + λ)`` ribosomes per free mRNA (initiation at equilibrium,
    as in :mod:`bioxen.rules.expression`; units molecules, minutes, aa)."""
    per_ribosome = elongation / length
    bound = k_b * strength * free_ribosomes / (k_u + per_ribosome + growth_rate)
    return bound * per_ribosome / (mrna_decay + growth_rate * (1 + bound))


def repressor_transcription(target_transcription: float, target_yield: float, repressor_yield: float,
                            K: float, dose: float) -> float:
    """w_R (transcripts/min at saturating energy) for which the repressor reaches K when the
    target has made ``dose`` proteins. Both genes share the inducer, the energy term and the free
    host ribosomes, so R/target made = w_R·y_R/(w_T·y_T) from induction on, whatever those are."""
    if dose <= 0:
        raise CompileError(f"a pulse of {dose:.3g} proteins makes nothing")
    return target_transcription * target_yield / repressor_yield * K / dose


def pulse_generator(b: Builder, target: str, inducer_level, q: dict[str, Quantity], transcription: float,
                    transcription_threshold: float, mrna_decay: float):
    """The repressor gene of ``target``'s pulse (``transcription``: w_R, from
    :func:`repressor_transcription`); returns the target promoter's repression (1 = none)."""
    name = repressor_name(target)
    spec = GeneSpec(name=name, locus_tags=(), max_transcription=transcription, threshold=transcription_threshold,
                    length=q["pulse_repressor_length"].value, mrna_decay=mrna_decay)
    repressor = b.monomer(f"protein_{name}", role=Role("repressor", gene=name))
    made = expression.gene(b, spec, product=repressor,
                           factor=control.inducible(b, name, inducer_level, q["leak"].value))
    level = b.observable(f"{name}_level", made["protein_pattern"])
    K, n = b.parameter(f"{name}_K", q["pulse_repressor_K"]), b.parameter(f"{name}_hill", q["pulse_repressor_hill"])
    return b.expression(f"pulse_repression_{target}", 1 / (1 + (level / K) ** n), "dimensionless")


def vm_protein_estimate(share: float, translating: float, elongation: float, length: float,
                        growth_rate: float, protein_decay: float) -> float:
    """Proteins a VM holds at most: its share of the translating ribosomes, each finishing one
    protein every ``length/elongation`` minutes, against dilution and decay."""
    return share * translating * elongation / length / (growth_rate + protein_decay)


def protease_pulse_transcription(design, vm, q: dict[str, Quantity] | None = None) -> float:
    """w_R of a VM's protease pulse (:class:`bioxen.ir.Design`, its :class:`~bioxen.ir.GuestVM`;
    ``q``: the protease section with the VM's pulse repressor, default the parts library's):
    the pulse ends when the protease made is ``pulse_dose`` times the VM's proteins at most
    (:func:`vm_protein_estimate`, at the chassis reference state).

    The ratio of the two genes' yields per transcript hardly depends on the free host ribosomes
    (taken as the clock's design takes them, (1 - Σ shares)² of the chassis's,
    :mod:`bioxen.passes.clock`), which at three Syn3A VMs are fewer than that estimate (0.8
    against 7.2): the dose holds, the pulse's length in minutes follows the host.
    """
    from bioxen.passes.parameterize import reference_state

    ref, guest = reference_state(design), design.chassis.guest
    q = design.parts.protease if q is None else q     # the pulse repressor's own length, when wired
    free = ref.free_ribosomes * (1 - sum(v.ribosome_share for v in design.vms)) ** 2
    coding = [u for u in vm.units if u.coding and u.max_transcription > 0]
    proteins = 0.0
    if coding:   # the mean length of the VM's proteins, weighted by their transcription
        length = sum(u.max_transcription * u.length for u in coding) / sum(u.max_transcription for u in coding)
        proteins = vm_protein_estimate(vm.ribosome_share, ref.translating,
                                       ref.elongation * (vm.elongation_factor or 1), length, ref.growth_rate,
                                       vm.protein_decay)

    def made_per_transcript(aa: float) -> float:
        return proteins_per_transcript(free, ref.k_b, ref.k_u, ref.elongation, aa, guest["mrna_decay"].value,
                                       ref.growth_rate)
    # a VM with (almost) no proteins still gets a pulse of one K's worth of protease
    dose = max(q["pulse_dose"].value * proteins, q["pulse_repressor_K"].value)
    return repressor_transcription(q["max_transcription"].value, made_per_transcript(q["length"].value),
                                   made_per_transcript(q["pulse_repressor_length"].value),
                                   q["pulse_repressor_K"].value, dose)
