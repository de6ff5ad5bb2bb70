"""VM-tagged proteases: saturable, competitive degradation of tagged proteins.

Each VM's proteins end in the VM's degron (mf-Lon/pdt family, Cameron &
Collins 2014, Nat Biotech 32:1276); each VM has a protease gene behind an
inducible promoter (DESTROY_VM induces it), translated on host ribosomes.
Protease k degrades a protein with tag j at its share of a Michaelis-Menten
rate, all of its substrates competing (molecules per cell and minutes)::

    P_x(tag~j) → ∅   at   Σ_k k_cat·E_k·X[k][j] / (K_m + Σ_j' X[k][j']·S_j')

E_k is protease k, S_j every protein with tag j, X the cross-recognition
matrix of the parts library (relative k_cat/K_m; own tag = 1).

The load S_j is read from a counter, not from a sum over a genome's proteins. A sum would
make every protein's rate depend on every other protein of the tag: a dense block of
(genes)² entries in the Jacobian, which a sparse solver factorises no faster than a dense
one (at three Syn3A VMs, 50x slower than the rest of the model). The counter ``C_j``
(``degron_count_<tag>``) is one species made with every protein of the VM's genes and
removed with every one of them, so ``C_j`` equals their number exactly, in ODE and SSA
runs alike: each elongation makes one, each decay or proteolysis of a counted protein
removes one in the same reaction (``P_x + C_j → ∅`` at ``r·C_j/(C_j² + ε²)`` times
``P_x·C_j``, i.e. at ``r·P_x`` to within (ε/C_j)², ε = 1e-6 molecules), and dilution removes
both at the growth rate. The
reporter's proteins are few and are added to the load directly::

    S_j = C_j + reporter proteins with tag j

A self-tagged protease (parts library ``protease.self_tagged``) ends in its own VM's degron: it
is one of its tag's uncounted substrates, in the load it saturates, so once its VM's proteins are
gone it degrades itself at ``k_cat·E/(K_m + E)`` per molecule (Lon degrades tagged proteins
whatever they are; Gur & Sauer 2008, Genes Dev 22:2267).

``counted_<tag>`` (the sum the counter equals) remains an observable, read by no rate: it
restores the counter after whole-molecule rounding or MIGRATE (:func:`counters`).
"""
from __future__ import annotations

from dataclasses import dataclass

from bioxen.errors import CompileError
from bioxen.roles import Role
from bioxen.rules import Builder, sum_patterns
from pysb.core import as_complex_pattern

PARAMETERS = ("parts.protease.self_tagged", "parts.protease.pulse")


# C/(C² + ε²) stands for 1/C: C·C/(C² + ε²) = 1 to within (ε/C)², below 1e-12 for every count of
# a molecule or more (SSA, and every ODE amount that matters). It stays finite at C = 0 and keeps
# the sign of the removal that of the protein, so the solver's tiny excursions of C and P below 0
# decay instead of growing (1/max(C, 1) lets them grow; a switch to 0 at C = 0 stalls CVODE).
COUNT_SOFTENING = 1e-6


def counter_name(tag: str) -> str:
    """The species counting the VM genes' proteins that carry ``tag``."""
    return f"degron_count_{tag}"


def counters(species_ids) -> dict[str, str]:
    """Each tag counter among ``species_ids`` and the observable it equals (the exact sum)."""
    prefix = counter_name("")
    return {sid: f"counted_{sid.removeprefix(prefix)}" for sid in species_ids if sid.startswith(prefix)}


@dataclass(frozen=True)
class TagCounter:
    """A tag's counter species, its level, ``C/(C² + ε²)`` (removing one counted protein per
    reaction) and the rate constant of a counted protein's decay (None if proteins do not decay)."""

    tag: str
    monomer: object
    level: object
    per_count: object
    decay: object

    def removal(self, b: Builder, name: str, rate) -> object:
        """The rate constant of ``P_x + C → ∅`` that removes counted proteins at ``rate`` (1/min)."""
        return b.expression(name, rate * self.per_count, "1/(molecule*min)")


def tag_counter(b: Builder, tag: str, protein_decay: float) -> TagCounter:
    """The counter of the proteins with ``tag``, which all decay at ``protein_decay`` (1/min)."""
    monomer = b.monomer(counter_name(tag), role=Role("degron_counter", degron=tag))
    level = b.observable(f"{counter_name(tag)}_level", monomer())
    eps = b.parameter(f"{counter_name(tag)}_softening", COUNT_SOFTENING, "molecules")
    per_count = b.expression(f"per_{counter_name(tag)}", level / (level ** 2 + eps ** 2), "1/molecule")
    counter = TagCounter(tag, monomer, level, per_count, None)
    if protein_decay <= 0:
        return counter
    d = b.parameter(f"d_protein_{tag}", protein_decay, "1/min")
    return TagCounter(tag, monomer, level, per_count, counter.removal(b, f"decay_rate_{counter_name(tag)}", d))


