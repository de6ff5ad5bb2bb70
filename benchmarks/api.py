"""The genomic virtualization API on a whole Syn3A VM, timed call by call in one process.

    BIOXEN_GENOME_PATH=../shared/genomes BIOXEN_DATA_PATH=../shared/data python benchmarks/api.py

Measures (wall seconds, one run, a cold build cache): create_bio_vm (policy -> compiled
network), a fresh cell (bngsim on model.net: the first one derives the Jacobian, later ones
clone it), run_operon (an hour of cell time), the checkpoint, the iMB155 flux balance, a
knockout (recompile), a division, and a 4-cell x 2-generation population on 2 Dask workers.
Writes benchmarks/api_results.json.
"""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("api_results.json")
CONFIG = {"genomic_virtualization": {"enabled": True, "genome_file": "CP016816.2", "execution_mode": "direct",
                                     "virtual_resources": {"atp_pool": 1000, "ribosome_count": 7000}}}


def main() -> None:
    os.environ["BIOXEN_CACHE_DIR"] = tempfile.mkdtemp(prefix="bioxen-bench-cache-")   # cold
    from bioxen.api import BioVM, GenomicVirtualizationManager, create_bio_vm
    from bioxen.runtime.cell import Cell

    times: dict[str, float] = {}

    @contextmanager
    def timed(name):
        start = time.perf_counter()
        yield
        times[name] = round(time.perf_counter() - start, 3)
        print(f"{name:45s} {times[name]:8.3f} s", flush=True)

    work = Path(tempfile.mkdtemp(prefix="bioxen-bench-api-"))
    with timed("create_bio_vm (compile the whole genome)"):
        vm = create_bio_vm("genomic_vm", "ecoli_mg1655", "basic", config=CONFIG, work_dir=work / "vm")
    with timed("first cell (derive the Jacobian)"):
        vm.context
    with timed("another cell (clone)"):
        Cell(vm.runtime.build_dir)
    with timed("run_operon, 1 h of cell time"):
        vm.execute_biological_process('run_operon(["dnaN", "rnmV", "ksgA"])')
    with timed("execute_cell_cycle_checkpoint"):
        vm.execute_biological_process("execute_cell_cycle_checkpoint()")
    with timed("run_metabolic_pathways (model load + FBA)"):
        vm.execute_biological_process("run_metabolic_pathways(glucose_available=True)")
    with timed("run_metabolic_pathways again (FBA)"):
        vm.execute_biological_process("run_metabolic_pathways(glucose_available=False)")
    mutant = BioVM.from_runtime(vm.runtime)
    with timed("knockout (recompile)"):
        mutant.knockout(["JCVISYN3A_0291"])
    manager = GenomicVirtualizationManager(work_dir=work / "manager")
    context = manager.create_cellular_context(vm.runtime)
    with timed("process_cell_division_event (grow + divide)"):
        manager.process_cell_division_event(context, np.random.default_rng(1))
    with timed("population 4 cells x 2 generations, 2 workers"):
        manager.run_population(vm.runtime, cells=4, generations=2, seed=1, workers=2)
    species = len(vm.context.cell.species)
    RESULTS.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "machine": platform.platform(),
                                   "cpus": os.cpu_count(), "species": species, "seconds": times}, indent=1))
    print(f"{species} species; written {RESULTS}")


if __name__ == "__main__":
    main()
