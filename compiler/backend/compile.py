"""The compiler driver: policy -> Design -> passes -> PySB model -> network -> files."""
from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

import libsbml

from Bio import SeqIO

from bioxen import collector, forked, heap
from bioxen.backend.ahead import Ahead
from bioxen.backend.antimony import write_antimony
from bioxen.backend.bngl import to_bngl
from bioxen.backend.bngnet import to_net
from bioxen.backend.copasi import write_cps
from bioxen.backend.omex import write_omex
from bioxen.backend.commands import control_spec, steps
from bioxen.backend.bom import write_bom
from bioxen.backend.images import hypervisor_constructs, vm_images
from bioxen.backend.sbol import SBOL3_FILE, write_design_sbol3
from bioxen.outdir import MANIFEST, file_hashes, replacing_dir
from bioxen.backend.isolation import isolation_report
from bioxen.backend.model import VmOutputs, build_model, hypervisor_genes
from bioxen.backend.network import expand_network
from bioxen.backend.sbml import network_ids, to_sbml, write_sbml
from bioxen.backend.formats import DEFAULT_FORMATS, OPTIONAL, FormatRefused, check_formats, formats_to_write
from bioxen.buildspec import BuildSpec, RunPlan, VmSpec, frozen, write_spec
from bioxen.ir import Design
from bioxen.passes import run_passes
from bioxen.progress import task as progress_task
from bioxen.roles import RIBOSOME_KINDS
from bioxen.rules import assumptions_deduced_once, bonds_checked_where_made
from bioxen.rules.clock import repressor_name
from bioxen.rules.compartment import encapsulated_level, shells_level
from bioxen.rules.host import HOST_OUTPUTS
from bioxen.rules.species import keys_remembered
from bioxen.rules.ribosomes import orrna_parameter

TOOLS = ("bioxen", "pysb", "bionetgen", "python-libsbml", "libroadrunner", "biopython", "pydantic", "antimony",
         "python-libsedml", "python-libcombine")


@dataclass
class Build:
    design: Design
    builder: object
    outputs: tuple[VmOutputs, ...]
    species_ids: list[str]
    reaction_ids: list[str]
    sbml: libsbml.SBMLDocument
    expander: str
    timings: dict[str, float] = field(default_factory=dict)
    # SBML reaction id -> the identifiers it names (to_sbml's; write_sbml's check reads them)
    reaction_names: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def _repr_html_(self) -> str:
        """Jupyter's display: the design, its VMs and the network's size."""
        from bioxen.display import build_html
        return build_html(self, manifest(self))


# what a stage shows while it runs (bioxen.progress); other stages show their timing key
STAGE_LABELS = {"passes": "running the passes", "rules": "building the rules", "network": "expanding the network",
                "sbml": "building the SBML model"}


@contextmanager
def _timed(timings: dict, stage: str):
    start = time.perf_counter()
    with progress_task(STAGE_LABELS.get(stage, stage)):
        yield
    timings[stage] = round(time.perf_counter() - start, 4)


def compile_design(design: Design, timings: dict | None = None, after_passes=None) -> Build:
    """The Build of ``design``; ``after_passes`` (if given) is called with the design the passes
    give, before the model is built (:class:`bioxen.backend.ahead.Ahead` starts there)."""
    timings = {} if timings is None else timings
    with collector.paused(), assumptions_deduced_once(), bonds_checked_where_made(), keys_remembered():
        return _compile(design, timings, after_passes)


def _compile(design: Design, timings: dict, after_passes=None) -> Build:
    with _timed(timings, "passes"):
        design = run_passes(design)
    if after_passes is not None:
        after_passes(design)                  # forks its children before the heap is touched ahead
    with heap.touched_ahead(design.genes_expressed) as touched:
        with _timed(timings, "rules"):
            builder, outputs = build_model(design)
        with _timed(timings, "network"):
            expander = expand_network(builder.model)
        with _timed(timings, "sbml"):
            if touched is not None:
                touched.hand_over()
            species_ids, reaction_ids, names = *network_ids(builder.model), {}
            doc = to_sbml(builder, species_ids, reaction_ids, steps(design), own_network=expander == "bioxen",
                          genes=gene_table(design), reaction_names=names)
    return Build(design, builder, outputs, species_ids, reaction_ids, doc, expander, timings, names)


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for tool in TOOLS:
        try:
            found[tool] = metadata.version(tool)
        except metadata.PackageNotFoundError:
            found[tool] = "not installed"
    return found


