"""The hypervisor policy schema (pydantic, unknown keys rejected).

Users' documentation of every key lives in docs/policy.md; keep them together.
"""
from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, model_validator

from bioxen.commands import RESOURCES, TIMED
from bioxen.datafile import refuse_at
from bioxen.units import micromolar, minutes

SCHEMA_VERSION = 1
RESOLUTIONS = ("gene", "operon", "subsystem")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _longer_than_zero(duration: float) -> float:
    if duration <= 0:
        raise ValueError("a duration here must be longer than 0, e.g. '30 min'")
    return duration


# A time from the start of the run (>= 0), a duration (> 0), a concentration (>= 0): a number
# and a unit (the unit parsers admit no sign), finite.
Minutes = Annotated[float, PlainValidator(minutes), AfterValidator(_finite)]
Duration = Annotated[Minutes, AfterValidator(_longer_than_zero)]
Micromolar = Annotated[float, PlainValidator(micromolar), AfterValidator(_finite)]


def _each_once(names: list[str]) -> list[str]:
    """A list of genes naming each once; the second of a repeated name is refused at its place."""
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen:
            raise refuse_at(f"'{name[:60]}' is listed twice (first as item {seen[name] + 1})", index)
        seen[name] = index
    return names


GeneNames = Annotated[list[str], AfterValidator(_each_once)]


def _file_name(name: str) -> str:
    if "\0" in name:
        raise ValueError("a file name cannot hold a NUL character")
    if any(len(part.encode()) > 255 for part in name.split("/")):
        raise ValueError("a file name's parts are at most 255 bytes long")
    return name


# A path (relative to the policy) or a name the loader looks up.
FileName = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_file_name)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RibosomeShare(Strict):
    share: float = Field(0.2, gt=0, lt=1, description="share of the host's translation capacity")
    pool: Literal["orthogonal", "host"] = Field(
        "orthogonal", description="the VM's own o-ribosome pool, or the host's ribosomes")
    controller: bool = Field(False, description="orthogonal pool: o-rRNA under the feedback controller of "
                                                "Darlington et al. 2018 (a repressor made by the pool)")

    @model_validator(mode="after")
    def _controller_needs_an_orthogonal_pool(self):
        if self.controller and self.pool != "orthogonal":
            raise ValueError("controller: true regulates an orthogonal pool's o-rRNA; this VM runs on host "
                             "ribosomes (give it pool: orthogonal)")
        return self


def _positive_factor(factor: float) -> float:
    if factor <= 0:
        raise ValueError("an expression factor must be > 0 (it multiplies the gene's transcription); "
                         "to delete a gene, list it under the VM's knockouts:")
    return factor


ExpressionFactor = Annotated[float, AfterValidator(_positive_factor)]


def _positive_half_life(half_life: float) -> float:
    if half_life <= 0:
        raise ValueError("a half-life must be longer than 0")
    return half_life


# A VM's kinetics, each with its unit and range (also the API's settings, bioxen.api.config).
TranscriptionSpeed = Annotated[float, Field(gt=0, le=200)]    # nt/s, RNA polymerase elongation
TranslationSpeed = Annotated[float, Field(gt=0, le=50)]       # aa/s, ribosome elongation
HalfLife = Annotated[Minutes, AfterValidator(_positive_half_life)]


class Kinetics(Strict):
    """A VM's own expression kinetics; an absent key keeps the chassis's guest value.

    The one list of kinetics keys: the IR's :class:`bioxen.ir.Kinetics` is made from these
    fields (values in nt/s, aa/s and minutes)."""

    transcription_nt_per_s: TranscriptionSpeed | None = Field(
        None, description="RNA polymerase elongation serving the VM's genes, nt/s (relative to "
                          "the chassis's guest transcription_elongation, it scales their transcription)")
    translation_aa_per_s: TranslationSpeed | None = Field(
        None, description="elongation of ribosomes on the VM's mRNAs, aa/s (host: gmax)")
    mrna_half_life: HalfLife | None = Field(None, description="half-life of the VM's mRNAs, e.g. 300 s")
    protein_half_life: HalfLife | None = Field(None, description="half-life of the VM's proteins, e.g. 1 h")