def degradation(b: Builder, substrates: dict[str, list], counted: dict[str, tuple[TagCounter, list]],
                proteases: dict[str, object], recognition: dict[tuple[str, str], float], k_cat, k_m) -> None:
    """Add the rate of every tag class and a degradation rule per tagged protein.

    ``substrates``: tag -> uncounted protein patterns carrying it (the reporter's);
    ``counted``: tag -> its counter and the counted protein patterns; ``proteases``: VM ->
    observable of its protease's level; ``recognition[(VM, tag)]``: X[k][j].
    """
    k_cat, k_m = b.parameter("k_cat_protease", k_cat), b.parameter("K_m_protease", k_m)
    level = {}
    for tag in dict.fromkeys([*substrates, *counted]):
        loose = substrates.get(tag, [])
        counter, proteins = counted.get(tag, (None, []))
        if counter is not None:
            b.observable(f"counted_{tag}", sum_patterns(proteins))
        if loose:
            b.observable(f"uncounted_{tag}", sum_patterns(loose))
        # S_j, one observable of the counter and the uncounted substrates: a rate reading it
        # depends on one level per tag (bngsim compiles one Jacobian term per level it reads)
        tagged = ([counter.monomer()] if counter is not None else []) + loose
        if tagged:
            level[tag] = b.observable(f"tagged_{tag}", sum_patterns(tagged), role=Role("tagged_level", degron=tag))
    load = {}
    for name in proteases:
        terms = [recognition[(name, tag)] * s for tag, s in level.items() if recognition.get((name, tag), 0)]
        load[name] = b.expression(f"substrate_load_{name}", k_m + sum(terms), "molecules")
    for tag in level:
        # one rate per protease (``proteolysis_rate_<tag>_by_<protease>``), so that reports can
        # tell degradation by the tag's own protease from degradation by another's
        terms = [b.expression(f"proteolysis_rate_{tag}_by_{name}",
                              k_cat * recognition[(name, tag)] * enzyme / load[name], "1/min",
                              role=Role("proteolysis_rate", vm=name, degron=tag))
                 for name, enzyme in proteases.items() if recognition.get((name, tag), 0)]
        if not terms:
            continue
        rate = b.expression(f"proteolysis_rate_{tag}", sum(terms), "1/min")
        for pattern in substrates.get(tag, []):
            # a protein, or a complex holding one (a VM's loaded shell unit, rules/compartment.py)
            species = as_complex_pattern(pattern)
            monomers = [mp.monomer.name for mp in species.monomer_patterns]
            b.rule(f"proteolysis_{'_'.join(monomers)}", pattern >> None, rate,
                   tags=b.species_tags(species), role=_proteolysis_role(b, monomers[0], tag))
        counter, proteins = counted.get(tag, (None, []))
        if proteins:
            removal = counter.removal(b, f"proteolysis_rate_{counter_name(tag)}", rate)
            for pattern in proteins:
                protein = pattern.monomer.name
                b.rule(f"proteolysis_{protein}", pattern + counter.monomer() >> None, removal,
                       tags=b.monomer_tags.get(protein, ()), role=_proteolysis_role(b, protein, tag))


def _proteolysis_role(b: Builder, protein: str, tag: str) -> Role:
    """The role of the proteolysis of ``protein`` (a monomer carrying degron ``tag``)."""
    made = b.role_of(protein)
    return Role("proteolysis", vm=made.vm, gene=made.gene, degron=tag)


def self_tagged(protease: dict) -> bool:
    """Whether each protease ends in its own VM's degron (parts library ``protease.self_tagged``)."""
    return _switch(protease, "self_tagged")


def pulsed(protease: dict) -> bool:
    """Whether DESTROY_VM induces the protease as a pulse (``protease.pulse``, :mod:`bioxen.rules.pulse`)."""
    return _switch(protease, "pulse")


def _switch(protease: dict, key: str) -> bool:
    """A design switch of the parts library's ``protease`` section: 1 on, 0 off."""
    level = protease[key].value
    if level not in (0, 1):
        raise CompileError(f"parts library protease.{key} is {level:g}; expected 1 (on) or 0 (off)")
    return level == 1