def gene_table(design: Design) -> dict[str, dict[str, dict]]:
    """{VM: {gene key: its record, 1-based start and end, strand and what the genome file calls it}}
    for every guest gene the model stands for (the keys the species and reactions cite)."""
    table = {}
    for vm in design.vms:
        genes, compiled = vm.genome.by_locus_tag(), [t for u in vm.units for t in u.locus_tags]
        table[vm.id] = {key: _gene_entry(genes[key]) for key in dict.fromkeys(compiled) if key in genes}
    return table


def _gene_entry(gene) -> dict:
    return {"record": gene.record, "start": gene.start + 1, "end": gene.end, "strand": "+" if gene.strand == 1 else "-",
            "feature_type": gene.feature_type, "locus_tag": gene.tag or None, "gene": gene.gene or None,
            "label": gene.label or None, "product": gene.product or None, "protein_id": gene.protein_id or None}


def locus_map(build: Build) -> dict:
    """Every species and reaction -> the gene keys it stands for; ``genes``: {VM: {key: where the
    gene lies and what the genome file calls it}} (:func:`gene_table`); ``species_monomers``: the
    monomers each species is made of, and ``monomer_roles``: what each monomer is
    (:class:`bioxen.roles.Role`), so no reader needs to take a species id apart."""
    model, builder = build.builder.model, build.builder
    return {
        "species": {sid: list(builder.species_tags(cp)) for sid, cp in zip(build.species_ids, model.species)},
        "reactions": {rid: [t for rule in r["rule"] for t in builder.rule_tags.get(rule, ())]
                      for rid, r in zip(build.reaction_ids, model.reactions_bidirectional)},
        "genes": gene_table(build.design),
        "species_monomers": {sid: [mp.monomer.name for mp in cp.monomer_patterns]
                             for sid, cp in zip(build.species_ids, model.species)},
        "monomer_roles": {m.name: builder.role_of(m.name).as_dict() for m in model.monomers},
    }


def _ribosomes_held(roles) -> int:
    """How many ribosomes (host or orthogonal, not stalled) a species holds, from its monomers' roles."""
    return sum(role.kind in RIBOSOME_KINDS for role in roles)


def _vm_species(build: Build, vm: str) -> dict[str, int]:
    """The VM's species, and how many ribosomes each holds (what MIGRATE_VM moves)."""
    from bioxen.backend.model import owned_by

    found = {}
    for sid, cp in zip(build.species_ids, build.builder.model.species):
        roles = build.builder.species_roles(cp)
        if any(owned_by(role, vm) for role in roles):
            found[sid] = _ribosomes_held(roles)
    return found


def _gene_accounts(build: Build, genes: dict[str, tuple[str, ...]]) -> dict:
    """Per gene: its elongation reactions (every pool), the species holding ribosomes on its
    mRNA (and how many), and its product species with their lengths (aa)."""
    builder = build.builder
    model, roles = builder.model, builder.roles
    rules = [(r.name, builder.role_of(r.name)) for r in model.rules]
    species = [(sid, [mp.monomer.name for mp in cp.monomer_patterns], builder.species_roles(cp))
               for sid, cp in zip(build.species_ids, model.species)]
    lengths = {role.gene: p.value for p in model.parameters
               if (role := roles.get(p.name)) is not None and role.kind == "protein_length"}
    accounts = {}
    for gene, products in genes.items():
        elongations = [name for name, role in rules if role.kind == "elongation" and role.gene == gene]
        translating, proteins = {}, {}
        length = lengths[gene]
        for sid, names, monomers in species:
            ribosomes = _ribosomes_held(monomers)
            if ribosomes and any(role.kind == "mRNA" and role.gene == gene for role in monomers):
                translating[sid] = ribosomes
            elif len(names) == 1 and names[0] in products:
                proteins[sid] = length
        accounts[gene] = {"elongation_reactions": elongations, "translating": translating, "proteins_aa": proteins,
                          "length_aa": length}
    return accounts


