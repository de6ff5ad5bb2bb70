"""Fuzzing ``vm.execute_biological_process`` end to end: 10,000 generated programs, import and
attribute tricks among them, against a VM compiled from a small synthetic genome. Every program
ends in a result or a clear BioXen error, and none of its text is executed."""
from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bioxen.api import BioVM, GenomicVirtualizationManager
from bioxen.api.language import FUNCTIONS
from bioxen.api.processes import MetabolicRun, OperonRun
from bioxen.api.runtime import CellularContext, Checkpoint
from bioxen.errors import BioxenError
from conftest import write_synthetic_genbank

RESULTS = (OperonRun, MetabolicRun, Checkpoint, CellularContext)
_FORBIDDEN = {"os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.fork"}
_events: list[tuple[str, tuple]] = []
_program = {"text": ""}


def _audit(event, args):
    text = _program["text"]
    if not text:
        return
    if event in _FORBIDDEN or (event == "import" and "canary" in str(args[0])):
        _events.append((event, args))
    elif event == "compile" and len(text.strip()) >= 6 and isinstance(args[0], (str, bytes)) \
            and text.strip() in (args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]):
        _events.append((event, args[1]))                       # the program's own text compiled


sys.addaudithook(_audit)

TOKENS = [*FUNCTIONS, "__import__", "('bioxen_fuzz_canary')", "eval", "exec", "compile", "open", "os",
          "system", "getattr", "lambda", "__class__", "__subclasses__", "__builtins__", "globals",
          ".", "(", ")", "[", "]", "{", "}", ",", "=", ":", ";", "#", "\n", " ", '"', "'", "\\",
          '"synA"', "'synB'", '"lacZ"', '["synA"]', "genes", "duration", "glucose_available", "conditions",
          "settings", '"runtime_duration"', '"nutrients"', '["phosphate"]', '"environmental_context"',
          '"execution_isolation"', '"temperature"', "37", "True", "False", "None", "null", "1", "60",
          "-2.5e3", "1e300", "0x1f", "1_000", "f'{x}'", "b'x'", "**", "*", "+", "@", "`", "$(", "\x00", "é"]
_programs = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=30).map("".join),
    st.text(max_size=80),
    st.builds(lambda name, body: f"{name}({body})", st.sampled_from(list(FUNCTIONS) + ["__import__"]),
              st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)),
)


@pytest.fixture(scope="module")
def small_vm(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    runtime = GenomicVirtualizationManager(work_dir=directory).load_genome_runtime(str(genome), "fuzzed")
    return BioVM.from_runtime(runtime)


@pytest.mark.slow
def test_fuzzed_programs_end_in_a_result_or_a_clear_error_and_nothing_is_executed(small_vm):
    outcomes = {"result": 0, "error": 0}

    @settings(max_examples=10_000, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(_programs)
    def run(program):
        _program["text"] = program
        try:
            result = small_vm.execute_biological_process(program)
        except BioxenError as exc:
            assert exc.errors[0].message and "Traceback" not in str(exc)
            outcomes["error"] += 1
        else:
            assert isinstance(result, RESULTS)
            outcomes["result"] += 1
        finally:
            _program["text"] = ""
        assert not _events, _events
        assert "bioxen_fuzz_canary" not in sys.modules

    run()
    print(outcomes)
    assert sum(outcomes.values()) >= 10_000 and outcomes["result"] > 0, outcomes


def test_the_audit_hook_would_see_the_program_executed():
    _program["text"] = '__import__("os")'
    try:
        exec(compile('__import__("os")', "<fuzz>", "eval"))
    finally:
        _program["text"] = ""
    assert _events and _events[0][0] == "compile"
    _events.clear()
