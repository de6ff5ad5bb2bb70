"""The compiler's IR: frozen records from the front end through the passes.

The front end fills a :class:`Design` with genomes, tables and the chassis;
passes replace fields (never mutate) until every VM has expression units.
"""
from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass

from bioxen.chassis import Chassis
from bioxen.errors import Location
from bioxen.genome.records import Genome
from bioxen.parts import PartsLibrary
from bioxen.policy.schema import Kinetics as PolicyKinetics
from bioxen.pools import PoolSizing
from bioxen.quantity import Quantity
from bioxen.table import ExpressionTable


@dataclass(frozen=True)
class InputFile:
    role: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ExpressionUnit:
    """What one set of expression species stands for: a gene, operon or subsystem."""

    name: str                          # human name (locus tag, operon id, subsystem)
    coding: bool
    locus_tags: tuple[str, ...]
    lengths: tuple[int, ...] = ()      # protein lengths of the members (aa), coding units
    weights: tuple[float, ...] = ()    # relative transcription of the members
    strengths: tuple[float, ...] = ()  # relative initiation strengths of the members
    # filled by parameterize:
    max_transcription: float = 0.0     # molecules/min
    length: float = 0.0                # effective protein length, aa
    initiation_strength: float = 1.0
    functional_yield: float = 1.0      # share of finished proteins that are full length (UGA decoding)
    # amber / ncaa VMs: the UAG (amber) sites of each member gene, in order of locus_tags (a gene
    # with k sites is full length only if every one is suppressed: yield p^k)
    amber_sites: tuple[int, ...] = ()
    essential: bool = False            # all members essential (never repressed by the ATP guard)
    core: bool = True                  # boots with the VM (policy boot: core); else waits for BOOT_VM


@dataclass(frozen=True)
class IsolationParts:
    """The genetic parts that isolate one VM (filled by the ``isolate`` pass).

    Sequences are DNA, 5' to 3', upper case, as they would be built.
    """

    pool: str                 # ribosome pool its mRNAs use: "host" or "o1", "o2", ...
    sd: str                   # Shine-Dalgarno every VM gene carries
    anti_sd: str              # anti-SD at the 3' end of its pool's 16S rRNA
    utr: str                  # 5' UTR put before every VM start codon (contains sd)
    srna: str                 # gate sRNA, antisense to the UTR's SD region and start codon
    srna_energy: float        # kcal/mol, ViennaRNA duplex of srna with its target
    tag_name: str             # degron name, e.g. "pdt1"
    tag: str                  # degron peptide (one-letter), at its terminus of every VM protein
    protease: str             # protease that recognises the tag, e.g. "mf_lon"
    genetic_code: str         # "native", "recode", "suppressor", "amber" or "ncaa"
    tag_terminus: str = "C"   # "C": before the stop codon; "N": right after the start codon
    # the RNA polymerase transcribing its genes: "" (not modelled: energy-limited transcription), "host"
    # (the host's, shared) or an orthogonal polymerase of the parts library ("T7", ...)
    polymerase: str = ""
    promoter: str = ""        # the key of that polymerase's promoter in the part sequences ("" for the host's)
    compartment: str = ""     # the shell its proteins are targeted to ("": none)
    host_table: int = 11      # the translation table of the host the VM image is written for (the chassis's)


@dataclass(frozen=True)
class CrossTalk:
    """Translation-initiation strength of every SD class on every ribosome pool.

    ``strength[i][j]`` is SD class ``sd_classes[i]`` on pool ``pools[j]``,
    relative to the host SD on host ribosomes (= 1), from ViennaRNA duplex
    energies ``energy[i][j]`` (kcal/mol) by ``exp(-beta (dG_ij - dG_host,host))``.
    Class and pool 0 are the host's; class i (i > 0) is VM ``vms[i - 1]``'s.
    """

    sd_classes: tuple[str, ...]
    pools: tuple[str, ...]
    sd: tuple[str, ...]
    anti_sd: tuple[str, ...]
    energy: tuple[tuple[float, ...], ...]
    strength: tuple[tuple[float, ...], ...]
    beta: float               # mol/kcal


