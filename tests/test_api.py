"""The genomic virtualization API against the Syn3A genome: one test per code example of
../shared/seeds/000_56eb2e176551951c.txt (gene names swapped for a Syn3A operon: dnaN rnmV ksgA,
JCVISYN3A_0002-0004), the manager's methods, mutations, conditions, and a synthetic genome with
lacZ, lacY and lacA running the lac example as written."""
from __future__ import annotations

import math

import numpy as np
import pytest

from bioxen.api import (BioVM, CellularContext, Checkpoint, ConfigError, GenomicVirtualizationManager, GrowthArrest,
                        ProgramError, ResourceDepletion, create_bio_vm)
from bioxen.api.config import HOST_RIBOSOMES
from bioxen.api.language import FUNCTIONS
from bioxen.api.processes import PROCESSES
from conftest import write_synthetic_genbank

OPERON = ["dnaN", "rnmV", "ksgA"]
SEED_CONFIG = {"genomic_virtualization": {
    "enabled": True,
    "genome_file": None,            # the Syn3A GenBank file (filled in by the fixture)
    "execution_mode": "direct",
    "virtual_resources": {"atp_pool": 1000, "ribosome_count": 7000}}}
CONTEXT_PROGRAM = '''create_cellular_context({
    "runtime_duration": 60,  # seconds of virtualized cellular time
    "environmental_context": {"temperature": 37, "pH": 7.0, "nutrients": ["glucose", "phosphate"]},
    "execution_isolation": True
})'''


@pytest.fixture(scope="module")
def data_env(shared):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BIOXEN_DATA_PATH", str(shared / "data"))
        patch.setenv("BIOXEN_OFFLINE", "1")
        yield


@pytest.fixture(scope="module")
def syn3a_vm(shared, data_env, tmp_path_factory) -> BioVM:
    """The seed's first example, on the Syn3A genome."""
    config = {"genomic_virtualization": dict(SEED_CONFIG["genomic_virtualization"],
                                             genome_file=str(shared / "genomes" / "CP016816.2.gb"))}
    return create_bio_vm("genomic_vm", "ecoli_mg1655", "basic", config=config,
                         work_dir=tmp_path_factory.mktemp("syn3a_vm"))


@pytest.fixture
def vm(syn3a_vm) -> BioVM:
    """A fresh VM (its own cell) on the compiled Syn3A runtime."""
    return BioVM.from_runtime(syn3a_vm.runtime)


def test_every_language_function_is_a_process():
    assert set(FUNCTIONS) == set(PROCESSES)


# -- the seed's examples -----------------------------------------------------------------------

@pytest.mark.slow
def test_create_bio_vm_compiles_the_genome_with_its_resources(syn3a_vm):
    runtime = syn3a_vm.runtime
    assert runtime.vm == "genomicvm"
    spec = syn3a_vm.context.cell.spec.vms["genomicvm"]
    assert spec.ribosome_share == pytest.approx(7000 / HOST_RIBOSOMES, rel=1e-5)
    assert spec.pool != "host"                                  # its own orthogonal pool
    assert runtime.design.vms[0].genetic_code == "recode"       # Syn3A reads UGA as Trp
    coding = [g for g in runtime.genome.genes if g.is_coding and not g.pseudo]
    proteins = list(spec.protein_lengths_aa)
    assert len(proteins) == len(coding) > 400                   # every gene of the genome
    assert runtime.settings.atp_pool == 1000


def test_the_manager_of_the_seed_is_importable_and_starts():
    from bioxen.api import GenomicVirtualizationManager as Imported
    assert Imported().chassis == "ecoli_mg1655"


@pytest.mark.slow
def test_run_operon_gives_each_genes_expression_time_course(vm):
    run = vm.execute_biological_process(f'run_operon({OPERON!r})'.replace("'", '"'))
    assert [g.name for g in run.genes] == OPERON
    assert [g.locus_tag for g in run.genes] == ["JCVISYN3A_0002", "JCVISYN3A_0003", "JCVISYN3A_0004"]
    for course in run.genes:
        protein = course.table["protein"].to_numpy()
        assert course.table["time_min"].iloc[-1] == pytest.approx(60.0)
        assert protein[0] == 0 and protein[-1] > 10                 # made from nothing
        assert np.all(np.diff(protein) >= -1e-9)                    # accumulating
        assert course.table["mRNA"].iloc[-1] > 1
    # the same gene by locus tag gives the same course in a fresh cell
    again = BioVM.from_runtime(vm.runtime).execute_biological_process('run_operon(["JCVISYN3A_0002"])')
    assert again.genes[0].table["protein"].iloc[-1] == pytest.approx(run.genes[0].table["protein"].iloc[-1], rel=1e-6)


