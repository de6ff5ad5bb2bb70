"""RNA polymerase pools: a VM's transcription as an allocatable resource (issue 21).

Without a policy ``transcription:`` key, transcription is Weisse et al. 2015's: energy-limited, no
polymerase in the model. With it, every VM's genes draw on a polymerase pool P: the host's RNA
polymerase available to guest promoters (shared by every VM on ``pool: host``), or a VM's own
orthogonal phage polymerase (T7, T3, SP6; Segall-Shapiro et al. 2014 Mol Syst Biol 10:742 use such
polymerases as allocatable transcription resources). Molecules per cell, minutes::

    F_P → T_P + m_x        at  w_x·s_Px·a/(θ_x + a)·c·F_P/(K_P + F_P)     (transcription of gene x)
    T_P → F_P              at  k_P = 60·v_P/L_P                            (termination: the transcript is done)
    ∅ → F_host             at  λ·N_host                                    (host pool: the host keeps it at N_host)
    ∅ → m_rnap → F_P       (the VM's polymerase gene, on host ribosomes: :mod:`bioxen.rules.expression`)
    F_P + I ⇌ F_P:I        k_on, k_off       (PAUSE on transcription: T7 lysozyme, made on PAUSE's signal)
    F_P:I → F_P            at  d_I            (the inhibitor's degron; I alone decays at d_I too)

F_P is the free polymerase, T_P the transcribing one, K_P its promoters' half-occupancy, s_Px the
polymerase's activity on gene x's promoter relative to its own (1, or the cross-talk of the parts
library's ``polymerase_crosstalk``), c the gene's control factor (licence, boot, guard). Each
transcript holds a polymerase for its length over the polymerase's speed: L_P is the pool's
transcripts' mean length weighted by their transcription (:func:`mean_transcript`), so the
transcribing pool is Σ rate_x·L_x/v_P on average. Dilution of every species (λ) is
:func:`bioxen.rules.growth.dilution`'s; with the supply the host pool's total stays at N_host.
Constants: ``transcription`` and ``polymerases`` of the parts library.
"""
from __future__ import annotations

from dataclasses import replace

from bioxen.roles import Role
from bioxen.rules import Builder, Quantity, inverse, product, total

PARAMETERS = ("parts.transcription.inhibitor_binding", "parts.transcription.inhibitor_unbinding")
HOST = "host"
RNA_LENGTH = 100.0      # nt: a stable-RNA unit's transcript (tRNAs ~80 nt; A)
UTR_LENGTH = 100.0      # nt: a coding transcript's UTRs around its codons (A)


def free_name(pool: str) -> str:
    return f"RNAP_{pool}"


def transcribing_name(pool: str) -> str:
    return f"RNAP_{pool}_transcribing"


def inhibited_name(pool: str) -> str:
    return f"RNAP_{pool}_inhibited"


def free_level(pool: str) -> str:
    """The observable of a pool's free polymerase."""
    return f"RNAP_{pool}_free"


def transcribing_level(pool: str) -> str:
    return f"RNAP_{pool}_transcribing_level"


def gene_name(vm: str) -> str:
    """The hypervisor gene of a VM's orthogonal polymerase."""
    return f"rnap_{vm}"


def inhibitor_gene(vm: str) -> str:
    return f"rnap_inhibitor_{vm}"


def transcript_length(coding: bool, length_aa: float) -> float:
    """nt of one transcript of a unit: its codons and UTRs, or a stable RNA's."""
    return 3 * length_aa + UTR_LENGTH if coding else RNA_LENGTH


def mean_transcript(units: list[tuple[float, float]]) -> float:
    """The transcription-weighted mean length (nt) of (rate, length) pairs.

    >>> mean_transcript([(1.0, 1000.0), (3.0, 200.0)])
    400.0
    """
    rate_sum = sum(rate for rate, _ in units)
    if rate_sum <= 0:
        return RNA_LENGTH
    return sum(rate * length for rate, length in units) / rate_sum


