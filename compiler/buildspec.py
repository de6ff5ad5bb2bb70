"""The build contract: what a compiled build's ``outputs.json`` tells the runtime and the reports.

The back end writes it (:func:`bioxen.backend.compile.build_spec`, :func:`write_spec`); every
reader goes through :func:`read_spec` (or :meth:`BuildSpec.from_dict`), which checks the whole
file and names the key that is missing or malformed. The JSON is stamped with ``SPEC_VERSION``
under ``SPEC_KEY``; a file written by another version is refused with a request to recompile.
Everything is frozen (mappings are read-only views, lists are tuples): nothing changes a spec
after it is written, and what changes while a model runs (time, ribosome shares in force,
inducers) lives in the runtime session (:mod:`bioxen.runtime.session`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from bioxen.errors import Location, SimulationError
from bioxen.pools import PoolSizing

SPEC_KEY, SPEC_VERSION = "bioxen_build_spec", 1
SPEC_FILE = "outputs.json"
REBUILD = "recompile the policy with `bioxen compile POLICY -o DIR`"
HOST_QUANTITIES = ("growth_rate", "ribosomes_free", "energy")


@dataclass(frozen=True)
class VmSpec:
    """What to read out of the model for one VM (model quantity names), and its compiled settings."""

    protein_total: str                          # observable ("" when the VM makes no protein)
    elongation_reactions: tuple[str, ...]       # every elongation of its mRNAs, each pool
    pool: str                                   # "host" or its orthogonal pool ("o1", ...)
    srna: str                                   # observable: free gate sRNA ("" without)
    protease: str                               # observable: the VM's protease ("" without)
    ribosomes_translating: str                  # observable: ribosomes on the VM's mRNAs
    protein_lengths_aa: Mapping[str, float]     # protein species -> length (aa)
    ribosome_share: float                       # as compiled (the runtime keeps the share in force)
    orrna_transcription: str                    # parameter of its pool's o-rRNA ("" on host ribosomes)
    species: Mapping[str, int]                  # its species -> ribosomes each holds (MIGRATE_VM)
    essential_protein: str                      # observable ("" without)
    priority: int

    def to_dict(self) -> dict:
        return {"protein_total": self.protein_total, "elongation_reactions": list(self.elongation_reactions),
                "pool": self.pool, "srna": self.srna, "protease": self.protease,
                "ribosomes_translating": self.ribosomes_translating,
                "protein_lengths_aa": dict(self.protein_lengths_aa), "ribosome_share": self.ribosome_share,
                "orrna_transcription": self.orrna_transcription, "species": dict(self.species),
                "essential_protein": self.essential_protein, "priority": self.priority}

    @classmethod
    def from_dict(cls, data, source: Path | str = SPEC_FILE, where: str = "vm") -> "VmSpec":
        read = _Reader(source)
        data = read.mapping(data, where)
        return cls(read.text(data, f"{where}.protein_total"),
                   read.texts(data, f"{where}.elongation_reactions"), read.text(data, f"{where}.pool"),
                   read.text(data, f"{where}.srna"), read.text(data, f"{where}.protease"),
                   read.text(data, f"{where}.ribosomes_translating"),
                   read.numbers(data, f"{where}.protein_lengths_aa"), read.number(data, f"{where}.ribosome_share"),
                   read.text(data, f"{where}.orrna_transcription"),
                   read.numbers(data, f"{where}.species", whole=True), read.text(data, f"{where}.essential_protein"),
                   read.whole(data, f"{where}.priority"))


@dataclass(frozen=True)
class ControlEntry:
    """One timed command of the policy and the model parameters it sets; a SET_RESOURCE_LIMIT
    also carries every orthogonal VM's share after it."""

    at_min: float
    command: str
    vm: str
    share: float | None
    assignments: Mapping[str, float]
    ribosome_shares: Mapping[str, float] | None = None

    def to_dict(self) -> dict:
        entry = {"at_min": self.at_min, "command": self.command, "vm": self.vm, "share": self.share,
                 "assignments": dict(self.assignments)}
        if self.ribosome_shares is not None:
            entry["ribosome_shares"] = dict(self.ribosome_shares)
        return entry

    @classmethod
    def from_dict(cls, data, source: Path | str = SPEC_FILE, where: str = "control[]") -> "ControlEntry":
        read = _Reader(source)
        data = read.mapping(data, where)
        shares = data.get("ribosome_shares")
        return cls(read.number(data, f"{where}.at_min"), read.text(data, f"{where}.command"),
                   read.text(data, f"{where}.vm"),
                   None if data.get("share") is None else read.number(data, f"{where}.share"),
                   read.numbers(data, f"{where}.assignments"),
                   None if shares is None else read.numbers(data, f"{where}.ribosome_shares"))


@dataclass(frozen=True)
class RunPlan:
    """The policy's ``simulate:`` block: how long, how many points, which method, which seed."""

    until_min: float
    points: int
    method: str
    seed: int | None

    def to_dict(self) -> dict:
        return {"until_min": self.until_min, "points": self.points, "method": self.method, "seed": self.seed}


