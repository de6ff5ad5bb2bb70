"""The build contract: what a compiled build's ``outputs.json`` tells the runtime and the reports.

The back end writes it (:func:`bioxen.backend.compile.build_spec`, :func:`write_spec`); every
reader goes through :func:`read_spec` (or :meth:`BuildSpec.from_dict`), which checks the whole
file (pydantic: unknown keys refused, no text or true/false for a number) and names the key that
is missing or malformed. The JSON is stamped with ``SPEC_VERSION`` under ``SPEC_KEY``; a file
written by another version is refused with a request to recompile. Everything is frozen (mappings
are read-only views, lists are tuples): nothing changes a spec after it is written, and what
changes while a model runs (time, ribosome shares in force, inducers) lives in the runtime
session (:mod:`bioxen.runtime.session`).
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar, Union

from pydantic import (AfterValidator, BeforeValidator, ConfigDict, GetPydanticSchema, StrictFloat, StrictInt,
                      StrictStr, TypeAdapter, ValidationError, model_validator)
from pydantic.dataclasses import dataclass
from pydantic_core import PydanticCustomError

from bioxen.errors import Location, SimulationError
from bioxen.pools import PoolSizing

SPEC_KEY, SPEC_VERSION = "bioxen_build_spec", 1
SPEC_FILE = "outputs.json"
REBUILD = "recompile the policy with `bioxen compile POLICY -o DIR`"


# -- freezing ---------------------------------------------------------------------------------

def frozen(value):
    """JSON data (or a spec's part) made read-only: objects as mapping proxies, arrays as tuples."""
    if dataclasses.is_dataclass(value):
        value = _fields(value)
    if isinstance(value, Mapping):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value


def thawed(value):
    """The JSON form of :func:`frozen` data and of a spec's parts."""
    if isinstance(value, _Read):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        value = _fields(value)
    if isinstance(value, Mapping):
        return {k: thawed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thawed(v) for v in value]
    return value


def _fields(value) -> dict:
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


# -- the JSON's types ---------------------------------------------------------------------------

def _one_error(kind, handler):
    """A number is an int or a float: one "number_type" error, not one per member of the union."""
    return {**handler(kind), "custom_error_type": "number_type", "custom_error_message": "Input should be a number"}


Text, Whole = StrictStr, StrictInt
Number = Annotated[Union[StrictInt, StrictFloat], GetPydanticSchema(_one_error)]   # as written: 3 stays 3
Names = tuple[Text, ...]


Shape = TypeVar("Shape")
ReadOnly = Annotated[Shape, BeforeValidator(thawed), AfterValidator(frozen)]   # checked, kept read-only


SHAPE = ConfigDict(extra="forbid")
EXPECTED = {"missing": "it, but it is missing", "unexpected_keyword_argument": "no such key", "string_type": "text",
            "int_type": "a whole number", "number_type": "a number", "tuple_type": "a list of names",
            "dict_type": "an object", "dataclass_type": "an object", "none_required": "null"}


def _malformed(source: Path, where: str, error: dict) -> SimulationError:
    """outputs.json's pydantic ``error`` as the dotted key it is at (below ``where``) and what was
    expected there."""
    key = where
    for part in error["loc"] + tuple((error.get("ctx") or {}).get("at", ())):
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    return SimulationError(f"{source.name} is not a build's outputs: missing or malformed '{key or 'the whole file'}' "
                           f"(expected {EXPECTED.get(error['type'], error['msg'])})", Location(str(source)), REBUILD)


@cache
def _adapter(shape) -> TypeAdapter:
    return TypeAdapter(shape)


class _Read:
    """A part of the spec, read from its JSON form and written as it."""

    @classmethod
    def from_dict(cls, data, source: Path | str = SPEC_FILE, where: str = ""):
        """The part of a spec in ``data`` (its JSON form, found at key ``where`` of ``source``), checked whole."""
        try:
            return _adapter(cls).validate_python(data)
        except ValidationError as exc:
            raise _malformed(Path(source), where, exc.errors()[0]) from None

    def to_dict(self) -> dict:
        """The JSON form."""
        return {name: thawed(value) for name, value in _fields(self).items()}


# -- the spec -----------------------------------------------------------------------------------

@dataclass(frozen=True, config=SHAPE)
class VmSpec(_Read):
    """What to read out of the model for one VM (model quantity names), and its compiled settings."""

    protein_total: Text                          # observable ("" when the VM makes no protein)
    elongation_reactions: Names                  # every elongation of its mRNAs, each pool
    pool: Text                                   # "host" or its orthogonal pool ("o1", ...)
    srna: Text                                   # observable: free gate sRNA ("" without)
    protease: Text                               # observable: the VM's protease ("" without)
    ribosomes_translating: Text                  # observable: ribosomes on the VM's mRNAs
    protein_lengths_aa: ReadOnly[Mapping[Text, Number]]   # protein species -> length (aa)
    ribosome_share: Number                       # as compiled (the runtime keeps the share in force)
    orrna_transcription: Text                    # parameter of its pool's o-rRNA ("" on host ribosomes)
    species: ReadOnly[Mapping[Text, Whole]]      # its species -> ribosomes each holds (MIGRATE_VM)
    essential_protein: Text                      # observable ("" without)
    priority: Whole
    genetic_code: Text = "native"                # as compiled: native, recode, suppressor, amber, ncaa
    amber_sites: Whole = 0                       # UAG codons its genes carry (amber, ncaa)
    amber_suppression: Text = ""                 # expression: the chance a UAG is read ("" without)
    core_protein: Text = ""                      # observable: its core proteins under a boot sequence ("" without)
    polymerase: Text = ""                        # the RNA polymerase pool of its genes ("": none modelled)
    transcription_reactions: Names = ()          # every transcription of its genes and reporter (with a pool)
    encapsulated: Text = ""                      # observable: its proteins inside its shells ("" without)
    shell_units: Text = ""                       # observable: its shell units, loaded or free ("" without)
    max_leak: Number = 0.0                       # policy compartment.max_leak (0 without)


@dataclass(frozen=True, config=SHAPE)
class ControlEntry(_Read):
    """One timed command of the policy and the model parameters it sets; a SET_RESOURCE_LIMIT
    also carries every orthogonal VM's share after it."""

    at_min: Number
    command: Text
    vm: Text
    share: Number | None
    assignments: ReadOnly[Mapping[Text, Number]]
    ribosome_shares: ReadOnly[Mapping[Text, Number] | None] = None

    def to_dict(self) -> dict:
        entry = super().to_dict()
        if self.ribosome_shares is None:
            del entry["ribosome_shares"]
        return entry


@dataclass(frozen=True, config=SHAPE)
class CheckpointSpec(_Read):
    """A fluorescent checkpoint (policy ``checkpoints:``): the model quantity it watches, its
    threshold and direction ("above" or "below"), and its reporter's observable."""

    name: Text
    quantity: Text
    threshold: Number
    direction: Text
    reporter: Text

    @property
    def column(self) -> str:
        """The results-table column of the quantity it watches."""
        return f"checkpoint_{self.name}"

    @property
    def reporter_column(self) -> str:
        """The results-table column of its reporter's fluorescence."""
        return f"checkpoint_{self.name}_reporter"


@dataclass(frozen=True, config=SHAPE)
class RunPlan(_Read):
    """The policy's ``simulate:`` block: how long, how many points, which method, which seed."""

    until_min: Number
    points: Whole
    method: Text
    seed: Whole | None


@dataclass(frozen=True, config=SHAPE)
class Host:
    """The model quantities read for the host: its growth rate, its free ribosomes and its energy
    (:data:`bioxen.rules.host.HOST_OUTPUTS`)."""

    growth_rate: Text
    ribosomes_free: Text
    energy: Text


@dataclass(frozen=True, config=SHAPE)
class Pools:
    """outputs.json's form of :class:`bioxen.pools.PoolSizing` (read as one)."""

    pools: ReadOnly[Mapping[Text, Text]]         # orthogonal VM id -> its pool
    host_rrna: Number
    saturation: Number


@dataclass(frozen=True, config=SHAPE)
class GeneAccount:
    """A hypervisor gene's elongation reactions (every pool), the species holding ribosomes on its
    mRNA (and how many) and its product species with their lengths (aa)."""

    elongation_reactions: Names
    translating: Mapping[Text, Number]
    proteins_aa: Mapping[Text, Number]
    length_aa: Number


@dataclass(frozen=True, config=SHAPE)
class CrosstalkVm:
    """A VM's elongations on other pools, its tagged protein, and the other VMs' proteolysis of its tag."""

    offtarget_elongations: Names
    tagged: Text
    foreign_proteolysis: Names


@dataclass(frozen=True, config=SHAPE)
class Crosstalk:
    """What simulated cross-contamination is read from: each VM's, and the host's elongations on
    orthogonal pools."""

    vms: Mapping[Text, CrosstalkVm]
    host_offtarget_elongations: Names


def _pool_sizing(pools: Pools | None) -> PoolSizing | None:
    return None if pools is None else PoolSizing(pools.pools, pools.host_rrna, pools.saturation)


@dataclass(frozen=True, config=SHAPE)
class BuildSpec(_Read):
    """A build's ``outputs.json`` (module docstring)."""

    host: ReadOnly[Host]                         # growth_rate, ribosomes_free, energy -> model quantity
    mass_aa: Number                              # the reference cell's protein mass M (aa)
    vms: Annotated[Mapping[Text, VmSpec], AfterValidator(MappingProxyType)]
    simulate: RunPlan
    # what sizes the orthogonal pools (SET_RESOURCE_LIMIT); a PoolSizing given is checked as its JSON form
    ribosome_pools: Annotated[Pools | None, BeforeValidator(thawed), AfterValidator(_pool_sizing)]
    control: tuple[ControlEntry, ...]            # the timed commands, in time order
    scheduler: Text
    clock: ReadOnly[Mapping[Text, object] | None] = None    # the round-robin ring as designed (None without)
    hypervisor: ReadOnly[Mapping[Text, GeneAccount] | None] = None  # gene -> reactions, translating, proteins
    crosstalk: ReadOnly[Crosstalk | None] = None            # what simulated cross-contamination is read from
    checkpoints: tuple[CheckpointSpec, ...] = ()            # the molecular debugger's checkpoints
    groups: tuple[tuple[Text, ...], ...] = ()               # two-level round robin: the groups taking turns
    group_quantum_min: Number | None = None                 # how long each group runs
    recombination: Literal["recA+", "recA-"] = "recA+"     # the chassis's, for the DNA's mutation rates

    @model_validator(mode="after")
    def _crosstalk_of_every_vm(self):
        missing = [vm for vm in self.vms if self.crosstalk is not None and vm not in self.crosstalk["vms"]]
        if missing:
            raise PydanticCustomError("bioxen_refused", "an object", {"at": ("crosstalk", "vms", missing[0])})
        return self

    def to_dict(self) -> dict:
        """The JSON form, stamped with the spec version."""
        return {SPEC_KEY: SPEC_VERSION, **super().to_dict()}

    @classmethod
    def from_dict(cls, data, source: Path | str = SPEC_FILE, where: str = "") -> "BuildSpec":
        """The spec in ``data`` (outputs.json's JSON object, read from ``source``), checked whole.

        A file stamped with another version is refused at once; an unstamped one is checked for
        shape first (a malformed file names its key) and then refused as written by an older bioxen.
        """
        version = data.get(SPEC_KEY) if isinstance(data, Mapping) else None
        if version is not None and (version != SPEC_VERSION or isinstance(version, bool)):
            raise _version(source, version)
        spec = super().from_dict({k: v for k, v in data.items() if k != SPEC_KEY} if isinstance(data, Mapping)
                                 else data, source, where)
        if version is None:
            raise _version(source, None)
        return spec


def _version(source: Path | str, found) -> SimulationError:
    written = "none" if found is None else f"{found!r:.40}"
    return SimulationError(f"{Path(source).name} is not a build's outputs: written by bioxen spec {written}; "
                           f"recompile (this bioxen reads spec {SPEC_VERSION})", Location(str(source)), REBUILD)


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