class Transcription(Strict):
    """The RNA polymerase that transcribes a VM's genes (issue 21): the host's, shared with every
    VM on it, or the VM's own orthogonal phage polymerase (parts library ``polymerases``)."""

    pool: Literal["orthogonal", "host"] = Field(
        "orthogonal", description="the VM's own phage RNA polymerase, or the host's RNA polymerase (shared)")
    polymerase: str | None = Field(None, min_length=1, max_length=40,
                                   description="orthogonal: a polymerase of the parts library (default: the "
                                               "first no other VM uses)")
    pause: bool = Field(False, description="orthogonal: PAUSE_VM also stops the VM's transcription (an "
                                           "inhibitor of its polymerase behind PAUSE's promoter)")

    @model_validator(mode="after")
    def _orthogonal_only(self):
        given = [k for k in ("polymerase", "pause") if getattr(self, k)]
        if self.pool == "host" and given:
            raise ValueError(f"{' and '.join(given)} belong to pool: orthogonal (the host's RNA polymerase is "
                             "shared and has no inhibitor of its own)")
        return self


class Compartment(Strict):
    """A compartment of the VM's own (issue 21): protein shells that take up its proteins, which
    carry a targeting peptide, and keep other VMs' proteases out (parts library ``compartment``)."""

    shell: Literal["encapsulin"] = Field("encapsulin", description="the shell: the T. maritima encapsulin (60 "
                                                                   "subunits, 24 nm, at most 20 cargo proteins)")
    max_leak: float = Field(0.1, gt=0, lt=1, description="the stated bound: the share of the VM's proteins left "
                                                         "outside its shells (mean over the report's window)")


class VirtualMachine(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]*$", max_length=32,
                    description="letters and digits; names every species of this VM")
    genome: FileName = Field(description="GenBank, EMBL or FASTA (+ GFF3) path, or NCBI accession")
    annotation: FileName | None = Field(None, description="GFF3 for a FASTA genome")
    expression_table: FileName | None = None
    resolution: Literal["gene", "operon", "subsystem"] = "gene"
    operon_max_gap: int = Field(50, ge=0, le=10_000, description="bp, for operon inference")
    operons: list[Annotated[GeneNames, Field(min_length=1)]] | None = Field(
        None, description="explicit operons (locus tags)")
    ribosomes: RibosomeShare = RibosomeShare()
    transcription: Transcription | None = Field(
        None, description="the RNA polymerase of the VM's genes; when any VM names one, every VM's "
                          "transcription draws on a polymerase pool (a VM without the key: the host's)")
    compartment: Compartment | None = Field(None, description="protein shells that hold the VM's proteins")
    genetic_code: Literal["recode", "suppressor", "amber", "ncaa"] | None = Field(
        None, description="how a genome whose code differs from the host's is made runnable (recode, suppressor); "
                          "amber: recode, and the VM's essential genes carry UAG codons read by its own orthogonal "
                          "aaRS/tRNA pair; ncaa: the same with an aaRS charging a non-canonical amino acid supplied "
                          "in the medium (synthetic auxotrophy)")
    priority: int = Field(1, ge=0, le=100, description="higher runs first when energy is short")
    start: Literal["running", "dormant"] = Field(
        "running", description="dormant: a slot compiled in, started by CREATE_VM")
    essential: GeneNames | None = Field(None, description="essential genes (locus tags or gene names)")
    knockouts: GeneNames | None = Field(None, description="genes deleted from the VM's genome (locus tags or "
                                        "gene names): neither transcribed nor translated")
    kinetics: Kinetics | None = Field(None, description="the VM's own elongation speeds and half-lives")
    expression: dict[str, ExpressionFactor] | None = Field(
        None, description="per-gene multiplier of transcription (locus tag or gene name -> factor > 0)")

    @model_validator(mode="after")
    def _one_transcription_speed(self):
        if self.transcription and self.transcription.pool == "orthogonal" and self.kinetics \
                and self.kinetics.transcription_nt_per_s is not None:
            raise ValueError("kinetics.transcription_nt_per_s and transcription pool: orthogonal both set the "
                             "speed of the VM's polymerase; the orthogonal polymerase's is the parts library's")
        return self


class AtpGuard(Strict):
    threshold: float = Field(gt=0, description="host energy (molecules) below which the guard switches on")


class Scheduler(Strict):
    policy: Literal["fair_share", "priority", "round_robin"] = "fair_share"
    atp_guard: AtpGuard | None = None
    quantum: Duration | None = Field(None, description="round_robin: how long each VM runs in turn")
    clock: Literal["external", "internal"] = Field(
        "external", description="round_robin: a train of inducer pulses (external) or a ring oscillator "
                                "compiled into the cell (internal)")
    groups: list[list[str]] | None = Field(
        None, description="round_robin, two levels: groups of VMs that take turns every group_quantum (the slow "
                          "level, by pool resizing); within the running group the VMs take turns every quantum "
                          "(the fast level, by translation gating)")
    group_quantum: Duration | None = Field(None, description="round_robin with groups: how long each group runs")
    idle_share: float = Field(0.02, gt=0, lt=1, description="round_robin with groups: the ribosome share a VM's "
                                                            "pool is resized to while its group waits")


