"""Start-up: the command line imports none of the simulators, PySB, SciPy or pandas until a
command needs them (issue 18: `bioxen --help` under 0.5 s; benchmarks/startup.py times it)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pysb", "sympy", "scipy", "libsbml", "pandas", "bionetgen", "roadrunner", "Bio.SeqIO", "cobra", "RNA")

# `bioxen --help` in a fresh interpreter; at exit, the heavy modules it imported (as JSON on stderr)
_HELP = f"""
import atexit, json, sys
atexit.register(lambda: print(json.dumps([m for m in {HEAVY + ("libsedml",)!r} if m in sys.modules]),
                              file=sys.stderr))
sys.argv = ["bioxen", "--help"]
from bioxen.cli import main
main()
"""


@pytest.fixture(scope="module")
def help_run() -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _HELP], capture_output=True, text=True, timeout=60)


def _imported(run: subprocess.CompletedProcess) -> list[str]:
    return json.loads(run.stderr.strip().splitlines()[-1])


def test_help_exits_0_and_lists_the_commands(help_run):
    assert help_run.returncode == 0, help_run.stderr
    for command in ("check", "compile", "simulate", "sweep", "run", "report", "genome", "chassis", "data"):
        assert command in help_run.stdout


def test_help_imports_nothing_heavy(help_run):
    assert [m for m in _imported(help_run) if m != "libsedml"] == []


def test_help_leaves_out_libsedml(help_run):
    assert "libsedml" not in _imported(help_run)
