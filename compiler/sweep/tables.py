"""A sweep's three tidy tables, and how they are written.

``results``  one row per (run, time point): ``point`` (grid index), each swept parameter in a
             column named by its dotted path, ``replicate``, ``seed``, then the simulated
             columns of ``bioxen.runtime.simulate`` (``time_min``, ``growth_rate_per_min``,
             ``vm1_translation_flux``, ...).
``runs``     one row per run: the same keys, ``method`` and ``engine``, then every simulated
             column at the run's last time point (``time_min`` is that time).
``summary``  one row per (grid point, quantity): the keys of the point, ``quantity`` (a
             simulated column), ``n`` (runs), and ``mean``, ``std`` (sample, ddof 1; empty for a
             single run) and ``sem`` (std / sqrt(n)) of the runs' final values.

Files: ``NAME.parquet`` (pyarrow; the sweep's settings, seeds scheme and versions travel in
its pandas metadata as ``attrs``) or ``NAME.csv``, with ``NAME_runs`` and ``NAME_summary``
beside it. All three are written to hidden temporary files first and renamed into place
together, so a failed sweep leaves none of them.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from bioxen.errors import SimulationError
from bioxen.outdir import staged_files
from bioxen.progress import task as progress_task
from bioxen.sweep.cluster import Run
from bioxen.sweep.variants import GridPoint

SUFFIXES = (".parquet", ".csv")
RUN_COLUMNS = ("point", "replicate", "seed", "method", "engine")


def _swept_column(values: list) -> list:
    """A swept parameter's values as one column type: numbers, booleans or strings alone stay
    as they are; a mixture becomes strings (Parquet wants one type per column)."""
    kinds = {"bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else "text" for v in values}
    return [str(v) for v in values] if len(kinds) > 1 else values


def _keys(runs: list[Run], points: dict[int, GridPoint], paths: list[str]) -> pd.DataFrame:
    keys = pd.DataFrame({"point": [r.point for r in runs]})
    for path in paths:
        keys[path] = _swept_column([points[r.point].values[path] for r in runs])
    keys["replicate"] = [r.replicate for r in runs]
    keys["seed"] = [r.seed for r in runs]
    return keys


def results_and_runs(tables: dict[Run, pd.DataFrame], points: list[GridPoint],
                     paths: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``results`` and ``runs`` tables, in (point, replicate) order whatever order the runs
    finished in."""
    order = sorted(tables, key=lambda r: (r.point, r.replicate))
    by_index = {p.index: p for p in points}
    keys = _keys(order, by_index, paths)
    lengths = [len(tables[r]) for r in order]
    results = pd.concat([keys.loc[keys.index.repeat(lengths)].reset_index(drop=True),
                         pd.concat([tables[r] for r in order], ignore_index=True)], axis=1)
    finals = pd.concat([tables[r].iloc[[-1]] for r in order], ignore_index=True)
    runs = pd.concat([keys, pd.DataFrame({"method": [r.method for r in order], "engine": [r.engine for r in order]}),
                      finals], axis=1)
    return results, runs


def summary_table(runs: pd.DataFrame, paths: list[str]) -> pd.DataFrame:
    """Per grid point and quantity: n, mean, std and sem of the runs' final values."""
    quantities = [c for c in runs.columns if c not in (*RUN_COLUMNS, *paths, "time_min")]
    long = runs.melt(id_vars=["point"], value_vars=quantities, var_name="quantity")
    long["quantity"] = pd.Categorical(long["quantity"], categories=quantities)
    stats = long.groupby(["point", "quantity"], observed=True)["value"].agg(n="size", mean="mean", std="std")
    stats["sem"] = stats["std"] / stats["n"].map(math.sqrt)
    stats = stats.reset_index()
    stats["quantity"] = stats["quantity"].astype(str)
    point_keys = runs.drop_duplicates("point")[["point", *paths]]
    return point_keys.merge(stats, on="point", how="right")[["point", *paths, "quantity", "n", "mean", "std", "sem"]]


def output_paths(results: str | Path) -> dict[str, Path]:
    """Where the three tables go: ``results`` as given, the others beside it.

    >>> {k: str(v) for k, v in output_paths("out/sweep.parquet").items()}
    {'results': 'out/sweep.parquet', 'runs': 'out/sweep_runs.parquet', 'summary': 'out/sweep_summary.parquet'}
    """
    results = Path(results)
    if results.suffix not in SUFFIXES:
        raise SimulationError(f"cannot write sweep results to {results}: expected a .parquet or .csv file",
                              hint="e.g. -o results.parquet (pyarrow) or -o results.csv")
    return {"results": results, **{kind: results.with_name(f"{results.stem}_{kind}{results.suffix}")
                                   for kind in ("runs", "summary")}}


def _write(table: pd.DataFrame, path: Path, suffix: str) -> None:
    if suffix == ".parquet":
        table.to_parquet(path, engine="pyarrow", index=False)
    else:
        table.to_csv(path, index=False)


def write_tables(tables: dict[str, pd.DataFrame], results: str | Path) -> dict[str, Path]:
    """Write ``results``, ``runs`` and ``summary`` (see the module docstring) all or none."""
    paths = output_paths(results)
    with progress_task(f"writing {paths['results'].name} and the two tables beside it"), \
            staged_files(*paths.values()) as temporaries:
        for (kind, path), temporary in zip(paths.items(), temporaries):
            _write(tables[kind], temporary, path.suffix)
    return paths
