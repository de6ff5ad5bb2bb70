"""What a hypervisor design achieves, from a build and its simulated results table.

Measured over the second half of the run (``window``), unless said otherwise:

* hypervisor tax: the share of translating ribosomes, of translation (energy: one
  unit per amino acid) and of the proteome (aa) taken by the hypervisor's own
  genes (proteases, reporters, the ATP guard, the clock's repressors). Its RNAs
  (o-rRNA, gate sRNAs) are not translated and cost no energy in this host model.
* context switch: minutes from each PAUSE_VM to <10% of the VM's flux and from
  RESUME_VM back to 90% (:func:`bioxen.runtime.summary.context_switches`), and under
  round robin the mean time a VM's flux takes to rise from 10% to 90% of its swing.
* fairness: each VM's share of the VMs' translating ribosomes against its intended
  share (its policy share over the VMs' total; 1/N under round robin).
* isolation: the cross-talk matrix's on/off ratio per VM (1 - 1/ratio) and the
  simulated cross-contamination: proteins of the VM made on other pools or
  degraded by other VMs' proteases, per protein it makes.
* viability: the share of time points at which the VM translates at least 10% of its
  intended share of the translating ribosomes.
* growth: the host's growth rate and doubling time at the end; burden against the host
  alone when given.
* destroy (over the whole run): per DESTROY_VM, minutes until the VM's proteins fall below 1%
  of their level at the command, and from then to the end each other VM's proteins degraded
  by other VMs' proteases per protein it makes (:func:`after_destroy`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bioxen.buildspec import BuildSpec, coerce
from bioxen.commands import ncaa_parameter
from bioxen.errors import Location, SimulationError
from bioxen.runtime.summary import STARVED_SHARE, context_switches

DETAIL_COLUMN = "hypervisor_ribosomes_translating"   # results tables from before reports lack it
RESIMULATE = "delete it (the report then simulates the build again) or run `bioxen simulate DIR`"


def read_results(path: Path) -> pd.DataFrame | None:
    """A build's results.csv for a report: None if there is none, or if it is a results table
    from before reports (no detail columns; the report simulates again); an error naming the
    file if it is empty, not a table, or has no rows or non-numeric values."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise SimulationError(f"{path.name} is empty", Location(str(path)), RESIMULATE) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise SimulationError(f"{path.name} is not a results table ({(str(exc).splitlines() or [''])[0][:200]})",
                              Location(str(path)), RESIMULATE) from None
    except OSError as exc:
        raise SimulationError(f"cannot read {path}: {exc.strerror or exc}") from None
    if "time_min" not in table:
        raise SimulationError(f"{path.name} is not a results table (no time_min column)", Location(str(path)),
                              RESIMULATE)
    if DETAIL_COLUMN not in table:
        return None
    check_table(table, str(path.name))
    return table


def check_table(table: pd.DataFrame, source: str = "the results table", columns=()) -> None:
    """A results table a report can measure: rows, the columns named, numbers, time in order."""
    missing = [c for c in ("time_min", "doubling_time_min", "growth_rate_per_min", *columns) if c not in table]
    if missing:
        raise SimulationError(f"{source} lacks column(s) {', '.join(missing[:5])}"
                              + (f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""), hint=RESIMULATE)
    if table.empty:
        raise SimulationError(f"{source} has no rows", hint=RESIMULATE)
    wrong = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    if wrong:
        raise SimulationError(f"{source}: column(s) {', '.join(map(str, wrong[:5]))} hold values that are not "
                              "numbers", hint=RESIMULATE)
    time = table["time_min"].to_numpy(dtype=float)
    if not np.isfinite(time).all() or (np.diff(time) < 0).any():
        raise SimulationError(f"{source}: time_min must be finite and in order", hint=RESIMULATE)


def needed_columns(spec: BuildSpec) -> list[str]:
    """The results columns :func:`compute` reads for a build's outputs.json."""
    found = ["ribosomes_translating", "translation_aa_per_min", "hypervisor_ribosomes_translating",
             "hypervisor_translation_aa_per_min", "hypervisor_protein_aa"]
    for vm in spec.vms:
        found += [f"{vm}_{q}" for q in ("translation_flux", "ribosomes_translating", "offtarget_flux",
                                        "foreign_proteolysis")]
    return found


