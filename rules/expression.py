"""Gene expression: transcription, translation on a ribosome pool, mRNA and protein decay.

Reaction schema for one gene (or lumped unit) x, after Weisse et al. 2015
(PNAS 112:E1038), molecules per cell and minutes::

    ∅ → m_x                 at  w_x·a/(θ_x + a)·f [/(1 + (q/K_q)^h_q)]     (transcription; with a
                                                                        polymerase pool, one
                                                                        polymerase per transcript:
                                                                        :mod:`bioxen.rules.polymerase`)
    m_x + R ⇌ m_x:R         k_b·e_x (1/(molecule·min)), k_u (1/min)      (initiation)
    m_x:R → m_x + R + P_x   at  y·f_v·γ(a)/n_x                             (elongation)
    m_x:R → m_x + R + D     at  (1 - y)·f_v·γ(a)/n_x                       (defective product)
    m_x → ∅                 at  d_m                                        (mRNA decay)
    P_x → ∅                 at  d_p                                        (protein decay)
    m_x:R → m_x:R_cm        at  k_cm·cm        (chloramphenicol only, :mod:`bioxen.rules.ribosomes`)

e_x is a relative initiation strength (1 for an average host RBS); n_x the
protein length in amino acids; R the ribosome of the pool the mRNA's SD binds
(``host`` or an orthogonal pool, see :mod:`bioxen.rules.ribosomes`), and of
every off-target pool its SD still binds, at e_x times the cross-talk strength; f an
optional control factor (e.g. a VM's transcription licence); y the share of
finished proteins that are full length (1 unless a stop-codon read-through or
UGA-decoding cost applies; D is the shared ``defective_protein``); f_v the
elongation factor of the VM the gene belongs to (its ribosomes' speed relative to
the host's γ(a), policy ``kinetics.translation_aa_per_s``: 60·v/gmax), one shared
parameter ``elongation_factor_<vm>`` per VM, and absent (1) for every other gene. A
VM with f_v ≠ 1 makes f_v·γ(a) amino acids per minute on each of its ribosomes, which
energy use counts (:func:`bioxen.rules.energy.translating_at_host_speed`).
A stable RNA gene has only the first reaction.

Guest mRNAs carry their SD class as a state (``mRNA_vm2_x(rib, srna, sd~o2)``)
and guest proteins their degron (``protein_vm2_x(tag~pdt2)``), so gates and
proteases act on every molecule in a given state.
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.errors import CompileError
from bioxen.roles import Role
from bioxen.rules import Builder, inverse, polymerase, product, sum_patterns, total
from bioxen.rules.ribosomes import pool_monomer, stall_translation

DEFECTIVE = "defective_protein"


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
    pool: str = "host"             # ribosome pool its SD binds
    sd: str | None = None          # SD class state of the mRNA (guest genes)
    tag: str | None = None         # degron state of the protein (guest genes)
    functional_yield: float = 1.0  # y
    offtarget: tuple[tuple[str, float], ...] = ()  # (pool, strength relative to its own pool)
    # (parameter name, value) of the shared factor f_v scaling its elongation (created on first use)
    elongation_factor: tuple[str, float] | None = None
    vm: str | None = None          # the guest VM whose gene it is (None: the host's, the hypervisor's)
    product_kind: str = "protein"  # role kind of the protein it makes (bioxen.roles)
    # an expression (0..1) multiplying y while the model runs: the amber sites' read-through
    # (bioxen.rules.amber.unit_yield); None: y alone
    dynamic_yield: object = None
    # the RNA polymerase pools that transcribe it, (pool, strength), its own first (strength 1);
    # () : transcription without a polymerase pool (energy-limited only)
    polymerases: tuple[tuple[str, float], ...] = ()

    def role(self, kind: str, pool: str | None = None) -> Role:
        """The role of one of the gene's components (its transcript, product, reactions)."""
        return Role(kind, vm=self.vm, gene=self.name, pool=pool)


def transcription(b: Builder, transcript, spec: GeneSpec, repression=None, factor=None):
    """``∅ → m`` at ``w·a/(θ+a)``, times an optional control factor, over an optional repression."""
    a = b.model.observables["energy_level"]
    w = b.parameter(f"w_{spec.name}", spec.max_transcription, "molecules/min")
    theta = b.parameter(f"theta_{spec.name}", spec.threshold, "molecules")
    factors = [w, a, inverse(total(theta, a))] + ([] if factor is None else [factor]) + \
        ([] if repression is None else [inverse(repression)])
    if spec.polymerases:
        polymerase.transcription(b, spec.name, transcript, factors, spec.polymerases, spec.locus_tags,
                                 spec.role("transcription"))
        return
    b.rule(f"transcription_{spec.name}", None >> transcript,
           b.expression(f"transcription_rate_{spec.name}", product(*factors), "molecules/min", local=True),
           tags=spec.locus_tags, role=spec.role("transcription"))


def free_mrna(mrna, spec: GeneSpec):
    """The pattern of an mRNA with nothing bound (ribosome or sRNA), in its SD state."""
    sites = {"rib": None}
    if spec.sd is not None:
        sites.update(srna=None, sd=spec.sd)
    return mrna(**sites)


