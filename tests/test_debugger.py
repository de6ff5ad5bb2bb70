"""The molecular debugger (issue 21, item 5): fluorescent checkpoints compiled into the model and
the DNA, and run_until, breakpoints, watchpoints, step and a trace in the runtime and
`bioxen debug`."""
import numpy as np
import pytest
from Bio import SeqIO
from typer.testing import CliRunner

import bioxen
from bioxen.backend.compile import compile_design, write_build
from bioxen.cli import app
from bioxen.errors import CommandError, CompileError, PolicyError
from bioxen.frontend import read_design
from bioxen.runtime.debugger import checkpoint_trace
from bioxen.runtime.engines import simulate
from bioxen.runtime.simulate import read_build, simulate_build
from conftest import assert_same_columns, write_policy, write_synthetic_genbank

UNTIL, UP, LOW = 300.0, 20000.0, 8.0


def _policy(directory, checkpoints: str):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return write_policy(directory / "p.yaml", f"""schema_version: 1
vms:
  - {{id: vm1, genome: {genome.name}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
checkpoints:
{checkpoints}
simulate: {{until: {UNTIL:g} min, points: {int(UNTIL) + 1}}}
""")


CHECKPOINTS = f"""  - {{name: vm1_up, watch: vm1_protein_total, above: {UP:g}}}
  - {{name: energy_low, watch: energy, below: {LOW:g}}}"""


@pytest.fixture(scope="module")
def debugged(tmp_path_factory):
    directory = tmp_path_factory.mktemp("debug")
    build = compile_design(read_design(_policy(directory, CHECKPOINTS)))
    out = write_build(build, directory / "build")
    return out, simulate_build(out, UNTIL, int(UNTIL) * 10 + 1)     # every 0.1 min


def _crossing(table, column, threshold):
    """The time the column first crosses the threshold, from a table every 0.1 min."""
    values, times = table[column].to_numpy(), table["time_min"].to_numpy()
    above = values > threshold if values[0] < threshold else values < threshold
    i = int(np.argmax(above))
    return float(np.interp(threshold, *(((values[i - 1], values[i]), (times[i - 1], times[i]))
                                        if values[i] > values[i - 1] else
                                        ((values[i], values[i - 1]), (times[i], times[i - 1])))))


def test_checkpoints_fire_when_their_quantity_crosses(debugged):
    """On the policy's 1-min grid the trace times each checkpoint within 0.1 min of the crossing
    seen every 0.1 min; the reporter is dark before its checkpoint fires and lights after."""
    out, fine = debugged
    spec = read_build(out)[1]
    coarse = simulate_build(out, UNTIL, int(UNTIL) + 1)
    trace = {(e.kind, e.name): e.time_min for e in checkpoint_trace(coarse, spec.checkpoints)}
    up, low = _crossing(fine, "vm1_protein_total", UP), _crossing(fine, "energy", LOW)
    assert 0 < up < low < UNTIL
    assert trace[("checkpoint", "vm1_up")] == pytest.approx(up, abs=0.1)
    assert trace[("checkpoint", "energy_low")] == pytest.approx(low, abs=0.1)
    reporter = fine.set_index("time_min")["checkpoint_vm1_up_reporter"]
    assert reporter[: up - 20].max() < 0.01 * reporter.max()
    assert trace[("reporter", "vm1_up")] > up and reporter.iloc[-1] > 10 * reporter[:up].iloc[-1]