def test_cell_cycle_checkpoint_reads_mass_and_replication(vm):
    fresh = vm.execute_biological_process("execute_cell_cycle_checkpoint()")
    assert isinstance(fresh, Checkpoint)
    assert not fresh.ready and "mass" in fresh.reasons and fresh.mass_ratio == pytest.approx(1.0, abs=1e-3)
    # Syn3A's 543 kb at 2 forks x 100 bp/s: C = 45.3 min, longer than the host's cell cycle
    assert fresh.c_period_min == pytest.approx(543379 / 200 / 60)
    assert fresh.overlapping_rounds
    vm.context.run(20 * 60)
    halfway = vm.execute_biological_process("execute_cell_cycle_checkpoint()")
    assert not halfway.ready and 1.3 < halfway.mass_ratio < 2.0
    assert 0 < halfway.replication_fraction < 1
    vm.context.cell.grow_until_division()
    ready = vm.execute_biological_process("execute_cell_cycle_checkpoint()")
    assert ready.mass_ratio == pytest.approx(2.0, rel=1e-4) and "mass" not in ready.reasons


def test_run_metabolic_pathways_on_imb155(vm):
    state = vm.execute_biological_process("run_metabolic_pathways(glucose_available=True)")
    assert state.flux.model == "iMB155" and state.growth == pytest.approx(0.6834, abs=1e-3)
    assert not state.conditions
    starved = vm.execute_biological_process("run_metabolic_pathways(glucose_available=False)")
    assert starved.growth == 0 and isinstance(starved.conditions[0], GrowthArrest)


@pytest.mark.slow
def test_create_cellular_context_runs_60_seconds_in_its_environment(vm):
    context = vm.execute_biological_process(CONTEXT_PROGRAM)
    assert isinstance(context, CellularContext) and vm.context is context
    assert context.cell.time == pytest.approx(1.0)               # 60 s of cell time
    assert context.environment.nutrients == ("glucose", "phosphate") and context.isolation
    status = context.status()
    assert status["vm_protein"] > 0 and status["growth_rate_per_min"] > 0.01
    shared = vm.execute_biological_process(CONTEXT_PROGRAM.replace('"execution_isolation": True',
                                                                   '"execution_isolation": False'))
    assert shared.cell.spec.vms["genomicvm"].pool == "host"   # no orthogonal pool: host ribosomes
    with pytest.raises(ConfigError, match="temperature 25"):
        vm.execute_biological_process('create_cellular_context({"environmental_context": {"temperature": 25}})')


def test_a_bad_program_is_an_error_with_its_column(vm):
    with pytest.raises(ProgramError) as error:
        vm.execute_biological_process('run_operon(["dnaN"]) ; __import__("os")')
    assert error.value.errors[0].location.column == 22     # the ";"
    with pytest.raises(ConfigError, match="no gene lacZ"):
        vm.execute_biological_process('run_operon(["lacZ"])')


# -- the manager -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_manager_methods_run_the_model(tmp_path, shared, data_env):
    manager = GenomicVirtualizationManager(work_dir=tmp_path)
    runtime = manager.load_genome_runtime(str(shared / "genomes" / "CP016816.2.gb"), "genomic_vm",
                                          ribosome_share=7000 / HOST_RIBOSOMES)
    assert runtime.genome.accession.startswith("CP016816") and runtime.design.vms[0].genetic_code == "recode"
    context = manager.create_cellular_context(runtime)
    assert context.cell.time == 0
    courses = manager.run_gene_expression_engine(OPERON, context, duration=30 * 60)
    assert set(courses) == set(OPERON) and all(t["protein"].iloc[-1] > 0 for t in courses.values())
    result = manager.execute_genomic_program('run_operon(["dnaN"], duration=60)', context)
    assert result.genes[0].table["time_min"].iloc[0] == pytest.approx(30.0)
    metabolism = manager.execute_metabolic_engine(context, {"nutrients": ["glucose"]})
    assert metabolism["absent_nutrients"] == ["phosphate"] and not metabolism["grows"]
    assert manager.execute_metabolic_engine(context, {})["growth_rate_per_h"] > 0.6

    twin = manager.replicate_genomic_runtime(context)
    a, b = context.run(10 * 60), twin.run(10 * 60)
    assert np.allclose(a["genomicvm_protein_total"], b["genomicvm_protein_total"], rtol=1e-6)

    division = manager.process_cell_division_event(context, np.random.default_rng(1))
    mother = division.mother.cell
    first, second = (d.cell for d in division.daughters)
    assert math.exp(mother.growth) >= 2 - 1e-3 and division.mother.checkpoint().ready
    assert np.allclose(first.content() + second.content(), mother.content(), rtol=1e-9, atol=1e-9)
    assert first.birth.generation == 1 and first.birth.lineage == "0.1"
    first.run(5)                                                 # daughters continue on their own
    assert first.time == pytest.approx(mother.time + 5)