@dataclass(frozen=True)
class BuildSpec:
    """A build's ``outputs.json`` (module docstring)."""

    host: Mapping[str, str]                  # growth_rate, ribosomes_free, energy -> model quantity
    mass_aa: float                           # the reference cell's protein mass M (aa)
    vms: Mapping[str, VmSpec]
    simulate: RunPlan
    ribosome_pools: PoolSizing | None        # what sizes the orthogonal pools (SET_RESOURCE_LIMIT)
    control: tuple[ControlEntry, ...]        # the timed commands, in time order
    scheduler: str
    clock: Mapping | None = None             # the round-robin ring as designed (None without)
    hypervisor: Mapping[str, Mapping] | None = None   # gene -> its reactions, translating species, proteins
    crosstalk: Mapping | None = None         # what simulated cross-contamination is read from

    def to_dict(self) -> dict:
        """The JSON form (today's outputs.json shape, stamped with the spec version)."""
        pools = self.ribosome_pools
        return {SPEC_KEY: SPEC_VERSION, "host": dict(self.host), "mass_aa": self.mass_aa,
                "vms": {vm: spec.to_dict() for vm, spec in self.vms.items()},
                "simulate": self.simulate.to_dict(),
                "ribosome_pools": None if pools is None else {"pools": dict(pools.pools), "host_rrna": pools.host_rrna,
                                                              "saturation": pools.saturation},
                "control": [entry.to_dict() for entry in self.control], "scheduler": self.scheduler,
                "clock": thawed(self.clock), "hypervisor": thawed(self.hypervisor),
                "crosstalk": thawed(self.crosstalk)}

    @classmethod
    def from_dict(cls, data, source: Path | str = SPEC_FILE) -> "BuildSpec":
        """The spec in ``data`` (outputs.json's JSON object, read from ``source``), checked whole.

        A file stamped with another version is refused at once; an unstamped one is checked for
        shape first (a malformed file names its key) and then refused as written by an older bioxen.
        """
        read = _Reader(source)
        data = read.mapping(data, "")
        version = data.get(SPEC_KEY)
        if version is not None and (version != SPEC_VERSION or isinstance(version, bool)):
            raise read.version(version)
        spec = cls(read.host(data), read.number(data, "mass_aa"),
                   MappingProxyType({vm: VmSpec.from_dict(v, source, f"vms.{vm}")
                                     for vm, v in read.mapping(data.get("vms"), "vms").items()}),
                   read.plan(data), read.pools(data),
                   tuple(ControlEntry.from_dict(entry, source, f"control[{i}]")
                         for i, entry in enumerate(read.sequence(data, "control"))),
                   read.text(data, "scheduler"), read.optional(data, "clock"), read.hypervisor(data),
                   read.crosstalk(data))
        read.crosstalk_covers(spec)
        if version is None:
            raise read.version(None)
        return spec


def coerce(spec: BuildSpec | Mapping, source: Path | str = SPEC_FILE) -> BuildSpec:
    """``spec`` itself, or the spec in a JSON object of outputs.json's form (as :func:`read_spec` reads it)."""
    return spec if isinstance(spec, BuildSpec) else BuildSpec.from_dict(spec, source)


def write_spec(spec: BuildSpec, directory: Path) -> Path:
    """``directory/outputs.json``."""
    path = Path(directory) / SPEC_FILE
    path.write_text(json.dumps(spec.to_dict(), indent=1), encoding="utf-8")
    return path


def read_spec(directory: Path) -> BuildSpec:
    """A build directory's outputs.json, checked whole, or an error naming the file and the key."""
    path = Path(directory) / SPEC_FILE
    return BuildSpec.from_dict(read_json(path), path)


def read_text(path: Path, what: str = "") -> str:
    """A build file's text, or an error naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimulationError(f"cannot read {path}: {exc.strerror or exc}", hint=REBUILD) from None
    except UnicodeDecodeError as exc:
        raise SimulationError(f"{path} is not text (byte {exc.start} is not UTF-8){what}", Location(str(path)),
                              REBUILD) from None


def read_json(path: Path) -> dict:
    """A build's JSON file as a dict, or an error naming the file and the spot."""
    text = read_text(path)
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SimulationError(f"{path.name} is not valid JSON: {exc.msg}", Location(str(path), exc.lineno, exc.colno),
                              REBUILD) from None
    except RecursionError:
        raise SimulationError(f"{path.name} is nested too deeply to read", Location(str(path)), REBUILD) from None
    if not isinstance(found, dict):
        raise SimulationError(f"{path.name} holds a JSON {type(found).__name__}, not an object", Location(str(path)),
                              REBUILD)
    return found


# -- freezing and checking ----------------------------------------------------------------------

