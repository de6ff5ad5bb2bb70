"""Parameter sweeps and stochastic ensembles of a policy on Dask (``bioxen sweep``).

    from bioxen.sweep import run_sweep

    sweep = run_sweep("models/policies/syn3a_subsystem_vm.yaml", ["vms.vm1.ribosomes.share=0.1:0.3:3"],
                      replicates=20, method="ssa", until="0.5 s", points=3, workers=2)
    sweep.summary.query("quantity == 'growth_rate_per_min'")   # mean, std, sem per grid point
    sweep.write("build/syn3a_subsystem_vm/sweep.parquet")      # and sweep_runs, sweep_summary

Modules, in the order a sweep runs: ``grid`` (``--set`` options, grid points, seeds),
``variants`` (each point's policy, validated and compiled), ``cluster`` (runs on Dask),
``tables`` (the tidy tables and their files) and ``driver`` (``run_sweep``).
"""
from bioxen.sweep.driver import SweepResult, run_sweep
from bioxen.sweep.grid import Setting, parse_setting, replicate_seed
from bioxen.sweep.tables import output_paths, write_tables

__all__ = ["Setting", "SweepResult", "output_paths", "parse_setting", "replicate_seed", "run_sweep", "write_tables"]