def test_load_genome_runtime_compiles_a_genome(tmp_path, data_env):
    genome = write_synthetic_genbank(tmp_path / "SYN00003.1.gb", genes=2, table=11, with_rna=False)
    runtime = GenomicVirtualizationManager(work_dir=tmp_path).load_genome_runtime(str(genome), "small")
    assert runtime.design.vms[0].genetic_code is None           # table 11: no recoding
    assert runtime.build_dir.joinpath("model.net").is_file()


# -- mutations and conditions -----------------------------------------------------------------------

@pytest.mark.slow
def test_knockout_changes_model_and_flux_balance(vm):
    with pytest.raises(ConfigError, match="no gene notAGene"):
        vm.knockout(["notAGene"])
    vm.knockout(["JCVISYN3A_0291"])
    species = vm.runtime.build_dir.joinpath("locus_map.json").read_text()
    assert "JCVISYN3A__0291" not in species
    state = vm.execute_biological_process("run_metabolic_pathways()")
    assert state.growth == 0 and set(state.flux.lost_reactions) == {"RBFK", "FMNAT"}
    assert isinstance(state.conditions[0], GrowthArrest) and "RBFK" in str(state.conditions[0])


@pytest.mark.slow
def test_set_expression_changes_model_and_flux_balance(vm):
    before = vm.execute_biological_process('run_operon(["JCVISYN3A_0291"], duration=1800)')
    vm.set_expression("JCVISYN3A_0291", 0.5)
    after = vm.execute_biological_process('run_operon(["JCVISYN3A_0291"], duration=1800)')
    ratio = after.genes[0].table["mRNA"].iloc[-1] / before.genes[0].table["mRNA"].iloc[-1]
    assert 0.4 < ratio < 0.6
    assert vm.execute_biological_process("run_metabolic_pathways()").growth == pytest.approx(0.3417, abs=1e-3)
    with pytest.raises(ConfigError, match="above 0"):
        vm.set_expression("JCVISYN3A_0291", 0)


@pytest.mark.slow
def test_no_carbon_source_arrests_growth(vm):
    context = vm.execute_biological_process(
        'create_cellular_context({"runtime_duration": 3600, "environmental_context": {"nutrients": ["phosphate"]}})')
    kinds = {type(c) for c in context.conditions}
    assert GrowthArrest in kinds and ResourceDepletion in kinds      # energy runs out, growth stops
    depletion = next(c for c in context.conditions if isinstance(c, ResourceDepletion))
    assert depletion.resource == "energy" and depletion.level < 0.5 * depletion.reference
    assert context.status()["growth_rate_per_min"] < 0.1 * vm.runtime.reference.growth_rate


