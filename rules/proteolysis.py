"""VM-tagged proteases: saturable, competitive degradation of tagged proteins.

Each VM's proteins end in the VM's degron (mf-Lon/pdt family, Cameron &
Collins 2014, Nat Biotech 32:1276); each VM has a protease gene behind an
inducible promoter (DESTROY_VM induces it), translated on host ribosomes.
Protease k degrades a protein with tag j at its share of a Michaelis-Menten
rate, all of its substrates competing (molecules per cell and minutes)::

    P_x(tag~j) → ∅   at   Σ_k k_cat·E_k·X[k][j] / (K_m + Σ_j' X[k][j']·S_j')

E_k is protease k, S_j every protein with tag j, X the cross-recognition
matrix of the parts library (relative k_cat/K_m; own tag = 1).
"""
from __future__ import annotations

from bioxen.rules import Builder, sum_patterns


def tagged_substrates(b: Builder, tag: str, patterns: list) -> object:
    """Observable ``tagged_<tag>``: every protein carrying the tag."""
    return b.observable(f"tagged_{tag}", sum_patterns(patterns))


def degradation(b: Builder, substrates: dict[str, list], proteases: dict[str, object],
                recognition: dict[tuple[str, str], float], k_cat, k_m) -> None:
    """Add the rate of every tag class and a degradation rule per tagged protein.

    ``substrates``: tag -> protein patterns carrying it; ``proteases``: name ->
    observable of its level; ``recognition[(protease, tag)]``: X[k][j].
    """
    k_cat, k_m = b.parameter("k_cat_protease", k_cat), b.parameter("K_m_protease", k_m)
    level = {tag: tagged_substrates(b, tag, patterns) for tag, patterns in substrates.items() if patterns}
    load = {}
    for name in proteases:
        terms = [recognition[(name, tag)] * s for tag, s in level.items() if recognition.get((name, tag), 0)]
        load[name] = b.expression(f"substrate_load_{name}", k_m + sum(terms), "molecules")
    for tag, patterns in substrates.items():
        if not patterns:
            continue
        # one rate per protease (``proteolysis_rate_<tag>_by_<protease>``), so that reports can
        # tell degradation by the tag's own protease from degradation by another's
        terms = [b.expression(f"proteolysis_rate_{tag}_by_{name}",
                              k_cat * recognition[(name, tag)] * enzyme / load[name], "1/min")
                 for name, enzyme in proteases.items() if recognition.get((name, tag), 0)]
        if not terms:
            continue
        rate = b.expression(f"proteolysis_rate_{tag}", sum(terms), "1/min")
        for pattern in patterns:
            protein = pattern.monomer.name
            b.rule(f"proteolysis_{protein}", pattern >> None, rate, tags=b.monomer_tags.get(protein, ()))
