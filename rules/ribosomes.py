"""Ribosomes: assembly from ribosomal protein and rRNA, the host pool and orthogonal pools.

After Darlington et al. 2018 (Nat Commun 9:695; NC = apsduk/Nat-Commun-2018),
extending Weisse et al. 2015 (PNAS 112:E1038). Translation of the host's
ribosomal sector makes ribosomal protein x_R; it assembles with host rRNA r_R
into host ribosomes, and with each VM's o-rRNA r_P into that VM's
o-ribosomes. Only free ribosomes disassemble. Molecules per cell, minutes::

    ∅ → r_R                  at  w_rR·a/(θ_rR + a)      (3170, 426.87; NC)
    x_R + r_R ⇌ R            k_a 1 /(molecule·min), k_d 1 /min (NC brR, urR)
    r_R → ∅                  at  0.1 /min (NC dyrR)
    ∅ → r_P                  at  w_rP·a/(θ_rP + a)      (θ_rP from the parts library)
    x_R + r_P ⇌ P            k_a 1, k_d 1 (NC brP, urP)
    r_P → ∅                  at  0.1 /min (NC dyrP)

``ribosome_inventory`` counts every ribosomal protein set (made with each x_R,
diluted like it), so translating ribosomes are ``inventory - free x_R - free
ribosomes of every pool``: a few terms instead of a sum over every transcript,
which keeps the growth rate cheap in genome-scale models. Its initial value
must equal the initial x_R plus free and bound ribosomes (the builder sets it).

Schema: ``ribosome(mrna)`` is a host ribosome, ``ribosome_o1(mrna)`` one of
pool ``o1``; ``mrna=None`` is free.

Chloramphenicol (only when the model's ``chloramphenicol`` concentration is above
zero) binds translating complexes of every pool and stalls them for good; the
stalled complex keeps its mRNA and ribosome and is only diluted (Weisse et al.
2015: ``rm_x → zm_x`` at ``f = cl·k_cm``, ``zm_x → rm_x`` at ``b = 0``, in the
authors' model code "CellModel by Weisse et al." and BioModels MODEL1502270000;
the same in NC lib/hriboODE.m: ``fcm·cm0·c_x``, ``rcm = 0``)::

    m_x:R → m_x:R_cm         at  k_cm·cm   (k_cm 0.00599 /(µM·min), cm in µM)

Stalled ribosomes (``stalled_ribosome``, ``stalled_ribosome_o1``) count among all
ribosomes (the ribosomal mass) but not among translating ones: they neither
elongate nor spend energy, and growth is γ(a)·C/M over the translating C only.

Pool sizing (BioXen): o-rRNA and host rRNA take ribosomal protein alike (same
assembly, disassembly and decay constants), so pools split ribosomes as their
rRNAs' transcription. Pool k holds share s_k of all ribosomes when its o-rRNA
is transcribed at ``w_k = w_host · s_k / (1 - Σ s) / saturation`` (Σ over the
orthogonal pools; VMs on host ribosomes use the host rRNA's share), with
``w_host`` the host rRNA's transcription and ``saturation`` the o-rRNA
promoter's a/(θ_rP + a), both at the reference energy (equal promoter laws give
the same ratio at every energy). :func:`bioxen.pools.pool_transcription` is that
law (re-exported here with :class:`~bioxen.pools.PoolSizing`); the compiler sizes
the pools with it and SET_RESOURCE_LIMIT resizes them with it. The optional
feedback controller of a pool's o-rRNA gene is :mod:`bioxen.rules.controller`.
"""
from __future__ import annotations

from bioxen.pools import PoolSizing, orrna_parameter, pool_transcription  # noqa: F401  (re-exported)
from bioxen.roles import Role
from bioxen.rules import Builder, sum_patterns, value
from pysb.core import ReactionPattern, as_complex_pattern

PARAMETERS = ("chassis.parameters.k_b", "chassis.parameters.k_u", "chassis.parameters.w_rR",
              "chassis.parameters.theta_rR", "chassis.parameters.k_assembly", "chassis.parameters.k_disassembly",
              "chassis.parameters.d_rR", "parts.orthogonal_ribosomes.orrna_threshold",
              "parts.orthogonal_ribosomes.assembly", "parts.orthogonal_ribosomes.disassembly",
              "parts.orthogonal_ribosomes.orrna_decay")