def _window(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["time_min"] >= table["time_min"].iloc[-1] / 2]


def _mean_ratio(part: pd.Series, whole: pd.Series) -> float:
    total = float(whole.sum())
    return float(part.sum()) / total if total > 0 else float("nan")


def hypervisor_tax(window: pd.DataFrame, mass_aa: float) -> dict:
    return {"ribosomes": _mean_ratio(window["hypervisor_ribosomes_translating"], window["ribosomes_translating"]),
            "energy": _mean_ratio(window["hypervisor_translation_aa_per_min"], window["translation_aa_per_min"]),
            "proteome": float(window["hypervisor_protein_aa"].mean() / mass_aa)}


def turn_switch_time(window: pd.DataFrame, vms) -> float | None:
    """Mean minutes a VM's translation flux takes to rise from 10% to 90% of its swing."""
    durations = []
    time = window["time_min"].to_numpy()
    for vm in vms:
        flux = window[f"{vm}_translation_flux"].to_numpy()
        low, high = flux.min(), flux.max()
        if high <= low * 1.5:
            continue
        level = (flux - low) / (high - low)
        start = None
        for i in range(1, len(level)):
            if level[i - 1] < 0.1 <= level[i]:
                start = time[i]
            elif start is not None and level[i - 1] < 0.9 <= level[i]:
                durations.append(time[i] - start)
                start = None
    return float(np.mean(durations)) if durations else None


def intended_shares(spec: BuildSpec) -> dict[str, float]:
    """Each VM's intended share of the VMs' translation: 1/N under round robin, else its
    ribosome share (after the run's last SET_RESOURCE_LIMIT) over the VMs' total."""
    vms = spec.vms
    if spec.scheduler == "round_robin" and spec.groups:   # each group 1/G, shared evenly within it
        return {vm: 1 / (len(spec.groups) * len(group)) for group in spec.groups for vm in group}
    if spec.scheduler == "round_robin":
        return {vm: 1 / len(vms) for vm in vms}
    shares = {vm: v.ribosome_share for vm, v in vms.items()}
    for entry in spec.control:   # in time order: the shares in force at the end
        shares.update(entry.ribosome_shares or {})
    total = sum(shares.values())
    return {vm: share / total for vm, share in shares.items()}


def fairness(window: pd.DataFrame, intended: dict[str, float]) -> dict:
    translating = {vm: float(window[f"{vm}_ribosomes_translating"].sum()) for vm in intended}
    total = sum(translating.values())
    achieved = {vm: t / total if total > 0 else float("nan") for vm, t in translating.items()}
    errors = {vm: achieved[vm] / intended[vm] - 1 for vm in intended}
    return {"achieved": achieved, "intended": intended, "error": errors,
            "max_abs_error": max((abs(e) for e in errors.values()), default=float("nan"))}


def levels(window: pd.DataFrame, spec: BuildSpec) -> dict | None:
    """Two-level round robin's fairness at each level (None without groups): the slow level, each
    group's share of the VMs' translating ribosomes over the window against 1/G; the fast level,
    within each group's turns (the rows where the group runs), each member's share of the group's
    against 1/|group|."""
    if not spec.groups:
        return None
    translating = {vm: window[f"{vm}_ribosomes_translating"] for vm in spec.vms}
    total = sum(float(t.sum()) for t in translating.values())
    slow = {"+".join(g): sum(float(translating[vm].sum()) for vm in g) / total for g in spec.groups}
    slow_errors = {g: share * len(spec.groups) - 1 for g, share in slow.items()}
    period = spec.group_quantum_min * len(spec.groups)
    time = window["time_min"].to_numpy()
    fast, fast_errors = {}, {}
    for k, group in enumerate(spec.groups):
        on = ((time % period) >= k * spec.group_quantum_min) & ((time % period) < (k + 1) * spec.group_quantum_min)
        sums = {vm: float(translating[vm][on].sum()) for vm in group}
        whole = sum(sums.values())
        for vm in group:
            fast[vm] = sums[vm] / whole if whole > 0 else float("nan")
            fast_errors[vm] = fast[vm] * len(group) - 1
    return {"slow": {"achieved": slow, "error": slow_errors,
                     "max_abs_error": max(abs(e) for e in slow_errors.values())},
            "fast": {"achieved": fast, "error": fast_errors,
                     "max_abs_error": max(abs(e) for e in fast_errors.values())}}