def _crosstalk_spec(build: Build) -> dict:
    """What the simulated cross-contamination is read from: each VM's off-target elongations
    (its mRNAs on other pools) and the rates at which other VMs' proteases degrade its tag;
    the host's elongations on orthogonal pools."""
    builder = build.builder
    roles = builder.roles
    # a gene's own pool is the one its mRNA's SD binds; an elongation on any other is off target
    own_pool = {role.gene: role.pool for role in roles.values() if role.kind == "mRNA"}

    def offtarget(rule: str) -> bool:
        role = builder.role_of(rule)
        return role.kind == "elongation" and role.pool != own_pool[role.gene]

    vms = {}
    for vm, o in zip(build.design.vms, build.outputs):
        tag = vm.parts.tag_name
        vms[vm.id] = {"offtarget_elongations": [r for r in o.elongation_rules if offtarget(r)],
                      "tagged": next(name for name, role in roles.items()
                                     if role.kind == "tagged_level" and role.degron == tag),
                      "foreign_proteolysis": [name for name, role in roles.items()
                                              if role.kind == "proteolysis_rate" and role.degron == tag
                                              and role.vm != vm.id]}
    # genes of no VM: the host's (the hypervisor's genes bind no pool but their own)
    host = [r.name for r in builder.model.rules if builder.role_of(r.name).vm is None and offtarget(r.name)]
    return {"vms": vms, "host_offtarget_elongations": host}


def _transcriptions(build: Build, vm) -> tuple[str, ...]:
    """Every transcription of the VM's genes and reporter by a polymerase pool (each pool that
    reads them; the VM's gate RNAs, made by the hypervisor's promoters, draw on none)."""
    builder = build.builder
    roles = [(r.name, builder.role_of(r.name)) for r in builder.model.rules]
    return tuple(name for name, role in roles if role.kind == "transcription" and role.vm == vm.id and role.pool)


def build_spec(build: Build) -> BuildSpec:
    """What the runtime and the reports read from this build (outputs.json, :mod:`bioxen.buildspec`)."""
    plan, design = build.design.simulation, build.design
    pools, control = control_spec(design)
    vms = {o.vm: VmSpec(o.protein_total, tuple(o.elongation_rules), o.pool, o.srna, o.protease,
                        o.ribosomes_translating, MappingProxyType(dict(o.protein_lengths)), vm.ribosome_share,
                        orrna_parameter(vm.parts.pool) if vm.pool == "orthogonal" else "",
                        MappingProxyType(_vm_species(build, vm.id)), o.essential_protein, vm.priority,
                        vm.parts.genetic_code, sum(k for u in vm.units for k in u.amber_sites), o.amber_suppression,
                        o.core_protein, vm.parts.polymerase, _transcriptions(build, vm) if vm.parts.polymerase else (),
                        encapsulated_level(vm.id) if vm.compartment else "",
                        shells_level(vm.id) if vm.compartment else "", vm.max_leak)
           for o, vm in zip(build.outputs, design.vms)}
    return BuildSpec(MappingProxyType(dict(HOST_OUTPUTS)), design.host_parameters()["M"], MappingProxyType(vms),
                     RunPlan(plan.until, plan.points, plan.method, plan.seed), pools, control, design.scheduler,
                     frozen(_clock_spec(design.clock)), frozen(_gene_accounts(build, hypervisor_genes(design))),
                     frozen(_crosstalk_spec(build)), _checkpoint_specs(design), design.groups, design.group_quantum,
                     design.chassis.hardware.recombination)


