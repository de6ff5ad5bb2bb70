"""A VM's genomic-virtualization settings, as given to ``create_bio_vm``, mapped onto a policy.

Two spellings are accepted: the ``config={"genomic_virtualization": {...}}`` dict of
``create_bio_vm`` (:class:`ApiSettings`), and a YAML file (or dict) in the layout of the
configuration section of the framework's founding document (:class:`DocumentSettings`). Both are
pydantic models like the policy schema's (unknown settings refused; the kinetics' ranges and
half-lives are the schema's own types); both become one :class:`VmSettings`, and that becomes a
hypervisor policy (:func:`policy_for`), which is compiled like any other: what a setting does is
what the policy key does. An error names the setting's path
(``genomic_virtualization.virtual_resources.ribosome_count``), what was expected and, in a file,
its line. The mapping (docs/virtualization.md has it as a table):

============================================ ================================================
setting                                      policy
============================================ ================================================
genome_file (path or NCBI accession)          vms[0].genome
virtual_resources.ribosome_count,             vms[0].ribosomes.share = count / 26,300, the
ribosome_allocation (ribosomes)               ribosomes of an E. coli cell doubling in 40 min
                                              (Bremer & Dennis 2008, Table 3); the VM gets its
                                              own orthogonal pool of that share
execution_parameters.transcription_           vms[0].kinetics.transcription_nt_per_s
execution_rate (nt/s)
execution_parameters.translation_             vms[0].kinetics.translation_aa_per_s
execution_rate (aa/s)
degradation_processing.mrna_processing_rate   vms[0].kinetics.mrna_half_life (read as a
(s, or a duration with a unit: "5 min")       half-life)
degradation_processing.protein_processing_    vms[0].kinetics.protein_half_life (half-life)
rate (s, or a duration)
resolution (gene, operon, subsystem)          vms[0].resolution (default gene)
expression_table                              vms[0].expression_table
knockouts, expression (set by the VM's        vms[0].knockouts, vms[0].expression
knockout and set_expression)
============================================ ================================================

Settings that are not model parameters, and say so rather than pretend:

- ``atp_pool`` / ``atp_pool_size``: the host's energy is one pool shared by the host and every
  VM (Weisse et al. 2015); a per-VM ATP reserve is not a genetic part. The value is checked
  (a positive number) and kept in the VM's settings; energy depletion of the shared pool is
  reported as a :class:`bioxen.api.conditions.ResourceDepletion`.
- ``virtual_metabolites``: ``glucose_concentration`` and ``phosphate_concentration`` (mM)
  open (> 0) or close (0) the glucose and phosphate exchanges of the VM's flux balance.
- ``execution_mode`` / ``execution_engine``: only ``"direct"`` (the compiled model runs).
- ``runtime_scheduler``: ``"preemptive"`` or ``"fair_share"``: one VM has nobody to preempt, so
  both compile to the fair-share scheduler.
- ``enabled`` must be true: a BioXen VM always runs its genome.
- ``vm_type``: ``"basic"``, a guest on its own orthogonal ribosome pool (the only kind).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic import Strict as NoCoercion

from bioxen.datafile import load_yaml, refuse_at, shown, yaml_location
from bioxen.errors import ConfigError, Diagnostic, at  # noqa: F401  (ConfigError: re-exported)
from bioxen.policy.schema import RESOLUTIONS, FileName, HalfLife, Strict, TranscriptionSpeed, TranslationSpeed
from bioxen.units import minutes

HOST_RIBOSOMES = 26_300     # E. coli at 40-min doubling: Bremer & Dennis 2008 (EcoSal), Table 3
MAX_SHARE = 0.9             # of the host's ribosomes one VM may take
VM_TYPES = ("basic",)
MODES = ("direct",)
SCHEDULERS = ("preemptive", "fair_share")
NUTRIENTS = {"glucose_concentration": "glucose", "phosphate_concentration": "phosphate"}


@dataclass(frozen=True)
class VmSettings:
    """Everything a VM's configuration says, checked, in the policy's terms."""

    genome: str
    ribosome_share: float = 0.2
    resolution: str = "gene"
    expression_table: str | None = None
    kinetics: dict = field(default_factory=dict)       # policy vms[].kinetics
    atp_pool: float | None = None                       # recorded (module docstring)
    absent_nutrients: tuple[str, ...] = ()              # of the flux balance
    scheduler: str = "fair_share"


# -- the settings' types: numbers as given (no True, no "5"), finite (the models' allow_inf_nan) --

Amount = Annotated[float, NoCoercion(), Field(gt=0)]              # molecules per cell
Concentration = Annotated[float, NoCoercion(), Field(ge=0)]       # mM; 0: the nutrient is absent


def _seconds(value):
    """The founding document gives half-lives as numbers of seconds: one becomes the duration
    text the policy reads (``300`` -> ``"300 s"``); a duration with a unit stays as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"expected a number of seconds above 0, got {value!r}")
    return f"{value!r} s"