def pool(b: Builder, name: str, elongation_nt_s: float, length_nt: float, promoter_k: Quantity,
         source: str) -> None:
    """Pool ``name``'s free and transcribing polymerase, termination and observables."""
    free = b.monomer(free_name(name), role=Role("polymerase", pool=name))
    busy = b.monomer(transcribing_name(name), role=Role("polymerase", pool=name))
    rate = b.parameter(f"k_termination_{name}", 60.0 * elongation_nt_s / length_nt, "1/min",
                       f"60 x {elongation_nt_s:g} nt/s ({source}) / {length_nt:.0f} nt, the pool's mean "
                       "transcript weighted by transcription")
    b.rule(f"termination_{name}", busy() >> free(), rate, role=Role("termination", pool=name))
    b.parameter(f"K_promoter_{name}", promoter_k)
    b.observable(free_level(name), free())
    b.observable(transcribing_level(name), busy())


def host_supply(b: Builder, available: Quantity) -> None:
    """The host pool's polymerase, kept at ``available`` in all by the host (made at λ·N_host)."""
    n = b.parameter("N_RNAP_host", available)
    supply = b.expression("RNAP_host_supply", b.model.expressions["growth_rate"] * n, "molecules/min", local=True)
    b.rule("supply_RNAP_host", None >> b.model.monomers[free_name(HOST)](), supply,
           role=Role("polymerase_supply", pool=HOST))
    b.initial(b.model.monomers[free_name(HOST)](), b.parameter("initial_RNAP_host", available.value, "molecules"))


def transcription(b: Builder, name: str, transcript, factors: list, polymerases, tags=(), role=None) -> None:
    """Gene ``name``'s transcription by each polymerase of ``polymerases``, (pool, strength) pairs,
    its own first: ``factors`` (w·a/(θ + a)·c, a list to multiply) times the strength and its
    promoters' occupancy F/(K + F); each transcript takes one free polymerase until it terminates."""
    for index, (pool_name, strength) in enumerate(polymerases):
        suffix = "" if index == 0 else f"_by_{pool_name}"
        free = b.model.monomers[free_name(pool_name)]
        busy = b.model.monomers[transcribing_name(pool_name)]
        occupancy = inverse(total(b.model.parameters[f"K_promoter_{pool_name}"],
                                  b.model.observables[free_level(pool_name)]))
        extra = [] if strength == 1 else [_crosstalk(b, polymerases[0][0], pool_name, strength)]
        # mass action in F times 1/(K + F): the rate is w·…·F/(K + F)
        rate = b.expression(f"transcription_rate_{name}{suffix}", product(*factors, *extra, occupancy),
                            "1/min", local=True)
        b.rule(f"transcription_{name}{suffix}", free() >> busy() + transcript, rate, tags=tags,
               role=None if role is None else replace(role, pool=pool_name))


def _crosstalk(b: Builder, promoter: str, pool_name: str, strength: float):
    name = f"crosstalk_{pool_name}_on_{promoter}"
    return b.model.parameters.get(name) or b.parameter(
        name, strength, "dimensionless", "parts polymerase_crosstalk: the polymerase on another's promoter")


def inhibition(b: Builder, pool_name: str, inhibitor, q: dict[str, Quantity]) -> None:
    """The pool's polymerase held by its inhibitor protein (free polymerase only: it blocks initiation)."""
    free = b.model.monomers[free_name(pool_name)]
    held = b.monomer(inhibited_name(pool_name), role=Role("polymerase", pool=pool_name))
    b.rule(f"inhibition_{pool_name}", free() + inhibitor | held(),
           b.parameter(f"k_inhibition_{pool_name}", q["inhibitor_binding"]),
           b.parameter(f"k_release_{pool_name}", q["inhibitor_unbinding"]), role=Role("inhibition", pool=pool_name))
    b.rule(f"inhibitor_decay_bound_{pool_name}", held() >> free(),
           b.model.parameters[f"d_{inhibitor.monomer.name}"], role=Role("decay", pool=pool_name))
