"""Ribosome gates: an inducible gate RNA per VM that holds its pool's free o-ribosomes.

The gate RNA carries the pool's orthogonal SD (orthogonal pairs after Rackham & Chin 2005,
Nat Chem Biol 1:159), so it binds FREE o-ribosomes of its VM's pool as the VM's mRNAs do.
A held o-ribosome is bound: it neither initiates on an mRNA nor disassembles (only free
ribosomes disassemble, Darlington et al. 2018), so the pool stays assembled through a pause.
Translating o-ribosomes finish their protein (n/γ) and are captured when released. A
constitutive anti-gate RNA, antisense to the gate, titrates it (threshold-linear titration,
Levine et al. 2007, PLoS Biol 5:e229): the gate acts only while its induced transcription
outruns the anti-gate's, and when the inducer goes the standing anti-gate transcription
clears the free gate RNA in minutes instead of its decay's ln 81 / δ_g. Molecules per cell,
minutes::

    ∅ → g                  at  w_g·a/(θ + a)·(leak + (1 - leak)·I)   (inducible promoter)
    ∅ → h                  at  w_h·a/(θ + a)                          (anti-gate, constitutive)
    g → ∅, h → ∅           at  δ_g                                    (short-lived RNAs)
    g + h → g:h            k_pair                                      (≥ 20-bp duplex: irreversible)
    g:h → ∅                at  δ_p                                     (co-degradation)
    g + R_k ⇌ g:R_k        k_on = k_b·s_kk, k_off = k_on·K_d           (R_k free: mrna=None)
    g:R_k → R_k            at  δ_g,bound                               (decay releases R_k)

s_kk is the on-target initiation strength of the pool's SD (the cross-talk matrix), K_d
the dissociation constant of the SD's duplex with the anti-SD (ViennaRNA,
:func:`bioxen.rna.dissociation_constant`), in molecules per cell. A held ribosome is
neither free nor translating: :func:`gate` counts the held complexes among the ribosomes not
translating (:func:`bioxen.rules.ribosomes.hold_ribosomes`), which ``ribosomes_translating``
leaves out (the growth rate and energy use count translating ribosomes only, Weisse et al.
2015), as it leaves out chloramphenicol's stalled ribosomes.

Kinetics in the parts library (``ribosome_gate``; pairing as the gate sRNA's, ``srna``);
w_g and w_h are sized by :func:`bioxen.passes.parameterize.gate_transcription`.
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.errors import CompileError
from bioxen.roles import Role
from bioxen.rules import Builder, Quantity
from bioxen.rules.control import inducible
from bioxen.rules.ribosomes import hold_ribosomes, pool_monomer

PARAMETERS = ("parts.ribosome_gate.leak", "parts.ribosome_gate.decay", "parts.ribosome_gate.bound_decay",
              "parts.ribosome_gate.ballast",
              "parts.srna.pairing", "parts.srna.paired_decay")


@dataclass(frozen=True)
class GateBinding:
    """How the gate RNA binds its pool's free ribosomes: association k_on (1/(molecule·min))
    and dissociation constant K_d (molecules per cell)."""

    pool: str
    k_on: float
    dissociation: float


@dataclass(frozen=True)
class GateTranscription:
    """Transcription of the gate RNA when fully induced and of its anti-gate RNA (constitutive),
    molecules/min at saturating energy, and the promoters' energy threshold θ (molecules)."""

    gate: float
    antigate: float
    threshold: float


def gate_name(vm: str) -> str:
    """``gate_<vm>``, the model's name of a VM's gate RNA."""
    return f"gate_{vm}"


def blocked_name(vm: str) -> str:
    """``<vm>_pool_blocked``: the observable of the VM's pool ribosomes held by its gate RNA."""
    return f"{vm}_pool_blocked"


