"""Isolation parts as behaviour: gates, proteases, pools, genetic code, and the cross-talk report."""
import json
import math
import subprocess

import libsbml
import numpy as np
import pytest
import roadrunner
import sbol3
from pysb.pathfinder import get_path
from typer.testing import CliRunner

from bioxen import rna
from bioxen.backend.compile import compile_design, outputs_spec
from bioxen.backend.sbol import validation_errors
from bioxen.cli import app
from bioxen.errors import CompileError
from bioxen.frontend import read_design
from conftest import write_policy

runner = CliRunner()


def _policy(tmp_path, genome, vms, extra=""):
    lines = "\n".join(f"  - {{id: {vm}, genome: {genome}, genetic_code: {code}, "
                      f"ribosomes: {{share: {share}, pool: {pool}}}}}" for vm, code, share, pool in vms)
    return write_policy(tmp_path / "p.yaml", f"schema_version: 1\n{extra}vms:\n{lines}\n")


def _three(tmp_path, genome, pool="orthogonal", share=0.15):
    return _policy(tmp_path, genome, [(f"vm{i}", "recode", share, pool) for i in (1, 2, 3)])


def _simulator(build):
    return roadrunner.RoadRunner(libsbml.writeSBMLToString(build.sbml))


def _translation_flux(rr, build, vm):
    return sum(rr[r] for r in outputs_spec(build)["vms"][vm]["elongation_reactions"])


@pytest.fixture(scope="module")
def three_vm_build(tmp_path_factory):
    from conftest import write_synthetic_genbank
    directory = tmp_path_factory.mktemp("three")
    genome = write_synthetic_genbank(directory / "SYN00001.1.gb")
    return compile_design(read_design(_three(directory, genome)))


