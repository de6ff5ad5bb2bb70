"""The hardware abstraction layer: which mechanism serves each hypervisor function on a chassis.

The hypervisor's functions (allocate translation, gate it, tag and degrade, transcribe, adapt the
genetic code, take commands, report, give a VM a compartment) are each served by one of BioXen's
mechanisms. A chassis profile's ``hardware:`` section says which of them its cell offers (each
with its source, the first of a function being its default) and why the others are absent; the
front end maps a policy onto them with :func:`choose` and refuses what the chassis cannot do,
naming the function and the alternatives it offers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


@dataclass(frozen=True)
class Function:
    """A hypervisor function: what it does and how a policy asks for each mechanism of it."""

    does: str
    mechanisms: dict[str, str]       # mechanism -> how a policy selects it
    required: bool = True            # every chassis must offer one (else: only when asked)


FUNCTIONS: dict[str, Function] = {
    "translation": Function("allocate translation", {
        "orthogonal_ribosomes": "vms[].ribosomes.pool: orthogonal (o-rRNA pools, Darlington et al. 2018)",
        "host_ribosomes": "vms[].ribosomes.pool: host (the host's ribosomes, shared)"}),
    "gate": Function("gate a VM (PAUSE_VM, DESTROY_VM, the round-robin clock)", {
        "ribosome_gate": "isolation.gate: ribosome (a gate RNA holding the VM pool's free o-ribosomes)",
        "srna_gate": "isolation.gate: mrna (an Hfq-dependent sRNA titrating the VM's mRNAs)",
        "transcription_gate": "isolation.gate: transcription (a command-driven synthetic transcription factor "
                              "shuts the VM's promoters)"}),
    "degradation": Function("tag and degrade (DESTROY_VM)", {
        "orthogonal_protease": "a VM-tagged orthogonal protease per VM: the parts library's tags and proteases "
                               "(mf-Lon and its pdt degron, Cameron & Collins 2014; viral proteases whose cut "
                               "exposes an N-degron); the chassis's degron_tags say which its cell reads"}),
    "transcription": Function("transcribe a VM's genes", {
        "host_polymerase": "vms[].transcription.pool: host, or no transcription key",
        "phage_polymerase": "vms[].transcription.pool: orthogonal (T7-family RNA polymerases)"}),
    "genetic_code": Function("make a guest's genetic code runnable, or isolate a VM by it", {
        "recode": "vms[].genetic_code: recode", "suppressor": "vms[].genetic_code: suppressor",
        "amber": "vms[].genetic_code: amber", "ncaa": "vms[].genetic_code: ncaa"}, required=False),
    "commands": Function("take the hypervisor's commands (inducer inputs)", {
        "marionette_sensors": "Cello's E. coli sensors and decoder gates (wired automatically)",
        "inducible_promoters": "one inducible promoter per command, at the parts library's leak"}),
    "report": Function("report a VM's status (GET_VM_STATUS)", {
        "fluorescent_reporter": "a fluorescent protein per VM"}),
    "compartment": Function("give a VM a compartment of its own", {
        "encapsulin": "vms[].compartment: {shell: encapsulin}"}, required=False),
}


class HardwareFile(BaseModel):
    """A chassis profile's ``hardware:`` section (read by :mod:`bioxen.chassis`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    genetic_code: int = Field(ge=1, le=33, description="NCBI translation table the host reads")
    genetic_code_source: str = Field(min_length=1)
    offers: dict[str, dict[str, str]] = Field(description="function -> {mechanism: source}, default first")
    lacks: dict[str, str] = Field(default_factory=dict, description="mechanism -> why the chassis lacks it")
    degron_tags: list[str] | None = Field(None, description="the parts library's degron tags read in this "
                                                           "cell, in the order VMs take them (default: all)")
    recombination: Literal["recA+", "recA-"] = Field(
        "recA+", description="which of the E. coli mutation-rate formulas the DNA's lifetime uses (bioxen.report."
                             "lifetime): recA+ where the cell recombines repeats, recA- where it has no RecA")

    @model_validator(mode="after")
    def _known(self):
        from Bio.Data.CodonTable import unambiguous_dna_by_id

        if self.genetic_code not in unambiguous_dna_by_id:
            raise ValueError(f"genetic_code {self.genetic_code} is not an NCBI translation table")
        for function, mechanisms in self.offers.items():
            if function not in FUNCTIONS:
                raise ValueError(f"offers: unknown function {_named(function)} (known: {', '.join(FUNCTIONS)})")
            unknown = sorted(set(mechanisms) - set(FUNCTIONS[function].mechanisms))
            if unknown:
                raise ValueError(f"offers.{function}: unknown mechanism(s) {_named(*unknown)} (known: "
                                 f"{', '.join(FUNCTIONS[function].mechanisms)})")
        missing = [f for f, spec in FUNCTIONS.items() if spec.required and not self.offers.get(f)]
        if missing:
            raise ValueError(f"offers must name a mechanism for {', '.join(missing)}")
        every = {m for spec in FUNCTIONS.values() for m in spec.mechanisms}
        strange = sorted(set(self.lacks) - every)
        if strange:
            raise ValueError(f"lacks: {_named(*strange)} is not a mechanism (known: {', '.join(sorted(every))})")
        both = sorted(set(self.lacks) & {m for ms in self.offers.values() for m in ms})
        if both:
            raise ValueError(f"lacks: {', '.join(both)} is also offered")
        return self


def _named(*names: str) -> str:
    """A profile's own names for a message: quoted, any character a message cannot carry escaped
    (a hostile file's lone surrogates would stop the validator's error itself)."""
    return ", ".join(ascii(name[:60]) for name in names[:5]) + (" ..." if len(names) > 5 else "")