def translation(b: Builder, mrna, spec: GeneSpec, products: list):
    """Initiation and elongation on the mRNA's own pool and on every off-target pool.

    Returns the elongation rule names (every pool, defective products included)
    and the translating complexes.
    """
    length = b.parameter(f"n_{spec.name}", spec.length, "aa", role=spec.role("protein_length"))
    speed = [b.model.expressions["elongation_rate"]] + _elongation_factor(b, spec)
    rate = b.expression(f"translation_rate_{spec.name}", product(*speed, inverse(length)), "1/min", local=True)
    full, defective = rate, None
    if spec.functional_yield < 1 or spec.dynamic_yield is not None:
        y = b.parameter(f"yield_{spec.name}", spec.functional_yield, "dimensionless")
        if spec.dynamic_yield is not None:
            y = y * spec.dynamic_yield
        defective = b.expression(f"defective_rate_{spec.name}", product(rate, 1 - y), "1/min", local=True)
        full = b.expression(f"full_length_rate_{spec.name}", product(rate, y), "1/min", local=True)
    elongations, complexes = [], []
    free = free_mrna(mrna, spec)
    bound_sites = {**free.site_conditions, "rib": 1}
    for pool, strength in ((spec.pool, 1.0),) + spec.offtarget:
        suffix = "" if pool == spec.pool else f"_on_{pool}"
        ribosome = b.model.monomers[pool_monomer(pool)]
        bound = mrna(**bound_sites) % ribosome(mrna=1)
        k_b = b.parameter(f"kb_{spec.name}{suffix}",
                          b.model.parameters["k_b"].value * spec.initiation_strength * strength,
                          "1/(molecule*min)")
        b.rule(f"initiation_{spec.name}{suffix}", free + ribosome(mrna=None) | bound,
               k_b, b.model.parameters["k_u"], tags=spec.locus_tags, role=spec.role("initiation", pool))
        b.rule(f"elongation_{spec.name}{suffix}", bound >> sum_patterns([free, ribosome(mrna=None), *products]),
               full, tags=spec.locus_tags, role=spec.role("elongation", pool))
        elongations.append(f"elongation_{spec.name}{suffix}")
        if defective is not None:
            b.rule(f"elongation_{spec.name}{suffix}_defective",
                   bound >> sum_patterns([free, ribosome(mrna=None), _defective(b)()]), defective,
                   tags=spec.locus_tags, role=spec.role("elongation", pool))
            elongations.append(f"elongation_{spec.name}{suffix}_defective")
        stall_translation(b, f"{spec.name}{suffix}", bound, pool, spec.locus_tags, spec.role("stalling", pool))
        complexes.append(bound)
    return elongations, complexes


def _elongation_factor(b: Builder, spec: GeneSpec) -> list:
    """[f_v], the gene's VM's shared elongation factor (made by its first gene), or []."""
    if spec.elongation_factor is None:
        return []
    name, level = spec.elongation_factor
    factor = b.model.parameters.get(name)
    if factor is None:
        return [b.parameter(name, level, "dimensionless", "policy kinetics.translation_aa_per_s x 60 / gmax")]
    if factor.value != level:
        raise CompileError(f"elongation factor {name} is {factor.value:g}, not {level:g}, for {spec.name}")
    return [factor]


def _defective(b: Builder):
    return b.model.monomers.get(DEFECTIVE) or b.monomer(DEFECTIVE, role=Role("defective_protein"))


def first_order_decay(b: Builder, pattern, name: str, rate: float, tags=(), role: Role | None = None):
    """``pattern → ∅`` at ``rate`` (1/min), if above zero; ``role``: the rule's (kind ``decay``)."""
    if rate > 0:
        b.rule(f"decay_{name}", pattern >> None,
               b.parameter(f"d_{name}", rate, "1/min"), tags=tags, role=role)


def gene(b: Builder, spec: GeneSpec, product=None, repression=None, factor=None, counter=None):
    """All expression reactions of one gene; returns its species monomers and elongation rules.

    ``counter`` (a :class:`bioxen.rules.proteolysis.TagCounter`): the tagged protein is counted,
    made with one counter unit and decaying with one (at the counter's shared decay rate).

    ``product`` is the monomer the translation makes (default: a new protein
    ``protein_<name>``, carrying ``spec.tag`` if given), or a list of patterns:
    the host's ribosomal sector passes ``[ribosomal_protein(), ribosome_inventory()]``.
    """
    if not spec.coding:
        rna = b.monomer(f"RNA_{spec.name}", tags=spec.locus_tags, role=spec.role("rna"))
        transcription(b, rna(), spec, factor=factor)
        return {"rna": rna}
    sites, states = (["rib"], None) if spec.sd is None else (["rib", "srna", "sd"], {"sd": [spec.sd]})
    mrna = b.monomer(f"mRNA_{spec.name}", sites, states, tags=spec.locus_tags, role=spec.role("mRNA", spec.pool))
    free = free_mrna(mrna, spec)
    transcription(b, free, spec, repression, factor)
    if product is None:
        role = Role(spec.product_kind, vm=spec.vm, gene=spec.name, degron=spec.tag)
        if spec.tag:
            product = b.monomer(f"protein_{spec.name}", ["tag"], {"tag": [spec.tag]}, tags=spec.locus_tags, role=role)
            made = [product(tag=spec.tag)]
        else:
            product = b.monomer(f"protein_{spec.name}", tags=spec.locus_tags, role=role)
            made = [product()]
        if counter is None:
            first_order_decay(b, made[0], f"protein_{spec.name}", spec.protein_decay, spec.locus_tags,
                              spec.role("decay"))
        else:
            if counter.decay is not None:
                b.rule(f"decay_protein_{spec.name}", made[0] + counter.monomer() >> None, counter.decay,
                       tags=spec.locus_tags, role=spec.role("decay"))
            made.append(counter.monomer())
            b.counted[product.name] = counter
    else:
        made = [product()] if hasattr(product, "sites") else list(product)
    elongations, complexes = translation(b, mrna, spec, made)
    first_order_decay(b, free, f"mRNA_{spec.name}", spec.mrna_decay, spec.locus_tags, spec.role("decay"))
    return {"mrna": mrna, "protein": product, "protein_pattern": made[0], "elongations": elongations,
            "translating": complexes}