def _genome_name(value):
    return str(value) if isinstance(value, Path) else value


def _not_blank(name: str) -> str:
    if not name.strip():
        raise ValueError("expected a GenBank path or an NCBI accession, got a blank name")
    return name


Seconds = Annotated[HalfLife, BeforeValidator(_seconds)]          # a half-life, in minutes once read
GenomeName = Annotated[FileName, BeforeValidator(_genome_name), AfterValidator(_not_blank)]


class VirtualMetabolites(Strict):
    glucose_concentration: Concentration | None = None
    phosphate_concentration: Concentration | None = None


class VirtualResources(Strict):
    ribosome_count: Amount | None = None
    ribosome_allocation: Amount | None = None        # the YAML layout's name for ribosome_count
    atp_pool: Amount | None = None
    atp_pool_size: Amount | None = None              # the YAML layout's name for atp_pool
    virtual_metabolites: VirtualMetabolites | None = None

    @model_validator(mode="after")
    def _a_vm_leaves_the_host_ribosomes(self):
        key = "ribosome_count" if self.ribosome_count is not None else "ribosome_allocation"
        count = getattr(self, key)
        if count is not None and not count / HOST_RIBOSOMES < MAX_SHARE:
            raise refuse_at(f"{count:g} ribosomes is {count / HOST_RIBOSOMES:.0%} of an E. coli cell's "
                            f"{HOST_RIBOSOMES:,}; a VM may take at most {MAX_SHARE:.0%} of them", key)
        return self

    def ribosome_share(self) -> float:
        count = self.ribosome_count if self.ribosome_count is not None else self.ribosome_allocation
        return 0.2 if count is None else count / HOST_RIBOSOMES

    def absent_nutrients(self) -> tuple[str, ...]:
        metabolites = self.virtual_metabolites or VirtualMetabolites()
        return tuple(nutrient for key, nutrient in NUTRIENTS.items() if getattr(metabolites, key) == 0)


class DegradationProcessing(Strict):
    mrna_processing_rate: Seconds | None = None       # -> kinetics.mrna_half_life
    protein_processing_rate: Seconds | None = None    # -> kinetics.protein_half_life


class ExecutionParameters(Strict):
    transcription_execution_rate: Annotated[TranscriptionSpeed, NoCoercion()] | None = None   # nt/s
    translation_execution_rate: Annotated[TranslationSpeed, NoCoercion()] | None = None       # aa/s
    degradation_processing: DegradationProcessing | None = None

    def kinetics(self) -> dict:
        """The policy's ``kinetics:`` of these settings (the mapping table above)."""
        degradation = self.degradation_processing or DegradationProcessing()
        kinetics = {"transcription_nt_per_s": self.transcription_execution_rate,
                    "translation_aa_per_s": self.translation_execution_rate,
                    "mrna_half_life": _duration_text(degradation.mrna_processing_rate),
                    "protein_half_life": _duration_text(degradation.protein_processing_rate)}
        return {key: value for key, value in kinetics.items() if value is not None}