def _checkpoint_specs(design) -> tuple:
    from bioxen.buildspec import CheckpointSpec
    from bioxen.rules.checkpoint import reporter_name
    from bioxen.rules.host import HOST_OUTPUTS

    return tuple(CheckpointSpec(c.name, HOST_OUTPUTS.get(c.watch, c.watch), c.threshold, c.direction,
                                reporter_name(c.name)) for c in design.checkpoints)


def outputs_spec(build: Build) -> dict:
    """outputs.json's JSON object (:meth:`BuildSpec.to_dict` of :func:`build_spec`)."""
    return build_spec(build).to_dict()


def _clock_spec(clock) -> dict | None:
    """The round-robin ring as designed (None without the internal clock)."""
    if clock is None:
        return None
    return {"quantum_min": clock.quantum, "period_min": clock.period, "nodes": clock.nodes,
            "turns": list(clock.turns), "node_of": list(clock.node_of),
            "repressors": [f"{repressor_name(i)}_level" for i in range(clock.nodes)],
            "degradation_per_min": clock.degradation, "gate_threshold": clock.gate_threshold}


def manifest(build: Build) -> dict:
    design = build.design
    return {
        "bioxen_manifest": 1,
        "design": design.name,
        "inputs": [{"role": i.role, "path": i.path, "sha256": i.sha256} for i in design.inputs],
        "tools": _versions(),
        "network": {"expanded_by": build.expander, "species": len(build.species_ids),
                    "reactions": len(build.reaction_ids), "rules": len(build.builder.model.rules)},
        "vms": [{"id": vm.id, "genome": vm.genome.accession,
                 "replicons": [{"id": r.id, "length_bp": r.length, "topology": r.topology}
                               for r in vm.genome.replicons], "resolution": vm.resolution,
                 "ribosome_share": vm.ribosome_share, "units": len(vm.units),
                 "genes_expressed": vm.genes_expressed,
                 "pseudogenes_skipped": sum(g.pseudo for g in vm.genome.genes)} for vm in design.vms],
        "timings_s": build.timings,
    }


def _write_design_dna(design: Design, directory: Path) -> None:
    """The DNA that would be built: GenBank VM images, the hypervisor's genes, and SBOL3 (design.nt)."""
    if not design.vms:
        return
    images = [vm_images(vm) for vm in design.vms]   # one record per replicon
    constructs = hypervisor_constructs(design)      # the core, then one o-16S record per pool
    hypervisor = [construct.record() for construct in constructs]
    for vm, records in zip(design.vms, images):
        SeqIO.write(records, directory / f"vm_{vm.id}.gb", "genbank")
    SeqIO.write(hypervisor, directory / "hypervisor.gb", "genbank")
    write_bom(design, constructs, directory / "bom.csv")
    _write_sequence_qa(hypervisor, images, directory / "sequence_qa.json")
    records = [record for replicons in images for record in replicons] + hypervisor
    write_design_sbol3(records, directory / SBOL3_FILE, design_name=design.name)


def _write_sequence_qa(hypervisor: list, images: list, path: Path) -> None:
    """sequence_qa.json: every finding of the hypervisor's constructs (repeats within and across
    them, sites of the Golden Gate standard, homopolymers, GC windows, N), and per VM image its
    Golden Gate sites and N (its repeats are not listed: every refactored gene carries its pool's
    5' UTR and its VM's degron, so a genome image holds hundreds of copies of each by design)."""
    from dataclasses import asdict

    from Bio.Restriction import RestrictionBatch

    from bioxen.backend.sequence_qa import ASSEMBLY_STANDARDS, check_constructs

    findings = check_constructs(hypervisor)
    enzymes = RestrictionBatch(list(ASSEMBLY_STANDARDS["golden_gate"]))
    images_found = {}
    for replicons in images:
        for record in replicons:
            linear = record.annotations.get("topology") != "circular"
            sites = enzymes.search(record.seq, linear=linear)
            images_found[record.id] = {"sites": {str(e): len(v) for e, v in sites.items()},
                                       "N": str(record.seq).upper().count("N")}
    path.write_text(json.dumps({
        "settings": {"min_repeat_bp": 16, "standard": "golden_gate (BsaI, BsmBI)", "homopolymer_bp": 8,
                     "gc_window_bp": 50, "gc_range": [0.25, 0.75]},
        "host": "not checked: the chassis names no host genome sequence",
        "findings": [asdict(f) for f in findings], "vm_images": images_found}, indent=1))