@dataclass(frozen=True)
class Hardware:
    """What a chassis offers: its genetic code and, per function, its mechanisms (default first)."""

    genetic_code: int
    offers: dict[str, tuple[str, ...]]
    sources: dict[str, str]          # mechanism -> source
    lacks: dict[str, str]            # mechanism -> why absent
    degron_tags: tuple[str, ...] | None = None   # the parts library's tags read here (None: all)
    recombination: str = "recA+"                 # the lifetime's mutation-rate formula (bioxen.report.lifetime)

    @classmethod
    def read(cls, section: HardwareFile) -> "Hardware":
        return cls(section.genetic_code, {f: tuple(m) for f, m in section.offers.items()},
                   {m: s for ms in section.offers.values() for m, s in ms.items()}, dict(section.lacks),
                   None if section.degron_tags is None else tuple(section.degron_tags), section.recombination)

    def has(self, function: str, mechanism: str) -> bool:
        return mechanism in self.offers.get(function, ())

    def default(self, function: str) -> str | None:
        return next(iter(self.offers.get(function, ())), None)


# A profile without a hardware: section (a user's own, written before the HAL) is the bacterial
# host every mechanism was written for: E. coli's code and every mechanism.
BACTERIAL = Hardware(11, {f: tuple(spec.mechanisms) for f, spec in FUNCTIONS.items()},
                     {m: "assumed: a profile without a hardware section" for spec in FUNCTIONS.values()
                      for m in spec.mechanisms}, {})


@dataclass(frozen=True)
class Refusal:
    """A policy's request the chassis cannot serve: where it was asked, and what to do instead."""

    function: str
    mechanism: str
    where: tuple            # the policy's YAML path of the key that asked for it

    def message(self, chassis: str, hardware: Hardware) -> tuple[str, str]:
        spec = FUNCTIONS[self.function]
        why = hardware.lacks.get(self.mechanism, "not known to work in this chassis")
        alternatives = [f"{m}: {spec.mechanisms[m]}" for m in hardware.offers.get(self.function, ())]
        return (f"chassis '{chassis}' cannot {spec.does} by {self.mechanism}: {why}",
                "it offers " + ("; ".join(alternatives) if alternatives else "no mechanism for this function"))


GATE_KEYS = {"ribosome": ("ribosome_gate",), "mrna": ("srna_gate",), "both": ("ribosome_gate", "srna_gate"),
             "transcription": ("transcription_gate",)}
GATE_OF = {"ribosome_gate": "ribosome", "srna_gate": "mrna", "transcription_gate": "transcription"}


@dataclass(frozen=True)
class Choice:
    """How a policy's hypervisor runs on a chassis: each VM's ribosome pool, the gate, and what the
    policy asked that the chassis cannot do."""

    pools: dict[str, str]                 # VM id -> "orthogonal" or "host"
    gate: str                             # policy isolation.gate spelling of the design's gate
    refusals: tuple[Refusal, ...]


def choose(policy, hardware: Hardware) -> Choice:
    """Map ``policy`` (a :class:`bioxen.policy.schema.Policy`) onto ``hardware``. A key the policy
    sets must name a mechanism the chassis offers; a key it leaves out takes the chassis's default
    (E. coli's defaults are the policy schema's, so E. coli designs are unchanged)."""
    refusals, pools = [], {}
    for index, vm in enumerate(policy.vms):
        asked = "pool" in vm.ribosomes.model_fields_set
        pool = vm.ribosomes.pool if asked else default_pool(hardware)
        mechanism = f"{pool}_ribosomes"
        if not hardware.has("translation", mechanism):
            refusals.append(Refusal("translation", mechanism, ("vms", index, "ribosomes", "pool")))
        pools[vm.id] = pool
        if vm.ribosomes.controller and pool == "host" and hardware.has("translation", "host_ribosomes"):
            refusals.append(Refusal("translation", "orthogonal_ribosomes", ("vms", index, "ribosomes", "controller")))
        wants = [("transcription", "phage_polymerase", ("vms", index, "transcription", "pool"))
                 if vm.transcription and vm.transcription.pool == "orthogonal" else None,
                 ("genetic_code", vm.genetic_code, ("vms", index, "genetic_code")) if vm.genetic_code else None,
                 ("compartment", vm.compartment.shell, ("vms", index, "compartment")) if vm.compartment else None]
        refusals += [Refusal(f, m, where) for f, m, where in filter(None, wants) if not hardware.has(f, m)]
    if policy.scheduler.groups and not hardware.has("translation", "orthogonal_ribosomes"):
        refusals.append(Refusal("translation", "orthogonal_ribosomes", ("scheduler", "groups")))
    if "gate" in policy.isolation.model_fields_set:
        gate = policy.isolation.gate
        refusals += [Refusal("gate", m, ("isolation", "gate")) for m in GATE_KEYS[gate] if not hardware.has("gate", m)]
    else:
        gate = GATE_OF[hardware.default("gate")]
    return Choice(pools, gate, tuple(refusals))


def default_pool(hardware: Hardware) -> str:
    """The ribosome pool (policy ``ribosomes.pool``) a VM takes when its policy names none."""
    return "orthogonal" if hardware.default("translation") == "orthogonal_ribosomes" else "host"


def host_gate(hardware: Hardware) -> str:
    """The gate of a VM on host ribosomes (it has no pool of its own to hold): the sRNA gate
    where the chassis offers it, else the transcription gate."""
    return "mrna" if hardware.has("gate", "srna_gate") else "transcription"