def isolation(window: pd.DataFrame, report: dict | None, vms) -> dict:
    matrix = {}
    if report:
        for vm, parts in report.get("vms", {}).items():
            ratio = parts.get("isolation_ratio")
            matrix[vm] = 1 - 1 / ratio if ratio else None
    simulated = {}
    for vm in vms:
        made = float(window[f"{vm}_translation_flux"].sum())
        wrong = float(window[f"{vm}_offtarget_flux"].sum() + window[f"{vm}_foreign_proteolysis"].sum())
        simulated[vm] = {"made_on_other_pools": float(window[f"{vm}_offtarget_flux"].sum()) / made if made else None,
                         "degraded_by_other_proteases":
                             float(window[f"{vm}_foreign_proteolysis"].sum()) / made if made else None,
                         "isolation": 1 - wrong / made if made else None}
    known = [v for v in matrix.values() if v is not None]
    sims = [v["isolation"] for v in simulated.values() if v["isolation"] is not None]
    return {"matrix": matrix, "simulated": simulated, "min_matrix": min(known) if known else None,
            "min_simulated": min(sims) if sims else None}


def viability(table: pd.DataFrame, intended: dict[str, float]) -> dict:
    total = sum(table[f"{vm}_ribosomes_translating"] for vm in intended)
    return {vm: float(((table[f"{vm}_ribosomes_translating"] / total.where(total > 0))
                       >= STARVED_SHARE * share).mean()) for vm, share in intended.items()}


CLEARED_BELOW = 0.01   # a destroyed VM is cleared once its proteins fall below 1% of their level at DESTROY


def after_destroy(table: pd.DataFrame, spec: BuildSpec) -> dict:
    """Per DESTROY_VM: minutes until the VM's proteins fall below 1% of their level at the
    command (``cleared_min``, None if never), and from then to the end of the run, each other
    VM's proteins degraded by other VMs' proteases per protein it makes (time integrals of
    ``<vm>_foreign_proteolysis`` over ``<vm>_translation_flux``; None if not cleared). The
    foreign column counts every other VM's protease, so this bounds the destroyed VM's
    protease's share from above (the others are uninduced: ~5e-5 of synthesis)."""
    found = {}
    for entry in spec.control:
        vm, at = entry.vm, entry.at_min
        if entry.command != "DESTROY_VM" or table["time_min"].iloc[-1] <= at:
            continue
        total = table[f"{vm}_protein_total"]
        level = float(total[table["time_min"] <= at].iloc[-1])
        cleared = table[(table["time_min"] >= at) & (total <= CLEARED_BELOW * level)]
        start = float(cleared["time_min"].iloc[0]) if len(cleared) else None
        after = table[table["time_min"] >= start] if start is not None else table.iloc[:0]

        def ratio(other: str) -> float | None:
            t, made = after["time_min"], after[f"{other}_translation_flux"]
            made = float(np.trapezoid(made, t)) if len(after) > 1 else 0.0
            return float(np.trapezoid(after[f"{other}_foreign_proteolysis"], t)) / made if made > 0 else None
        degraded = {other: ratio(other) for other in spec.vms if other != vm}
        known = [v for v in degraded.values() if v is not None]
        found[vm] = {"at_min": float(at), "protein_at_destroy": level,
                     "cleared_min": None if start is None else start - float(at),
                     "neighbour_degradation": degraded, "max_neighbour_degradation": max(known) if known else None}
    return found


STOPPED = 0.05    # an ncaa VM is stopped when its UAG read-through falls below this share of its level before