def _from_schema(model) -> type:
    """A frozen dataclass with the fields of the pydantic ``model`` (every one optional,
    None by default): the schema names the fields once, the IR carries their values."""
    made = make_dataclass(model.__name__, [(name, float | None, field(default=None)) for name in model.model_fields],
                          frozen=True)
    made.__module__ = __name__
    return made


# A VM's own expression kinetics as the policy gives them (``kinetics:``; its keys are
# bioxen.policy.schema.Kinetics's): nt/s, aa/s, and half-lives in minutes; None: the chassis's
# guest default. ``parameterize`` turns them into the VM's rates.
Kinetics = _from_schema(PolicyKinetics)
Kinetics.__doc__ = ("A VM's own expression kinetics (policy ``kinetics:``, the fields of "
                    ":class:`bioxen.policy.schema.Kinetics`); None: the chassis's guest default.")


@dataclass(frozen=True)
class GuestVM:
    id: str
    genome: Genome
    table: ExpressionTable | None
    resolution: str
    ribosome_share: float
    operon_max_gap: int
    explicit_operons: tuple[tuple[str, ...], ...] | None
    location: Location | None
    units: tuple[ExpressionUnit, ...] = ()
    pool: str = "orthogonal"               # policy: "orthogonal" or "host"
    controller: bool = False               # policy: o-rRNA feedback controller (Darlington et al. 2018)
    genetic_code: str | None = None        # policy: None, "recode", "suppressor", "amber" or "ncaa"
    # policy transcription: None (no polymerase pool), "host" or "orthogonal"; the polymerase asked
    # for (None: the isolate pass picks one); PAUSE_VM also inhibits the VM's polymerase
    transcription: str | None = None
    polymerase: str | None = None
    transcription_pause: bool = False
    transcription_location: Location | None = None
    compartment: str | None = None         # policy: None, or the shell that holds its proteins ("encapsulin")
    max_leak: float = 0.0                  # policy compartment.max_leak: the stated bound on what stays outside
    parts: IsolationParts | None = None    # filled by the isolate pass
    priority: int = 1                      # policy: higher runs first when energy is short
    dormant: bool = False                  # policy start: dormant (a slot waiting for CREATE_VM)
    essential: tuple[str, ...] = ()        # policy: essential genes (locus tags or names)
    knockouts: tuple[str, ...] = ()        # policy: deleted genes (locus tags or names)
    kinetics: Kinetics = Kinetics()        # policy: the VM's own elongation speeds and half-lives
    # policy: per-gene transcription factors, (gene, factor); names as written until select_genes
    # resolves them to locus tags
    expression: tuple[tuple[str, float], ...] = ()
    expression_location: Location | None = None   # policy: where `expression:` is
    # policy: where each gene name of knockouts/essential/expression/operons is, (list, name, location)
    name_locations: tuple[tuple[str, str, Location], ...] = ()
    orrna_transcription: float = 0.0       # molecules/min, o-rRNA gene (parameterize)
    srna_transcription: float = 0.0        # molecules/min, induced gate sRNA (parameterize)
    gate_transcription: float = 0.0        # molecules/min, induced ribosome-gate RNA (parameterize)
    antigate_transcription: float = 0.0    # molecules/min, its constitutive anti-gate RNA (parameterize)
    mrna_decay: float = 0.0                # 1/min, the VM's mRNAs (parameterize: kinetics or chassis)
    protein_decay: float = 0.0             # 1/min, the VM's proteins (parameterize: kinetics or chassis)
    # ribosome elongation on the VM's mRNAs relative to the host's γ(a) (parameterize); None:
    # the policy sets no translation_aa_per_s (the host's speed, no factor in the model)
    elongation_factor: float | None = None

    @property
    def genes_expressed(self) -> int:
        """Genes in the VM's expression units (0 before select_genes makes them)."""
        return sum(len(unit.locus_tags) for unit in self.units)

    def located(self, what: str, name: str) -> Location | None:
        """Where the policy names gene ``name`` in its list ``what`` (knockouts, essential,
        expression, operons); None if it does not."""
        return next((where for kind, key, where in self.name_locations if kind == what and key == name), None)


