"""A VM's genomic-virtualization settings, as given to ``create_bio_vm``, mapped onto a policy.

Two spellings are accepted: the ``config={"genomic_virtualization": {...}}`` dict of
``create_bio_vm``, and a YAML file (or dict) in the layout of the configuration section of the
framework's founding document. Both become one :class:`VmSettings`, and that becomes a hypervisor
policy (:func:`policy_for`), which is compiled like any other: what a setting does is what the
policy key does. The mapping (docs/virtualization.md has it as a table):

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
(s)                                           half-life)
degradation_processing.protein_processing_    vms[0].kinetics.protein_half_life (half-life)
rate (s)
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

import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bioxen.errors import ConfigError, Location  # noqa: F401  (ConfigError: re-exported)
from bioxen.runtime.limits import is_finite

HOST_RIBOSOMES = 26_300     # E. coli at 40-min doubling: Bremer & Dennis 2008 (EcoSal), Table 3
VM_TYPES = ("basic",)
MODES = ("direct",)
SCHEDULERS = ("preemptive", "fair_share")
RESOLUTIONS = ("gene", "operon", "subsystem")
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


def _error(where: str, message: str, hint: str | None = None, source: str | None = None) -> ConfigError:
    return ConfigError(f"{where}: {message}", Location(source) if source else None, hint)


def _number(section: dict, key: str, where: str, source, low: float = 0.0, high: float | None = None):
    if key not in section or section[key] is None:
        return None
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _error(f"{where}.{key}", f"expected a number, got {value!r}", source=source)
    if not is_finite(value):
        raise _error(f"{where}.{key}", f"expected a finite number, got {value!r}", source=source)
    if not value > low or (high is not None and value > high):
        bound = f"above {low:g}" + (f" and at most {high:g}" if high is not None else "")
        raise _error(f"{where}.{key}", f"{value!r} is out of range (expected a number {bound})", source=source)
    return float(value)


def _only(section, allowed: tuple[str, ...], where: str, source) -> dict:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise _error(where, f"expected a mapping, got {type(section).__name__}", source=source)
    unknown = [k for k in section if k not in allowed]
    if unknown:
        raise _error(where, f"unknown setting(s) {', '.join(map(str, unknown))}",
                     f"allowed: {', '.join(allowed)}", source)
    return dict(section)


def _choice(value, allowed: tuple[str, ...], where: str, source) -> str:
    if value not in allowed:
        raise _error(where, f"{value!r} is not supported", f"expected one of: {', '.join(allowed)}", source)
    return value


def _resources(section: dict, where: str, source) -> tuple[float, float | None, tuple[str, ...]]:
    share = 0.2
    count = _number(section, "ribosome_count", where, source) or _number(section, "ribosome_allocation", where, source)
    if count is not None:
        share = count / HOST_RIBOSOMES
        if not share < 0.9:
            raise _error(f"{where}.ribosome_count", f"{count:g} ribosomes is {share:.0%} of an E. coli cell's "
                         f"{HOST_RIBOSOMES:,}; a VM may take at most 90% of them", source=source)
    pool = _number(section, "atp_pool", where, source) or _number(section, "atp_pool_size", where, source)
    metabolites = _only(section.get("virtual_metabolites"), tuple(NUTRIENTS), f"{where}.virtual_metabolites", source)
    absent = []
    for key, nutrient in NUTRIENTS.items():
        if key in metabolites and _number(metabolites, key, f"{where}.virtual_metabolites", source, low=-1e-300) == 0:
            absent.append(nutrient)
    return share, pool, tuple(absent)


def _kinetics(section: dict, where: str, source) -> dict:
    kinetics = {}
    rate = _number(section, "transcription_execution_rate", where, source, high=200)
    if rate is not None:
        kinetics["transcription_nt_per_s"] = rate
    rate = _number(section, "translation_execution_rate", where, source, high=50)
    if rate is not None:
        kinetics["translation_aa_per_s"] = rate
    degradation = _only(section.get("degradation_processing"), ("mrna_processing_rate", "protein_processing_rate"),
                        f"{where}.degradation_processing", source)
    for key, target in (("mrna_processing_rate", "mrna_half_life"), ("protein_processing_rate", "protein_half_life")):
        seconds = _number(degradation, key, f"{where}.degradation_processing", source)
        if seconds is not None:
            kinetics[target] = f"{seconds:g} s"
    return kinetics


def from_config(config: dict | None) -> VmSettings:
    """Settings from ``create_bio_vm``'s ``config`` dict (``{"genomic_virtualization": {...}}``)."""
    if not isinstance(config, dict) or "genomic_virtualization" not in config:
        raise ConfigError("create_bio_vm needs config={'genomic_virtualization': {...}} naming the genome",
                          hint="e.g. {'genomic_virtualization': {'enabled': True, 'genome_file': 'CP016816.2'}}")
    where = "genomic_virtualization"
    gv = _only(config["genomic_virtualization"], ("enabled", "genome_file", "execution_mode", "virtual_resources",
                                                  "execution_parameters", "resolution", "expression_table"),
               where, None)
    if gv.get("enabled", True) is not True:
        raise _error(f"{where}.enabled", "a BioXen VM always runs its genome; enabled must be true")
    _choice(gv.get("execution_mode", "direct"), MODES, f"{where}.execution_mode", None)
    resources = _only(gv.get("virtual_resources"), ("atp_pool", "ribosome_count", "atp_pool_size",
                                                    "ribosome_allocation", "virtual_metabolites"),
                      f"{where}.virtual_resources", None)
    parameters = _only(gv.get("execution_parameters"), ("transcription_execution_rate", "translation_execution_rate",
                                                        "degradation_processing"), f"{where}.execution_parameters", None)
    return _settings(gv, resources, parameters, where, None)


