"""Pass: group each VM's expressed genes into expression units by resolution.

Pseudogenes and knocked-out genes are not expressed. Coding and stable-RNA genes never share a unit.
The VM's per-gene expression factors are resolved to locus tags (``parameterize`` applies them).
"""
from __future__ import annotations

from dataclasses import replace

from bioxen.errors import CompileError, Diagnostic
from bioxen.genome.operons import infer_operons
from bioxen.genome.records import Gene
from bioxen.ir import Design, ExpressionUnit, GuestVM

UNASSIGNED = "Unassigned"


def _units_from_groups(groups: list[tuple[str, list[Gene]]], essential: set[str]) -> tuple[ExpressionUnit, ...]:
    """Units of each group: its coding genes and its stable RNA genes, essential ones apart
    (so the ATP guard can spare them)."""
    units = []
    for name, genes in groups:
        coding = [g for g in genes if g.is_coding]
        rna = [g for g in genes if not g.is_coding and not g.pseudo]
        for members, is_coding in ((coding, True), (rna, False)):
            label = name if is_coding or not coding else f"{name} RNA"
            kept = [g for g in members if g.locus_tag in essential]
            split = bool(kept) and len(kept) < len(members)
            for part, is_essential in ((kept, True), ([g for g in members if g.locus_tag not in essential], False)):
                if part:
                    units.append(ExpressionUnit(
                        f"{label} essential" if split and is_essential else label, is_coding,
                        tuple(g.locus_tag for g in part),
                        lengths=tuple(g.protein_length or 1 for g in part) if is_coding else (),
                        essential=is_essential))
    return tuple(units)


def _operon_groups(vm: GuestVM) -> list[tuple[str, list[Gene]]]:
    if vm.explicit_operons is None:
        operons = infer_operons(vm.genome, vm.operon_max_gap)
        return [(f"operon {op[0].locus_tag}", list(op)) for op in operons]
    by_tag, used, groups, errors = vm.genome.by_locus_tag(), set(), [], []
    for operon in vm.explicit_operons:
        missing = [t for t in operon if t not in by_tag]
        if missing:
            errors.append(Diagnostic(f"VM '{vm.id}': operon lists genes the genome lacks: "
                                     f"{', '.join(missing)}", vm.location))
            continue
        used.update(operon)
        groups.append((f"operon {operon[0]}", [by_tag[t] for t in operon]))
    if errors:
        raise CompileError.collected(errors)
    groups += [(g.locus_tag, [g]) for g in vm.genome.genes if g.locus_tag not in used]
    return groups


def _subsystem_groups(vm: GuestVM) -> list[tuple[str, list[Gene]]]:
    if vm.table is None or "subsystem" not in vm.table.columns:
        raise CompileError(f"VM '{vm.id}': resolution 'subsystem' needs an expression table with a "
                           "'subsystem' column", vm.location,
                           hint="add expression_table: to the VM, or use resolution gene or operon")
    rows = vm.table.by_locus_tag()
    groups: dict[str, list[Gene]] = {}
    for gene in vm.genome.genes:
        row = rows.get(gene.locus_tag)
        groups.setdefault((row.subsystem if row and row.subsystem else UNASSIGNED), []).append(gene)
    return sorted(groups.items())


def _genes_named(vm: GuestVM, keys, what: str, where=None) -> set[str]:
    """Locus tags of the VM's genes named by ``keys`` (policy names or tags); unknown ones are errors
    (at ``where``, else the VM's genome)."""
    found, missing = set(), []
    for key in keys:
        gene = vm.genome.find(key)
        if gene is None:
            missing.append(key)
        else:
            found.add(gene.locus_tag)
    if missing:
        raise CompileError(f"VM '{vm.id}': {what} genes the genome lacks: {', '.join(missing)}",
                           where or vm.location)
    return found


def _expression_factors(vm: GuestVM, deleted: set[str]) -> tuple[tuple[str, float], ...]:
    """The VM's expression factors keyed by locus tag; a gene named twice or also knocked out is an error."""
    where = vm.expression_location or vm.location
    _genes_named(vm, [name for name, _ in vm.expression], "expression factors name", where)
    factors: dict[str, float] = {}
    for name, factor in vm.expression:
        tag = vm.genome.find(name).locus_tag
        if tag in factors:
            raise CompileError(f"VM '{vm.id}': expression names gene {tag} twice (as a locus tag and a gene name)",
                               where)
        factors[tag] = factor
    if deleted & set(factors):
        raise CompileError(f"VM '{vm.id}': genes both knocked out and given an expression factor: "
                           f"{', '.join(sorted(deleted & set(factors)))}", where,
                           hint="a knocked-out gene is not transcribed; drop it from expression:")
    return tuple(sorted(factors.items()))


def _without(groups: list[tuple[str, list[Gene]]], deleted: set[str]) -> list[tuple[str, list[Gene]]]:
    """The groups with the deleted genes taken out (and groups left empty dropped)."""
    kept = [(name, [g for g in genes if g.locus_tag not in deleted]) for name, genes in groups]
    return [(name, genes) for name, genes in kept if genes]


def select_genes(design: Design) -> Design:
    vms = []
    for vm in design.vms:
        if vm.resolution == "gene":
            groups = [(g.locus_tag, [g]) for g in vm.genome.genes]
        elif vm.resolution == "operon":
            groups = _operon_groups(vm)
        else:
            groups = _subsystem_groups(vm)
        essential, deleted = _genes_named(vm, vm.essential, "essential"), _genes_named(vm, vm.knockouts, "knocked-out")
        if essential & deleted:
            raise CompileError(f"VM '{vm.id}': genes both essential and knocked out: "
                               f"{', '.join(sorted(essential & deleted))}", vm.location)
        vms.append(replace(vm, units=_units_from_groups(_without(groups, deleted), essential),
                           expression=_expression_factors(vm, deleted)))
    return replace(design, vms=tuple(vms))
