"""Pass: group each VM's expressed genes into expression units by resolution.

Pseudogenes, partial genes and knocked-out genes are not expressed. Coding and stable-RNA genes
never share a unit; a CDS the VM image cannot refactor (:func:`bioxen.genome.layout.unrefactorable`:
it stays native and is translated on host ribosomes) is a unit of its own.
Every gene the policy names (knockouts, essential, expression, operons) goes through the one
resolver (:mod:`bioxen.genome.lookup`): a name the genome lacks and a name several genes share are
errors at the policy's line. A compiled CDS whose annotation has a defect
(:func:`bioxen.genome.checks.defects`: unknown bases, not whole codons, no stop, an in-frame stop)
is an error at its feature in the genome file.
The VM's per-gene expression factors are resolved to locus tags (``parameterize`` applies them).
"""
from __future__ import annotations

from dataclasses import replace

from bioxen.errors import CompileError, Diagnostic
from bioxen.genome.checks import defects
from bioxen.genome.layout import unrefactorable
from bioxen.genome.lookup import GeneIndex
from bioxen.genome.operons import infer_operons
from bioxen.genome.records import Gene
from bioxen.ir import Design, ExpressionUnit, GuestVM

MAX_REPORTED = 20     # defective genes listed before "and N more"
UNASSIGNED = "Unassigned"


def _units_from_groups(groups: list[tuple[str, list[Gene]]], essential: set[str]) -> tuple[ExpressionUnit, ...]:
    """Units of each group: its coding genes and its stable RNA genes, essential ones apart
    (so the ATP guard can spare them)."""
    units = []
    for name, genes in groups:
        coding = [g for g in genes if g.is_coding]
        rna = [g for g in genes if g.feature_type != "CDS" and g.expressed]
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


def _operon_groups(vm: GuestVM, index: GeneIndex) -> list[tuple[str, list[Gene]]]:
    if vm.explicit_operons is None:
        operons = infer_operons(vm.genome, vm.operon_max_gap)
        return [(f"operon {op[0].locus_tag}", list(op)) for op in operons]
    used, groups, errors = set(), [], []
    for operon in vm.explicit_operons:
        genes, wrong = _named(vm, index, operon, "operons", "operon lists")
        errors += wrong
        if wrong:
            continue
        tags = [genes[name].locus_tag for name in operon]
        records = sorted({genes[name].record for name in operon})
        if len(records) > 1:
            errors.append(Diagnostic(f"VM '{vm.id}': operon {', '.join(operon)} spans records {', '.join(records)}",
                                     vm.located("operons", operon[0]) or vm.location,
                                     hint="an operon is one transcript of one replicon"))
            continue
        if used & set(tags):
            errors.append(Diagnostic(f"VM '{vm.id}': genes in two operons: {', '.join(sorted(used & set(tags)))}",
                                     vm.located("operons", operon[0]) or vm.location,
                                     hint="a gene belongs to one operon"))
            continue
        used.update(tags)
        groups.append((f"operon {tags[0]}", [genes[name] for name in operon]))
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


def _named(vm: GuestVM, index: GeneIndex, keys, what: str, label: str) -> tuple[dict[str, Gene], list[Diagnostic]]:
    """The genes ``keys`` (policy names or locus tags of the VM's list ``what``) name, and an error
    for each that names none (with close matches) or several (listing them), at its policy line."""
    found, errors = {}, []
    for key in keys:
        lookup = index.look_up(key)
        if lookup.found is not None:
            found[key] = lookup.found
            continue
        where = vm.located(what, key) or vm.location
        message = (f"{label} gene {lookup.problem().removeprefix('gene ')}" if lookup.ambiguous
                   else f"{label} genes the genome lacks: {key}")
        errors.append(Diagnostic(f"VM '{vm.id}': {message}", where, lookup.hint()))
    return found, errors


def _expression_factors(vm: GuestVM, index: GeneIndex, deleted: set[str]) -> tuple[tuple[str, float], ...]:
    """The VM's expression factors keyed by locus tag; a gene named twice or also knocked out is an error."""
    where = vm.expression_location or vm.location
    genes, errors = _named(vm, index, [name for name, _ in vm.expression], "expression", "expression factors name")
    if errors:
        raise CompileError.collected(errors)
    factors: dict[str, float] = {}
    for name, factor in vm.expression:
        tag = genes[name].locus_tag
        if tag in factors:
            raise CompileError(f"VM '{vm.id}': expression names gene {tag} twice (as a locus tag and a gene name)",
                               vm.located("expression", name) or where)
        factors[tag] = factor
    if deleted & set(factors):
        raise CompileError(f"VM '{vm.id}': genes both knocked out and given an expression factor: "
                           f"{', '.join(sorted(deleted & set(factors)))}", where,
                           hint="a knocked-out gene is not transcribed; drop it from expression:")
    return tuple(sorted(factors.items()))