# -- configuration -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_yaml_configuration_maps_onto_the_policy(tmp_path, shared, data_env, syn3a_vm):
    config = tmp_path / "gv.yaml"
    config.write_text(f"""
genomic_virtualization:
  genome_file: {shared / 'genomes' / 'CP016816.2.gb'}
  execution_engine: "direct"  # direct genomic code execution
  runtime_scheduler: "preemptive"
  virtual_resources:
    atp_pool_size: 1000
    ribosome_allocation: 7000
    virtual_metabolites:
      glucose_concentration: 10.0
      phosphate_concentration: 5.0
  execution_parameters:
    transcription_execution_rate: 50.0  # nt/sec
    translation_execution_rate: 15.0    # aa/sec
    degradation_processing:
      mrna_processing_rate: 300      # seconds
      protein_processing_rate: 3600  # seconds
""")
    vm = create_bio_vm("yaml_vm", "ecoli_mg1655", config=config, work_dir=tmp_path / "work")
    policy = vm.runtime.policy_path.read_text()
    assert "translation_aa_per_s: 15.0" in policy and "mrna_half_life: 300 s" in policy
    assert "protein_half_life: 3600 s" in policy and "transcription_nt_per_s: 50.0" in policy
    assert vm.runtime.settings.ribosome_share == pytest.approx(7000 / HOST_RIBOSOMES)
    assert vm.runtime.design.vms[0].id == "yamlvm"
    # the VM's ribosomes elongate at 15 aa/s, not the host's 21: its translation is slower, and the
    # cell makes (and pays energy for) fewer amino acids than its ribosomes would at the host's speed
    slow = vm.context.run(30 * 60).iloc[-1]
    default = BioVM.from_runtime(syn3a_vm.runtime).context.run(30 * 60).iloc[-1]
    assert slow["yamlvm_translation_flux"] < 0.9 * default["genomicvm_translation_flux"]
    mass = vm.context.cell.spec.mass_aa
    assert slow["translation_aa_per_min"] < 0.99 * slow["growth_rate_per_min"] * mass
    assert default["translation_aa_per_min"] == pytest.approx(default["growth_rate_per_min"] * mass, rel=1e-6)


@pytest.mark.parametrize("config, message", [
    (None, "genomic_virtualization"),
    ({"genomic_virtualization": {"enabled": True}}, "genome_file"),
    ({"genomic_virtualization": {"genome_file": "x.gb", "enabled": False}}, "enabled must be true"),
    ({"genomic_virtualization": {"genome_file": "x.gb", "execution_mode": "emulated"}}, "'emulated' is not"),
    ({"genomic_virtualization": {"genome_file": "x.gb", "virtual_resources": {"ribosome_count": 90000}}},
     "at most 90%"),
    ({"genomic_virtualization": {"genome_file": "x.gb", "virtual_resources": {"atp_pool": -1}}}, "out of range"),
    ({"genomic_virtualization": {"genome_file": "x.gb", "turbo": True}}, "unknown setting"),
])
def test_bad_configurations_are_clear_errors(config, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        create_bio_vm("vm", config=config, work_dir=tmp_path)
    assert not list(tmp_path.iterdir())                         # nothing left behind


def test_unknown_vm_type_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="vm_type 'xcpng'"):
        create_bio_vm("vm", vm_type="xcpng", config=SEED_CONFIG, work_dir=tmp_path)


# -- the lac example as written ----------------------------------------------------------------------

def test_the_lac_operon_runs_as_written_on_a_synthetic_genome(tmp_path, data_env):
    genome = write_synthetic_genbank(tmp_path / "LAC00001.1.gb", genes=3, table=11, with_rna=False,
                                     names=("lacZ", "lacY", "lacA"))
    vm = create_bio_vm("lac_vm", "ecoli_mg1655", "basic", config={"genomic_virtualization": {
        "enabled": True, "genome_file": str(genome), "execution_mode": "direct",
        "virtual_resources": {"atp_pool": 1000, "ribosome_count": 7000}}}, work_dir=tmp_path / "work")
    result = vm.execute_biological_process('run_operon(["lacZ", "lacY", "lacA"])')
    assert [g.name for g in result.genes] == ["lacZ", "lacY", "lacA"]
    final = result.final()
    assert all(final[g]["protein"] > 1 and final[g]["mRNA"] > 0.1 for g in final)
    metabolism = vm.execute_biological_process("run_metabolic_pathways(glucose_available=True)")
    assert metabolism.flux.model == "e_coli_core" and metabolism.growth == pytest.approx(0.8739, abs=1e-3)


def test_a_missing_genome_is_an_error_and_leaves_nothing(tmp_path, data_env):
    from bioxen.errors import GenomeError

    config = {"genomic_virtualization": {"genome_file": str(tmp_path / "absent.gb")}}
    with pytest.raises(GenomeError, match="absent.gb"):
        create_bio_vm("vm", config=config, work_dir=tmp_path / "work")
    assert not (tmp_path / "work").exists()