def genetic_code(table: pd.DataFrame, spec: BuildSpec) -> dict:
    """Per VM its genetic code; for amber and ncaa VMs the UAG codons its genes carry, the chance
    one is read (mean over the window and at the end) and, after each withdrawal of an ncaa VM's
    amino acid (SET_RESOURCE_LIMIT ncaa to 0), the minutes until that chance fell below
    :data:`STOPPED` of its level at the withdrawal (None if it did not within the run)."""
    window, found = _window(table), {}
    for vm, v in spec.vms.items():
        entry = {"code": v.genetic_code}
        column = f"{vm}_amber_suppression"
        if v.amber_suppression and column in table:
            series = table.set_index("time_min")[column]
            entry.update(amber_sites=v.amber_sites, suppression_mean=float(window[column].mean()),
                         suppression_end=float(series.iloc[-1]), withdrawals=[])
            for c in spec.control:
                if c.assignments.get(ncaa_parameter(vm)) == 0:
                    before = float(series[series.index <= c.at_min].iloc[-1])
                    after = series[(series.index > c.at_min) & (series < STOPPED * before)]
                    entry["withdrawals"].append({"at_min": c.at_min, "stopped_min":
                                                 float(after.index[0] - c.at_min) if len(after) else None})
        found[vm] = entry
    return found


def transcription(table: pd.DataFrame, spec: BuildSpec) -> dict:
    """Per VM whose genes draw on an RNA polymerase pool (policy transcription): the pool, its free
    and transcribing polymerase and the VM's transcription (mRNAs per minute), means over the
    window, and the least and most transcription over the whole run; {} when no pool is modelled."""
    window, found = _window(table), {}
    for vm, v in spec.vms.items():
        if not v.polymerase or f"{vm}_transcription_flux" not in table:
            continue
        found[vm] = {"polymerase": v.polymerase,
                     "free_mean": float(window[f"{vm}_polymerase_free"].mean()),
                     "transcribing_mean": float(window[f"{vm}_polymerase_transcribing"].mean()),
                     "flux_mean": float(window[f"{vm}_transcription_flux"].mean()),
                     "flux_min": float(table[f"{vm}_transcription_flux"].min()),
                     "flux_max": float(table[f"{vm}_transcription_flux"].max())}
    return found


def compartment(table: pd.DataFrame, spec: BuildSpec) -> dict:
    """Per VM with shells of its own (policy compartment): the share of its proteins left outside
    them (the leak; mean over the window, and the largest in it), the policy's bound and whether
    the leak stays under it, and its shell units (one cargo site each) per protein inside. A
    destroyed VM is read until its DESTROY_VM (after it nothing of it is left to hold)."""
    found = {}
    for vm, v in spec.vms.items():
        if not v.shell_units or f"{vm}_shell_units" not in table:
            continue
        destroyed = min((c.at_min for c in spec.control if c.command == "DESTROY_VM" and c.vm == vm), default=None)
        window = _window(table if destroyed is None else table[table["time_min"] < destroyed])
        total = window[f"{vm}_protein_total"]
        outside = (1 - window[f"{vm}_encapsulated"] / total.where(total > 0)).dropna()
        inside = float(window[f"{vm}_encapsulated"].mean())
        leak, worst = (float(outside.mean()), float(outside.max())) if len(outside) else (None, None)
        found[vm] = {"leak_mean": leak, "leak_max": worst, "max_leak": v.max_leak,
                     "within_bound": worst is not None and worst <= v.max_leak,
                     "encapsulated_mean": inside,
                     "shell_units_per_protein":
                         float(window[f"{vm}_shell_units"].mean()) / inside if inside > 0 else None}
    return found


HANDED_OFF = 0.9   # a VM's resource handoff is done when its core share has gone this far to its end value