def from_yaml(source: str | Path | dict) -> VmSettings:
    """Settings from the YAML layout (a file, or its parsed ``genomic_virtualization`` mapping)."""
    path = None
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            tree = YAML(typ="safe").load(path.read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}", Location(str(path))) from exc
        except UnicodeDecodeError:
            raise ConfigError(f"{path} is not a YAML text file", Location(str(path))) from None
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}",
                              Location(str(path), mark.line + 1 if mark else None,
                                       mark.column + 1 if mark else None)) from exc
    else:
        tree = source
    where, origin = "genomic_virtualization", str(path) if path else None
    if not isinstance(tree, dict) or "genomic_virtualization" not in tree:
        raise _error(where, "missing", "the file's top-level key is genomic_virtualization:", origin)
    gv = _only(tree["genomic_virtualization"], ("execution_engine", "runtime_scheduler", "virtual_resources",
                                                "execution_parameters", "genome_file", "resolution",
                                                "expression_table"), where, origin)
    _choice(gv.get("execution_engine", "direct"), MODES, f"{where}.execution_engine", origin)
    scheduler = _choice(gv.get("runtime_scheduler", "fair_share"), SCHEDULERS, f"{where}.runtime_scheduler", origin)
    resources = _only(gv.get("virtual_resources"), ("atp_pool_size", "ribosome_allocation", "virtual_metabolites",
                                                    "atp_pool", "ribosome_count"), f"{where}.virtual_resources", origin)
    parameters = _only(gv.get("execution_parameters"), ("transcription_execution_rate", "translation_execution_rate",
                                                        "degradation_processing"), f"{where}.execution_parameters",
                       origin)
    return _settings(gv, resources, parameters, where, origin, scheduler)


def _settings(gv: dict, resources: dict, parameters: dict, where: str, source, scheduler="fair_share") -> VmSettings:
    genome = gv.get("genome_file")
    if not isinstance(genome, (str, Path)) or not str(genome).strip():
        raise _error(f"{where}.genome_file", "missing: the genome to run (a GenBank path or an NCBI accession)",
                     source=source)
    resolution = _choice(gv.get("resolution", "gene"), RESOLUTIONS, f"{where}.resolution", source)
    share, pool, absent = _resources(resources, f"{where}.virtual_resources", source)
    return VmSettings(str(genome), share, resolution, gv.get("expression_table"),
                      _kinetics(parameters, f"{where}.execution_parameters", source), pool, absent,
                      scheduler)


def vm_model_id(vm_id: str) -> str:
    """The VM's id in the model: letters and digits of ``vm_id`` (policy VM ids name species)."""
    if not isinstance(vm_id, str):
        raise ConfigError(f"vm_id must be a string, got {vm_id!r}")
    model_id = re.sub(r"[^A-Za-z0-9]", "", vm_id)[:32]
    if not model_id or not model_id[0].isalpha():
        raise ConfigError(f"vm_id {vm_id!r} needs a letter first (its letters and digits name the VM's species)")
    return model_id


def policy_for(vm_id: str, chassis: str, settings: VmSettings, genetic_code: str | None,
               knockouts=(), expression: dict[str, float] | None = None, pool: str = "orthogonal",
               external_nutrient: float | None = None) -> dict:
    """The hypervisor policy (a dict in the policy schema) that runs one VM with ``settings``:
    on its own orthogonal ribosome pool (``pool="host"``: on the host's ribosomes, no isolation
    of translation); ``external_nutrient`` overrides the chassis's (0: no carbon source)."""
    vm = {"id": vm_model_id(vm_id), "genome": settings.genome, "resolution": settings.resolution,
          "ribosomes": {"share": round(settings.ribosome_share, 6), "pool": pool}}
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
