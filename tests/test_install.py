"""An installed wheel works away from the checkout: its data (chassis profiles, parts libraries,
part DNA) ships inside the package.

The wheel is built from a copy of the sources (a build never writes into the checkout; its build
backend comes from PyPI), installed into a fresh virtual environment that takes its dependencies
from this one (no download), and its own ``bioxen run`` compiles and simulates a small policy in
a temporary directory.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import write_policy, write_synthetic_genbank

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "compiler", "rules")    # what pyproject.toml builds from
POLICY = """
schema_version: 1
name: installed
vms:
  - id: vm1
    genome: SYN00001.1.gb
    ribosomes: {share: 0.2, pool: orthogonal}
    genetic_code: recode
simulate:
  until: 1 h
  points: 13
"""


def _run(command: list, cwd: Path, env: dict, timeout: float = 600) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_env() -> dict:
    """This environment without anything that could import bioxen from the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["BIOXEN_OFFLINE"] = "1"
    return env


def _wheel(tmp: Path, env: dict) -> Path:
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    # pip builds in an isolated environment with the backend pyproject.toml names (setuptools>=68,
    # from PyPI), as `pip install .` does: this environment's own setuptools may be older and lack
    # bdist_wheel (3.11's bundled 65.5 does without the `wheel` package)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(tmp / "dist"), str(source)],
         tmp, env)
    wheel, = (tmp / "dist").glob("bioxen-*.whl")
    return wheel


def _venv(tmp: Path, wheel: Path, env: dict) -> Path:
    """A virtual environment with the wheel installed over this environment's packages (the
    editable install of the checkout among them: --force-reinstall puts the wheel in the venv)."""
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], tmp, env)
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
          "--no-index", "--force-reinstall", str(wheel)], tmp, env)
    return venv


@pytest.mark.slow
def test_a_wheel_runs_a_policy_outside_the_checkout(tmp_path, record_property):
    env, started = _clean_env(), time.perf_counter()
    wheel = _wheel(tmp_path, env)
    built = time.perf_counter()
    venv = _venv(tmp_path, wheel, env)
    installed = time.perf_counter()
    work = tmp_path / "work"
    work.mkdir()

    located = _run([str(venv / "bin" / "python"), "-c",
                    "import bioxen, bioxen.data; print(bioxen.__file__); print(bioxen.data.shipped('chassis'))"],
                   work, env).split()
    assert all(Path(p).is_relative_to(venv) for p in located), f"bioxen imported from {located}, not {venv}"

    write_synthetic_genbank(work / "SYN00001.1.gb")
    write_policy(work / "installed.yaml", POLICY)
    output = _run([str(venv / "bin" / "bioxen"), "run", "installed.yaml"], work, env)
    ran = time.perf_counter()

    build = work / "build" / "installed"
    for name in ("model.xml", "results.csv", "report.html", "vm_vm1.gb", "hypervisor.gb"):
        assert (build / name).is_file(), f"{name} missing from {sorted(p.name for p in build.iterdir())}"
    inputs = {i["role"]: Path(i["path"]) for i in json.loads((build / "manifest.json").read_text())["inputs"]}
    assert inputs["chassis"].is_relative_to(venv) and inputs["parts"].is_relative_to(venv)
    assert "host doubling time" in output
    record_property("measured", f"wheel {built - started:.1f} s, venv + install {installed - built:.1f} s, "
                                f"bioxen run {ran - installed:.1f} s")