def boot(table: pd.DataFrame, spec: BuildSpec) -> dict | None:
    """The boot sequence's phases as run (None without one): hypervisor initialisation until the
    first CREATE_VM (the host's growth at its start and end, and its change over the last 10 min:
    settled when under 1%), then per VM its allocation (CREATE_VM), core phase (until its BOOT_VM)
    and resource handoff: the minutes after BOOT_VM until the share of its proteins that are core
    proteins has gone :data:`HANDED_OFF` of the way from its value at BOOT_VM to its value at the
    end of the run."""
    entries = {(c.command, c.vm): c.at_min for c in spec.control if c.command in ("CREATE_VM", "BOOT_VM")}
    if not any(command == "BOOT_VM" for command, _ in entries):
        return None
    series = table.set_index("time_min")
    growth = series["growth_rate_per_min"]
    at = lambda column, t: float(column[column.index <= t].iloc[-1])  # noqa: E731
    start = min(t for (command, _), t in entries.items() if command == "CREATE_VM")
    found = {"initialise": {"from_min": 0.0, "to_min": start, "growth_start": at(growth, 0.0),
                            "growth_end": at(growth, start),
                            "growth_change_last_10_min": abs(at(growth, start) / at(growth, max(start - 10, 0)) - 1)},
             "vms": {}}
    found["initialise"]["settled"] = found["initialise"]["growth_change_last_10_min"] < 0.01
    for vm, v in spec.vms.items():
        created, booted = entries.get(("CREATE_VM", vm)), entries.get(("BOOT_VM", vm))
        if created is None or booted is None:
            continue
        entry = {"allocated_min": created, "booted_min": booted, "core_phase_min": booted - created,
                 "growth_at_allocation": at(growth, created), "growth_at_boot": at(growth, booted)}
        if v.core_protein and f"{vm}_core_protein" in series and v.protein_total:
            share = (series[f"{vm}_core_protein"] / series[f"{vm}_protein_total"].where(
                series[f"{vm}_protein_total"] > 0)).fillna(1.0)
            first, last = at(share, booted), float(share.iloc[-1])
            after = share[share.index >= booted]
            done = after[(after - last).abs() <= (1 - HANDED_OFF) * abs(first - last)]
            entry.update(core_share_at_boot=first, core_share_end=last,
                         handoff_min=float(done.index[0] - booted) if len(done) else None)
        found["vms"][vm] = entry
    return found


def compute(table: pd.DataFrame, spec: BuildSpec | dict, isolation_report: dict | None = None,
            host_alone_doubling: float | None = None) -> dict:
    """Every metric of one run (a JSON-ready dict); ``spec``: the build's, or outputs.json's JSON object."""
    spec = coerce(spec)
    check_table(table, columns=needed_columns(spec))
    window = _window(table)
    vms = list(spec.vms)
    intended = intended_shares(spec)
    switches = context_switches(table, spec.control)

    def mean_of(command):
        times = [s.minutes for s in switches if s.command == command and s.minutes is not None]
        return float(np.mean(times)) if times else None
    doubling = float(table["doubling_time_min"].iloc[-1])
    return {
        "window_min": [float(window["time_min"].iloc[0]), float(window["time_min"].iloc[-1])],
        "hypervisor_tax": hypervisor_tax(window, spec.mass_aa),
        "context_switch_min": {"pause": mean_of("PAUSE_VM"), "resume": mean_of("RESUME_VM"),
                               "round_robin_turn": turn_switch_time(window, vms)
                               if spec.scheduler == "round_robin" else None,
                               "each": [{"at_min": s.at, "command": s.command, "vm": s.vm, "minutes": s.minutes}
                                        for s in switches]},
        "fairness": {**fairness(window, intended), "levels": levels(window, spec)},
        "isolation": isolation(window, isolation_report, vms),
        "destroy": after_destroy(table, spec),
        "viability": viability(table, intended),
        "genetic_code": genetic_code(table, spec),
        "boot": boot(table, spec),
        "transcription": transcription(table, spec),
        "compartment": compartment(table, spec),
        "growth": {"rate_per_min": float(table["growth_rate_per_min"].iloc[-1]), "doubling_time_min": doubling,
                   "host_alone_doubling_time_min": host_alone_doubling,
                   "burden": doubling / host_alone_doubling - 1 if host_alone_doubling else None},
    }


def linear_fit(x, y) -> dict:
    """Slope, intercept and R² of a least-squares line (the scalability curve)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2:
        return {"slope": None, "intercept": None, "r2": None}
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (slope * x + intercept)
    spread = float(((y - y.mean()) ** 2).sum())
    return {"slope": float(slope), "intercept": float(intercept),
            "r2": 1 - float((residual ** 2).sum()) / spread if spread > 0 else 1.0}