def _duration_text(half_life: float | None) -> str | None:
    """A half-life (min) as policy text, in seconds as the configuration gave it when that text
    reads back as the same number, else exactly in minutes."""
    if half_life is None:
        return None
    text = f"{half_life * 60:g} s"
    return text if minutes(text) == half_life else f"{half_life!r} min"


class _GenomicVirtualization(Strict):
    genome_file: GenomeName = Field(description="the genome to run (a GenBank path or an NCBI accession)")
    resolution: Literal[RESOLUTIONS] = "gene"
    expression_table: FileName | None = None
    virtual_resources: VirtualResources | None = None
    execution_parameters: ExecutionParameters | None = None

    def settings(self, scheduler: str = "fair_share") -> VmSettings:
        resources = self.virtual_resources or VirtualResources()
        parameters = self.execution_parameters or ExecutionParameters()
        atp_pool = resources.atp_pool if resources.atp_pool is not None else resources.atp_pool_size
        return VmSettings(self.genome_file, resources.ribosome_share(), self.resolution, self.expression_table,
                          parameters.kinetics(), atp_pool, resources.absent_nutrients(), scheduler)


def _enabled(enabled: bool) -> bool:
    if enabled is not True:
        raise ValueError("a BioXen VM always runs its genome; enabled must be true")
    return enabled


class ApiSettings(_GenomicVirtualization):
    """``create_bio_vm``'s ``config["genomic_virtualization"]``."""

    enabled: Annotated[bool, NoCoercion(), AfterValidator(_enabled)] = True
    execution_mode: Literal[MODES] = "direct"


class DocumentSettings(_GenomicVirtualization):
    """``genomic_virtualization:`` of the founding document's configuration section."""

    execution_engine: Literal[MODES] = "direct"
    runtime_scheduler: Literal[SCHEDULERS] = "fair_share"

    def settings(self) -> VmSettings:
        return super().settings(self.runtime_scheduler)


class _ApiConfig(BaseModel):
    model_config = ConfigDict(frozen=True)          # other top-level keys are not BioXen's
    genomic_virtualization: ApiSettings


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True)
    genomic_virtualization: DocumentSettings = Field(description="the section that holds the VM's settings")


# -- errors: the setting's path, what was expected, and for a file its line --------------------

def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The settings model at ``loc`` below ``model`` (None: not a model)."""
    for key in loc:
        found = model.model_fields.get(key) if isinstance(key, str) else None
        if found is None:
            return None
        kinds = (found.annotation, *get_args(found.annotation))
        model = next((k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)), None)
        if model is None:
            return None
    return model


def _explain(error: dict, loc: tuple, root: type[BaseModel]) -> tuple[str, str | None]:
    """(message, hint) of one pydantic error at ``loc`` below ``root``, naming the setting by its
    dotted path."""
    setting, kind, value = ".".join(map(str, loc)), error["type"], error.get("input")
    said = error["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    parent = _model_at(root, loc[:-1])
    if kind == "extra_forbidden":
        allowed = ", ".join(parent.model_fields) if parent else None
        return f"{'.'.join(map(str, loc[:-1]))}: unknown setting '{loc[-1]}'", allowed and f"allowed: {allowed}"
    if kind == "missing":
        described = parent.model_fields[loc[-1]].description if parent and loc[-1] in parent.model_fields else None
        return f"{setting}: missing" + (f": {described}" if described else ""), None
    if kind == "literal_error":
        return f"{setting}: {shown(value)} is not supported", f"expected one of: {error['ctx']['expected']}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{setting}: {shown(value)} is out of range (expected a number {said})", None
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{setting}: expected a mapping, got {type(value).__name__}", None
    if kind == "finite_number" or kind.endswith(("_type", "_parsing")):
        return f"{setting}: expected {said}, got {shown(value)}", None
    return f"{setting}: {said}", None


def _validated(model: type[BaseModel], tree, path: Path | None):
    """``model`` of ``tree``, or ConfigError listing every bad setting (at its line in ``path``)."""
    try:
        return model.model_validate(tree)
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"]) + tuple((error.get("ctx") or {}).get("at", ()))
            where = yaml_location(path, tree, loc, key_itself=error["type"] == "extra_forbidden") if path else None
            message, hint = _explain(error, loc, model)
            errors.append(Diagnostic(message, where, hint))
        raise ConfigError.collected(errors) from None


def from_config(config: dict | None) -> VmSettings:
    """Settings from ``create_bio_vm``'s ``config`` dict (``{"genomic_virtualization": {...}}``)."""
    if not isinstance(config, dict) or "genomic_virtualization" not in config:
        raise ConfigError("create_bio_vm needs config={'genomic_virtualization': {...}} naming the genome",
                          hint="e.g. {'genomic_virtualization': {'enabled': True, 'genome_file': 'CP016816.2'}}")
    return _validated(_ApiConfig, config, None).genomic_virtualization.settings()


