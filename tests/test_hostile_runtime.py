"""Hostile input to the runtime, the API and the sweep: every outcome is a result or a BioxenError.

Hypothesis throws mutated and random saved states at ``Hypervisor.load_state`` (a refused one
must change nothing) and deeply nested, huge, unicode and numerically extreme programs at the
call language (parsed and bound; the numeric ones also run on a small VM). Each example runs
under a time bound, and an audit hook records any file written, renamed or removed outside the
test's temporary directory. Then one test per problem measured in issue 15: a 100,000-point
sweep, 10,000 nested lists, 10,000 copies of a gene name, an SSA run over its budget, a solver
failure, corrupt build files, an empty results.csv, absurd durations and steps, and loading a
bad state atomically.
"""
from __future__ import annotations

import copy
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from bioxen.api import BioVM, GenomicVirtualizationManager, create_bio_vm
from bioxen.api.language import FUNCTIONS, MAX_NESTING, ProgramError, read_program
from bioxen.api.processes import MetabolicRun, OperonRun
from bioxen.api.runtime import CellularContext, Checkpoint
from bioxen.backend.compile import compile_design, write_build
from bioxen.cli import app
from bioxen.errors import BioxenError, CommandError, PolicyError, SimulationError
from bioxen.frontend import read_design
from bioxen.rules.control import inducer_name
from bioxen.runtime.hypervisor import Hypervisor
from conftest import write_policy, write_synthetic_genbank

runner = CliRunner()
EXAMPLE_SECONDS = 20            # no example may take longer (a hang fails, it does not stall the suite)


