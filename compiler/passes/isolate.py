"""Pass: assign every VM its isolation parts and quantify the isolation.

Each VM on an orthogonal pool gets an SD:anti-SD pair chosen by
:func:`bioxen.rna.design_pools` (ViennaRNA duplex energies, Boltzmann
initiation strengths) so that cross-binding is smallest, and a 5' UTR whose
fold sequesters its stronger-than-host SD (the strengths include that
unfolding cost, so its mRNAs initiate like host mRNAs on its own pool and pay
the cost without the pairing on every other); a VM on host ribosomes keeps
the host pair. Every VM gets a gate sRNA against its 5' UTR,
and the degron tag and protease of its slot in the parts library. The design
is refused when a VM's on-target initiation strength is not at least
``min_isolation`` times every off-target one.

When any VM names its ``transcription``, every VM's genes draw on an RNA polymerase pool
(:mod:`bioxen.rules.polymerase`): a VM on ``pool: orthogonal`` gets the polymerase it names or the
first of the parts library's ``polymerases`` no other VM has, and that polymerase's promoter; a
VM on ``pool: host`` (or without the key) shares the host's.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from bioxen import rna
from bioxen.errors import CompileError
from bioxen.ir import CrossTalk, Design, IsolationParts

HOST_POOL = "host"


def pool_names(count: int) -> list[str]:
    return [HOST_POOL] + [f"o{i}" for i in range(1, count + 1)]


def _crosstalk(design: Design, count: int) -> tuple[CrossTalk, list]:
    where = next((vm.location for vm in design.vms if vm.pool == "orthogonal"), design.vms[0].location)
    try:
        pairs, energy, strength = rna.design_pools(count, design.min_isolation)
    except rna.DesignRefused as exc:
        raise CompileError(f"cannot isolate {count} VM(s) on orthogonal ribosomes: {exc}", where,
                           hint="lower isolation.min_ratio, or put fewer VMs on orthogonal pools "
                                "(ribosomes: {pool: host})") from None
    names = tuple(pool_names(count))
    rows = lambda m: tuple(tuple(float(v) for v in row) for row in m)  # noqa: E731
    return CrossTalk(names, names, tuple(p.sd for p in pairs), tuple(p.anti_sd for p in pairs),
                     rows(energy), rows(strength), rna.BETA), pairs


def isolate(design: Design) -> Design:
    if not design.vms:
        return design
    tags = design.parts.tags
    if len(design.vms) > len(tags):
        raise CompileError(f"{len(design.vms)} VMs but the parts library {design.parts.source} has "
                           f"degron tags for {len(tags)}", design.vms[len(tags)].location,
                           hint="add tags (and their protease recognition) to the parts library")
    orthogonal = [vm.id for vm in design.vms if vm.pool == "orthogonal"]
    crosstalk, pairs = _crosstalk(design, len(orthogonal))
    polymerases = assign_polymerases(design)
    vms = []
    for index, vm in enumerate(design.vms):
        k = orthogonal.index(vm.id) + 1 if vm.id in orthogonal else 0
        pair, tag = pairs[k], tags[index]
        srna = rna.design_srna(pair.utr)
        parts = IsolationParts(
            pool=crosstalk.pools[k], sd=pair.sd, anti_sd=pair.anti_sd, utr=pair.utr, srna=srna,
            srna_energy=rna.duplex_energy(srna, pair.utr + "ATG"), tag_name=tag.name, tag=tag.peptide,
            protease=tag.protease, genetic_code=vm.genetic_code or "native",
            tag_terminus=tag.terminus, polymerase=polymerases.get(vm.id, ""),
            promoter=_promoter_key(design, polymerases.get(vm.id, "")), compartment=vm.compartment or "",
            host_table=design.chassis.genetic_code)
        vms.append(replace(vm, parts=parts))
    return replace(design, vms=tuple(vms), crosstalk=crosstalk)


def assign_polymerases(design: Design) -> dict[str, str]:
    """Every VM's RNA polymerase ("host" or a parts-library polymerase), or {} when no VM names
    its transcription (transcription is then energy-limited, as Weisse et al. 2015 have it)."""
    if not any(vm.transcription for vm in design.vms):
        return {}
    library = [p.name for p in design.parts.polymerases]
    asked = [vm for vm in design.vms if vm.transcription == "orthogonal"]
    assigned: dict[str, str] = {}
    for vm in asked:
        if vm.polymerase is None:
            continue
        if vm.polymerase not in library:
            raise CompileError(f"VM '{vm.id}': unknown RNA polymerase '{vm.polymerase}'", vm.transcription_location,
                               hint=f"polymerases of the parts library {design.parts.source}: {', '.join(library)}")
        other = next((v for v, p in assigned.items() if p == vm.polymerase), None)
        if other is not None:
            raise CompileError(f"VM '{vm.id}': polymerase {vm.polymerase} is already VM '{other}''s; an "
                               "orthogonal polymerase transcribes one VM", vm.transcription_location,
                               hint=f"name another ({', '.join(library)}) or put one VM on pool: host")
        assigned[vm.id] = vm.polymerase
    for vm in asked:
        if vm.id in assigned:
            continue
        free = [p for p in library if p not in assigned.values()]
        if not free:
            raise CompileError(f"VM '{vm.id}': every orthogonal RNA polymerase of the parts library is taken "
                               f"({', '.join(library)})", vm.transcription_location,
                               hint="put some VMs on the host's polymerase (transcription: {pool: host}), or add "
                                    "polymerases (with their cross-talk) to the parts library")
        assigned[vm.id] = free[0]
    for vm in asked:
        if vm.transcription_pause and design.parts.polymerase(assigned[vm.id]).inhibitor is None:
            inhibited = [p.name for p in design.parts.polymerases if p.inhibitor]
            raise CompileError(f"VM '{vm.id}': PAUSE on transcription needs an inhibitor of its polymerase "
                               f"{assigned[vm.id]}, and the parts library has none", vm.transcription_location,
                               hint=f"give it a polymerase with an inhibitor ({', '.join(inhibited) or 'none'}: "
                                    "T7 lysozyme inhibits T7), or drop pause: true")
    return {vm.id: assigned.get(vm.id, HOST_POOL) for vm in design.vms}


def _promoter_key(design: Design, polymerase: str) -> str:
    return "" if polymerase in ("", HOST_POOL) else design.parts.polymerase(polymerase).promoter


def isolation_ratios(crosstalk: CrossTalk) -> dict[str, float]:
    """Per orthogonal pool: on-target strength over the largest off-target one (row or column)."""
    ratios = rna.on_off_ratios(np.array(crosstalk.strength))
    return {pool: float(r) for pool, r in zip(crosstalk.pools[1:], ratios)}