def gate(b: Builder, vm: str, made: GateTranscription, binding: GateBinding, q: dict[str, Quantity],
         pairing: dict[str, Quantity], inducer):
    """The VM's gate RNA (induced by ``inducer``), its anti-gate, and the gate's hold on its pool's
    free ribosomes; ``pairing``: the sRNA constants (``pairing``, ``paired_decay``). Returns the
    observable of held ribosomes (``<vm>_pool_blocked``)."""
    if b.model.monomers.get(pool_monomer(binding.pool)) is None:
        raise CompileError(f"VM '{vm}': the ribosome gate needs the ribosomes of pool '{binding.pool}', "
                           "which the model lacks")
    rna = b.monomer(gate_name(vm), ["r", "h"], role=Role("srna", vm=vm))
    free = rna(r=None, h=None)
    decay = b.parameter(f"d_{gate_name(vm)}", q["decay"])
    activity = inducible(b, gate_name(vm), inducer, q["leak"].value)
    _transcribed(b, gate_name(vm), free, made.gate, made.threshold, vm, activity)
    b.rule(f"decay_{gate_name(vm)}", free >> None, decay, role=Role("decay", vm=vm))
    b.observable(f"{gate_name(vm)}_free", free)
    if made.antigate > 0:
        _antigate(b, vm, rna, made, decay, pairing)
    return _blocking(b, vm, rna, binding, q)


def _transcribed(b: Builder, name: str, product, w: float, threshold: float, vm: str, activity=None) -> None:
    """``∅ → product`` at ``w·a/(θ + a)`` [times ``activity``]."""
    a = b.model.observables["energy_level"]
    w = b.parameter(f"w_{name}", w, "molecules/min", "BioXen sizing (ribosome gate excess)")
    theta = b.parameter(f"theta_{name}", threshold, "molecules")
    rate = w * a / (theta + a) * (1 if activity is None else activity)
    b.rule(f"transcription_{name}", None >> product, b.expression(f"transcription_rate_{name}", rate, "molecules/min"),
           role=Role("transcription", vm=vm))


def _antigate(b: Builder, vm: str, rna, made: GateTranscription, decay, pairing: dict[str, Quantity]) -> None:
    name = f"anti{gate_name(vm)}"
    anti = b.monomer(name, ["g"], role=Role("srna", vm=vm))
    _transcribed(b, name, anti(g=None), made.antigate, made.threshold, vm)
    b.rule(f"decay_{name}", anti(g=None) >> None, decay, role=Role("decay", vm=vm))
    paired = rna(r=None, h=1) % anti(g=1)
    b.rule(f"pairing_{name}", rna(r=None, h=None) + anti(g=None) >> paired,
           b.parameter(f"k_pair_{name}", pairing["pairing"]), role=Role("pairing", vm=vm))
    b.rule(f"decay_paired_{name}", paired >> None, b.parameter(f"d_paired_{name}", pairing["paired_decay"]),
           role=Role("decay", vm=vm))
    b.observable(f"{name}_free", anti(g=None))


def _blocking(b: Builder, vm: str, rna, binding: GateBinding, q: dict[str, Quantity]):
    ribosome = b.model.monomers[pool_monomer(binding.pool)]
    blocked = rna(r=1, h=None) % ribosome(mrna=1)
    k_on = b.parameter(f"k_on_{gate_name(vm)}", binding.k_on, "1/(molecule*min)",
                       "k_b x on-target strength of the pool's SD (cross-talk matrix)")
    k_off = b.parameter(f"k_off_{gate_name(vm)}", binding.k_on * binding.dissociation, "1/min",
                        "k_on x K_d (ViennaRNA duplex of the SD with the o-anti-SD)")
    b.rule(f"pairing_{gate_name(vm)}_{pool_monomer(binding.pool)}",
           rna(r=None, h=None) + ribosome(mrna=None) | blocked, k_on, k_off,
           role=Role("pairing", vm=vm, pool=binding.pool))
    b.rule(f"decay_held_{gate_name(vm)}", blocked >> ribosome(mrna=None),
           b.parameter(f"d_bound_{gate_name(vm)}", q["bound_decay"]), role=Role("decay", vm=vm, pool=binding.pool))
    level = b.observable(blocked_name(vm), blocked)
    if not ballasted(q):
        hold_ribosomes(b, blocked)         # held ribosomes neither translate nor are free
    return level


def ballasted(q: dict[str, Quantity]) -> bool:
    """Whether the gate RNA carries a ballast reading frame (``ribosome_gate.ballast``): a held
    ribosome then elongates on it, counted as translating (energy use, growth) as before the pause."""
    ballast = q.get("ballast")
    return ballast is not None and ballast.value == 1
