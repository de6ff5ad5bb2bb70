"""Rich notebook displays (``_repr_html_``): a build, the live hypervisor, a results table and a
BioVM show a small, escaped HTML summary, and showing one runs nothing."""
import re

import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from bioxen.api import create_bio_vm
from bioxen.backend.compile import compile_design, write_build
from bioxen.frontend import read_design
from bioxen.runtime.hypervisor import Hypervisor
from bioxen.runtime.simulate import ResultsTable
from conftest import synthetic_policy, write_synthetic_genbank

MARKUP = '<b>&"x"</b>'      # in a directory name: must reach the page as text, not as markup


def shown(obj) -> str:
    """What Jupyter shows for ``obj`` (IPython's own formatter picks the HTML)."""
    data, _ = DisplayFormatter().format(obj)
    assert "text/html" in data, f"{type(obj).__name__} has no HTML display"
    return data["text/html"]


def cells(page: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", page)


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    policy = synthetic_policy(tmp_path_factory.mktemp("repr"), "two", """
name: two_vms
vms:
  - {{id: vm1, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.15}}}}
  - {{id: vm2, genome: {genome}, genetic_code: recode, ribosomes: {{share: 0.1}}}}
""")
    return compile_design(read_design(policy))


@pytest.fixture(scope="module")
def hypervisor(build, tmp_path_factory):
    return Hypervisor(write_build(build, tmp_path_factory.mktemp("hv") / f"run {MARKUP}"))


def test_a_build_shows_its_design_its_vms_and_the_network(build):
    page = shown(build)
    assert "BioXen build: two_vms" in page
    assert f"{len(build.species_ids)} species, {len(build.reaction_ids)} reactions" in page
    text = cells(page)
    for row in (["vm1", "SYN00001.1", "gene", "7", "0.15", "o1", "running"],
                ["vm2", "SYN00001.1", "gene", "7", "0.1", "o2", "running"]):
        start = text.index(row[0])
        assert text[start:start + len(row)] == row, text


def test_the_hypervisor_shows_every_vms_state_and_showing_it_runs_nothing(hypervisor):
    table = hypervisor.run("30 min")
    hypervisor.pause("vm2")
    hypervisor.run("30 min")
    time, stretches = hypervisor.time, len(hypervisor.history)
    page = shown(hypervisor)
    assert (hypervisor.time, len(hypervisor.history)) == (time, stretches)
    text = cells(page)
    assert text[text.index("time") + 1] == "60 min"
    assert text[text.index("vm1") + 2] == "viable" and text[text.index("vm2") + 2] == "paused"
    # text from outside (here a directory name) is escaped
    assert MARKUP not in page and "run &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;" in page
    assert isinstance(table, ResultsTable)


def test_a_results_table_shows_its_span_and_end_state_above_its_rows(hypervisor):
    table = hypervisor.run("10 min")
    table.attrs["engine"] = "<script>alert(1)</script>"
    page = shown(table)
    text = cells(page)
    assert text[text.index("time") + 1] == f"{hypervisor.time - 10:g} to {hypervisor.time:g} min"
    assert float(text[text.index("growth rate at the end (1/min)") + 1]) == pytest.approx(
        table["growth_rate_per_min"].iloc[-1], rel=1e-3)
    flux = float(text[text.index("vm1") + 2])
    assert flux == pytest.approx(table["vm1_translation_flux"].iloc[-1], rel=1e-3) and flux > 0
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert '<details><summary>' in page and 'class="dataframe"' in page    # the rows, folded
    # what is derived from it is a plain DataFrame; pandas' switch for HTML displays is obeyed
    assert type(table.tail(3)) is pd.DataFrame and type(hypervisor.results()) is pd.DataFrame
    with pd.option_context("display.notebook_repr_html", False):
        assert "text/html" not in DisplayFormatter().format(table)[0]


def test_a_biovm_shows_its_genome_and_settings_and_its_state_once_run(tmp_path):
    genome = write_synthetic_genbank(tmp_path / "LAC00001.1.gb", genes=3, table=11, with_rna=False,
                                     names=("lacZ", "lacY", "lacA"))
    vm = create_bio_vm("lac_vm", "ecoli_mg1655", "basic", config={"genomic_virtualization": {
        "enabled": True, "genome_file": str(genome), "execution_mode": "direct",
        "virtual_resources": {"atp_pool": 1000, "ribosome_count": 7000}}}, work_dir=tmp_path / "work")
    vm.knockout("lacA")
    page = shown(vm)
    text = cells(page)
    assert "BioVM: lac_vm" in page and text[text.index("genome") + 1] == "SYN00001.1 (3 genes)"
    assert text[text.index("knockouts") + 1] == "lacA" and text[text.index("state") + 1] == "not run yet"
    assert vm._context is None                       # showing it made no cell
    vm.execute_biological_process('create_cellular_context({"runtime_duration": 60})')
    text = cells(shown(vm))
    assert text[text.index("time") + 1] == "1 min" and text[text.index("state") + 1] == "running"
    assert float(text[text.index("VM translation (proteins/min)") + 1]) > 0