def _write_bngl(build: Build, directory: Path) -> None:
    (directory / "model.bngl").write_text(to_bngl(build.builder.model, build.design.simulation,
                                                  steps(build.design)))


def _write_nfsim(build: Build, directory: Path) -> None:
    from bioxen.backend.nfsim import write_nfsim_xml

    write_nfsim_xml(build.builder.model, directory / "model.nfsim.xml")


def _write_vcml(build: Build, directory: Path) -> None:
    from bioxen.backend.vcell import write_vcml

    write_vcml(build.sbml, directory / "model.vcml", build.design.simulation)


# The optional outputs, by --formats name (bioxen.backend.formats); each runs once write_files has
# written the build's model.xml into the directory (antimony, omex and copasi read it)
WRITERS = {
    "bngl": _write_bngl,                                                          # model.bngl, with the run
    "net": lambda build, directory: (directory / "model.net").write_text(         # BNG network file
        to_net(build.builder.model, own_network=build.expander == "bioxen")),
    "dna": lambda build, directory: _write_design_dna(build.design, directory),   # GenBank images, SBOL3
    "nfsim": _write_nfsim,                                                        # model.nfsim.xml
    "vcml": _write_vcml,                                                          # model.vcml (VCell)
    "antimony": lambda build, directory: write_antimony(build, directory / "model.ant", directory / "model.xml"),
    "omex": lambda build, directory: write_omex(build, build_spec(build), directory / "model.omex",
                                                directory / "model.xml"),
    "copasi": lambda build, directory: write_cps(directory / "model.xml", directory / "model.cps",
                                                 build.design.simulation, reactions=len(build.reaction_ids)),
}
assert tuple(WRITERS) == OPTIONAL
# written by forked children while the other formats are written (:func:`write_files`): formats that
# read model.xml and little of the build in memory, so a child copies few of the parent's pages
# (the archive of three Syn3A VMs takes 1.1 s; COPASI's import and libAntimony's conversion of the
# three-VM subsystem design 4.9 s and 2.3 s). Each child writes into a directory of its own, so a
# refusal leaves nothing to clean up in the build. model.net written beside model.bngl came out no
# faster: both read the whole PySB model, so each side copies the pages it touches (three Syn3A
# VMs: bngl 1.05 -> 2.0 s with net beside it, three alternating pairs, 2026-12-04)
BESIDE = ("antimony", "omex", "copasi")
# the formats that read only the design (after the passes): written ahead, while the model compiles
AHEAD = {"dna": _write_design_dna}


def writing_ahead(formats=DEFAULT_FORMATS) -> Ahead:
    """The formats of ``formats`` that :func:`compile_design` can start writing after its passes
    (``after_passes=ahead.start``) and :func:`write_files` then takes (``ahead=``)."""
    return Ahead(AHEAD, formats_to_write(formats)[0])


def write_files(build: Build, directory: Path, formats=DEFAULT_FORMATS, ahead: Ahead | None = None) -> Path:
    """Write the outputs (``formats``; model.xml and the JSON files always) into ``directory``,
    the manifest last, listing every other file with its SHA-256, the formats written and,
    under ``all``, each format refused with the reason (``formats_refused``). A format that
    ``ahead`` is writing is taken from it."""
    formats, refusable = formats_to_write(formats)
    start = time.perf_counter()
    write_sbml(build.sbml, directory / "model.xml", build.reaction_names)
    build.timings["write_sbml"] = round(time.perf_counter() - start, 4)
    (directory / "locus_map.json").write_text(json.dumps(locus_map(build), indent=1))
    write_spec(build_spec(build), directory)
    (directory / "isolation.json").write_text(json.dumps(isolation_report(build.design), indent=1))
    refused = {}
    with collector.paused(), _written_beside(build, directory, formats) as beside:
        for name in formats[1:]:
            start = time.perf_counter()
            reason = (beside[name].into(directory, refusable) if name in beside
                      else _write_format(name, build, directory, refusable, ahead))
            if reason is not None:
                refused[name] = reason
            build.timings[f"write_{name}"] = round(time.perf_counter() - start, 4)
    written = [name for name in formats if name not in refused]
    (directory / MANIFEST).write_text(json.dumps({**manifest(build), "formats": written, "formats_refused": refused,
                                                  "files": file_hashes(directory)}, indent=1))
    return directory