def test_compile_prints_and_stores_an_isolating_crosstalk_matrix(tmp_path, synthetic_genbank):
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(_three(tmp_path, synthetic_genbank)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "SD class (row) on ribosome pool (column)" in result.output and "o3 (vm3)" in result.output
    report = json.loads((out / "isolation.json").read_text())
    strength = np.array(report["initiation_strength"])
    assert report["pools"] == ["host", "o1", "o2", "o3"] and strength.shape == (4, 4)
    assert strength[0, 0] == pytest.approx(1.0)
    for i, vm in enumerate(("vm1", "vm2", "vm3"), start=1):
        off = np.concatenate([np.delete(strength[i], i), np.delete(strength[:, i], i)])
        assert strength[i, i] >= 100 * off.max(), vm
        parts = report["vms"][vm]
        assert parts["isolation_ratio"] >= 100 and parts["isolation"] > 0.99
        # host mRNAs (unsequestered) reach every o-pool at >= the unpaired reference
        assert parts["isolation_ratio"] <= report["model"]["ratio_bound"]
        # the VM's own mRNAs: sequestered, they leak far less, up to exp(BETA (MAX_SEQUESTRATION - E_00))
        assert 1000 <= parts["leak_ratio"] <= report["model"]["leak_ratio_bound"]
        assert parts["utr_unfolding_kcal_per_mol"] > 5 and 0.85 < parts["initiation_vs_host"] < 1.15
        energy = np.array(report["energy_kcal_per_mol"])
        unpaired = strength[i][energy[i] == 0.0]       # pools its SD does not pair: the fold, no gain
        assert unpaired.size and unpaired == pytest.approx(report["model"]["unpaired_strength"][i])
    assert not any("crosstalk_cutoff" in warning for warning in report["warnings"])
    print(result.output)


def test_a_crosstalk_cutoff_hiding_off_target_initiation_is_warned_about(three_vm_build):
    """Sequestered o-mRNAs initiate on pools they do not pair at ~2e-4 of the host pair: the old
    cut-off (1e-3) would leave that out of the model and simulated isolation would read 100%;
    the default (1e-6) keeps every entry, and a higher one is named in the design warnings."""
    from dataclasses import replace

    from bioxen.backend.isolation import design_warnings

    design = three_vm_build.design
    strength = np.array(design.crosstalk.strength)
    assert strength.min() > design.crosstalk_cutoff == 1e-6
    assert not any("crosstalk_cutoff" in w for w in design_warnings(design))
    (warning,) = [w for w in design_warnings(replace(design, crosstalk_cutoff=1e-3)) if "crosstalk_cutoff" in w]
    assert "out of the model" in warning and "SD class o" in warning


def test_design_that_cannot_isolate_is_refused_with_no_output(tmp_path, synthetic_genbank):
    policy = _policy(tmp_path, synthetic_genbank, [("vm1", "recode", 0.1, "orthogonal"),
                                                   ("vm2", "recode", 0.1, "orthogonal")],
                     extra="isolation: {min_ratio: 1.0e+12}\n")
    result = runner.invoke(app, ["compile", str(policy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "cannot isolate 2 VM(s) on orthogonal ribosomes" in result.output and "min_ratio" in result.output
    assert not (tmp_path / "out").exists()


def test_uga_genome_without_a_genetic_code_choice_is_refused_with_its_location(tmp_path, synthetic_genbank):
    policy = write_policy(tmp_path / "p.yaml", f"schema_version: 1\nvms:\n  - id: vm1\n"
                                               f"    genome: {synthetic_genbank}\n")
    with pytest.raises(CompileError) as info:
        compile_design(read_design(policy))
    message = str(info.value)
    assert f"{policy}:4:13: error: VM 'vm1'" in message and "translation table 4" in message
    assert "genetic_code: recode" in message and "genetic_code: suppressor" in message


def test_rules_act_on_molecule_states(three_vm_build):
    model = three_vm_build.builder.model
    mrna = model.monomers["mRNA_vm2_SYN__0001"]
    assert mrna.site_states == {"sd": ["o2"]}
    assert model.monomers["protein_vm3_SYN__0001"].site_states == {"tag": ["pdt3"]}
    initiation = model.rules["initiation_vm2_SYN__0001"]
    assert "sd='o2'" in str(initiation.reactant_pattern) and "ribosome_o2" in str(initiation.reactant_pattern)
    # six genes (counted), the reporter (made and mature) and the VM's own protease (self-tagged,
    # uncounted) carry the tag
    assert len(model.observables["counted_pdt3"].reaction_pattern.complex_patterns) == 6
    assert len(model.observables["uncounted_pdt3"].reaction_pattern.complex_patterns) == 3
    # the load S_j a protease sees is one level per tag (the counter and the uncounted substrates
    # in one observable), so each proteolysis rate reads few levels (one Jacobian term each)
    tagged = model.observables["tagged_pdt3"].reaction_pattern.complex_patterns
    assert {str(cp) for cp in tagged} == {"degron_count_pdt3()"} | {
        str(cp) for cp in model.observables["uncounted_pdt3"].reaction_pattern.complex_patterns}
    load = model.expressions["substrate_load_vm3"].expr.free_symbols
    assert {s.name for s in load if s.name.startswith(("tagged_", "degron_", "uncounted_"))} == \
        {"tagged_pdt1", "tagged_pdt2", "tagged_pdt3"}


def test_off_target_initiation_is_simulated_from_the_matrix(three_vm_build):
    """Every SD class also binds the other pools at its cross-talk strength: measurable, small.

    More than the matrix's 0.4%: the VM's surplus mRNAs meet more free host ribosomes than
    free ribosomes of their own busy pool."""
    rules = three_vm_build.builder.model.rules
    assert "initiation_vm1_SYN__0001_on_host" in rules.keys() and "initiation_host_r_on_o2" in rules.keys()
    rr = _simulator(three_vm_build)
    rr.simulate(0, 600, 3)
    elongations = outputs_spec(three_vm_build)["vms"]["vm1"]["elongation_reactions"]
    wrong = sum(rr[r] for r in elongations if "_on_" in r)
    right = sum(rr[r] for r in elongations if "_on_" not in r)
    print(f"vm1 proteins made on other pools: {wrong / (wrong + right):.3%}")
    assert 0 < wrong < 0.05 * right


def _vm1_protein(tmp_path, genome, vm2_share, pool):
    policy = _policy(tmp_path, genome, [("vm1", "recode", 0.15, pool), ("vm2", "recode", vm2_share, pool)])
    rr = _simulator(compile_design(read_design(policy)))
    rr.simulate(0, 3000, 3)
    return rr["vm1_protein_total"]


@pytest.mark.slow
def test_orthogonal_pools_keep_vm1_when_vm2_gets_more_ribosomes(tmp_path, synthetic_genbank):
    """Raising VM2's share 0.1 -> 0.2 leaves VM1 within 5% on o-pools; on host ribosomes it falls."""
    change = {pool: _vm1_protein(tmp_path, synthetic_genbank, 0.2, pool) /
              _vm1_protein(tmp_path, synthetic_genbank, 0.1, pool) - 1 for pool in ("orthogonal", "host")}
    print({pool: f"{c:+.1%}" for pool, c in change.items()})
    assert abs(change["orthogonal"]) < 0.05
    assert change["host"] < -0.05
    assert abs(change["orthogonal"]) < abs(change["host"])


def test_induced_srna_gate_cuts_translation_and_release_restores_it(three_vm_build):
    rr = _simulator(three_vm_build)
    rr.simulate(0, 600, 3)
    before = _translation_flux(rr, three_vm_build, "vm2")
    other = _translation_flux(rr, three_vm_build, "vm1")
    rr["command_pause_vm2"] = 1
    rr.simulate(600, 660, 3)
    paused = _translation_flux(rr, three_vm_build, "vm2")
    rr["command_pause_vm2"] = 0
    rr.simulate(660, 1020, 3)  # a paused pool's free o-ribosomes disassemble; it rebuilds in hours
    resumed = _translation_flux(rr, three_vm_build, "vm2")
    print(f"vm2 translation: paused {paused / before:.2%}, 6 h after release {resumed / before:.2%} of before")
    assert paused < 0.10 * before
    assert resumed > 0.90 * before
    assert _translation_flux(rr, three_vm_build, "vm1") > 0.9 * other  # the gate is VM-specific


def test_destroy_clears_the_vm_within_two_hours_and_spares_the_others(three_vm_build):
    """From steady state, DESTROY_VM on vm2: vm2 below 1% within 120 min (its DESTROY sensor,
    naringenin, leaks 4.5%: it reaches the protease through a two-NOT buffer that takes about an
    hour to open, bioxen.passes.wiring), vm1 within 5% meanwhile.

    Afterwards the destroyed pool's ribosomal protein is shared out again, so the other VMs
    keep gaining (printed, about +5% at 60 min)."""
    rr = _simulator(three_vm_build)
    rr.simulate(0, 3000, 3)
    vm1, vm2 = rr["vm1_protein_total"], rr["vm2_protein_total"]
    rr["command_destroy_vm2"] = 1
    result = rr.simulate(3000, 3120, 241, ["time", "vm1_protein_total", "vm2_protein_total"])
    done = np.argmax(result[:, 2] < 0.01 * vm2)
    print(f"vm2 below 1% after {result[done, 0] - 3000:.1f} min, vm1 then {result[done, 1] / vm1:.2%} "
          f"and at 60 min {result[-1, 1] / vm1:.2%} of before")
    assert result[-1, 2] < 0.01 * vm2 and done > 0
    # vm1 loses nothing to vm2's protease; it gains what vm2 no longer uses (+7% by the time vm2 is
    # cleared, its DESTROY buffered: about +5% an hour after a DESTROY wired straight to a sensor)
    assert np.all(result[:done + 1, 1] / vm1 > 0.99) and np.all(result[:done + 1, 1] / vm1 < 1.10)
    assert rr["transcription_licence_vm2"] == 0


@pytest.mark.slow
def test_suppressor_costs_the_host_growth_that_recoding_does_not(tmp_path, genome_path, shared):
    growth = {}
    table = shared / "data" / "syn3a_gene_table.csv"
    for code in ("recode", "suppressor"):
        policy = write_policy(tmp_path / f"{code}.yaml", f"""
schema_version: 1
vms:
  - {{id: vm1, genome: CP016816.2, expression_table: {table}, genetic_code: {code}, resolution: subsystem,
     ribosomes: {{share: 0.1}}}}
""")
        rr = _simulator(compile_design(read_design(policy)))
        rr.simulate(0, 3000, 3)
        growth[code] = rr["growth_rate"]
        assert ("defective_protein" in rr.model.getFloatingSpeciesIds()) == (code == "suppressor")
    print(growth)
    assert growth["suppressor"] < 0.98 * growth["recode"]


@pytest.mark.slow
def test_bionetgen_generates_the_same_network_from_the_emitted_bngl(tmp_path, synthetic_genbank):
    policy = _policy(tmp_path, synthetic_genbank, [("vm1", "recode", 0.1, "orthogonal"),
                                                   ("vm2", "recode", 0.1, "host")])
    out = tmp_path / "out"
    assert runner.invoke(app, ["compile", str(policy), "-o", str(out)]).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    work = tmp_path / "bng"
    work.mkdir()
    bngl = (out / "model.bngl").read_text()
    bngl = bngl[:bngl.index("begin actions")] + "begin actions\n  generate_network({overwrite=>1})\nend actions\n"
    (work / "model.bngl").write_text(bngl)
    subprocess.run(["perl", get_path("bng"), "model.bngl"], cwd=work, check=True, capture_output=True,
                   timeout=300)
    net = (work / "model.net").read_text()
    species = net[net.index("begin species"):net.index("end species")].strip().splitlines()[1:]
    reactions = net[net.index("begin reactions"):net.index("end reactions")].strip().splitlines()[1:]
    ours = manifest["network"]
    # BNG lists each direction of a reversible rule as its own reaction
    model = compile_design(read_design(policy)).builder.model
    assert len(species) == ours["species"] == len(model.species)
    assert len(reactions) == len(model.reactions)


@pytest.mark.slow
def test_design_dna_is_written_and_valid_sbol3(tmp_path, synthetic_genbank):
    out = tmp_path / "out"
    result = runner.invoke(app, ["compile", str(_three(tmp_path, synthetic_genbank)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("vm_vm1.gb", "vm_vm2.gb", "vm_vm3.gb", "hypervisor.gb", "bom.csv", "design.nt"):
        assert (out / name).is_file(), name
    document = sbol3.Document()
    document.read(str(out / "design.nt"), file_format=sbol3.SORTED_NTRIPLES)
    assert validation_errors(document) == []
    # hypervisor.gb: the core construct and one o-16S record per orthogonal pool
    hypervisor = (out / "hypervisor.gb").read_text().count("\nLOCUS") + 1
    assert len([o for o in document.objects if isinstance(o, sbol3.Component)]) == 4 + hypervisor


@pytest.mark.slow
def test_tag_counters_equal_the_proteins_they_count_in_ode_and_ssa(three_vm_build):
    """The protease load reads each tag's counter species, not a sum over the genome's proteins
    (which would make the Jacobian dense). The counter must equal that sum: to solver precision
    in ODE, through a DESTROY (proteolysis) and growth, and exactly, molecule for molecule, in SSA."""
    from bioxen.runtime.simulate import load_simulator

    sbml = libsbml.writeSBMLToString(three_vm_build.sbml)
    columns = ["time"] + [f"{kind}_pdt{i}" for i in (1, 2, 3) for kind in ("degron_count", "counted")]
    rr = load_simulator(sbml)
    rr.timeCourseSelections = columns
    before = rr.simulate(0, 300, 61)
    rr["command_destroy_vm2"] = 1
    after = rr.simulate(300, 420, 25)
    for data in (before, after):
        for i in (1, 2, 3):
            counter, total = data[f"degron_count_pdt{i}"], data[f"counted_pdt{i}"]
            assert np.max(np.abs(counter - total)) <= 1e-6 * max(np.max(total), 1.0)
    assert before["counted_pdt2"][-1] > 1000 and after["counted_pdt2"][-1] < 0.05 * before["counted_pdt2"][-1]
    # SSA from the ODE state after the DESTROY (host nutrient and energy lumps fire ~1.4e7 times a
    # minute, so a few seconds of cell time): every protein made, diluted or degraded moves its counter.
    ssa = load_simulator(sbml, "ssa", seed=7, initial=rr.model.getFloatingSpeciesAmounts())
    ssa.timeCourseSelections = columns
    data = ssa.simulate(0, 0.05, 11)
    for i in (1, 2, 3):
        counter, total = data[f"degron_count_pdt{i}"], data[f"counted_pdt{i}"]
        assert np.array_equal(counter, total) and np.array_equal(counter, np.round(counter))
    for i in (1, 3):
        assert data[f"counted_pdt{i}"][0] > 100 and len(set(data[f"counted_pdt{i}"])) > 1


def test_isolation_figure_shows_each_vms_cross_contamination_over_time(three_vm_build):
    """report.html's isolation panel: per VM, the share of its proteins made on other pools and
    the share degraded by other VMs' proteases, from the results table's columns."""
    import pandas as pd
    from bioxen.report.figures import isolation_timecourses
    from bioxen.runtime.simulate import Outputs, simulate_sbml

    spec = outputs_spec(three_vm_build)
    table = simulate_sbml(libsbml.writeSBMLToString(three_vm_build.sbml), Outputs.from_spec(spec), 300, 31)
    figure = isolation_timecourses(table, spec)
    assert [t.name for t in figure.data if t.showlegend] == ["vm1", "vm2", "vm3"]
    for vm in ("vm1", "vm2", "vm3"):
        made_elsewhere, degraded = [t for t in figure.data if t.legendgroup == vm]
        expected = 100 * table[f"{vm}_offtarget_flux"] / table[f"{vm}_translation_flux"]
        assert np.allclose(made_elsewhere.y, expected, equal_nan=True)
        assert 0 < made_elsewhere.y[-1] < 5 and 0 <= degraded.y[-1] < 1   # percent
    assert isolation_timecourses(pd.DataFrame({"time_min": [0.0, 1.0]}), spec) is None


@pytest.fixture(scope="module")
def syn3a_three_vms_steady(shared, tmp_path_factory):
    """models/policies/syn3a_three_vms.yaml (subsystem resolution), compiled once and run 10 h
    without commands: its design, outputs spec and results table."""
    from bioxen.runtime.simulate import Outputs, simulate_sbml
    from conftest import ROOT

    with pytest.MonkeyPatch.context() as env:
        env.setenv("BIOXEN_GENOME_PATH", str(shared / "genomes"))
        env.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
        env.setenv("BIOXEN_OFFLINE", "1")
        env.setenv("BIOXEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        build = compile_design(read_design(ROOT / "models" / "policies" / "syn3a_three_vms.yaml"))
    spec = outputs_spec(build)
    table = simulate_sbml(libsbml.writeSBMLToString(build.sbml), Outputs.from_spec(spec), 600, 121)
    return build.design, spec, table


@pytest.mark.slow
def test_three_syn3a_vms_stay_isolated_as_the_crosstalk_matrix_predicts(syn3a_three_vms_steady, record_property):
    """Issue 19's acceptance: simulated isolation >= 99.5% per VM, counted as the report does
    (1 - (made on other pools + degraded by other proteases) / made, second half of the run),
    and where it comes from.

    A VM's mRNA initiates on pool j at S_ij per free ribosome of j, so the share made elsewhere is
    sum_j (S_ij / S_ii) (free_j / free_i). An SD pairing nothing still initiates at the unpaired
    reference; without sequestration (o-pairs at most ON_TARGET_WINDOW stronger than the host's)
    that was >= 1/590 of the own rate, and host ribosomes (5-7x freer than a saturated pool's)
    made ~1.6% of each VM's proteins (98.4%). Each o-SD now pairs 6-7 kcal/mol more strongly than
    the host pair and its UTR's hairpin costs as much on every pool (Salis' dG_mRNA): on a pool
    it does not pair, S_ij / S_ii = exp(BETA dG_ii) ~ 1/5,000 (docs/virtualization.md, "Isolation")."""
    from bioxen.backend.isolation import isolation_report
    from bioxen.report.metrics import isolation

    design, spec, table = syn3a_three_vms_steady
    window = table[table["time_min"] >= table["time_min"].iloc[-1] / 2]
    measured = isolation(window, isolation_report(design), list(spec["vms"]))
    crosstalk = design.crosstalk
    strength = np.array(crosstalk.strength)
    free = {"host": window["ribosomes_free"].mean()}
    free.update({vm.parts.pool: window[f"{vm.id}_pool_free"].mean() for vm in design.vms})
    lines = []
    for vm in design.vms:
        i = crosstalk.pools.index(vm.parts.pool)
        predicted = sum(strength[i][j] / strength[i][i] * free[pool] / free[vm.parts.pool]
                        for j, pool in enumerate(crosstalk.pools) if j != i and pool in free)
        simulated = measured["simulated"][vm.id]
        lines.append(f"{vm.id}: isolation {simulated['isolation']:.3%}, made on other pools "
                     f"{simulated['made_on_other_pools']:.3%} (predicted {predicted:.3%}), degraded by other "
                     f"proteases {simulated['degraded_by_other_proteases']:.4%}; "
                     f"matrix {measured['matrix'][vm.id]:.3%}")
        assert simulated["made_on_other_pools"] == pytest.approx(predicted, rel=0.1)
        # other VMs' proteases at rest, uninduced: their promoters leak as the Marionette sensors
        # measure (0.23% for the tightest, wired straight; 0.06-0.2% behind a buffer), not the 0.1%
        # the parts library assumed before the sensors were sourced (issue 20): 0.17% at most
        assert simulated["degraded_by_other_proteases"] < 2e-3
        assert simulated["isolation"] >= 0.995
        # nothing the matrix predicts is cut off: every pool costs at least the unpaired floor
        assert min(strength[i][j] for j in range(len(strength)) if j != i) >= design.crosstalk_cutoff
        floor = math.exp(rna.BETA * crosstalk.energy[i][i])   # its SD on a pool it pairs nothing of
        assert predicted >= floor * sum(free[p] / free[vm.parts.pool] for p in free if p != vm.parts.pool)
    record_property("measured", "\n".join(lines))
    print("\n" + "\n".join(lines))