def _constant_value(value):
    """A parts-library constant's new value: a number (in the library's units) or a string
    "value unit"; the library says what its units are (:func:`bioxen.parts.set_constants`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("expected a number in the library's units or a string 'value unit', e.g. 250 or '0.1 1/min'")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


ConstantValue = Annotated[int | float | str, PlainValidator(_constant_value)]


class Isolation(Strict):
    parts: FileName = Field("isolation", description="parts library (shipped with bioxen, or a path)")
    set: dict[str, ConstantValue] = Field(
        default_factory=dict, description="single constants of the parts library, section.key: a number in the "
                                          "library's units or 'value unit' (e.g. protease.max_transcription: 5)")
    min_ratio: float = Field(100.0, ge=1, description="least on/off-target initiation ratio per VM")
    crosstalk_cutoff: float = Field(1e-6, ge=0, description="off-target initiation strengths (host:host = 1) "
                                                            "at or above this are simulated; the default is below "
                                                            "the weakest the design makes (>= 1.5e-4), so none is hidden")
    gate: Literal["ribosome", "mrna", "both", "transcription"] = Field(
        "ribosome", description="how PAUSE_VM (and DESTROY_VM, the round-robin clock) stops a VM: a gate RNA "
                                "holding its pool's free o-ribosomes (ribosome), a gate sRNA titrating its "
                                "mRNAs (mrna), both, or a synthetic repressor at its promoters (transcription). "
                                "Left out: the chassis's default gate (bioxen chassis list)")


class Host(Strict):
    chassis: FileName = Field("ecoli_mg1655", description="chassis profile (shipped with bioxen, in BIOXEN_CHASSIS_PATH, or a path)")
    nutrient_quality: float | None = Field(None, gt=0, description="overrides the chassis n_s")
    external_nutrient: float | None = Field(None, ge=0, description="overrides the chassis s")
    chloramphenicol: Micromolar | None = Field(None, description="concentration in the medium, e.g. 4 uM "
                                                                 "(overrides the chassis chloramphenicol)")


class Simulation(Strict):
    until: Duration = 360.0
    points: int = Field(361, ge=2, le=1_000_000)
    method: Literal["ode", "ssa", "hybrid"] = "ode"
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class Boot(Strict):
    """The boot sequence (issue 21): hypervisor initialisation, then each VM allocated in turn
    (its CREATE_VM), its core genes first, its other genes after (its BOOT_VM)."""

    initialise: Duration = Field(60.0, description="the host and the hypervisor's circuits run alone this long "
                                                   "(every VM dormant) before the first VM is allocated")
    order: list[str] | None = Field(None, description="VMs in the order they are allocated (default: as listed)")
    allocate: Minutes = Field(30.0, description="between one VM's allocation and the next's (>= 0)")
    core: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=lambda: ["essential"],
        description="a VM's core genes, which boot first: 'essential' (its essential: list), subsystems of its "
                    "expression table, or gene names/locus tags")
    core_first: Minutes = Field(60.0, description="how long a VM's core genes run before its other genes (>= 0)")


class Checkpoint(Strict):
    """A fluorescent checkpoint (the molecular debugger): a reporter gene that lights when a model
    quantity passes a threshold."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=40, description="names its reporter")
    watch: str = Field(min_length=1, max_length=200, description="a model observable or expression (e.g. "
                                                                 "vm1_protein_total, energy, growth_rate)")
    above: float | None = Field(None, description="fires when the quantity rises above this")
    below: float | None = Field(None, description="fires when the quantity falls below this")

    @model_validator(mode="after")
    def _one_threshold(self):
        given = [k for k in ("above", "below") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"checkpoint {self.name} needs exactly one of `above` or `below` (got "
                             f"{' and '.join(given) or 'neither'})")
        value = getattr(self, given[0])
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"checkpoint {self.name}: its threshold must be a finite number > 0 (got {value!r})")
        return self


class TimedCommand(Strict):
    at: Minutes = Field(description="cell time at which the inducer is added or removed")
    command: Literal[TIMED]
    vm: str = Field(min_length=1)
    resource: Literal[RESOURCES] | None = Field(None, description="SET_RESOURCE_LIMIT: the resource to resize")
    share: float | None = Field(None, gt=0, lt=1, description="SET_RESOURCE_LIMIT ribosomes: the VM's new share of it")
    concentration: Micromolar | None = Field(None, description="SET_RESOURCE_LIMIT ncaa: the VM's non-canonical "
                                                              "amino acid in the medium, e.g. 0 uM (withdrawn) or 1 mM")
    level: float | None = Field(None, ge=0, le=1, description="SET_RESOURCE_LIMIT rnap: the VM's polymerase "
                                                             "gene's expression as a share of its full level "
                                                             "(0 stops making it, 1 restores it)")