def test_run_until_breakpoint_watch_and_step(debugged):
    out, fine = debugged
    up, low = _crossing(fine, "vm1_protein_total", UP), _crossing(fine, "energy", LOW)
    hv = bioxen.Hypervisor.from_build(out, step=1.0)
    hv.run_until(f"vm1_protein_total > {UP:g}", limit="2 h")
    assert hv.stopped == "run_until" and up <= hv.time < up + 1
    hv.watch("vm1_translation_flux > 1e9", name="never")
    hv.breakpoint(f"energy < {LOW:g}", name="low")
    table = hv.run("4 h")
    assert hv.stopped == "low" and low <= hv.time < low + 1 and table["time_min"].iloc[-1] == hv.time
    before = hv.time
    hv.step()
    assert hv.time == before + 1
    kinds = {(e.kind, e.name): e.time_min for e in hv.trace}
    assert kinds[("run_until", "run_until")] == pytest.approx(up, abs=0.1)
    assert kinds[("checkpoint", "vm1_up")] == pytest.approx(up, abs=0.1)
    assert kinds[("breakpoint", "low")] == pytest.approx(low, abs=0.1)
    assert ("watchpoint", "never") not in kinds
    hv.clear("low")
    hv.run("30 min")
    assert hv.stopped is None          # a plain run stops on nothing
    with pytest.raises(CommandError, match="no breakpoint or watchpoint named 'low'"):
        hv.clear("low")


@pytest.mark.parametrize("condition, message", [
    ("energy <", "expected '<column> <op> <number>'"),
    ("__import__('os').system('true') > 1", "expected '<column> <op> <number>'"),
    ("enrgy < 5", "did you mean energy"),
    ("energy < 1e999", "must be finite"),
])
def test_conditions_are_parsed_never_evaluated(debugged, condition, message):
    hv = bioxen.Hypervisor.from_build(debugged[0])
    with pytest.raises(CommandError, match=message):
        hv.run_until(condition, limit="1 min")


def test_bioxen_debug_prints_the_trace(debugged):
    out = debugged[0]
    result = CliRunner().invoke(app, ["debug", str(out), "--watch", "vm1_translation_flux > 1000"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = [line.split("│") for line in result.output.splitlines() if line.startswith("│")]
    kinds = [row[2].strip() for row in rows if row[2].strip()]
    assert kinds.count("checkpoint") == 2 and kinds.count("watchpoint") == 1
    assert "event(s) in 300 min" in result.output


def test_the_checkpoint_reporters_are_in_the_dna(debugged):
    """Each checkpoint's reporter cassette is in hypervisor.gb, a fluorescent protein of its own colour."""
    records = list(SeqIO.parse(debugged[0] / "hypervisor.gb", "genbank"))
    cds = {f.qualifiers["locus_tag"][0]: f for r in records for f in r.features if f.type == "CDS"}
    own = {tag: str(f.qualifiers["translation"][0]) for tag, f in cds.items()}
    assert {"hv_checkpoint_vm1_up", "hv_checkpoint_energy_low"} <= set(own)
    assert len({own["hv_checkpoint_vm1_up"], own["hv_checkpoint_energy_low"]}) == 2
    notes = [" ".join(f.qualifiers.get("note", [])) for r in records for f in r.features
             if f.type == "promoter" and f.qualifiers.get("locus_tag") == ["hv_checkpoint_vm1_up"]]
    assert notes and "STAND-IN for a promoter sensing vm1_protein_total" in notes[0]


def test_bng2_matches_roadrunner_on_the_checkpoints(debugged):
    out = debugged[0]
    reference = simulate_build(out, UNTIL, int(UNTIL) + 1)
    table = simulate(out, UNTIL, int(UNTIL) + 1, engine="bng")
    assert_same_columns(table, reference, ("checkpoint_vm1_up", "checkpoint_vm1_up_reporter", "checkpoint_energy_low_reporter"), floor=1e-6)


@pytest.mark.parametrize("checkpoints, error, message", [
    ("  - {name: a, watch: energy, above: 5, below: 2}", PolicyError, "needs exactly one of `above` or `below`"),
    ("  - {name: a, watch: energy, above: 5}\n  - {name: a, watch: energy, below: 2}", PolicyError,
     "checkpoint names must be unique"),
    ("  - {name: a, watch: vm1_protein_totl, above: 5}", CompileError, "did you mean vm1_protein_total"),
])
def test_bad_checkpoints_are_refused(tmp_path, checkpoints, error, message):
    with pytest.raises(error, match=message):
        compile_design(read_design(_policy(tmp_path, checkpoints)))