def _hostile(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


# -- guards: a time bound, and no file touched outside the test's temporary directory -------------

class _Writes:
    """Files written, created, renamed or removed while ``watching`` (an audit hook, installed once)."""

    watching = False
    allowed: tuple[Path, ...] = ()
    outside: list[tuple[str, str]] = []


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGES = {"os.remove", "os.rename", "os.replace", "os.mkdir", "os.rmdir", "shutil.rmtree", "os.truncate",
            "os.chmod", "os.symlink", "os.link"}


def _audit(event, args):
    if not _Writes.watching:
        return
    if event == "open":
        path, mode, flags = args
        writes = (mode is not None and any(c in str(mode) for c in "wax+")) or \
                 (mode is None and isinstance(flags, int) and flags & _WRITE_FLAGS)
        paths = [path] if writes else []
    elif event in _CHANGES:
        paths = [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
    else:
        return
    for path in paths:
        if isinstance(path, int):
            continue
        where = Path(os.path.abspath(os.fsdecode(path)))
        if not any(where.is_relative_to(root) for root in _Writes.allowed):
            _Writes.outside.append((event, str(where)))


sys.addaudithook(_audit)


@contextmanager
def _guarded(seconds: float = EXAMPLE_SECONDS):
    """Run the block under a wall-clock bound, recording writes outside the allowed roots."""
    def expired(*_):
        raise TimeoutError(f"an example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _Writes.watching = True
    try:
        yield
    finally:
        _Writes.watching = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not _Writes.outside, _Writes.outside[:5]


@pytest.fixture(scope="module", autouse=True)
def _temporary_files_stay_here(tmp_path_factory):
    """Temporary files (the runtime's captured solver output among them) go under the test's own
    temporary directory, which is the only place the guarded examples may write."""
    here = tmp_path_factory.mktemp("tempdir")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(here))
        _Writes.allowed = (tmp_path_factory.getbasetemp().resolve(),)
        yield


def test_the_guard_sees_a_write_outside_and_stops_a_hang():
    with pytest.raises(AssertionError, match="/not/the/test/directory"):
        with _guarded():
            _audit("open", ("/not/the/test/directory/file", "w", 0))
    _Writes.outside.clear()
    with pytest.raises(TimeoutError):
        with _guarded(0.2):
            time.sleep(5)


# -- one small design, built once --------------------------------------------------------------------

@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    """Two VMs of a synthetic genome on orthogonal pools (so pool sizing and shares exist)."""
    directory = tmp_path_factory.mktemp("hostile")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    policy = write_policy(directory / "p.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15, pool: orthogonal}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15, pool: orthogonal}}}}
simulate: {{until: 60 min, points: 61}}
""")
    return write_build(compile_design(read_design(policy)), directory / "build")


@pytest.fixture(scope="module")
def hypervisor(build) -> Hypervisor:
    hv = Hypervisor(build)
    hv.run(5)
    return hv


@pytest.fixture(scope="module")
def saved(hypervisor, tmp_path_factory) -> tuple[Path, dict]:
    path = hypervisor.save_state(tmp_path_factory.mktemp("state") / "base.json")
    return path, json.loads(path.read_text())


@pytest.fixture(scope="module")
def vm(tmp_path_factory) -> BioVM:
    directory = tmp_path_factory.mktemp("vm")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    runtime = GenomicVirtualizationManager(work_dir=directory).load_genome_runtime(str(genome), "hostile")
    return BioVM.from_runtime(runtime)


def _snapshot(hv: Hypervisor) -> tuple:
    """Everything a state file can change, and the history."""
    return (hv.time, tuple(hv._settable().items()), tuple(hv.rr.model.getFloatingSpeciesAmounts()),
            tuple(hv.ribosome_shares.items()), len(hv.history),
            hv.rr.model.getTime())


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# -- hostile state files -------------------------------------------------------------------------------

VALUES = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0, -1e-3, -1e-7, 0.0, -0.0, 0.5, 0.99, 1.0, 2.0, 1e12,
                     1e13, 1e300, -1e300, 10**400, -(10**400), True, False, None, "", "1.0", "nan", "NaN", [],
                     {}, [1.0], {"a": 1.0}, 2, 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=12),
)
SECTIONS = ("parameters", "species", "ribosome_shares")
TOP = ("bioxen_state", "build", "model_sha256", "time_min", *SECTIONS)


def _mutate(state: dict, data) -> dict:
    """One to three hostile edits of a saved state: a value replaced, a key deleted or added."""
    state = json.loads(json.dumps(state))
    for _ in range(data.draw(st.integers(1, 3))):
        operation = data.draw(st.sampled_from(["set", "set", "set", "delete", "add"]))
        section = data.draw(st.sampled_from(TOP + SECTIONS * 3))
        holder, key = state, section
        if section in SECTIONS and isinstance(state.get(section), dict) and state[section] \
                and data.draw(st.booleans() | st.just(True)):
            holder, key = state[section], data.draw(st.sampled_from(sorted(state[section])))
        if operation == "add":
            key = data.draw(st.text(min_size=1, max_size=12))
        if operation == "delete":
            holder.pop(key, None)
        else:     # a copy: VALUES hands out the same {} and [] each time, and an edit may reach into them
            holder[key] = copy.deepcopy(data.draw(VALUES))
    return state


def _one_load(hv: Hypervisor, base_path: Path, path: Path) -> str:
    """Load ``path``: accepted, or refused with nothing changed. Returns which."""
    before = _snapshot(hv)
    with _guarded():
        try:
            hv.load_state(path)
        except BioxenError as exc:
            assert isinstance(exc, CommandError) and exc.errors[0].message, exc
            assert "Traceback" not in str(exc)
            assert _snapshot(hv) == before, f"a refused state changed the hypervisor: {exc}"
            return "refused"
    hv.load_state(base_path)       # accepted (valid, if odd): back to the base for the next example
    return "accepted"


@pytest.mark.slow
def test_mutated_state_files_load_whole_or_change_nothing(hypervisor, saved, tmp_path, build):
    base_path, base = saved
    files = _files(build)
    outcomes = {"accepted": 0, "refused": 0}

    @_hostile(1500)
    @given(data=st.data())
    def load(data):
        path = tmp_path / "mutated.json"
        path.write_text(json.dumps(_mutate(base, data)))
        outcomes[_one_load(hypervisor, base_path, path)] += 1

    load()
    assert outcomes["refused"] > 1000 and sum(outcomes.values()) >= 1500, outcomes
    assert _files(build) == files


_JSON = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=12)


def _garbled(base_text: str):
    """The base state's text cut short, or with a stretch replaced by random text."""
    cut = st.integers(0, len(base_text)).map(lambda n: base_text[:n])
    spliced = st.tuples(st.integers(0, len(base_text)), st.integers(0, 40), st.text(max_size=40)).map(
        lambda t: base_text[:t[0]] + t[2] + base_text[t[0] + t[1]:])
    return cut | spliced


@pytest.mark.slow
def test_random_state_files_are_refused_and_change_nothing(hypervisor, saved, tmp_path):
    base_path, base = saved
    base_text = base_path.read_text()
    files = st.one_of(
        _JSON.map(lambda value: json.dumps(value).encode()),
        st.fixed_dictionaries({"bioxen_state": st.just(2), "model_sha256": st.just(base["model_sha256"])},
                              optional={k: _JSON for k in TOP if k not in ("bioxen_state", "model_sha256")}).map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=300),
        _garbled(base_text).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.integers(1, 100_000).map(lambda n: b"[" * n + b"]" * (n % 3)),
    )
    outcomes = {"accepted": 0, "refused": 0}

    @_hostile(500)
    @given(content=files)
    def load(content):
        path = tmp_path / "random.json"
        path.write_bytes(content)
        outcomes[_one_load(hypervisor, base_path, path)] += 1

    load()
    assert outcomes["refused"] >= 450 and sum(outcomes.values()) == 500, outcomes


def test_a_state_path_that_is_a_directory_or_missing_is_refused(hypervisor, tmp_path):
    before = _snapshot(hypervisor)
    for path in (tmp_path, tmp_path / "missing.json"):
        with pytest.raises(CommandError):
            hypervisor.load_state(path)
    assert _snapshot(hypervisor) == before


# -- hostile programs --------------------------------------------------------------------------------

CALLS = [*FUNCTIONS, "run_operon", "rün_operon", "__import__", "x"]


def _nested(kinds: list[str], leaf: str, unclosed: int, comment: bool) -> str:
    opening, closing = [], []
    for kind in kinds:
        opening.append("[" if kind == "[" else '{"k": ')
        closing.append("]" if kind == "[" else "}")
        if comment and len(opening) % 7 == 0:
            opening.append("  # a comment with [[[ {{{ in it\n")
    closing = closing[::-1][:max(len(closing) - unclosed, 0)]
    return "".join(opening) + leaf + "".join(closing)


_NESTED = st.builds(
    lambda call, kinds, leaf, unclosed, comment: f"{call}({_nested(kinds, leaf, unclosed, comment)})",
    st.sampled_from(CALLS),
    st.one_of(st.lists(st.sampled_from("[{"), max_size=2 * MAX_NESTING),
              st.tuples(st.sampled_from("[{"), st.integers(MAX_NESTING, 30_000)).map(lambda t: [t[0]] * t[1])),
    st.sampled_from(['"synA"', '"[[[[{{{{"', "'}}}]]]'", "1", "1e309", "null", "[]", "{}", '"\\"[["']),
    st.integers(0, 3) | st.just(0),
    st.booleans(),
)


def _program_outcome(program: str) -> str:
    with _guarded():
        try:
            function, arguments = read_program(program)
        except ProgramError as exc:
            assert exc.errors[0].message and "Traceback" not in str(exc)
            location = exc.errors[0].location
            assert location is None or (location.line >= 1 and location.column >= 1)
            assert len(str(exc)) < 2_000, "an error shows a window of the program, not all of it"
            return "error"
    assert function in FUNCTIONS and set(arguments) == {p.name for p in FUNCTIONS[function]}
    return "result"


@pytest.mark.slow
def test_deeply_nested_programs_are_refused_before_parsing():
    outcomes = {"result": 0, "error": 0}

    @_hostile(1000)
    @given(_NESTED)
    def parse(program):
        outcomes[_program_outcome(program)] += 1

    parse()
    assert outcomes["result"] > 0 and outcomes["error"] > 0 and sum(outcomes.values()) == 1000, outcomes


_ITEMS = ['"synA"', "1", "1e308", "-0.0", "null", "[]", '"é"', '"x"']


@pytest.mark.slow
def test_huge_lists_are_parsed_in_linear_time_or_refused():
    @_hostile(40)
    @given(st.sampled_from(_ITEMS), st.integers(0, 60_000))
    def parse(item, count):
        program = f"run_operon([{','.join([item] * count)}])"
        start = time.perf_counter()
        _program_outcome(program)
        assert time.perf_counter() - start < 5, f"{count} items took {time.perf_counter() - start:.1f} s"

    parse()


_TEXT = st.text(st.characters(blacklist_categories=()), max_size=200)
_UNICODE = st.one_of(
    _TEXT,
    _TEXT.map(lambda s: f'run_operon(["{s}"])'),
    _TEXT.map(lambda s: f"run_operon([{s}])"),
    _TEXT.map(lambda s: f"run_operon({s})"),
    _TEXT.map(lambda s: f'create_cellular_context({{"{s}": 1, "runtime_duration": 60}})'),
    st.tuples(st.sampled_from(CALLS), _TEXT).map(lambda t: f"{t[0]}({t[1]}"),
    st.lists(st.sampled_from(["\u2028", "\r", "\x0b", "\x0c", "\x85", "\ufeff", "\x00", "\ud800", "\U0010ffff",
                              "é", "ß", "İ", "\u200b", "‮", '"', "'", "\\", "#", "\n", "[", "{", ",", "(", ")",
                              "run_operon", "synA", "True", "None", ":", "="]), max_size=40).map("".join),
)


@pytest.mark.slow
def test_random_and_unicode_programs_end_in_a_call_or_a_program_error():
    outcomes = {"result": 0, "error": 0}

    @_hostile(1500)
    @given(_UNICODE)
    def parse(program):
        outcomes[_program_outcome(program)] += 1

    parse()
    assert outcomes["error"] > 1000 and sum(outcomes.values()) == 1500, outcomes


_NUMBER = st.one_of(
    st.sampled_from(["1e309", "-1e309", "1e-400", "5e-324", "4.9e-324", "2.2250738585072014e-308",
                     "1.7976931348623157e308", "0", "-0", "-0.0", "+0", "1e+99999", "9" * 4400, "9" * 401, "9" * 400,
                     ".5", "5.", "+1", "--1", "1e", "1e+", "0x1f", "1_000", "inf", "nan", "NaN", "Infinity", "-inf",
                     "864000", "864000.0000001", "1e-9", "1e-300", "60", "-60", "1e6", "2147483648", "-1"]),
    st.floats().map(repr),
    st.integers(-(10**30), 10**30).map(str),
)
_NUMERIC = st.one_of(
    _NUMBER.map(lambda n: f'run_operon(["synA"], duration={n})'),
    _NUMBER.map(lambda n: f'run_operon(["synA", "synB"], {n})'),
    _NUMBER.map(lambda n: f'run_operon([{n}])'),
    st.tuples(_NUMBER, _NUMBER).map(lambda t: f'create_cellular_context({{"runtime_duration": {t[0]}, '
                                              f'"seed": {t[1]}}})'),
    st.tuples(_NUMBER, _NUMBER).map(lambda t: f'create_cellular_context({{"runtime_duration": 1, '
                                              f'"environmental_context": {{"temperature": {t[0]}, "pH": {t[1]}}}}})'),
    _NUMBER.map(lambda n: f"run_metabolic_pathways(glucose_available={n})"),
    _NUMBER.map(lambda n: f'run_metabolic_pathways(conditions={{"nutrients": [{n}]}})'),
)


def test_extreme_numbers_in_programs_bind_or_are_program_errors():
    outcomes = {"result": 0, "error": 0}

    @_hostile(800)
    @given(_NUMERIC)
    def parse(program):
        outcomes[_program_outcome(program)] += 1

    parse()
    assert outcomes["result"] > 0 and outcomes["error"] > 0 and sum(outcomes.values()) == 800, outcomes


RESULTS = (OperonRun, MetabolicRun, Checkpoint, CellularContext)


def test_extreme_numbers_in_programs_run_or_are_clear_errors(vm):
    outcomes = {"result": 0, "error": 0}
    timed = _NUMERIC.filter(lambda p: "run_metabolic" not in p)     # flux balance: the API tests' job

    @_hostile(150)
    @given(timed)
    def run(program):
        with _guarded():
            try:
                result = vm.execute_biological_process(program)
            except BioxenError as exc:
                assert exc.errors[0].message and "Traceback" not in str(exc)
                outcomes["error"] += 1
            else:
                assert isinstance(result, RESULTS)
                outcomes["result"] += 1

    run()
    assert outcomes["result"] > 0 and outcomes["error"] > 0 and sum(outcomes.values()) == 150, outcomes


# -- the problems measured in issue 15, one test each -----------------------------------------------

def test_a_100000_point_sweep_is_refused_at_once_naming_the_limit(tmp_path, monkeypatch):
    from bioxen.sweep import run_sweep
    from bioxen.sweep.grid import check_size, parse_setting

    start = time.perf_counter()
    with pytest.raises(PolicyError, match="100,000 runs; a sweep makes at most 10,000") as caught:
        parse_setting("vms.vm1.ribosomes.share=0.1:0.5:100000")
    assert "BIOXEN_MAX_SWEEP_RUNS" in str(caught.value)
    with pytest.raises(PolicyError, match="x 2 replicate.s. is 80,000 runs"):
        run_sweep(tmp_path / "never_read.yaml", ["a=0.1:0.5:200", "b=1:200:200"], replicates=2, method="ssa")
    result = runner.invoke(app, ["sweep", str(tmp_path / "never_read.yaml"), "--set", "x=0.1:0.5:100000"])
    assert result.exit_code == 1 and "BIOXEN_MAX_SWEEP_RUNS" in result.output
    assert time.perf_counter() - start < 5

    monkeypatch.setenv("BIOXEN_MAX_SWEEP_RUNS", "100000")
    start = time.perf_counter()
    setting = parse_setting("vms.vm1.ribosomes.share=0.1:0.5:100000")     # the grid is built in linear time
    assert len(setting.values) == 100_000 and check_size([setting], 1) == 100_000
    assert time.perf_counter() - start < 3, "55 s before: a quadratic duplicate check"
    with pytest.raises(PolicyError, match="repeats 0.1"):
        parse_setting("x=" + ",".join(["0.1"] + [str(i) for i in range(2, 5000)] + ["0.1"]))


def test_ten_thousand_nested_lists_are_a_program_error_with_a_caret(vm):
    program = "run_operon(" + "[" * 10_000 + "]" * 10_000 + ")"
    start = time.perf_counter()
    with pytest.raises(ProgramError, match=f"nested deeper than {MAX_NESTING}") as caught:
        vm.execute_biological_process(program)
    assert time.perf_counter() - start < 1
    location = caught.value.errors[0].location
    assert (location.line, location.column) == (1, len("run_operon(") + MAX_NESTING + 1)
    assert "^" in str(caught.value) and len(str(caught.value)) < 1_000
    with pytest.raises(ProgramError, match="at most 100,000"):
        read_program("run_operon([" + '"synA",' * 20_000 + "])")
    with pytest.raises(ProgramError, match="at most 20,000"):
        read_program("run_operon([" + "1," * 30_000 + "])")


def test_ten_thousand_copies_of_a_gene_run_once_each_and_fast(vm):
    start = time.perf_counter()
    run = vm.execute_biological_process("run_operon([" + ",".join(['"synA"', '"synB"'] * 5_000) + "], 60)")
    elapsed = time.perf_counter() - start
    assert [course.locus_tag for course in run.genes] == ["SYN_0001", "SYN_0002"]
    assert elapsed < 10, f"{elapsed:.1f} s (9 s on Syn3A before: a genome scan per copy and a table per copy)"


def test_ssa_cost_is_printed_and_a_run_over_budget_is_refused(build, tmp_path, monkeypatch):
    from bioxen.runtime.cost import events_per_minute_sbml, ssa_cost
    from bioxen.runtime.simulate import read_build

    cost = ssa_cost(build, 360)
    assert cost.source == "model.net" and 5e6 < cost.events_per_minute < 5e7   # the host's ~1.5e7 events/min
    assert cost.events_per_minute == pytest.approx(events_per_minute_sbml(read_build(build)[0]), rel=0.2)
    refused = runner.invoke(app, ["simulate", str(build), "--method", "ssa", "--until", "6 h"])
    assert refused.exit_code == 1
    assert "SSA: about 5.2e+09 reaction events" in refused.output and "over the budget of 5e+08" in refused.output
    assert "--max-events" in refused.output and "--force" in refused.output
    low = runner.invoke(app, ["simulate", str(build), "--method", "ssa", "--until", "0.01 min", "--max-events", "1000"])
    assert low.exit_code == 1 and "over the budget of 1e+03" in low.output
    out = tmp_path / "ssa.csv"
    ran = runner.invoke(app, ["simulate", str(build), "--method", "ssa", "--until", "0.005 min", "--points", "3",
                              "--seed", "1", "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "SSA: about" in ran.output and out.is_file()
    monkeypatch.setenv("BIOXEN_MAX_SSA_EVENTS", "1000")
    with pytest.raises(SimulationError, match="BIOXEN_MAX_SSA_EVENTS"):
        GenomicVirtualizationManager().create_cellular_context(
            BioVM.from_runtime(_vm_runtime(tmp_path)).runtime, method="ssa", seed=1).run(1.0)


def _vm_runtime(directory: Path):
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return GenomicVirtualizationManager(work_dir=directory).load_genome_runtime(str(genome), "budget")


@pytest.mark.slow
def test_a_solver_failure_names_the_engine_the_time_and_the_parameter(build, tmp_path):
    from bioxen.runtime.cell import Cell
    from bioxen.runtime.engines import simulate

    hv = Hypervisor(build)
    hv.run(2)
    hv.rr["w_rR"] = 1e300
    before = hv.rr.model.getFloatingSpeciesAmounts().copy()
    with pytest.raises(SimulationError, match=r"roadrunner: the solver failed at t = 2 min \(CV_CONV_FAILURE\); "
                                              r"largest parameter w_rR = 1e\+300"):
        hv.run(5)
    assert hv.time == 2 and np.array_equal(hv.rr.model.getFloatingSpeciesAmounts(), before)
    hv.rr["w_rR"] = math.nan
    with pytest.raises(SimulationError, match="non-finite parameter w_rR = nan"):
        hv.run(5)

    cell = Cell(build)
    with pytest.raises(SimulationError, match="must be a finite number"):
        cell.set_parameter("w_rR", math.nan)
    with pytest.raises(SimulationError, match="no parameter 'no_such_rate'"):
        cell.set_parameter("no_such_rate", 1.0)
    cell.set_parameter("w_rR", 1e300)
    with pytest.raises(SimulationError, match=r"bngsim: the solver failed at t = 0 min .*largest parameter w_rR"):
        cell.run(5)

    broken = tmp_path / "broken"
    shutil.copytree(build, broken)
    (broken / "model.net").unlink()
    import libsbml
    document = libsbml.readSBMLFromFile(str(broken / "model.xml"))
    document.getModel().getParameter("w_rR").setValue(1e300)
    (broken / "model.xml").write_text(libsbml.writeSBMLToString(document))
    for engine in ("roadrunner", "bngsim"):
        with pytest.raises(SimulationError, match=rf"{engine}: the solver failed at t = .*w_rR = 1e\+300"):
            simulate(broken, 10, 11, engine=engine)


def _corrupt(build: Path, directory: Path, name: str, content: bytes | None) -> Path:
    copy = directory / f"{name.replace('.', '_')}_{len(content or b'')}"
    shutil.copytree(build, copy)
    if content is None:
        (copy / name).unlink()
    else:
        (copy / name).write_bytes(content)
    return copy


@pytest.mark.parametrize("name, content, message", [
    ("manifest.json", b"{not json", "manifest.json is not valid JSON"),
    ("manifest.json", b'{"network": {"species": "many"}}', "is not a build manifest"),
    ("manifest.json", b"\xff\xfe\x00garbage", "is not text"),
    ("outputs.json", b"[1, 2]", "holds a JSON list, not an object"),
    ("outputs.json", b"{}", "is not a build's outputs"),
    ("outputs.json", b'{"host": {"growth_rate": "g", "ribosomes_free": "r", "energy": "e"}, "vms": {"vm1": {}}}',
     "is not a build's outputs: missing or malformed"),
    ("outputs.json", b"", "outputs.json is not valid JSON"),
    ("outputs.json", None, "is not a BioXen build"),
    ("model.xml", b"garbage", "is not an SBML model"),
    ("model.xml", b"<?xml version='1.0'?><sbml>broken", "cannot load the model"),
    ("model.xml", bytes(range(256)), "is not text"),
    ("model.xml", None, "is not a BioXen build"),
    ("locus_map.json", b"{}", None),                    # the roadrunner path does not read it
])
def test_corrupt_build_files_are_one_line_errors(build, tmp_path, name, content, message):
    broken = _corrupt(build, tmp_path, name, content)
    result = runner.invoke(app, ["simulate", str(broken), "--until", "1 min", "--points", "3",
                                 "-o", str(tmp_path / "out.csv")])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    if message is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_directory_that_is_not_a_build_is_an_error(tmp_path):
    for directory in (tmp_path, tmp_path / "missing"):
        result = runner.invoke(app, ["simulate", str(directory)])
        assert result.exit_code == 1 and "not a BioXen build" in result.output
        result = runner.invoke(app, ["report", str(directory)])
        assert result.exit_code == 1 and "not a BioXen build" in result.output


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"time_min,doubling_time_min,growth_rate_per_min,hypervisor_ribosomes_translating\n", "has no rows"),
    (b"\x00\xff\xfe garbage \x01", "not a results table"),
    (b"a,b\n1,2\n", "no time_min column"),
    (b"time_min,doubling_time_min,growth_rate_per_min,hypervisor_ribosomes_translating\nx,y,z,w\n",
     "not numbers"),
])
def test_a_bad_results_csv_is_a_one_line_error_in_report(build, tmp_path, content, message):
    copy = tmp_path / "build"
    shutil.copytree(build, copy)
    (copy / "results.csv").write_bytes(content)
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert not (copy / "report.html").exists()


@pytest.mark.parametrize("duration, message", [
    (math.nan, "finite duration"), (math.inf, "finite duration"), (-1, "positive duration"), (0, "positive duration"),
    ("1e9 h", r"longer than the 1e\+06 min"), ("abc", "cannot read duration"), (None, "needs a duration"),
    (True, "needs a duration"), (1e-300, "shorter than"), (10**400, "finite duration"), ([1], "needs a duration"),
])
def test_absurd_durations_are_refused_with_the_reason(hypervisor, duration, message):
    before = _snapshot(hypervisor)
    with pytest.raises(CommandError, match=message):
        hypervisor.run(duration)
    assert _snapshot(hypervisor) == before


@pytest.mark.parametrize("step", [0, -1, math.nan, math.inf, "x"])
def test_a_bad_step_is_refused(build, step):
    with pytest.raises(CommandError, match="step"):
        Hypervisor(build, step=step)


def test_too_many_output_points_are_refused(build):
    with pytest.raises(CommandError, match="output points; at most"):
        Hypervisor(build, step=1e-3).run("1000 min")


def test_save_state_to_a_directory_or_an_unwritable_path_is_an_error(hypervisor, tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        hypervisor.save_state(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="cannot save the state"):
        hypervisor.save_state(tmp_path / "file" / "state.json")


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["parameters"].update(no_such_parameter=1.0), "unknown 'no_such_parameter'"),
    (lambda s: s["species"].update({next(iter(s["species"])): "12"}), "must be a finite number"),
    (lambda s: s["species"].update({next(iter(s["species"])): math.nan}), "must be a finite number"),
    (lambda s: s["species"].update({next(iter(s["species"])): -5.0}), "must be a finite number from"),
    (lambda s: s.update(time_min=-1.0), "time_min must be a finite number >= 0"),
    (lambda s: s["ribosome_shares"].update(vm1=2.0), "ribosome_shares: vm1 must be a finite number from 0 to 1"),
    (lambda s: s["ribosome_shares"].update(vm1=0.6, vm2=0.5), "leave the host some"),
    (lambda s: s["ribosome_shares"].update(vm9=0.1), "unknown 'vm9'"),
    (lambda s: s.update(bioxen_state=1), "version 1 is not 2"),
    (lambda s: s.update(model_sha256="0" * 64), "saved from another model"),
    (lambda s: s.pop("species"), "lacks species"),
    (lambda s: s.update(extra=1), "unknown key"),
    (lambda s: s["parameters"].pop(next(iter(s["parameters"]))), "lacks"),
])
def test_a_refused_state_changes_nothing(hypervisor, saved, tmp_path, edit, message):
    _, base = saved
    state = json.loads(json.dumps(base))
    state["parameters"][inducer_name("pause", "vm2")] = 1.0     # applied first, were the file applied in order
    edit(state)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    before = _snapshot(hypervisor)
    with pytest.raises(CommandError, match=message):
        hypervisor.load_state(path)
    assert _snapshot(hypervisor) == before


