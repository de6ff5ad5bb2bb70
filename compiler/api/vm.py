"""``create_bio_vm`` and the VM it makes: a genome compiled into a cell that runs programs.

    >>> vm = create_bio_vm("genomic_vm", "ecoli_mg1655", "basic", config={
    ...     "genomic_virtualization": {"enabled": True, "genome_file": "CP016816.2",
    ...                                "execution_mode": "direct",
    ...                                "virtual_resources": {"atp_pool": 1000, "ribosome_count": 7000}}})
    ...                                                                   # doctest: +SKIP
    >>> vm.execute_biological_process('run_operon(["dnaA", "dnaN"])').final()   # doctest: +SKIP

Every call runs the compiled model (:mod:`bioxen.api.processes`). Knockouts and expression
changes recompile the VM (:meth:`BioVM.knockout`, :meth:`BioVM.set_expression`) and restart its
cell from the chassis state.
"""
from __future__ import annotations

from pathlib import Path

from bioxen.api import processes
from bioxen.api.config import VM_TYPES, ConfigError, VmSettings, from_config, from_yaml
from bioxen.api.genomic import CellularContext, Environment, GenomicRuntime
from bioxen.runtime.limits import is_finite


class BioVM:
    """A VM running one genome (module docstring)."""

    def __init__(self, vm_id: str, chassis: str, settings: VmSettings, work_dir: str | Path | None = None):
        self.vm_id, self.chassis, self.settings = vm_id, chassis, settings
        self.runtime = GenomicRuntime(vm_id, chassis, settings, Path(work_dir) if work_dir else None)
        self._context: CellularContext | None = None

    @classmethod
    def from_runtime(cls, runtime: GenomicRuntime) -> "BioVM":
        """A VM on a runtime already compiled (e.g. by ``GenomicVirtualizationManager``)."""
        vm = cls.__new__(cls)
        vm.vm_id, vm.chassis, vm.settings, vm.runtime = runtime.name, runtime.chassis, runtime.settings, runtime
        vm._context = None
        return vm

    @property
    def context(self) -> CellularContext:
        """The VM's current cellular context (a fresh one at the chassis state if none yet)."""
        if self._context is None:
            self._context = CellularContext(self.runtime, Environment.from_settings(None, self.runtime.host))
        return self._context

    def execute_biological_process(self, program: str):
        """Run a program of the call language (parsed, never evaluated) in the VM's context.
        ``create_cellular_context(...)`` makes the new context the VM's own."""
        result = processes.execute(program, self.context)
        if isinstance(result, CellularContext):
            self._context = result
        return result

    # -- mutations -----------------------------------------------------------------------------
    def knockout(self, genes) -> None:
        """Delete genes (locus tags or names) from the VM's genome: recompiled (an expression factor
        they had goes with them); a gene the genome lacks is an error."""
        genes = [genes] if isinstance(genes, str) else list(genes)
        deleted = {self.runtime.gene(g).locus_tag for g in genes}        # an unknown gene is an error here
        expression = {g: f for g, f in self.runtime.expression.items() if self.runtime.gene(g).locus_tag not in deleted}
        self._mutate(knockouts=tuple(dict.fromkeys(self.runtime.knockouts + tuple(genes))), expression=expression)

    def set_expression(self, gene: str, factor: float) -> None:
        """Scale a gene's transcription by ``factor`` (> 0; 1 restores it): recompiled, and the flux
        balance caps the gene's reactions when factor < 1."""
        if not is_finite(factor) or not factor > 0:
            raise ConfigError(f"set_expression: factor must be a finite number above 0, got {factor!r}",
                              hint="use knockout() to delete a gene")
        if not isinstance(gene, str):
            raise ConfigError(f"set_expression: gene must be a locus tag or a gene name, got {gene!r}")
        self.runtime.gene(gene)                               # an unknown gene is an error here
        expression = dict(self.runtime.expression)
        expression.pop(gene, None)
        if factor != 1:
            expression[gene] = float(factor)
        self._mutate(expression=expression)

    def _mutate(self, **change) -> None:
        context = self._context
        runtime = (context.runtime if context else self.runtime).variant(**change)
        self.runtime = self.runtime.variant(**change)
        self._context = CellularContext(runtime, context.environment, context.isolation, context.method) \
            if context else None

    def status(self) -> dict:
        return self.context.status()

    def _repr_html_(self) -> str:
        """Jupyter's display: genome, settings and (once run) the cell's state."""
        from bioxen.display import vm_html
        return vm_html(self)


def create_bio_vm(vm_id: str, chassis: str = "ecoli_mg1655", vm_type: str = "basic", config=None,
                  work_dir: str | Path | None = None) -> BioVM:
    """A VM named ``vm_id`` on the host ``chassis`` running the genome ``config`` names.

    ``config``: ``{"genomic_virtualization": {...}}`` (enabled, genome_file, execution_mode,
    virtual_resources), or a path to (or the dict of) the YAML layout with execution_engine,
    runtime_scheduler, virtual_resources and execution_parameters plus genome_file; the mapping
    onto the policy is :mod:`bioxen.api.config`'s. ``work_dir`` holds the policy and the build
    (default: a new temporary directory)."""
    if vm_type not in VM_TYPES:
        raise ConfigError(f"vm_type {vm_type!r} is not supported", hint=f"expected one of: {', '.join(VM_TYPES)}")
    if isinstance(config, (str, Path)) or (isinstance(config, dict) and "genomic_virtualization" in config
                                          and ("execution_engine" in config["genomic_virtualization"]
                                               or "execution_parameters" in config["genomic_virtualization"]
                                               or "runtime_scheduler" in config["genomic_virtualization"])):
        settings = from_yaml(config)
    else:
        settings = from_config(config)
    return BioVM(vm_id, chassis, settings, work_dir)