def _defect_errors(vm: GuestVM, deleted: set[str], genome_defects: dict) -> list[Diagnostic]:
    """An error per defect of every CDS the VM compiles (not knocked out), at its feature
    (``genome_defects``: :func:`bioxen.genome.checks.defects` of the VM's genome)."""
    errors = []
    for tag, found in genome_defects.items():
        if tag in deleted:
            continue
        errors += [Diagnostic(f"VM '{vm.id}': {finding.message}", finding.location,
                              f"correct the annotation, or add {tag} to the VM's knockouts: to leave it out "
                              "of the model and the image") for finding in found]
    if len(errors) > MAX_REPORTED:
        errors = errors[:MAX_REPORTED] + [Diagnostic(f"VM '{vm.id}': ... and {len(errors) - MAX_REPORTED:,} "
                                                     "more annotation defects (bioxen genome info lists them)",
                                                     errors[-1].location)]
    return errors


def _without(groups: list[tuple[str, list[Gene]]], deleted: set[str]) -> list[tuple[str, list[Gene]]]:
    """The groups with the deleted genes taken out (and groups left empty dropped)."""
    kept = [(name, [g for g in genes if g.locus_tag not in deleted]) for name, genes in groups]
    return [(name, genes) for name, genes in kept if genes]


def _apart(groups: list[tuple[str, list[Gene]]], tags: set[str]) -> list[tuple[str, list[Gene]]]:
    """The groups with each gene of ``tags`` taken out into a group of its own."""
    if not tags:
        return groups
    apart = []
    for name, genes in groups:
        rest = [g for g in genes if g.locus_tag not in tags]
        apart += ([(name, rest)] if rest else []) + [(g.locus_tag, [g]) for g in genes if g.locus_tag in tags]
    return apart


def _essential_and_deleted(vm: GuestVM, index: GeneIndex, genome_defects: dict) -> tuple[set[str], set[str]]:
    """Locus tags of the VM's essential and knocked-out genes; a name that names no one gene, a
    gene in both lists and a compiled CDS with an annotation defect are errors."""
    essential, wrong = _named(vm, index, vm.essential, "essential", "essential")
    deleted, also_wrong = _named(vm, index, vm.knockouts, "knockouts", "knocked-out")
    if wrong or also_wrong:
        raise CompileError.collected(wrong + also_wrong)
    essential, deleted = {g.locus_tag for g in essential.values()}, {g.locus_tag for g in deleted.values()}
    if essential & deleted:
        raise CompileError(f"VM '{vm.id}': genes both essential and knocked out: "
                           f"{', '.join(sorted(essential & deleted))}", vm.location)
    errors = _defect_errors(vm, deleted, genome_defects)
    if errors:
        raise CompileError.collected(errors)
    return essential, deleted


def select_genes(design: Design) -> Design:
    # VMs of one genome file share its Genome: its defects are found once (35 ms for Syn3A); the
    # genomes stay alive in design.vms, so no id is reused while this runs
    vms, defects_of = [], {}
    for vm in design.vms:
        index = GeneIndex(vm.genome)
        if vm.resolution == "gene":
            groups = [(g.locus_tag, [g]) for g in vm.genome.genes]
        elif vm.resolution == "operon":
            groups = _operon_groups(vm, index)
        else:
            groups = _subsystem_groups(vm)
        if id(vm.genome) not in defects_of:
            defects_of[id(vm.genome)] = defects(vm.genome)
        essential, deleted = _essential_and_deleted(vm, index, defects_of[id(vm.genome)])
        groups = _apart(_without(groups, deleted), set(unrefactorable(vm.genome)))
        units = _units_from_groups(groups, essential)
        if design.boot is not None:
            units = _core_units(vm, index, units, essential, design.boot.core)
        vms.append(replace(vm, units=units, expression=_expression_factors(vm, index, deleted)))
    return replace(design, vms=tuple(vms))


ESSENTIAL = "essential"   # boot.core's word for the VM's essential: list


def _core_units(vm: GuestVM, index: GeneIndex, units, essential: set[str], core: tuple[str, ...]):
    """The VM's units with ``core`` set (policy boot.core): a unit is core when any member is one
    of the VM's essential genes (for the word "essential"), in a named subsystem of its expression
    table, or a named gene. A name that is none of these is an error; so is a core with no gene."""
    rows = vm.table.by_locus_tag() if vm.table is not None and "subsystem" in vm.table.columns else {}
    subsystems = {row.subsystem for row in rows.values() if row.subsystem}
    chosen: set[str] = set()
    for name in core:
        if name == ESSENTIAL:
            chosen |= essential
        elif name in subsystems:
            chosen |= {tag for tag, row in rows.items() if row.subsystem == name}
        elif (gene := index.look_up(name).found) is not None:
            chosen.add(gene.locus_tag)
        else:
            raise CompileError(f"VM '{vm.id}': boot core '{name}' is neither 'essential', a subsystem of its "
                               "expression table nor one of its genes", vm.location,
                               hint=f"subsystems: {', '.join(sorted(subsystems)) or 'none (no expression table)'}")
    flagged = tuple(replace(u, core=bool(chosen & set(u.locus_tags))) for u in units)
    if not any(u.core for u in flagged if u.coding):
        raise CompileError(f"VM '{vm.id}': boot core {', '.join(core)} names none of its expressed genes",
                           vm.location, hint="name its essential genes (essential:) or a subsystem of its table")
    return flagged