def from_yaml(source: str | Path | dict) -> VmSettings:
    """Settings from the YAML layout (a file, or its parsed ``genomic_virtualization`` mapping)."""
    path = None
    if isinstance(source, (str, Path)):
        path = Path(source)
        source = load_yaml(path, ConfigError, "configuration")[0]
    if not isinstance(source, dict):
        raise ConfigError("a configuration is a mapping whose key genomic_virtualization: holds the VM's settings",
                          at(path, 1, 1) if path else None)
    return _validated(_Document, source, path).genomic_virtualization.settings()


def vm_model_id(vm_id: str) -> str:
    """The VM's id in the model: letters and digits of ``vm_id`` (policy VM ids name species)."""
    if not isinstance(vm_id, str):
        raise ConfigError(f"vm_id must be a string, got {vm_id!r}")
    model_id = re.sub(r"[^A-Za-z0-9]", "", vm_id)[:32]
    if not model_id or not model_id[0].isalpha():
        raise ConfigError(f"vm_id {vm_id!r} needs a letter first (its letters and digits name the VM's species)")
    return model_id


def policy_for(vm_id: str, chassis: str, settings: VmSettings, genetic_code: str | None,
               knockouts=(), expression: dict[str, float] | None = None, pool: str | None = "orthogonal",
               external_nutrient: float | None = None) -> dict:
    """The hypervisor policy (a dict in the policy schema) that runs one VM with ``settings``:
    on its own orthogonal ribosome pool (``pool="host"``: on the host's ribosomes, no isolation
    of translation; None: the chassis's default); ``external_nutrient`` overrides the chassis's (0: no
    carbon source)."""
    vm = {"id": vm_model_id(vm_id), "genome": settings.genome, "resolution": settings.resolution,
          "ribosomes": {"share": round(settings.ribosome_share, 6), **({"pool": pool} if pool else {})}}
    if settings.expression_table:
        vm["expression_table"] = settings.expression_table
    if genetic_code:
        vm["genetic_code"] = genetic_code
    if settings.kinetics:
        vm["kinetics"] = dict(settings.kinetics)
    if knockouts:
        vm["knockouts"] = list(knockouts)
    if expression:
        vm["expression"] = dict(expression)
    return {"schema_version": 1, "name": re.sub(r"[^A-Za-z0-9_.-]", "_", vm_id),
            "description": f"BioXen VM {vm_id} (create_bio_vm)",
            "host": {"chassis": chassis, **({} if external_nutrient is None else {"external_nutrient": external_nutrient})},
            "vms": [vm], "scheduler": {"policy": "fair_share"}}