class Policy(Strict):
    schema_version: Literal[1]
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str | None = None
    host: Host = Host()
    vms: list[VirtualMachine] = Field(default_factory=list, max_length=16)
    isolation: Isolation = Isolation()
    scheduler: Scheduler = Scheduler()
    control: list[TimedCommand] = Field(default_factory=list, description="timed commands")
    boot: Boot | None = Field(None, description="the boot sequence: every VM starts dormant and is allocated, "
                                                "core genes first, by the hypervisor")
    checkpoints: list[Checkpoint] = Field(default_factory=list, max_length=16,
                                          description="fluorescent checkpoints (the molecular debugger)")
    simulate: Simulation = Simulation()

    def _check_groups(self, ids: list[str]) -> None:
        """Two-level round robin: every VM in one group, orthogonal pools, a slow quantum that holds
        whole fast turns, the external clock."""
        s = self.scheduler
        if s.groups is None:
            if s.group_quantum is not None:
                raise ValueError("scheduler group_quantum belongs to round_robin with groups")
            return
        if s.policy != "round_robin" or s.clock != "external":
            raise ValueError("scheduler groups need policy round_robin on the external clock")
        named = [vm for group in s.groups for vm in group]
        if sorted(named) != sorted(ids) or any(not group for group in s.groups) or len(s.groups) < 2:
            raise ValueError(f"scheduler groups must put every VM in exactly one of two or more non-empty groups "
                             f"(VMs: {', '.join(ids)}; groups: {s.groups})")
        if s.group_quantum is None or s.group_quantum < s.quantum:
            raise ValueError("scheduler groups need a group_quantum at least as long as quantum (the slow level "
                             "holds whole fast turns)")
        host = [vm.id for vm in self.vms if vm.ribosomes.pool != "orthogonal"]
        if host:
            raise ValueError(f"scheduler groups resize the VMs' pools: {', '.join(host)} must be on orthogonal pools")
        small = [vm.id for vm in self.vms if vm.ribosomes.share <= s.idle_share]
        if small:
            raise ValueError(f"scheduler idle_share {s.idle_share:g} must be below every VM's share "
                             f"({', '.join(small)} has no more)")

    @model_validator(mode="after")
    def _vms_fit_in_host(self):
        ids = [vm.id for vm in self.vms]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"VM ids must be unique; repeated: {', '.join(repeated)}")
        if self.boot is not None:
            order = self.boot.order or ids
            if sorted(order) != sorted(ids):
                raise ValueError(f"boot order must name every VM once (VMs: {', '.join(ids) or 'none'}; "
                                 f"order: {', '.join(order)})")
            dormant = [vm.id for vm in self.vms if vm.start == "dormant"]
            if dormant:
                raise ValueError(f"under boot the hypervisor allocates every VM; {', '.join(dormant)} must not "
                                 "also be `start: dormant`")
            created = [c.vm for c in self.control if c.command in ("CREATE_VM", "BOOT_VM")]
            if created:
                raise ValueError(f"under boot the hypervisor creates and boots the VMs; remove the CREATE_VM/"
                                 f"BOOT_VM of {', '.join(sorted(set(created)))} from control")
        names = [c.name for c in self.checkpoints]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"checkpoint names must be unique; repeated: {', '.join(twice)}")
        unknown = sorted({c.vm for c in self.control} - set(ids))
        if unknown:
            raise ValueError(f"control names unknown VM(s): {', '.join(unknown)} (VMs: {', '.join(ids) or 'none'})")
        if self.scheduler.policy == "round_robin" and (self.scheduler.quantum is None or self.scheduler.quantum <= 0):
            raise ValueError("scheduler 'round_robin' needs a positive quantum, e.g. quantum: 30 min")
        self._check_groups(ids)
        if self.scheduler.policy == "priority" and self.scheduler.atp_guard is None:
            raise ValueError("scheduler 'priority' needs atp_guard: {threshold: ...} (energy, molecules)")
        if self.scheduler.atp_guard is not None and self.scheduler.policy != "priority":
            raise ValueError("atp_guard belongs to scheduler policy 'priority'")
        if self.scheduler.policy == "priority" and len({vm.priority for vm in self.vms}) < 2:
            raise ValueError("scheduler 'priority' needs VMs of different priorities (the ATP guard "
                             "represses the lower ones)")
        total = sum(vm.ribosomes.share for vm in self.vms)
        if total >= 1:
            raise ValueError(f"the VMs' ribosome shares add up to {total:g}; they must leave the "
                             "host part of its ribosomes (sum < 1)")
        return self
