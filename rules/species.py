"""Species identity for concrete patterns, shared by the rules and the network expander."""
from __future__ import annotations


def _site(site: str, cond, bonds: dict[int, int]) -> str:
    if isinstance(cond, int):
        return f"{site}!{bonds.setdefault(cond, len(bonds) + 1)}"
    if isinstance(cond, tuple) and len(cond) == 2 and isinstance(cond[1], int):
        return f"{site}~{cond[0]}!{bonds.setdefault(cond[1], len(bonds) + 1)}"
    if isinstance(cond, str):
        return f"{site}~{cond}"
    return site + ("" if cond is None else repr(cond))


def canonical_key(cp) -> str:
    """A string equal for isomorphic concrete species (monomers sorted, bonds renumbered)."""
    def signature(mp):
        return (mp.monomer.name, sorted((s, str(c) if not isinstance(c, int) else "!")
                                        for s, c in mp.site_conditions.items()))
    patterns = cp.monomer_patterns     # most species are one monomer: nothing to sort
    bonds: dict[int, int] = {}
    parts = []
    for mp in patterns if len(patterns) == 1 else sorted(patterns, key=lambda m: str(signature(m))):
        sites = [_site(site, mp.site_conditions[site], bonds) for site in sorted(mp.site_conditions)]
        parts.append(f"{mp.monomer.name}({','.join(sites)})")
    return ".".join(parts)


def species_id(cp) -> str:
    """A readable identifier: monomer names joined by ``__`` (``mRNA_x__ribosome``).

    Not to be taken apart: a mangled gene name holds ``__`` too (``mRNA_vm1_SYN__0001__ribosome_o1``).
    What a species is made of is data: :meth:`bioxen.rules.Builder.species_roles` in the compiler,
    ``species_monomers`` and ``monomer_roles`` in locus_map.json. The ids stay as they are because
    outputs.json, saved states, tests and users' scripts name species by them.
    """
    return "__".join(sorted(mp.monomer.name for mp in cp.monomer_patterns))
