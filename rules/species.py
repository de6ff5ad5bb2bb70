"""Species identity for concrete patterns, shared by the rules and the network expander."""
from __future__ import annotations


def canonical_key(cp) -> str:
    """A string equal for isomorphic concrete species (monomers sorted, bonds renumbered)."""
    def signature(mp):
        return (mp.monomer.name, sorted((s, str(c) if not isinstance(c, int) else "!")
                                        for s, c in mp.site_conditions.items()))
    bonds: dict[int, int] = {}
    parts = []
    for mp in sorted(cp.monomer_patterns, key=lambda m: str(signature(m))):
        sites = []
        for site in sorted(mp.site_conditions):
            cond = mp.site_conditions[site]
            if isinstance(cond, int):
                cond = f"!{bonds.setdefault(cond, len(bonds) + 1)}"
            elif isinstance(cond, tuple) and len(cond) == 2 and isinstance(cond[1], int):
                cond = f"~{cond[0]}!{bonds.setdefault(cond[1], len(bonds) + 1)}"
            elif isinstance(cond, str):
                cond = f"~{cond}"
            else:
                cond = "" if cond is None else repr(cond)
            sites.append(f"{site}{cond}")
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