INVENTORY = "ribosome_inventory"     # species counting every ribosomal protein set
STALLING_RATE = "chloramphenicol_stalling_rate"   # expression k_cm·cm (1/min), with chloramphenicol only
ALL_RIBOSOMES = "ribosomes_all"      # observable: x_R plus free and bound ribosomes of every pool
# observable: every ribosome that is not translating (free, stalled, held by a gate RNA), so that
# ribosomes_translating = inventory - it reads two observables whatever the pools and gates
NOT_TRANSLATING = "ribosomes_not_translating"
RIBOSOMAL_PROTEIN = "ribosomal_protein"


def pool_monomer(pool: str) -> str:
    """The monomer of a ribosome pool: ``ribosome`` for the host, ``ribosome_o1`` for ``o1``."""
    return "ribosome" if pool == "host" else f"ribosome_{pool}"


def ribosome_role(pool: str) -> Role:
    """The role of a pool's free-to-translate ribosome monomer."""
    return Role("ribosome" if pool == "host" else "orthogonal_ribosome", pool=pool)


def stalled_monomer(pool: str) -> str:
    """A pool's ribosome stalled by chloramphenicol: ``stalled_ribosome``, ``stalled_ribosome_o1``."""
    return f"stalled_{pool_monomer(pool)}"


def host_ribosomes(b: Builder, p: dict, pools: tuple[str, ...] = ()):
    """Declare ribosomal protein, the host and orthogonal ribosomes and the ribosome observables
    (and the stalled ribosomes, when ``p`` has chloramphenicol above zero).

    >>> from bioxen.rules import Builder
    >>> b = Builder("doc"); r = host_ribosomes(b, {"k_b": 1.0, "k_u": 1.0}, ("o1",))
    >>> [o.name for o in b.model.observables]
    ['ribosomes_free', 'ribosomes_free_o1', 'ribosomal_protein_free', 'ribosomes_idle', 'ribosomes_all', 'ribosome_inventory_level', 'ribosomes_not_translating']
    >>> b = Builder("doc"); r = host_ribosomes(b, {"k_b": 1.0, "k_u": 1.0, "k_cm": 0.006, "chloramphenicol": 4.0})
    >>> [o.name for o in b.model.observables][-2:], str(b.model.expressions["ribosomes_translating"].expr)
    (['ribosomes_stalled', 'ribosomes_not_translating'], 'ribosome_inventory_level - ribosomes_not_translating')
    >>> len(b.model.observables["ribosomes_not_translating"].reaction_pattern.complex_patterns)   # x_R, free R, stalled R
    3
    """
    ribosome = b.monomer(pool_monomer("host"), ["mrna"], role=ribosome_role("host"))
    b.parameter("k_b", p["k_b"])
    b.parameter("k_u", p["k_u"])
    inventory = b.monomer(INVENTORY, role=Role("ribosome_inventory"))
    protein = b.monomer(RIBOSOMAL_PROTEIN, role=Role("ribosomal_protein"))
    monomers = [ribosome] + [b.monomer(pool_monomer(pool), ["mrna"], role=ribosome_role(pool)) for pool in pools]
    stalled = [b.monomer(stalled_monomer(pool), ["mrna"], role=Role("stalled_ribosome", pool=pool))
               for pool in ("host",) + tuple(pools)] if value(p.get("chloramphenicol", 0.0)) > 0 else []
    free = [b.observable("ribosomes_free", ribosome(mrna=None))]
    free += [b.observable(f"ribosomes_free_{pool}", m(mrna=None)) for pool, m in zip(pools, monomers[1:])]
    b.observable("ribosomal_protein_free", protein())
    idle = [protein()] + [m(mrna=None) for m in monomers]
    b.observable("ribosomes_idle", sum_patterns(idle))
    b.observable(ALL_RIBOSOMES, sum_patterns([protein()] + [m() for m in monomers + stalled]))
    total = b.observable("ribosome_inventory_level", inventory())
    if stalled:
        b.observable("ribosomes_stalled", sum_patterns([m() for m in stalled]))
    not_translating = b.observable(NOT_TRANSLATING, sum_patterns(idle + [m() for m in stalled]))
    b.expression("ribosomes_translating", total - not_translating, "molecules")
    if not stalled:
        return ribosome
    k_cm, cm = b.parameter("k_cm", p["k_cm"]), b.parameter("chloramphenicol", p["chloramphenicol"])
    b.expression(STALLING_RATE, k_cm * cm, "1/min")
    return ribosome