@dataclass(frozen=True)
class Command:
    """A timed command as the user asked it: at ``at`` minutes, ``command`` on ``vm``.

    What it does to the model (which parameters it sets) is the back end's business
    (:func:`bioxen.commands.assignments`)."""

    at: float                  # min
    command: str               # one of bioxen.commands.TIMED (the one command vocabulary)
    vm: str
    share: float | None = None         # SET_RESOURCE_LIMIT ribosomes: the VM's new share of the ribosomes
    location: Location | None = None
    resource: str = "ribosomes"        # SET_RESOURCE_LIMIT: what it sets (bioxen.commands.RESOURCES)
    concentration: float | None = None  # SET_RESOURCE_LIMIT ncaa: the VM's ncAA in the medium, uM
    level: float | None = None          # SET_RESOURCE_LIMIT rnap: its polymerase's expression, 0..1 of full


def ring_nodes(vms: int) -> int:
    """Nodes of the ring for ``vms`` VMs: the smallest odd number at least max(vms, 3) (a ring
    of repressors oscillates when odd; with an even number of VMs one turn a period is idle)."""
    nodes = max(vms, 3)
    return nodes if nodes % 2 else nodes + 1


def node_of_turn(turn: int, nodes: int) -> int:
    """The node whose repressor peaks at turn ``turn`` (node 0 at turn 0; node i + 1 lags node
    i by (M + 1)/2 turns, :mod:`bioxen.ring`)."""
    return 2 * turn % nodes


@dataclass(frozen=True)
class RingNode:
    """One ring node's repressor as the ``clock`` pass designed it (:mod:`bioxen.ring`): the Cello
    repressor the wiring assigned ("" for the parts library's), its Hill n and leak on its own
    promoter (measured), and its VMs' gate promoters' Hill coefficient and threshold (designed)."""

    repressor: str
    hill: Quantity
    leak: Quantity
    gate_hill: Quantity
    gate_threshold: float                # molecules of repressor, half repression of a gate promoter
    initiation_strength: float = 1.0     # its RBS, relative to an average host RBS


@dataclass(frozen=True)
class RingClock:
    """Round robin on the internal clock: a ring oscillator whose phases release the VMs' gates
    in turn (:mod:`bioxen.ring`). The front end sets the schedule (:meth:`for_turns`: the
    quantum, the turns and which ring node releases each VM); the ``clock`` pass designs the
    ring's genes to keep it (degron, RBS, gate threshold, initial state)."""

    quantum: float                       # min, the policy's
    turns: tuple[str, ...]               # VM ids, in turn order
    nodes: int = 0                       # repressor genes in the ring (odd)
    node_of: tuple[int, ...] = ()        # the ring node that releases each VM of ``turns``
    degradation: float = 0.0             # 1/min, the repressors' degron
    initiation_strength: float = 1.0     # the repressors' RBS, relative to an average host RBS (node 0's; parts: each)
    gate_threshold: float = 0.0          # molecules of repressor, half repression of the first VM's gate (parts: each)
    period: float = 0.0                  # min, as designed at the chassis reference state
    initial: tuple[tuple[float, float], ...] = ()   # (free mRNA, repressor) of each node at the start
    parts: tuple[RingNode, ...] = ()     # each node's repressor, node 0 first (none: the parts library's)

    @classmethod
    def for_turns(cls, quantum: float, turns: tuple[str, ...]) -> "RingClock":
        """The schedule of VMs taking ``turns`` in order, ``quantum`` minutes each."""
        nodes = ring_nodes(len(turns))
        return cls(quantum, tuple(turns), nodes, tuple(node_of_turn(t, nodes) for t in range(len(turns))))


