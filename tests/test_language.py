"""The call language of execute_biological_process: the seed's programs parse, bad ones get an
error with the column, and no input, however crafted, is evaluated or executed."""
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bioxen.api.language import FUNCTIONS, ProgramError, read_program

SEED_CONTEXT = '''create_cellular_context({
    "runtime_duration": 60,  # seconds of virtualized cellular time
    "environmental_context": {"temperature": 37, "pH": 7.0, "nutrients": ["glucose", "phosphate"]},
    "execution_isolation": True
})'''


def test_the_seeds_programs_parse_into_their_calls():
    assert read_program('run_operon(["lacZ", "lacY", "lacA"])') == \
        ("run_operon", {"genes": ["lacZ", "lacY", "lacA"], "duration": None})
    assert read_program("execute_cell_cycle_checkpoint()") == ("execute_cell_cycle_checkpoint", {})
    assert read_program("run_metabolic_pathways(glucose_available=True)") == \
        ("run_metabolic_pathways", {"glucose_available": True, "conditions": None})
    function, arguments = read_program(SEED_CONTEXT)
    assert function == "create_cellular_context"
    assert arguments["settings"] == {"runtime_duration": 60, "execution_isolation": True,
                                     "environmental_context": {"temperature": 37, "pH": 7.0,
                                                               "nutrients": ["glucose", "phosphate"]}}


def test_literals_decode_like_json():
    _, arguments = read_program(r"""run_operon(['it\'s', "tab\there", "\u00e9", 'a"b'], duration=1.5e1)""")
    assert arguments == {"genes": ["it's", "tab\there", "é", 'a"b'], "duration": 15.0}
    _, arguments = read_program("create_cellular_context({'a': [true, false, null, -2, .5]},)")
    assert arguments["settings"] == {"a": [True, False, None, -2, 0.5]}


@pytest.mark.parametrize("program, column, words", [
    ("grow_forever()", 1, "unknown function 'grow_forever'"),
    ('run_operon(["a"]); import os', 18, "after the call"),
    ('run_operon(["a"]).__class__', 18, "after the call"),
    ('__import__("os").system("true")', 17, "after the call"),
    ('run_operon(genes="lacZ")', 12, "must be a list"),
    ('run_operon([1, 2])', 12, "list of strings"),
    ('run_operon(["a"], genes=["b"])', 19, "given twice"),
    ('run_operon(genes=["a"], 5)', 25, "positional argument after a keyword"),
    ("run_operon(copies=2)", 12, "no argument 'copies'"),
    ("run_metabolic_pathways(glucose_available=1)", 24, "must be True or False"),
    ("execute_cell_cycle_checkpoint(1)", 31, "takes 0 argument"),
    ("run_operon()", 1, "needs argument 'genes'"),
    ('run_operon(["lacZ"', 19, "ends before its call is complete"),
    ('run_operon([lacZ])', 13, "unexpected 'lacZ'"),
    (r'run_operon(["a\q"])', 12, r"unknown escape '\q'"),
])
def test_a_bad_program_is_an_error_at_its_column(program, column, words):
    with pytest.raises(ProgramError) as caught:
        read_program(program)
    diagnostic = caught.value.errors[0]
    assert words in diagnostic.message
    assert diagnostic.location.column == column
    assert "^" in diagnostic.message     # the caret under the spot


def test_an_error_on_a_later_line_names_that_line():
    with pytest.raises(ProgramError) as caught:
        read_program('create_cellular_context({\n  "a": 1,\n  "b": os.environ\n})')
    assert (caught.value.errors[0].location.line, caught.value.errors[0].location.column) == (3, 8)


def test_empty_and_oversized_programs_are_refused():
    for program in ("", "   # only a comment", "x" * 200_001):
        with pytest.raises(ProgramError):
            read_program(program)
    with pytest.raises(ProgramError, match="nested deeper"):
        read_program("create_cellular_context(" + "[" * 40 + "]" * 40 + ")")
    with pytest.raises(ProgramError, match="text, not bytes"):
        read_program(b"run_operon([])")


# -- fuzzing: every input ends in a result or a ProgramError, and nothing runs ----------------

_WATCHED = {"exec", "compile", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "open"}
_events: list[tuple[str, tuple]] = []
_watching = False


def _audit(event, args):
    if _watching and (event in _WATCHED or (event == "import" and "canary" in str(args[0]))):
        _events.append((event, args))


sys.addaudithook(_audit)

TOKENS = [*FUNCTIONS, "__import__", "('bioxen_fuzz_canary')", "eval", "exec", "compile", "open", "os",
          "system", "getattr", "lambda", "__class__", "__subclasses__", "__builtins__", "globals",
          ".", "(", ")", "[", "]", "{", "}", ",", "=", ":", ";", "#", "\n", " ", '"', "'", "\\",
          '"lacZ"', "'lacY'", "genes", "glucose_available", "True", "False", "None", "null", "1",
          "-2.5e3", "0x1f", "1_000", "f'{x}'", "b'x'", "**", "*", "+", "@", "`", "$(", "\x00", "é"]
_programs = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=30).map("".join),
    st.text(max_size=80),
    st.builds(lambda name, body: f"{name}({body})", st.sampled_from(list(FUNCTIONS) + ["__import__"]),
              st.lists(st.sampled_from(TOKENS), max_size=20).map("".join)),
)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_programs)
@pytest.mark.slow
def test_fuzzed_programs_end_in_a_result_or_a_clear_error_and_nothing_is_executed(program):
    global _watching
    _watching = True
    try:
        function, arguments = read_program(program)
    except ProgramError as exc:
        assert exc.errors[0].message and "Traceback" not in str(exc)
    else:
        assert function in FUNCTIONS and set(arguments) == {p.name for p in FUNCTIONS[function]}
    finally:
        _watching = False
    assert not _events, _events
    assert "bioxen_fuzz_canary" not in sys.modules
