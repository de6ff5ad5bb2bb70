"""`bioxen compile --formats`: choosing outputs, ``all`` (every format that applies, the others
listed as refused), and NFsim XML checked by NFsim itself."""
import json
import subprocess

import numpy as np
import pytest
from pysb import Model, Monomer, Observable, Parameter, Rule, Initial
from typer.testing import CliRunner

from bioxen.backend import compile as backend
from bioxen.backend.compile import compile_design, write_build
from bioxen.backend.formats import FORMATS, FormatRefused
from bioxen.errors import CompileError
from bioxen.formats import reaction_limit
from bioxen.backend.nfsim import nfsim_path, write_nfsim_xml
from bioxen.cli import app
from bioxen.frontend import read_design
from bioxen.outdir import build_problems

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


def test_formats_all_writes_every_format_that_applies_and_lists_the_refused(small_policy, tmp_path):
    """NFsim refuses the whole-cell model; ``all`` writes the rest, says so, and exits 0 (the
    same from the cache)."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(small_policy), "-o", str(out), "--formats", "all"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert ("warning: --formats all: nfsim not written: network-free simulation does not apply to this model: "
            "NFsim refuses it") in said
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["formats"] == [f for f in FORMATS if f != "nfsim"]
    assert list(manifest["formats_refused"]) == ["nfsim"]
    assert "composite functions, which call other functions, cannot read observables" in \
        manifest["formats_refused"]["nfsim"]
    written = {p.name for p in out.iterdir()}
    assert {"model.xml", "model.bngl", "model.net", "design.nt", "vm_vm1.gb", "model.vcml", "model.ant", "model.omex",
            "model.cps"} <= written and "model.nfsim.xml" not in written
    assert build_problems(out, exact=True) == []
    again = runner.invoke(app, ["compile", str(small_policy), "-o", str(tmp_path / "again"), "--formats", "all"])
    assert again.exit_code == 0 and "copied from the cache" in again.output, again.output
    assert "nfsim not written" in again.output


def test_a_refused_format_leaves_nothing_under_all_and_fails_the_build_when_named(small_policy, tmp_path,
                                                                                  monkeypatch):
    def refusing(build, directory):
        (directory / "model.ant").write_text("half a model")
        raise FormatRefused("antimony does not apply (test)")

    for name in backend.WRITERS:   # the other writers: fast stand-ins; this is about the refusal
        monkeypatch.setitem(backend.WRITERS, name, lambda build, directory, name=name:
                            (directory / f"{name}.out").write_text(name))
    monkeypatch.setitem(backend.WRITERS, "antimony", refusing)
    build = compile_design(read_design(small_policy))
    out = write_build(build, tmp_path / "all", ["all"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["formats_refused"] == {"antimony": "antimony does not apply (test)"}
    assert "antimony" not in manifest["formats"] and "copasi" in manifest["formats"]
    assert not (out / "model.ant").exists() and build_problems(out, exact=True) == []
    with pytest.raises(FormatRefused, match="antimony does not apply"):
        write_build(build, tmp_path / "named", ["sbml", "antimony"])
    assert not (tmp_path / "named").exists() and not list(tmp_path.glob(".named*"))


def test_nfsim_itself_refuses_what_the_early_check_refuses(small_policy, monkeypatch, tmp_path):
    """The check on the model (no BNG2.pl) refuses only what NFsim refuses: past it, NFsim
    reads the XML BNG2.pl writes and says the same."""
    from bioxen.backend import nfsim

    model = compile_design(read_design(small_policy)).builder.model
    assert "transcription_rate_vm1_SYN__0001" in nfsim.composite_functions_reading_observables(model)
    monkeypatch.setattr(nfsim, "composite_functions_reading_observables", lambda model: [])
    with pytest.raises(FormatRefused, match="Composite Functions .* cannot have references to observables"):
        write_nfsim_xml(model, tmp_path / "model.nfsim.xml")
    assert not (tmp_path / "model.nfsim.xml").exists()


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


def test_formats_beyond_their_readers_reach_are_refused_under_all_and_named(small_policy, tmp_path, monkeypatch):
    """model.cps and model.ant come from COPASI's and libAntimony's own SBML readers, which grow
    faster than the network: past their limits (set low here, on a 172-reaction design) ``all``
    lists them as refused with the reason, and naming one fails before the tool starts, writing
    nothing."""
    from bioxen.backend import antimony, copasi

    monkeypatch.setenv(copasi.LIMIT_VARIABLE, "100")
    monkeypatch.setenv(antimony.LIMIT_VARIABLE, "150")
    monkeypatch.setattr(copasi, "_basico", lambda *a: pytest.fail("COPASI started on a refused model"))
    monkeypatch.setattr(antimony, "to_antimony", lambda *a: pytest.fail("libAntimony started on a refused model"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(small_policy), "-o", str(out), "--formats", "all"])
    assert result.exit_code == 0, result.output
    refused = json.loads((out / "manifest.json").read_text())["formats_refused"]
    assert set(refused) == {"nfsim", "copasi", "antimony"}
    assert refused["copasi"].startswith("COPASI: 172 reactions is more than its SBML reader handles")
    assert "limit 150" in refused["antimony"]
    assert not (out / "model.cps").exists() and not (out / "model.ant").exists()
    assert build_problems(out, exact=True) == []
    named = runner.invoke(app, ["compile", str(small_policy), "-o", str(tmp_path / "named"), "--formats", "copasi",
                                "--no-cache"])
    assert named.exit_code == 1 and "limit 100" in " ".join(named.output.split())
    assert "BIOXEN_COPASI_MAX_REACTIONS" in " ".join(named.output.split())
    assert not (tmp_path / "named").exists()
    monkeypatch.setenv(copasi.LIMIT_VARIABLE, "many")
    with pytest.raises(CompileError, match="BIOXEN_COPASI_MAX_REACTIONS must be a whole number above 0"):
        reaction_limit(copasi.LIMIT_VARIABLE, 10)
