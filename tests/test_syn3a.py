"""JCVI-Syn3A (CP016816.2) as a guest: the acceptance runs of the spine (slow)."""
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from bioxen.backend.compile import compile_design, write_files
from bioxen.cli import app
from bioxen.frontend import read_design
from bioxen.runtime.engines import simulate
from conftest import ROOT, write_policy

runner = CliRunner()


CALIBRATED = """
schema_version: 1
vms:
  - id: vm1
    genome: CP016816.2
    expression_table: {data}/syn3a_gene_table.csv
    ribosomes: {{share: 0.25}}
    genetic_code: recode
"""


@pytest.fixture(scope="module")
def final_protein(shared, tmp_path_factory):
    """VM1's protein after 6 h and the network's species at a resolution: the calibrated Syn3A
    VM compiled once per resolution (model.xml and model.net) and run by the default engine
    for its size (bngsim at gene resolution: libRoadRunner's dense solver took minutes there)."""
    directory, found = tmp_path_factory.mktemp("resolutions"), {}
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
        env.setenv("BIOXEN_OFFLINE", "1")
        design = read_design(write_policy(directory / "syn3a.yaml", CALIBRATED.format(data=shared / "data")))

    def final(resolution):
        if resolution not in found:
            build = compile_design(replace(design, vms=tuple(replace(vm, resolution=resolution)
                                                             for vm in design.vms)))
            out = write_files(build, directory / resolution, ("sbml", "net"))
            table = simulate(out, 360, 37)
            found[resolution] = table["vm1_protein_total"].iloc[-1], len(build.species_ids), table.attrs["engine"]
        return found[resolution]
    return final


@pytest.mark.slow
def test_gene_operon_and_subsystem_resolutions_agree(final_protein):
    results = {res: final_protein(res) for res in ("gene", "operon", "subsystem")}
    print({res: f"{p:,.0f} protein, {n} species ({engine})" for res, (p, n, engine) in results.items()})
    gene = results["gene"][0]
    for res in ("operon", "subsystem"):
        assert results[res][0] == pytest.approx(gene, rel=0.10), res
    assert results["gene"][1] > results["operon"][1] > results["subsystem"][1]


@pytest.mark.slow
def test_subsystem_and_operon_resolutions_agree_quickly(final_protein):
    operon, subsystem = final_protein("operon")[0], final_protein("subsystem")[0]
    assert subsystem == pytest.approx(operon, rel=0.10)


@pytest.mark.slow
def test_main_command_on_syn3a(genome_path, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "syn3a"
    result = runner.invoke(app, ["run", "models/policies/syn3a_single_vm.yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    print(result.output)
    import json
    import math
    import pandas as pd
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["vms"][0]["genes_expressed"] == 493  # 455 coding + 38 stable RNA
    for name in ("isolation.json", "vm_vm1.gb", "hypervisor.gb", "design.nt"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "results.csv")
    assert 20 <= table["doubling_time_min"].iloc[0] <= 120  # starts from the host steady state
    assert table["doubling_time_min"].iloc[-1] > 1.05 * table["doubling_time_min"].iloc[0]
    late = table["vm1_protein_total"][table["time_min"] >= 648]
    assert (late.max() - late.min()) / late.iloc[-1] < 0.01
    assert "steady state" in result.output and "yes" in result.output
    assert math.isfinite(table["vm1_translation_flux"].iloc[-1])


@pytest.mark.slow
def test_three_syn3a_vms_are_isolated_and_destroy_spares_the_others(genome_path, shared, tmp_path,
                                                                   monkeypatch):
    """The example three-VM policy: every pool isolated >= 100x; DESTROY_VM on vm2 clears it only."""
    import json

    import roadrunner

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
    out = tmp_path / "three"
    result = runner.invoke(app, ["compile", "models/policies/syn3a_three_vms.yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "isolation.json").read_text())
    assert all(report["vms"][vm]["isolation_ratio"] >= 100 for vm in ("vm1", "vm2", "vm3"))
    assert {report["vms"][vm]["tag"]["name"] for vm in ("vm1", "vm2", "vm3")} == {"pdt1", "pdt2", "pdt3"}
    rr = roadrunner.RoadRunner(str(out / "model.xml"))
    rr.simulate(0, 720, 3)
    before = {vm: rr[f"{vm}_protein_total"] for vm in ("vm1", "vm2", "vm3")}
    rr["command_destroy_vm2"] = 1
    # vm2's DESTROY sensor (naringenin, 4.5% leak) reaches its protease through a two-NOT buffer
    # (bioxen.passes.wiring), which takes about an hour to open: the VM is cleared within two hours
    rr.simulate(720, 840, 3)
    after = {vm: rr[f"{vm}_protein_total"] / before[vm] for vm in before}
    print(result.output, after)
    assert after["vm2"] < 0.01
    # spared: the others lose nothing to vm2's protease; they gain a little from what vm2 no longer
    # uses (energy, host ribosomes its mRNAs took): +5.3% in an hour under the ribosome gate
    assert all(0.99 < after[vm] < 1.10 for vm in ("vm1", "vm3")), after