@dataclass(frozen=True)
class CommandInput:
    """How one command reaches one VM in the cell (the ``wiring`` pass): the inducers a user adds
    together, and the promoter that then fires the command's genes (a sensor's output promoter, or
    the output promoter of a decoder gate)."""

    vm: str
    command: str                      # "pause", "destroy" or "create" (bioxen.commands.COMMANDS)
    inducers: tuple[str, ...]         # Cello sensor names (bioxen.cello), added together
    promoter: str                     # the promoter part driving the command's genes
    gate: str | None = None           # the decoder gate (repressor) whose output that promoter is
    shared_with: tuple[tuple[str, str], ...] = ()   # other (vm, command) the same inducers also fire


@dataclass(frozen=True)
class SensorPart:
    """A sourced inducible sensor the wiring uses: its promoter's activity without and with its
    inducer (RPU, Cello's Marionette data)."""

    name: str                         # Cello sensor name, e.g. "aTc_sensor"
    inducer: str                      # the small molecule, e.g. "aTc"
    promoter: str                     # its output promoter part
    ymin: float                       # RPU, uninduced
    ymax: float                       # RPU, fully induced
    source: str = ""

    @property
    def leak(self) -> float:
        return self.ymin / self.ymax


@dataclass(frozen=True)
class RepressorPart:
    """A sourced repressor gate the wiring assigns: its Cello response (RPU in, RPU out:
    ``ymin + (ymax - ymin)/(1 + (x/K)^n)``), its protein length and its output promoter."""

    name: str                         # Cello repressor name, e.g. "PhlF"
    ymax: float
    ymin: float
    K: float                          # RPU of input for half repression
    n: float
    length: float                     # aa, from its CDS
    promoter: str                     # its output promoter part, e.g. "pPhlF"
    source: str = ""

    def response(self, x: float) -> float:
        return self.ymin + (self.ymax - self.ymin) / (1.0 + (max(x, 0.0) / self.K) ** self.n)


@dataclass(frozen=True)
class DecoderGate:
    """A NOR/NOT gate of the command decoder: a Cello repressor behind its input promoters (in
    tandem); its output is the repressor's own promoter."""

    repressor: str                    # Cello repressor name, e.g. "PhlF"
    inputs: tuple[tuple[str, str], ...]   # ("sensor", sensor name) or ("gate", repressor name)


@dataclass(frozen=True)
class Wiring:
    """The hypervisor's command inputs and repressors, assigned from sourced parts (the ``wiring``
    pass): which sensors (or decoder outputs) carry each (VM, command), the decoder's gates, and
    which Cello repressor each repressor gene of the model is (by model gene name: pulse
    repressors, ring nodes, controllers, the ATP guard)."""

    inputs: tuple[CommandInput, ...] = ()
    decoder: tuple[DecoderGate, ...] = ()
    repressors: tuple[tuple[str, str], ...] = ()   # (model gene, Cello repressor)
    notes: tuple[str, ...] = ()                    # what could not be made orthogonal, and why
    sensors: tuple[SensorPart, ...] = ()           # every sensor an input uses
    parts: tuple[RepressorPart, ...] = ()          # every repressor assigned (decoder and genes)

    def sensor(self, name: str) -> SensorPart:
        return next(s for s in self.sensors if s.name == name)

    def part(self, repressor: str) -> RepressorPart:
        return next(r for r in self.parts if r.name == repressor)

    def input_of(self, vm: str, command: str) -> CommandInput | None:
        return next((i for i in self.inputs if i.vm == vm and i.command == command), None)

    def repressor_of(self, gene: str) -> str | None:
        return dict(self.repressors).get(gene)


@dataclass(frozen=True)
class SimulationPlan:
    until: float           # min
    points: int
    method: str
    seed: int | None