def hold_ribosomes(b: Builder, held) -> None:
    """Count the ribosomes of pattern ``held`` (held by a gate RNA) as not translating."""
    observable = b.model.observables[NOT_TRANSLATING]
    observable.reaction_pattern = ReactionPattern(observable.reaction_pattern.complex_patterns
                                                  + [as_complex_pattern(held)])


def stall_translation(b: Builder, name: str, bound, pool: str, tags=(), role: Role | None = None) -> None:
    """``m_x:R → m_x:R_cm`` at k_cm·cm for the translating complex ``bound`` (an mRNA bound to a
    ribosome of ``pool``), if the model has chloramphenicol; otherwise nothing. ``role``: the
    rule's (kind ``stalling``; by default the pool's only)."""
    if b.model.expressions.get(STALLING_RATE) is None:
        return
    mrna = next(mp for mp in bound.monomer_patterns if mp.monomer.name != pool_monomer(pool))
    stalled = mrna.monomer(**mrna.site_conditions) % b.model.monomers[stalled_monomer(pool)](mrna=1)
    b.rule(f"stalling_{name}", bound >> stalled, b.model.expressions[STALLING_RATE], tags=tags,
           role=role or Role("stalling", pool=pool))


def _assembly(b: Builder, rrna: str, pool: str, transcription, threshold, k_a, k_d, decay, tags=()):
    a = b.model.observables["energy_level"]
    rna = b.monomer(rrna, tags=tags, role=Role("rrna", gene=rrna, pool=pool))
    b.rule(f"transcription_{rrna}", None >> rna(),
           b.expression(f"transcription_rate_{rrna}", transcription * a / (threshold + a), "molecules/min"),
           tags=tags, role=Role("transcription", gene=rrna, pool=pool))
    protein, ribosome = b.model.monomers[RIBOSOMAL_PROTEIN], b.model.monomers[pool_monomer(pool)]
    b.rule(f"assembly_{pool_monomer(pool)}", protein() + rna() | ribosome(mrna=None), k_a, k_d, tags=tags,
           role=Role("assembly", gene=rrna, pool=pool))
    b.rule(f"decay_{rrna}", rna() >> None, decay, tags=tags, role=Role("decay", gene=rrna, pool=pool))


def host_rrna(b: Builder, p: dict) -> None:
    """Host rRNA and host ribosome assembly (Darlington et al. 2018)."""
    _assembly(b, "rRNA_host", "host", b.parameter("w_rR", p["w_rR"]), b.parameter("theta_rR", p["theta_rR"]),
              b.parameter("k_assembly", p["k_assembly"]), b.parameter("k_disassembly", p["k_disassembly"]),
              b.parameter("d_rR", p["d_rR"]))


def orthogonal_pool(b: Builder, pool: str, transcription: float, q: dict, tags=(), licence=1,
                    repression=None) -> None:
    """An o-rRNA gene (its transcription scaled by ``licence``, 0 to 1, and divided by
    ``repression``, e.g. :func:`bioxen.rules.controller.feedback_controller`'s) and the assembly
    of its o-ribosomes from ribosomal protein."""
    w = b.parameter(orrna_parameter(pool), transcription, "molecules/min", "BioXen sizing of the pool share")
    activity = w * licence if repression is None else w * licence / repression
    _assembly(b, f"rRNA_{pool}", pool, activity,
              b.parameter(f"theta_rRNA_{pool}", q["orrna_threshold"]),
              b.parameter(f"k_assembly_{pool}", q["assembly"]),
              b.parameter(f"k_disassembly_{pool}", q["disassembly"]),
              b.parameter(f"d_rRNA_{pool}", q["orrna_decay"]), tags)
