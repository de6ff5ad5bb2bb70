"""`bioxen compile --formats`: choosing outputs, and NFsim XML checked by NFsim itself."""
import subprocess

import numpy as np
import pytest
from pysb import Model, Monomer, Observable, Parameter, Rule, Initial
from typer.testing import CliRunner

from bioxen.backend.nfsim import nfsim_path, write_nfsim_xml
from bioxen.cli import app

runner = CliRunner()


def test_formats_choose_the_outputs(small_policy, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(small_policy), "-o", str(out), "--formats", "sbml"])
    assert result.exit_code == 0, result.output
    written = {p.name for p in out.iterdir()}
    assert {"model.xml", "outputs.json", "manifest.json"} <= written
    assert "model.bngl" not in written and not any(name.endswith(".gb") for name in written)


def test_an_unknown_format_is_refused_before_any_work(small_policy, tmp_path):
    result = runner.invoke(app, ["compile", str(small_policy), "-o", str(tmp_path / "out"), "--formats", "sbml,xls"])
    assert result.exit_code != 0
    assert "unknown output format(s) xls (formats: sbml, bngl, net, dna, nfsim" in result.output
    assert not (tmp_path / "out").exists()


def test_nfsim_refuses_the_whole_cell_model_with_a_clear_error(small_policy, tmp_path):
    result = runner.invoke(app, ["compile", str(small_policy), "-o", str(tmp_path / "out"), "--formats", "nfsim"])
    assert result.exit_code != 0
    assert "network-free simulation does not apply to this model: NFsim refuses it" in result.output
    assert not (tmp_path / "out").exists()


def test_nfsim_xml_runs_in_nfsim_where_network_free_simulation_applies(tmp_path):
    # a polymerising receptor: unbounded complexes, the case NFsim exists for
    model = Model("polymer", _export=False)
    for component in (Monomer("R", ["l", "r"], _export=False),
                      Parameter("k_on", 1e-3, _export=False), Parameter("k_off", 0.1, _export=False),
                      Parameter("R_0", 500, _export=False)):
        model.add_component(component)
    R = model.monomers["R"]
    model.add_component(Rule("bind", R(r=None) + R(l=None) | R(r=1) % R(l=1),
                             model.parameters["k_on"], model.parameters["k_off"], _export=False))
    model.add_component(Observable("free", R(l=None, r=None), _export=False))
    model.add_initial(Initial(R(l=None, r=None), model.parameters["R_0"], _export=False))
    path = write_nfsim_xml(model, tmp_path / "model.nfsim.xml")
    subprocess.run([str(nfsim_path()), "-xml", str(path), "-sim", "20", "-oSteps", "20", "-seed", "1",
                    "-o", str(tmp_path / "run.gdat")], check=True, capture_output=True, timeout=300)
    data = np.loadtxt(tmp_path / "run.gdat")
    assert data[0, 1] == 500 and data[-1, 1] < 500    # monomers polymerise
