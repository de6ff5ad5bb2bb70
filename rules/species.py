"""Species identity for concrete patterns, shared by the rules and the network expander."""
from __future__ import annotations

from contextlib import contextmanager

# pattern id -> (pattern, its key) while a :func:`keys_remembered` block is open, else None
_remembered: dict[int, tuple[object, str]] | None = None


@contextmanager
def keys_remembered():
    """:func:`canonical_key` of each pattern object computed once in this block.

    A genome's compile asks for the key of every rule's patterns twice (dilution finds the
    species the rules make; the network expander numbers them): 120,000 keys for three
    Syn3A VMs. The rules' patterns are not changed once made, so the first answer stands;
    each remembered pattern is held until the block ends, so its id is not reused. A block
    opened inside another (or in another thread while one is open) shares the open one.
    """
    global _remembered
    if _remembered is not None:
        yield
        return
    _remembered = {}
    try:
        yield
    finally:
        _remembered = None


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
    remembered = _remembered
    if remembered is None:
        return _key(cp)
    found = remembered.get(id(cp))
    if found is None:
        found = remembered[id(cp)] = (cp, _key(cp))
    return found[1]


def _key(cp) -> str:
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
