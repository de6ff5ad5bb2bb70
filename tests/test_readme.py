"""The README's Python API example runs as written, with only the environment the README says to
set: its code block is taken verbatim from README.md and run in a fresh interpreter whose
BIOXEN_* variables are exactly the README's `export` lines (its offline route: there is no
internet here), from an empty working directory outside the checkout."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Python API: genomic virtualization"


def _section(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    assert heading in text, f"README.md has no section '{heading}'"
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", section, re.S | re.M)


def _exports(block: str, shared: Path) -> dict[str, str]:
    """The variables of `export NAME=VALUE` lines; README paths are relative to the checkout, and
    its ../shared is the reference data the tests use."""
    found = dict(re.findall(r"^export (\w+)=(\S+)", block, re.M))
    return {name: str(shared / value.removeprefix("../shared/")) if value.startswith("../shared/")
            else str((ROOT / value).resolve()) for name, value in found.items()}


def test_the_api_section_says_what_to_set_and_how_to_fetch():
    section = _section(SECTION)
    exports = dict(re.findall(r"^export (\w+)=(\S+)", "".join(_blocks(section, "bash")), re.M))
    assert set(exports) == {"BIOXEN_GENOME_PATH", "BIOXEN_DATA_PATH"}
    assert "bioxen data fetch imb155" in section      # the route that needs no variable
    assert len(_blocks(section, "python")) == 1


@pytest.mark.slow
def test_the_readme_api_example_runs_as_written(shared, tmp_path, record_property):
    section = _section(SECTION)
    code, = _blocks(section, "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOXEN_") and k != "PYTHONPATH"}
    env.update(_exports("".join(_blocks(section, "bash")), shared))
    env["BIOXEN_CACHE_DIR"] = str(tmp_path / "cache")      # an empty cache: nothing found from earlier runs
    env["TMPDIR"] = str(tmp_path / "tmp")                   # the VMs' work directories
    (tmp_path / "tmp").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-4000:]
    assert not list(work.iterdir()), "the example wrote into the working directory"
    record_property("measured", f"README API example ran in {time.perf_counter() - started:.0f} s")