def test_non_finite_api_arguments_are_refused(hypervisor, build, vm, tmp_path):
    from bioxen.api.population import population

    config = {"genomic_virtualization": {"genome_file": "x.gb", "virtual_resources": {"atp_pool": math.inf}}}
    with pytest.raises(BioxenError, match="finite"):
        create_bio_vm("vm", config=config, work_dir=tmp_path)
    for share in (math.nan, math.inf, 10**400, "0.1"):
        with pytest.raises(CommandError, match="ribosome share must be a"):
            hypervisor.set_resource_limit("vm1", "ribosomes", share)
    for factor in (math.inf, math.nan, 10**400, -1):
        with pytest.raises(BioxenError, match="finite number above 0"):
            vm.set_expression("synA", factor)
    for arguments, message in (({"cells": math.nan}, "cells must be a whole number"),
                               ({"cells": 10**6, "generations": 10**6}, "cell cycles; at most"),
                               ({"limit_min": math.inf}, "finite duration"), ({"seed": -1}, "seed"),
                               ({"method": "exact"}, "unknown method")):
        with pytest.raises(SimulationError, match=message):
            population(build, **arguments)
    with pytest.raises(BioxenError, match="seconds above 0"):
        vm.context.run(math.inf)
    with pytest.raises(BioxenError, match="plain name"):
        GenomicVirtualizationManager(work_dir=tmp_path).load_genome_runtime("x.gb", "../outside")
    with pytest.raises(BioxenError, match="cellular context"):
        GenomicVirtualizationManager().execute_genomic_program("execute_cell_cycle_checkpoint()", None)