def frozen(value):
    """JSON data made read-only: objects as mapping proxies, arrays as tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value


def thawed(value):
    """The JSON form of :func:`frozen` data."""
    if isinstance(value, Mapping):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed(v) for v in value]
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Reader:
    """Reads outputs.json's values by dotted key, each error naming the file and the key."""

    def __init__(self, source: Path | str):
        self.source = Path(source)

    def wrong(self, key: str, expected: str) -> SimulationError:
        return SimulationError(f"{self.source.name} is not a build's outputs: missing or malformed '{key}' "
                               f"(expected {expected})", Location(str(self.source)), REBUILD)

    def version(self, found) -> SimulationError:
        written = "none" if found is None else f"{found!r:.40}"
        return SimulationError(f"{self.source.name} is not a build's outputs: written by bioxen spec {written}; "
                               f"recompile (this bioxen reads spec {SPEC_VERSION})", Location(str(self.source)),
                               REBUILD)

    def _value(self, data, key: str):
        return data.get(key.rsplit(".", 1)[-1]) if isinstance(data, Mapping) else None

    def mapping(self, value, key: str) -> Mapping:
        """``value`` itself (found at ``key``), which must be a JSON object."""
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise self.wrong(key or "the whole file", "an object")
        return value

    def text(self, data, key: str) -> str:
        value = self._value(data, key)
        if not isinstance(value, str):
            raise self.wrong(key, "text")
        return value

    def number(self, data, key: str) -> float:
        value = self._value(data, key)
        if not _is_number(value):
            raise self.wrong(key, "a number")
        return value

    def whole(self, data, key: str) -> int:
        value = self._value(data, key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.wrong(key, "a whole number")
        return value

    def sequence(self, data, key: str) -> list:
        value = self._value(data, key)
        if not isinstance(value, list):
            raise self.wrong(key, "a list")
        return value

    def texts(self, data, key: str) -> tuple[str, ...]:
        value = self._value(data, key)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise self.wrong(key, "a list of names")
        return tuple(value)

    def numbers(self, data, key: str, whole: bool = False) -> Mapping[str, float]:
        value = self._value(data, key)
        good = (lambda v: isinstance(v, int) and not isinstance(v, bool)) if whole else _is_number
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and good(v) for k, v in value.items()):
            raise self.wrong(key, f"an object of {'whole numbers' if whole else 'numbers'} by name")
        return MappingProxyType(dict(value))

    def optional(self, data, key: str):
        value = data.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise self.wrong(key, "an object or null")
        return frozen(value)

    def host(self, data) -> Mapping[str, str]:
        host = data.get("host")
        if not isinstance(host, Mapping) or not all(isinstance(host.get(k), str) for k in HOST_QUANTITIES):
            raise self.wrong("host", "an object naming growth_rate, ribosomes_free and energy")
        return MappingProxyType(dict(host))

    def plan(self, data) -> RunPlan:
        plan = data.get("simulate")
        if not isinstance(plan, Mapping):
            raise self.wrong("simulate", "an object")
        seed = plan.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise self.wrong("simulate.seed", "a whole number or null")
        return RunPlan(self.number(plan, "simulate.until_min"), self.whole(plan, "simulate.points"),
                       self.text(plan, "simulate.method"), seed)

    def pools(self, data) -> PoolSizing | None:
        pools = data.get("ribosome_pools")
        if pools is None:
            return None
        if not isinstance(pools, Mapping) or not isinstance(pools.get("pools"), Mapping) \
                or not all(isinstance(p, str) for p in pools["pools"].values()):
            raise self.wrong("ribosome_pools.pools", "an object of pool names by VM")
        return PoolSizing(MappingProxyType(dict(pools["pools"])), self.number(pools, "ribosome_pools.host_rrna"),
                          self.number(pools, "ribosome_pools.saturation"))

    def hypervisor(self, data) -> Mapping[str, Mapping] | None:
        genes = data.get("hypervisor")
        if genes is None:
            return None
        if not isinstance(genes, Mapping):
            raise self.wrong("hypervisor", "an object of genes")
        for gene, account in genes.items():
            where = f"hypervisor.{gene}"
            if not isinstance(account, Mapping):
                raise self.wrong(where, "an object")
            self.texts(account, f"{where}.elongation_reactions")
            self.numbers(account, f"{where}.translating")
            self.numbers(account, f"{where}.proteins_aa")
            self.number(account, f"{where}.length_aa")
        return frozen(genes)

    def crosstalk(self, data) -> Mapping | None:
        cross = data.get("crosstalk")
        if cross is None:
            return None
        if not isinstance(cross, Mapping) or not isinstance(cross.get("vms"), Mapping):
            raise self.wrong("crosstalk.vms", "an object of VMs")
        self.texts(cross, "crosstalk.host_offtarget_elongations")
        for vm, parts in cross["vms"].items():
            where = f"crosstalk.vms.{vm}"
            if not isinstance(parts, Mapping):
                raise self.wrong(where, "an object")
            self.texts(parts, f"{where}.offtarget_elongations")
            self.texts(parts, f"{where}.foreign_proteolysis")
            self.text(parts, f"{where}.tagged")
        return frozen(cross)

    def crosstalk_covers(self, spec: BuildSpec) -> None:
        if spec.crosstalk is not None:
            for vm in spec.vms:
                if vm not in spec.crosstalk["vms"]:
                    raise self.wrong(f"crosstalk.vms.{vm}", "an object")