@dataclass(frozen=True)
class CheckpointPlan:
    """A fluorescent checkpoint (policy ``checkpoints:``): its reporter lights when the model
    quantity ``watch`` passes ``threshold`` in ``direction`` ("above" or "below")."""

    name: str
    watch: str
    threshold: float
    direction: str
    location: Location | None = None


@dataclass(frozen=True)
class BootPlan:
    """The boot sequence (policy ``boot:``): hypervisor initialisation until ``initialise`` min, then
    each VM of ``order`` allocated (CREATE_VM) ``allocate`` min after the previous, its core genes
    (``core``: "essential", subsystem or gene names) running ``core_first`` min before its others
    (BOOT_VM)."""

    initialise: float
    order: tuple[str, ...]
    allocate: float
    core: tuple[str, ...]
    core_first: float

    def created(self, vm: str) -> float:
        """When ``vm`` is allocated (its CREATE_VM), min."""
        return self.initialise + self.order.index(vm) * self.allocate

    def booted(self, vm: str) -> float:
        """When ``vm``'s other genes are switched on (its BOOT_VM), min."""
        return self.created(vm) + self.core_first


@dataclass(frozen=True)
class Design:
    name: str
    chassis: Chassis
    host_overrides: dict
    vms: tuple[GuestVM, ...]
    simulation: SimulationPlan
    inputs: tuple[InputFile, ...]
    parts: PartsLibrary | None = None
    min_isolation: float = 100.0
    crosstalk_cutoff: float = 1e-6         # off-target initiation at or above this is simulated (all, by default)
    gate: str = "ribosome"                 # policy isolation.gate: ribosome, mrna, both or transcription (the pause mechanism)
    atp_guard: float | None = None         # energy threshold (molecules) of the ATP guard, if any
    crosstalk: CrossTalk | None = None     # filled by the isolate pass
    control: tuple[Command, ...] = ()      # timed commands, in time order
    clock: RingClock | None = None         # round robin on the internal clock
    scheduler: str = "fair_share"          # policy scheduler: fair_share, priority or round_robin
    pool_sizing: PoolSizing = PoolSizing({}, 0.0, 1.0)   # how pools are sized (parameterize)
    wiring: Wiring | None = None           # command inputs, decoder and repressor assignment (wiring pass)
    boot: BootPlan | None = None           # policy boot: the phases' times (every VM created by the hypervisor)
    checkpoints: tuple[CheckpointPlan, ...] = ()   # policy checkpoints: the molecular debugger's reporters
    groups: tuple[tuple[str, ...], ...] = ()   # policy scheduler.groups: two-level round robin's slow level
    group_quantum: float | None = None         # min, how long each group runs

    @property
    def genes_expressed(self) -> int:
        """Genes in every VM's expression units."""
        return sum(vm.genes_expressed for vm in self.vms)

    def host_parameters(self) -> dict[str, float]:
        values = self.chassis.values()
        values.update({k: v for k, v in self.host_overrides.items() if v is not None})
        return values


@dataclass(frozen=True)
class Gates:
    """The gates a VM gets (policy ``isolation.gate``): the gate sRNA on its mRNAs, the gate RNA on
    its pool's free o-ribosomes, and/or a synthetic repressor at its promoters (transcription)."""

    srna: bool
    ribosome: bool
    transcription: bool = False


GATES = {"mrna": Gates(True, False), "ribosome": Gates(False, True), "both": Gates(True, True),
         "transcription": Gates(False, False, True)}


def gates_of(design: Design, vm: GuestVM) -> Gates:
    """The VM's gates. A VM on host ribosomes has no pool of its own to hold: it keeps the sRNA gate
    where the chassis offers one, else the transcription gate (:func:`bioxen.hardware.host_gate`)."""
    from bioxen.hardware import host_gate

    if vm.pool == "orthogonal" or design.gate == "transcription":
        return GATES[design.gate]
    return GATES[host_gate(design.chassis.hardware)]