class _Beside:
    """A format written by a forked child while this process writes the others: into a hidden
    directory of its own inside the build (made before the other formats start, so no refusal's
    clean-up of theirs can take it), holding a link to the build's model.xml; :meth:`into` waits
    for the child and moves what it wrote into the build."""

    def __init__(self, name: str, build: Build, directory: Path):
        self.name = name
        self.directory = directory / f".{name}-{secrets.token_hex(6)}"
        self.directory.mkdir()
        model = self.directory / "model.xml"
        try:
            os.link(directory / "model.xml", model)
        except OSError:                 # a file system without hard links
            shutil.copyfile(directory / "model.xml", model)
        self.child = forked.Forked(lambda: WRITERS[name](build, self.directory), f"writing {name}")

    def into(self, directory: Path, refusable: bool) -> str | None:
        """Wait for the child and move what it wrote into ``directory``: None, or (when
        ``refusable``) why the format refused the design, nothing moved. A refusal of a format
        named explicitly, and any other error, is raised."""
        try:
            with progress_task(f"writing {self.name}"):
                self.child.result()
        except FormatRefused as exc:
            if not refusable:
                raise
            return _refusal(exc)
        for path in sorted(self.directory.iterdir()):
            if path.name != "model.xml":
                os.replace(path, directory / path.name)
        return None

    def close(self) -> None:
        self.child.close()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def _written_beside(build: Build, directory: Path, formats):
    """{format: its :class:`_Beside`} for the formats of ``formats`` in :data:`BESIDE` (none if
    ``fork`` is not available, or nothing else is written). Leaving the block stops any child not
    waited for and removes its directory."""
    names = [name for name in formats[1:] if name in BESIDE]
    children: dict[str, _Beside] = {}
    try:
        if names and len(formats) > len(names) + 1 and forked.available():
            for name in names:
                children[name] = _Beside(name, build, directory)
        yield children
    finally:
        for child in children.values():
            child.close()


def _refusal(exc: FormatRefused) -> str:
    """Why a format refused the design, as manifest.json's ``formats_refused`` lists it."""
    return "; ".join(d.message for d in exc.errors)


def _write_format(name: str, build: Build, directory: Path, refusable: bool, ahead: Ahead | None = None) -> str | None:
    """Write one optional format (or take it from ``ahead``); None, or (when ``refusable``) why
    the format refused this design, anything it had written removed. A refusal of a format
    named explicitly is raised."""
    before = set(directory.iterdir())
    try:
        with progress_task(f"writing {name}"):
            if ahead is not None and name in ahead:
                ahead.into(name, directory)
            else:
                WRITERS[name](build, directory)
    except FormatRefused as exc:
        if not refusable:
            raise
        for path in set(directory.iterdir()) - before:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        return _refusal(exc)
    return None


def write_build(build: Build, out_dir: str | Path, formats=DEFAULT_FORMATS) -> Path:
    """Write the outputs into a fresh directory beside ``out_dir``, then swap it in whole
    (:func:`bioxen.outdir.replacing_dir`: ``out_dir`` must be new, empty or a BioXen build)."""
    formats = check_formats(formats)
    with replacing_dir(out_dir, [i.path for i in build.design.inputs]) as staging:
        write_files(build, staging, formats)
    return Path(out_dir)
